//! q parse trees: the general-list form of code that `parse` returns and `eval`, `value`
//! and the functional qSQL forms (`?[t;c;b;a]`, `![t;c;b;a]`) take. Converts between
//! them and the evaluator's [`Expr`].

use super::ast::*;
use super::error::{QError, QResult};
use super::eval::{is_elided, lambda_value, prim_value, Interp, ELIDED};
use super::value::general;
use qipc::{Func, Scalar, Sym, Ty, K};
use std::sync::Arc;

fn sym(s: &str) -> K {
    K::sym(Sym::from_text(s))
}

/// The iterator value (type 103) of an iterator glyph.
fn iterator_k(a: &str) -> K {
    let code = super::prims::codes::ITERATOR_GLYPHS
        .iter()
        .position(|g| *g == a)
        .unwrap_or(0);
    K::Func(Func::Iterator(code as u8))
}

/// Verbs appear in parse trees as their values; a derived verb as the list (iterator;
/// operand), which `eval` applies.
fn verb_k(it: &Interp, v: &Verb) -> QResult {
    Ok(match v {
        Verb::Prim(p) => prim_value(p).unwrap_or_else(|_| sym(p)),
        Verb::Word(w) => it.keyword_value(*w).unwrap_or_else(|| K::sym(*w)),
        Verb::Derived(f, a) => general(vec![iterator_k(a), to_ptree(it, f)?]),
    })
}

/// Expression to parse tree. Names of q keywords become the keywords' values (q shows
/// the k definitions there); symbols written as data are enlisted so they are not read
/// back as names.
pub fn to_ptree(it: &Interp, e: &Expr) -> QResult {
    Ok(match e {
        Expr::Lit(k) => match k {
            // A symbol constant is quoted by enlisting it: `,`a`.
            K::Atom(a) if a.ty == Ty::Sym => K::syms(vec![k.as_sym().unwrap_or(Sym::NULL)]),
            K::Vector(v) if v.ty == Ty::Sym => general(vec![k.clone()]),
            _ => k.clone(),
        },
        Expr::Name(n) => it.keyword_value(*n).unwrap_or(K::sym(*n)),
        Expr::Verb(v) => verb_k(it, v)?,
        Expr::Monad(f, x) => {
            let fk = match &**f {
                Expr::Verb(Verb::Prim(p)) => {
                    let unary = if p.ends_with(':') {
                        p.to_string()
                    } else {
                        format!("{p}:")
                    };
                    prim_value(&unary).unwrap_or_else(|_| sym(p))
                }
                other => to_ptree(it, other)?,
            };
            general(vec![fk, to_ptree(it, x)?])
        }
        Expr::Dyad(f, x, y) => {
            let mut v = vec![to_ptree(it, f)?, to_ptree(it, x)?];
            if let Some(y) = y {
                v.push(to_ptree(it, y)?);
            }
            general(v)
        }
        Expr::Apply(f, args) => {
            let mut v = vec![to_ptree(it, f)?];
            for a in args {
                v.push(match a {
                    Some(a) => to_ptree(it, a)?,
                    None => ELIDED,
                });
            }
            general(v)
        }
        Expr::List(items) => {
            let mut v = vec![it
                .keyword_value(Sym::from_text("enlist"))
                .unwrap_or(sym("enlist"))];
            for x in items {
                v.push(to_ptree(it, x)?);
            }
            general(v)
        }
        Expr::Lambda(def) => lambda_value(def, Sym::NULL),
        Expr::Assign(a) => {
            let target = match &a.index {
                None => K::sym(a.name),
                Some(ix) => {
                    let mut v = vec![K::sym(a.name)];
                    for x in ix {
                        v.push(match x {
                            Some(x) => to_ptree(it, x)?,
                            None => K::NULL,
                        });
                    }
                    general(v)
                }
            };
            let op = match &a.op {
                Some(Verb::Prim(p)) => prim_value(&format!("{p}:")).unwrap_or(K::NULL),
                _ => prim_value(if a.global { "::" } else { ":" }).unwrap_or(K::NULL),
            };
            general(vec![op, target, to_ptree(it, &a.value)?])
        }
        Expr::Match(..) | Expr::PatCond(..) => return Err(QError::nyi()),
        Expr::Return(x) => general(vec![prim_value(":").unwrap_or(K::NULL), to_ptree(it, x)?]),
        Expr::Signal(x) => general(vec![K::Func(Func::Iterator(0)), to_ptree(it, x)?]),
        Expr::Cond(v) => {
            let mut out = vec![prim_value("$").unwrap_or(K::NULL)];
            for x in v {
                out.push(to_ptree(it, x)?);
            }
            general(out)
        }
        Expr::If(v) | Expr::Do(v) | Expr::While(v) => {
            let w = match e {
                Expr::If(_) => "if",
                Expr::Do(_) => "do",
                _ => "while",
            };
            let mut out = vec![sym(w)];
            for x in v {
                out.push(to_ptree(it, x)?);
            }
            general(out)
        }
        Expr::Table(keys, cols) => {
            let part = |spec: &[(Sym, Expr)]| -> QResult {
                let names = general(vec![K::syms(spec.iter().map(|c| c.0))]);
                let mut vals = vec![sym("enlist")];
                for c in spec {
                    vals.push(to_ptree(it, &c.1)?);
                }
                Ok(general(vec![
                    prim_value("!").unwrap_or(K::NULL),
                    names,
                    general(vals),
                ]))
            };
            let flip = prim_value("+:").unwrap_or(K::NULL);
            let t = general(vec![flip.clone(), part(cols)?]);
            if keys.is_empty() {
                t
            } else {
                general(vec![
                    prim_value("!").unwrap_or(K::NULL),
                    general(vec![flip, part(keys)?]),
                    t,
                ])
            }
        }
        Expr::Sql(s) => sql_ptree(it, s)?,
        Expr::Seq(v) => {
            let mut out = vec![sym(";")];
            for x in v {
                out.push(to_ptree(it, x)?);
            }
            general(out)
        }
        Expr::Nil => K::NULL,
    })
}

fn phrase_dict(it: &Interp, p: &[(Option<Sym>, Expr)]) -> QResult {
    let names: Vec<Sym> = p
        .iter()
        .map(|(n, e)| {
            n.or_else(|| super::parse::derive_name(e))
                .unwrap_or_else(|| Sym::from_text("x"))
        })
        .collect();
    let mut vals = Vec::with_capacity(p.len());
    for (_, e) in p {
        vals.push(to_ptree(it, e)?);
    }
    Ok(K::dict(K::syms(names), general(vals)))
}

fn sql_ptree(it: &Interp, s: &Sql) -> QResult {
    let mut w = Vec::with_capacity(s.wheres.len());
    for x in &s.wheres {
        w.push(to_ptree(it, x)?);
    }
    // The constraints are one list, enlisted so that `eval` passes them on unevaluated.
    let wheres = if w.is_empty() {
        K::list(Vec::new())
    } else {
        general(vec![general(w)])
    };
    let by = match &s.by {
        Some(b) => phrase_dict(it, b)?,
        None => K::bool(false),
    };
    Ok(match s.kind {
        SqlKind::Select | SqlKind::Exec => {
            let cols = if s.cols.is_empty() {
                K::list(vec![])
            } else if s.kind == SqlKind::Exec && s.cols.len() == 1 && s.cols[0].0.is_none() {
                to_ptree(it, &s.cols[0].1)?
            } else {
                phrase_dict(it, &s.cols)?
            };
            let by = if s.kind == SqlKind::Exec && s.by.is_none() {
                K::list(vec![])
            } else {
                by
            };
            general(vec![
                prim_value("?").unwrap_or(K::NULL),
                to_ptree(it, &s.from)?,
                wheres,
                by,
                cols,
            ])
        }
        SqlKind::Update => general(vec![
            prim_value("!").unwrap_or(K::NULL),
            to_ptree(it, &s.from)?,
            wheres,
            by,
            phrase_dict(it, &s.cols)?,
        ]),
        SqlKind::Delete => {
            let names: Vec<Sym> = s
                .cols
                .iter()
                .filter_map(|(_, e)| super::parse::derive_name(e))
                .collect();
            general(vec![
                prim_value("!").unwrap_or(K::NULL),
                to_ptree(it, &s.from)?,
                wheres,
                K::bool(false),
                K::syms(names),
            ])
        }
    })
}

/// The function a string names, parsed as q text (the string itself when it does not
/// parse).
fn text_function(f: &K) -> Expr {
    match f.as_string().map(super::parse::parse_bytes) {
        Some(Ok(Expr::Seq(mut v))) if v.len() == 1 => v.remove(0),
        Some(Ok(e)) => e,
        _ => Expr::Lit(f.clone()),
    }
}

/// Parse tree to expression: a symbol is a name, a one-item list is its item as a
/// constant (enlisting quotes), a longer general list applies its first item to the
/// rest, anything else is itself.
pub fn from_ptree(k: &K) -> Expr {
    match k {
        K::Atom(a) if a.ty == Ty::Sym => match a.v {
            Scalar::Sym(s) => Expr::Name(s),
            _ => Expr::Lit(k.clone()),
        },
        K::Vector(v) if v.len() == 1 => Expr::Lit(super::value::item(k, 0).unwrap_or(K::NULL)),
        K::List(l) if l.items.len() == 1 && !matches!(&l.items[0], K::Func(_)) => {
            Expr::Lit(l.items[0].clone())
        }
        K::List(l) if !l.items.is_empty() => {
            let f = &l.items[0];
            let args = &l.items[1..];
            // (:;`a;v) assignment, (::;`a;v) global assignment, (+:;`a;v) modify.
            if let (K::Func(func), [target, value]) = (f, args) {
                if let Some(n) = target.as_sym() {
                    let (global, op) = match func {
                        Func::Binary(0) => (false, None),
                        Func::Unary(0) => (true, None),
                        Func::Unary(c) if *c != 0xff => (
                            false,
                            Some(Verb::Prim(Arc::from(super::prims::codes_glyph(*c)))),
                        ),
                        _ => (false, None),
                    };
                    if matches!(func, Func::Binary(0) | Func::Unary(_)) && !is_elided(f) {
                        return Expr::Assign(Box::new(Assign {
                            name: n,
                            index: None,
                            op,
                            global,
                            value: from_ptree(value),
                        }));
                    }
                }
            }
            if let Some(w) = f.as_sym() {
                match w.as_bytes() {
                    b"enlist" => return Expr::List(args.iter().map(from_ptree).collect()),
                    b"if" => return Expr::If(args.iter().map(from_ptree).collect()),
                    b"do" => return Expr::Do(args.iter().map(from_ptree).collect()),
                    b"while" => return Expr::While(args.iter().map(from_ptree).collect()),
                    b";" => return Expr::Seq(args.iter().map(from_ptree).collect()),
                    _ => {}
                }
            }
            if matches!(f, K::Func(Func::Binary(11))) && args.len() >= 3 {
                return Expr::Cond(args.iter().map(from_ptree).collect());
            }
            if let K::Func(Func::Unary(c)) = f {
                // A unary glyph value keeps its monadic meaning when applied.
                if args.len() == 1 && *c != 0 && *c != 0xff {
                    let g = super::prims::codes_glyph(*c);
                    return Expr::Monad(
                        Box::new(Expr::Verb(Verb::Prim(Arc::from(g)))),
                        Box::new(from_ptree(&args[0])),
                    );
                }
            }
            // A string in function position names the function (`value ("+";2;2)`).
            let fe = match f {
                K::Atom(a) if a.ty == Ty::Char => text_function(f),
                K::Vector(v) if v.ty == Ty::Char => text_function(f),
                _ => from_ptree(f),
            };
            Expr::Apply(
                Box::new(fe),
                args.iter()
                    .map(|a| {
                        if is_elided(a) {
                            None
                        } else {
                            Some(from_ptree(a))
                        }
                    })
                    .collect(),
            )
        }
        _ => Expr::Lit(k.clone()),
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::console::run_lines as q;

    #[test]
    fn parse_shows_keywords_in_k_and_enlists_symbols() {
        assert_eq!(q(&["parse \"type 6\""]), "@:\n6");
        assert_eq!(q(&["parse \"1 2 3 +neg 5 7\""]), "+\n1 2 3\n(-:;5 7)");
        assert_eq!(q(&["parse\"`a`b`c,`d,v\""]), ",\n,`a`b`c\n(,;,`d;`v)");
        assert_eq!(q(&["parse \"+/[1 2 3 4]\""]), "(/;+)\n1 2 3 4");
        assert_eq!(q(&["parse \"k)!10\""]), "!:\n10");
        assert_eq!(q(&["parse\"6(+)4\""]), "6\n(+:;4)");
        assert_eq!(q(&["-5!\"count x\""]), "#:\n`x");
    }

    #[test]
    fn eval_quotes_enlisted_items_and_applies_the_rest() {
        assert_eq!(q(&["eval enlist `x"]), "`x");
        assert_eq!(q(&["x:4", "eval `x"]), "4");
        assert_eq!(q(&["eval (/;+)"]), "+/");
        assert_eq!(q(&["eval ((/;+);(til;(+;2;2)))"]), "6");
        assert_eq!(q(&["eval(+;7;(+;2;1))"]), "10");
        assert_eq!(q(&["eval(,;`a;`b)"]), "'b");
        assert_eq!(q(&["eval(,;enlist `a;enlist `b)"]), "`a`b");
        assert_eq!(q(&["eval parse\"a::5\""]), "5");
        assert_eq!(q(&["eval parse\"a::5\"", "a"]), "5");
        assert_eq!(q(&["eval parse \"x:3\"", "x"]), "3");
        assert_eq!(q(&["eval parse \"'`oops\""]), "'oops");
    }

    #[test]
    fn value_applies_without_evaluating_items() {
        assert_eq!(q(&["value(+;7;(+;2;1))"]), "'type");
        assert_eq!(q(&["value(,;`a;`b)"]), "`a`b");
        assert_eq!(q(&["value(`.q.neg;2)"]), "-2");
    }
}
