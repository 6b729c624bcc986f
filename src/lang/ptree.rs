//! q parse trees: the general-list form of code that `parse` returns and `eval`, `value`
//! and the functional qSQL forms (`?[t;c;b;a]`, `![t;c;b;a]`) take. Converts between
//! them and the evaluator's [`Expr`].

use super::ast::*;
use super::eval::{derive, lambda_value, prim_value, ELIDED};
use super::value::general;
use qipc::{Func, Scalar, Sym, Ty, K};
use std::sync::Arc;

fn sym(s: &str) -> K {
    K::sym(Sym::from_text(s))
}

fn verb_k(v: &Verb) -> K {
    match v {
        Verb::Prim(p) => prim_value(p).unwrap_or_else(|_| sym(p)),
        Verb::Word(w) => K::sym(*w),
        Verb::Derived(f, a) => derive(to_ptree(f), a),
    }
}

/// Expression to parse tree.
pub fn to_ptree(e: &Expr) -> K {
    match e {
        Expr::Lit(k) => match k {
            K::Atom(a) if a.ty == Ty::Sym => {
                general(vec![K::syms(vec![k.as_sym().unwrap_or(Sym::NULL)])])
            }
            K::Vector(v) if v.ty == Ty::Sym => general(vec![k.clone()]),
            _ => k.clone(),
        },
        Expr::Name(n) => K::sym(*n),
        Expr::Verb(v) => verb_k(v),
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
                other => to_ptree(other),
            };
            general(vec![fk, to_ptree(x)])
        }
        Expr::Dyad(f, x, y) => {
            let mut v = vec![to_ptree(f), to_ptree(x)];
            if let Some(y) = y {
                v.push(to_ptree(y));
            }
            general(v)
        }
        Expr::Apply(f, args) => {
            let mut v = vec![to_ptree(f)];
            for a in args {
                v.push(a.as_ref().map_or(ELIDED, to_ptree));
            }
            general(v)
        }
        Expr::List(items) => {
            let mut v = vec![sym("enlist")];
            v.extend(items.iter().map(to_ptree));
            general(v)
        }
        Expr::Lambda(def) => lambda_value(def, Sym::NULL),
        Expr::Assign(a) => {
            let target = match &a.index {
                None => K::sym(a.name),
                Some(ix) => {
                    let mut v = vec![K::sym(a.name)];
                    v.extend(ix.iter().map(|x| x.as_ref().map_or(K::NULL, to_ptree)));
                    general(v)
                }
            };
            let op = match &a.op {
                Some(Verb::Prim(p)) => prim_value(&format!("{p}:")).unwrap_or(K::NULL),
                _ => prim_value(if a.global { "::" } else { ":" }).unwrap_or(K::NULL),
            };
            general(vec![op, target, to_ptree(&a.value)])
        }
        Expr::Return(x) => general(vec![prim_value(":").unwrap_or(K::NULL), to_ptree(x)]),
        Expr::Signal(x) => general(vec![K::Func(Func::Iterator(0)), to_ptree(x)]),
        Expr::Cond(v) => {
            let mut out = vec![prim_value("$").unwrap_or(K::NULL)];
            out.extend(v.iter().map(to_ptree));
            general(out)
        }
        Expr::If(v) | Expr::Do(v) | Expr::While(v) => {
            let w = match e {
                Expr::If(_) => "if",
                Expr::Do(_) => "do",
                _ => "while",
            };
            let mut out = vec![sym(w)];
            out.extend(v.iter().map(to_ptree));
            general(out)
        }
        Expr::Table(keys, cols) => {
            let part = |spec: &[(Sym, Expr)]| {
                let names = general(vec![K::syms(spec.iter().map(|c| c.0))]);
                let mut vals = vec![sym("enlist")];
                vals.extend(spec.iter().map(|c| to_ptree(&c.1)));
                general(vec![
                    prim_value("!").unwrap_or(K::NULL),
                    names,
                    general(vals),
                ])
            };
            let flip = prim_value("+:").unwrap_or(K::NULL);
            let t = general(vec![flip.clone(), part(cols)]);
            if keys.is_empty() {
                t
            } else {
                general(vec![
                    prim_value("!").unwrap_or(K::NULL),
                    general(vec![flip, part(keys)]),
                    t,
                ])
            }
        }
        Expr::Sql(s) => sql_ptree(s),
        Expr::Seq(v) => {
            let mut out = vec![sym(";")];
            out.extend(v.iter().map(to_ptree));
            general(out)
        }
        Expr::Nil => K::NULL,
    }
}

fn phrase_dict(p: &[(Option<Sym>, Expr)]) -> K {
    let names: Vec<Sym> = p
        .iter()
        .map(|(n, e)| {
            n.or_else(|| super::parse::derive_name(e))
                .unwrap_or_else(|| Sym::from_text("x"))
        })
        .collect();
    K::dict(
        K::syms(names),
        general(p.iter().map(|(_, e)| to_ptree(e)).collect()),
    )
}

fn sql_ptree(s: &Sql) -> K {
    let wheres = general(s.wheres.iter().map(to_ptree).collect());
    let by = match &s.by {
        Some(b) => phrase_dict(b),
        None => K::bool(false),
    };
    match s.kind {
        SqlKind::Select | SqlKind::Exec => {
            let cols = if s.cols.is_empty() {
                K::list(vec![])
            } else if s.kind == SqlKind::Exec && s.cols.len() == 1 && s.cols[0].0.is_none() {
                to_ptree(&s.cols[0].1)
            } else {
                phrase_dict(&s.cols)
            };
            let by = if s.kind == SqlKind::Exec && s.by.is_none() {
                K::list(vec![])
            } else {
                by
            };
            general(vec![
                prim_value("?").unwrap_or(K::NULL),
                to_ptree(&s.from),
                wheres,
                by,
                cols,
            ])
        }
        SqlKind::Update => general(vec![
            prim_value("!").unwrap_or(K::NULL),
            to_ptree(&s.from),
            wheres,
            by,
            phrase_dict(&s.cols),
        ]),
        SqlKind::Delete => {
            let names: Vec<Sym> = s
                .cols
                .iter()
                .filter_map(|(_, e)| super::parse::derive_name(e))
                .collect();
            general(vec![
                prim_value("!").unwrap_or(K::NULL),
                to_ptree(&s.from),
                wheres,
                K::bool(false),
                K::syms(names),
            ])
        }
    }
}

/// Parse tree to expression: a symbol is a name, a general list is an application of
/// its first item, an enlisted symbol (one-item list) is a constant, anything else is
/// itself.
/// The function a string names, parsed as q text (the string itself when it does not
/// parse).
fn text_function(f: &K) -> Expr {
    match f.as_string().map(super::parse::parse_bytes) {
        Some(Ok(Expr::Seq(mut v))) if v.len() == 1 => v.remove(0),
        Some(Ok(e)) => e,
        _ => Expr::Lit(f.clone()),
    }
}

pub fn from_ptree(k: &K) -> Expr {
    match k {
        K::Atom(a) if a.ty == Ty::Sym => match a.v {
            Scalar::Sym(s) => Expr::Name(s),
            _ => Expr::Lit(k.clone()),
        },
        K::List(l)
            if l.items.len() == 1 && matches!(&l.items[0], K::Vector(v) if v.ty == Ty::Sym) =>
        {
            let v = &l.items[0];
            Expr::Lit(if v.len() == 1 {
                super::value::item(v, 0).unwrap_or(K::NULL)
            } else {
                v.clone()
            })
        }
        K::List(l) if !l.items.is_empty() => {
            let f = &l.items[0];
            let args = &l.items[1..];
            // (:;`a;v) assignment
            if matches!(f, K::Func(Func::Binary(0))) && args.len() == 2 {
                if let Some(n) = args[0].as_sym() {
                    return Expr::Assign(Box::new(Assign {
                        name: n,
                        index: None,
                        op: None,
                        global: false,
                        value: from_ptree(&args[1]),
                    }));
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
            let fe = match f {
                K::Func(Func::Iterator(0)) if args.len() == 1 => {
                    return Expr::Signal(Box::new(from_ptree(&args[0])));
                }
                // A string in function position names the function (`value ("+";2;2)`).
                K::Atom(a) if a.ty == Ty::Char => text_function(f),
                K::Vector(v) if v.ty == Ty::Char => text_function(f),
                _ => from_ptree(f),
            };
            let fe = match fe {
                // A unary glyph value keeps its monadic meaning when applied.
                Expr::Lit(K::Func(Func::Unary(c))) if args.len() == 1 && c != 0 => {
                    let g = super::prims::codes_glyph(c);
                    return Expr::Monad(
                        Box::new(Expr::Verb(Verb::Prim(Arc::from(g)))),
                        Box::new(from_ptree(&args[0])),
                    );
                }
                other => other,
            };
            Expr::Apply(
                Box::new(fe),
                args.iter()
                    .map(|a| {
                        if super::eval::is_elided(a) {
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
