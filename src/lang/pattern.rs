//! Pattern matching: destructuring assignment `(a;b):x`, the pattern conditional
//! `:[v;p1;r1;...]` and lambda parameters written as patterns (`{[(a;b);c]..}`).
//!
//! A match first collects every binding and only then assigns them, so a failed match
//! (`'match`, `'length`, `'type`) changes no variable. Parsing patterns is the parser's
//! job (`parse::to_pattern`); this module only runs them.

use super::ast::{Expr, Pattern};
use super::error::QError;
use super::eval::{amend_deep, Ctl, EvalResult, Frame, Interp};
use super::prims::list;
use super::value::{from_items, item, items, table_dict};
use qipc::{Sym, Table, K};

/// q's match (`~`): structural equality where a dictionary's sortedness (`` `s# ``)
/// does not count, like every other attribute.
fn q_match(a: &K, b: &K) -> bool {
    match (a, b) {
        (K::Dict(x), K::Dict(y)) => q_match(&x.keys, &y.keys) && q_match(&x.vals, &y.vals),
        (K::List(x), K::List(y)) => {
            x.items.len() == y.items.len()
                && x.items
                    .iter()
                    .zip(y.items.iter())
                    .all(|(p, q)| q_match(p, q))
        }
        _ => a == b,
    }
}

/// One variable a successful match sets: the name, the index of an indexed name, the value.
pub struct Binding {
    name: Sym,
    index: Option<Vec<K>>,
    value: K,
}

fn mismatch() -> Ctl {
    QError::new("match").into()
}

/// The type number a type-check letter stands for (lower case an atom, upper case a list).
fn type_of_letter(c: u8) -> Option<i16> {
    const LETTERS: &[u8] = b" bg xhijefcspmdznuvt";
    let lower = c.to_ascii_lowercase();
    let n = LETTERS.iter().position(|&l| l == lower && l != b' ')? as i16;
    Some(if c.is_ascii_uppercase() { n } else { -n })
}

/// True when some part of the pattern applies a filter function, so the matched value
/// may differ from the assigned one and must be rebuilt.
fn has_filter(p: &Pattern) -> bool {
    match p {
        Pattern::Check(p, e) => !matches!(e, Expr::Lit(k) if k.as_sym().is_some()) || has_filter(p),
        Pattern::List(ps) => ps.iter().any(has_filter),
        Pattern::Dict(_, p) | Pattern::Flip(p) => has_filter(p),
        Pattern::Bang(a, b) => has_filter(a) || has_filter(b),
        Pattern::Table(k, c) => k.iter().chain(c.iter()).any(|(_, p)| has_filter(p)),
        Pattern::Null | Pattern::Const(_) | Pattern::Name(_) | Pattern::Index(..) => false,
    }
}

/// True for the errors that mean "this pattern does not fit" (a pattern conditional
/// moves on to its next pattern).
fn is_mismatch(e: &QError) -> bool {
    matches!(&*e.msg, "match" | "length" | "type")
}

impl Interp {
    /// Match `v` against `p`, collecting bindings; returns the value as filters left it.
    pub fn match_pattern(
        &mut self,
        p: &Pattern,
        v: K,
        frame: &mut Option<&mut Frame>,
        out: &mut Vec<Binding>,
    ) -> EvalResult {
        match p {
            Pattern::Null => Ok(v),
            Pattern::Const(c) => {
                if q_match(c, &v) {
                    Ok(v)
                } else {
                    Err(mismatch())
                }
            }
            Pattern::Name(n) => {
                out.push(Binding {
                    name: *n,
                    index: None,
                    value: v.clone(),
                });
                Ok(v)
            }
            Pattern::Index(n, ix) => {
                let idx = self.eval_index(ix, frame)?;
                out.push(Binding {
                    name: *n,
                    index: Some(idx),
                    value: v.clone(),
                });
                Ok(v)
            }
            Pattern::List(ps) => {
                if v.is_atom() || matches!(v, K::Func(_) | K::Dict(_)) {
                    return Err(QError::type_().into());
                }
                if v.len() != ps.len() {
                    return Err(QError::length().into());
                }
                let mut got = Vec::with_capacity(ps.len());
                for (i, p) in ps.iter().enumerate() {
                    let x = item(&v, i).ok_or_else(QError::length)?;
                    got.push(self.match_pattern(p, x, frame, out)?);
                }
                Ok(if has_filter(p) { from_items(got) } else { v })
            }
            Pattern::Dict(keys, p) => {
                let d = match &v {
                    K::Dict(d) => d.clone(),
                    _ => return Err(QError::type_().into()),
                };
                let have = items(&d.keys);
                let want = if keys.is_atom() {
                    vec![keys.clone()]
                } else {
                    items(keys)
                };
                if !want.iter().all(|k| have.iter().any(|h| q_match(h, k))) {
                    return Err(mismatch());
                }
                let picked = list::index(&v, keys)?;
                let got = self.match_pattern(p, picked, frame, out)?;
                Ok(if has_filter(p) {
                    list::amend_assign(&v, keys, &got)?
                } else {
                    v
                })
            }
            Pattern::Bang(kp, vp) => {
                let d = match &v {
                    K::Dict(d) => d.clone(),
                    _ => return Err(QError::type_().into()),
                };
                let k = self.match_pattern(kp, d.keys.clone(), frame, out)?;
                let x = self.match_pattern(vp, d.vals.clone(), frame, out)?;
                Ok(if has_filter(p) { K::dict(k, x) } else { v })
            }
            Pattern::Table(kps, cps) => self.match_table(p, kps, cps, v, frame, out),
            Pattern::Flip(p) => {
                let t = match &v {
                    K::Table(t) => t.clone(),
                    _ => return Err(QError::type_().into()),
                };
                let got = self.match_pattern(p, table_dict(&t), frame, out)?;
                if !has_filter(p) {
                    return Ok(v);
                }
                match &got {
                    K::Dict(d) => Ok(K::table(
                        items(&d.keys).iter().filter_map(K::as_sym).collect(),
                        items(&d.vals),
                    )),
                    _ => Err(QError::type_().into()),
                }
            }
            Pattern::Check(p, e) => {
                if let Expr::Lit(k) = e {
                    if let Some(s) = k.as_sym() {
                        let want = s
                            .as_bytes()
                            .first()
                            .and_then(|&c| type_of_letter(c))
                            .ok_or_else(QError::type_)?;
                        if v.ty() != want {
                            return Err(QError::type_().into());
                        }
                        return self.match_pattern(p, v, frame, out);
                    }
                }
                let f = self.eval(e, frame)?;
                let x = self.apply(&f, vec![v])?;
                self.match_pattern(p, x, frame, out)
            }
        }
    }

    /// `([k:p]c:p)`: named columns of a table; key columns of a keyed table.
    fn match_table(
        &mut self,
        whole: &Pattern,
        kps: &[(Sym, Pattern)],
        cps: &[(Sym, Pattern)],
        v: K,
        frame: &mut Option<&mut Frame>,
        out: &mut Vec<Binding>,
    ) -> EvalResult {
        let (kt, vt): (Option<std::sync::Arc<Table>>, std::sync::Arc<Table>) = match &v {
            K::Table(t) if kps.is_empty() => (None, t.clone()),
            K::Dict(d) => match (&d.keys, &d.vals) {
                (K::Table(k), K::Table(t)) => (Some(k.clone()), t.clone()),
                _ => return Err(QError::type_().into()),
            },
            _ => return Err(QError::type_().into()),
        };
        let filtered = has_filter(whole);
        let mut run = |it: &mut Interp,
                       t: &Table,
                       ps: &[(Sym, Pattern)],
                       out: &mut Vec<Binding>|
         -> EvalResult<Vec<K>> {
            let mut cols = t.cols.clone();
            for (name, p) in ps {
                let i = t
                    .names
                    .iter()
                    .position(|n| n == name)
                    .ok_or_else(mismatch)?;
                cols[i] = it.match_pattern(p, t.cols[i].clone(), frame, out)?;
            }
            Ok(cols)
        };
        let vcols = run(self, &vt, cps, out)?;
        let kcols = match &kt {
            Some(k) => Some(run(self, k, kps, out)?),
            None => None,
        };
        if !filtered {
            return Ok(v);
        }
        let vt2 = K::table(vt.names.to_vec(), vcols);
        Ok(match (kt, kcols) {
            (Some(k), Some(kc)) => K::dict(K::table(k.names.to_vec(), kc), vt2),
            _ => vt2,
        })
    }

    /// Set the variables of a successful match: locals of the running lambda, or globals.
    pub fn bind(
        &mut self,
        bindings: Vec<Binding>,
        frame: &mut Option<&mut Frame>,
    ) -> EvalResult<()> {
        for b in bindings {
            let local = frame.as_ref().is_some_and(|f| f.declares(b.name));
            let value = match b.index {
                None => b.value,
                Some(ix) => {
                    let cur = self.assigned(b.name, local, frame)?;
                    amend_deep(&cur, &ix, &b.value)?
                }
            };
            self.store(b.name, local, frame, value);
        }
        Ok(())
    }

    /// `(p):x` — match, then bind; the value is x as the pattern's filters left it.
    pub fn eval_match(
        &mut self,
        p: &Pattern,
        value: &Expr,
        frame: &mut Option<&mut Frame>,
    ) -> EvalResult {
        let v = self.eval(value, frame)?;
        let mut out = Vec::new();
        let got = self.match_pattern(p, v, frame, &mut out)?;
        self.bind(out, frame)?;
        Ok(got)
    }

    /// `:[v;p1;r1;...;rd]`.
    pub fn eval_pattern_cond(
        &mut self,
        v: &Expr,
        pairs: &[(Pattern, Expr)],
        default: Option<&Expr>,
        frame: &mut Option<&mut Frame>,
    ) -> EvalResult {
        let v = self.eval(v, frame)?;
        for (p, r) in pairs {
            let mut out = Vec::new();
            match self.match_pattern(p, v.clone(), frame, &mut out) {
                Ok(_) => {
                    self.bind(out, frame)?;
                    return self.eval(r, frame);
                }
                Err(Ctl::Err(e)) if is_mismatch(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        match default {
            Some(d) => self.eval(d, frame),
            None => Ok(K::NULL),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::console::run_lines as q;

    #[test]
    fn list_and_name_patterns() {
        assert_eq!(q(&["(b;c):2 3", "c"]), "3");
        assert_eq!(q(&["(b;c):2 3"]), "");
        assert_eq!(q(&["(a;(b;c)):(1;2 3)", "c"]), "3");
        assert_eq!(q(&["(a):1 3", "a"]), "1 3");
        assert_eq!(q(&["a:1 2 3", "(a[1]):4", "a"]), "1 4 3");
        assert_eq!(q(&["(a;b):([]colA:1 2;colB:3 4)", "b"]), "colA| 2\ncolB| 4");
        assert_eq!(q(&["(a;b;):1 2 3", "b"]), "2");
    }

    #[test]
    fn failures_change_nothing() {
        assert_eq!(q(&["(1):2"]), "'match");
        assert_eq!(q(&["(1 2):1 2"]), "");
        assert_eq!(q(&["(b;c):2 3 4"]), "'length");
        assert_eq!(q(&["(a;b;):1 2"]), "'length");
        assert_eq!(q(&["(b;c;3):2 3 4"]), "'match");
        assert_eq!(q(&["b:0", "(b;c;3):2 3 4", "b"]), "0");
    }

    #[test]
    fn dictionary_table_and_operator_patterns() {
        assert_eq!(q(&["(1 2!(one;two)):1 2 3!\"abc\"", "two"]), "\"b\"");
        assert_eq!(q(&["(1 2!(one;two)):1 3!\"ac\""]), "'match");
        assert_eq!(
            q(&["([four:d]):`one`two`three`four`five!1 2 3 4 5", "d"]),
            "4"
        );
        assert_eq!(q(&["([six:;four:d]):`one`two`four!1 2 4"]), "'match");
        assert_eq!(q(&["([]cc:e):([]aa:1 2;cc:5 6)", "e"]), "5 6");
        assert_eq!(q(&["([k1:f]cc:e):([k1:7 8]aa:1 2;cc:5 6)", "f"]), "7 8");
        assert_eq!(q(&["(flip([a;b])):([]a:1 2;b:3 4)", "b"]), "3 4");
        assert_eq!(q(&["(a!b):1 2!\"ab\"", "b"]), "\"ab\"");
        assert_eq!(q(&["(a!):1 2!3 4", "a"]), "1 2");
    }

    #[test]
    fn type_checks_and_filters() {
        assert_eq!(q(&["(:`f):3f"]), "");
        assert_eq!(q(&["(:`f):3e"]), "'type");
        assert_eq!(q(&["((a;b):`F):3 4f", "b"]), "4f");
        assert_eq!(q(&["((a;b):`F):3 4e"]), "'type");
        assert_eq!(q(&["(a:3+):4", "a"]), "7");
        assert_eq!(q(&["a:(b;:1+):1 2", "a"]), "1 3");
        assert_eq!(q(&["a:(b;:1+):1 2", "b"]), "1");
    }

    #[test]
    fn pattern_conditional() {
        let c = "a: :[x;r:`f;\"float\";r:`i;\"int\";\"other\"]";
        assert_eq!(q(&["x:1f", c, "a"]), "\"float\"");
        assert_eq!(q(&["x:1f", c, "r"]), "1f");
        assert_eq!(q(&["x:1i", c, "a"]), "\"int\"");
        assert_eq!(q(&["x:1", c, "a"]), "\"other\"");
    }

    #[test]
    fn lambda_parameters() {
        assert_eq!(q(&["f:{[x;]x}", "f[3;4]"]), "3");
        assert_eq!(q(&["f:{[(a;b);c]a+b+c}", "f[1 2;3]"]), "6");
        assert_eq!(
            q(&["t:{$[x>40;'`hot;x]}", "f:{[x:t]32+1.8*x}", "f 42.8"]),
            "'hot"
        );
        assert_eq!(
            q(&["t:{$[x>40;'`hot;x]}", "f:{[x:t]32+1.8*x}", "f 20"]),
            "68f"
        );
        // Names bound by a pattern inside a lambda are its locals.
        assert_eq!(q(&["a:0", "{(a;b):x;a+b} 1 2"]), "3");
        assert_eq!(q(&["a:0", "{(a;b):x;a+b} 1 2", "a"]), "0");
    }
}
