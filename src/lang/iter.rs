//! Iterators: each `'`, over `/`, scan `\`, each-prior `':`, each-right `/:`,
//! each-left `\:` applied to any function value, with q's rules for how the derived
//! function's rank and arguments select converge, do, while, fold and their scans.

use super::builtins::Builtin;
use super::error::QError;
use super::eval::{is_elided, EvalResult, Interp};
use super::value::{from_items, items, null_atom};
use qipc::{Func, K};

/// The rank (number of arguments) a function value takes.
pub fn rank_of(f: &K) -> usize {
    match f {
        K::Func(func) => match func {
            Func::Lambda(l) => {
                if let Some(c) = l.compiled.get() {
                    if let Some(def) = c.downcast_ref::<super::ast::LambdaDef>() {
                        return def.params.len();
                    }
                }
                // Not yet parsed: count from the text's parameter list or x/y/z use.
                match super::parse::parse_bytes(&l.text) {
                    Ok(super::ast::Expr::Lambda(d)) => d.params.len(),
                    _ => 1,
                }
            }
            Func::Native(n) => n.as_any().downcast_ref::<Builtin>().map_or(1, |b| b.rank),
            Func::Binary(_) => 2,
            Func::Unary(_) | Func::Iterator(_) => 1,
            Func::Projection(items) => {
                let holes = items[1..].iter().filter(|x| is_elided(x)).count();
                let r = rank_of(&items[0]);
                let filled = items.len() - 1 - holes;
                r.saturating_sub(filled).max(holes).max(1)
            }
            Func::Composition(fs) => fs.last().map_or(1, rank_of),
            Func::Derived(t, g) => match t {
                106 => rank_of(g),
                107 | 108 => rank_of(g).max(1),
                _ => 2,
            },
        },
        _ => 1,
    }
}

/// Identity seed of a primitive for each-prior (`-':` starts from 0, `%':` from 1).
fn prior_seed(f: &K, x0: &K) -> K {
    let glyph = match f {
        K::Func(Func::Binary(c)) => Some(super::prims::codes_glyph(*c)),
        K::Func(Func::Native(n)) => n.as_any().downcast_ref::<Builtin>().map(|b| b.name),
        _ => None,
    };
    match glyph {
        Some("+") | Some("-") => K::long(0),
        Some("*") | Some("%") => K::long(1),
        Some("~") | Some("=") | Some("<>") => K::NULL,
        _ => match x0 {
            K::Atom(a) => null_atom(a.ty),
            _ => K::NULL,
        },
    }
}

pub fn apply_derived(it: &mut Interp, t: u8, g: &K, args: Vec<K>) -> EvalResult {
    match t {
        106 => each(it, g, args),
        107 => over(it, g, args, false),
        108 => over(it, g, args, true),
        109 => prior(it, g, args),
        110 => {
            let [x, y] = two(args)?;
            let mut out = Vec::new();
            for yi in list_items(&y) {
                out.push(it.apply(g, vec![x.clone(), yi])?);
            }
            Ok(keep_shape(&y, out))
        }
        111 => {
            let [x, y] = two(args)?;
            let mut out = Vec::new();
            for xi in list_items(&x) {
                out.push(it.apply(g, vec![xi, y.clone()])?);
            }
            Ok(keep_shape(&x, out))
        }
        _ => Err(QError::nyi().into()),
    }
}

fn two(args: Vec<K>) -> Result<[K; 2], super::eval::Ctl> {
    let n = args.len();
    <[K; 2]>::try_from(args).map_err(|_| {
        if n < 2 {
            QError::rank()
        } else {
            QError::rank()
        }
        .into()
    })
}

/// Items to iterate: an atom is its own single item.
fn list_items(x: &K) -> Vec<K> {
    if x.is_atom() {
        vec![x.clone()]
    } else {
        items(x)
    }
}

/// Rebuild the result of iterating over `src`: a dictionary keeps its keys, an atom
/// argument gives an atom result.
fn keep_shape(src: &K, out: Vec<K>) -> K {
    match src {
        K::Dict(d) => K::dict(d.keys.clone(), from_items(out)),
        x if x.is_atom() => out.into_iter().next().unwrap_or(K::NULL),
        _ => from_items(out),
    }
}

fn each(it: &mut Interp, g: &K, args: Vec<K>) -> EvalResult {
    match args.len() {
        1 => {
            let x = &args[0];
            let mut out = Vec::with_capacity(x.len());
            for xi in list_items(x) {
                out.push(it.apply(g, vec![xi])?);
            }
            Ok(keep_shape(x, out))
        }
        _ => {
            // each-both (or n-ary each): conform lengths, atoms extend.
            let n = args
                .iter()
                .filter(|a| !a.is_atom())
                .map(|a| a.len())
                .collect::<Vec<_>>();
            let len = match n.first() {
                Some(&l) => {
                    if n.iter().any(|&m| m != l) {
                        return Err(QError::length().into());
                    }
                    l
                }
                None => {
                    return it.apply(g, args);
                }
            };
            let cols: Vec<Vec<K>> = args
                .iter()
                .map(|a| {
                    if a.is_atom() {
                        vec![a.clone(); len]
                    } else {
                        items(a)
                    }
                })
                .collect();
            let mut out = Vec::with_capacity(len);
            for i in 0..len {
                let row: Vec<K> = cols.iter().map(|c| c[i].clone()).collect();
                out.push(it.apply(g, row)?);
            }
            let shape_src = args
                .iter()
                .find(|a| !a.is_atom())
                .cloned()
                .unwrap_or(K::NULL);
            Ok(keep_shape(&shape_src, out))
        }
    }
}

fn over(it: &mut Interp, g: &K, args: Vec<K>, scan: bool) -> EvalResult {
    let r = rank_of(g);
    if r == 1 {
        return unary_over(it, g, args, scan);
    }
    let seeded = args.len() == 2;
    let (mut acc, rest): (K, Vec<K>) = match args.len() {
        1 => {
            let x = &args[0];
            if x.is_atom() {
                return Ok(x.clone());
            }
            let its = items(x);
            if its.is_empty() {
                return Ok(if scan { x.clone() } else { empty_fold(g, x) });
            }
            let mut its = its.into_iter();
            let first = its.next().unwrap_or(K::NULL);
            (first, its.collect())
        }
        2 => {
            let mut a = args.into_iter();
            let seed = a.next().unwrap_or(K::NULL);
            let y = a.next().unwrap_or(K::NULL);
            if y.is_atom() && !scan {
                return it.apply(g, vec![seed, y]);
            }
            (seed, list_items(&y))
        }
        _ => {
            // n-ary fold: f/[x;y;z] folds over y and z together.
            let mut a = args.into_iter();
            let mut acc = a.next().unwrap_or(K::NULL);
            let lists: Vec<K> = a.collect();
            let len = lists
                .iter()
                .filter(|l| !l.is_atom())
                .map(K::len)
                .max()
                .unwrap_or(1);
            let cols: Vec<Vec<K>> = lists
                .iter()
                .map(|l| {
                    if l.is_atom() {
                        vec![l.clone(); len]
                    } else {
                        items(l)
                    }
                })
                .collect();
            let mut out = Vec::new();
            for i in 0..len {
                let mut call = vec![acc];
                for c in &cols {
                    call.push(c.get(i).cloned().ok_or_else(QError::length)?);
                }
                acc = it.apply(g, call)?;
                if scan {
                    out.push(acc.clone());
                }
            }
            return Ok(if scan { from_items(out) } else { acc });
        }
    };
    let mut out = Vec::new();
    if scan && !seeded {
        out.push(acc.clone());
    }
    for y in rest {
        acc = it.apply(g, vec![acc, y])?;
        if scan {
            out.push(acc.clone());
        }
    }
    // x f\ y starts from the first application, not the seed.
    Ok(if scan { from_items(out) } else { acc })
}

/// `f/ ()`: the primitive's identity where q has one, else the empty list.
fn empty_fold(g: &K, x: &K) -> K {
    let glyph = match g {
        K::Func(Func::Binary(c)) => Some(super::prims::codes_glyph(*c)),
        _ => None,
    };
    match glyph {
        Some("+") => match x.ty() {
            9 => K::float(0.0),
            _ => K::long(0),
        },
        Some("*") => K::long(1),
        _ => x.clone(),
    }
}

/// Over/scan of a unary function: converge, do `n`, or while `cond`.
fn unary_over(it: &mut Interp, g: &K, args: Vec<K>, scan: bool) -> EvalResult {
    let mut out = Vec::new();
    match args.len() {
        1 => {
            let start = args.into_iter().next().unwrap_or(K::NULL);
            let mut prev = start.clone();
            if scan {
                out.push(prev.clone());
            }
            loop {
                let next = it.apply(g, vec![prev.clone()])?;
                if next == prev || next == start {
                    break;
                }
                if scan {
                    out.push(next.clone());
                }
                prev = next;
            }
            Ok(if scan { from_items(out) } else { prev })
        }
        2 => {
            let mut a = args.into_iter();
            let ctl = a.next().unwrap_or(K::NULL);
            let mut v = a.next().unwrap_or(K::NULL);
            if scan {
                out.push(v.clone());
            }
            if let Some(n) = ctl.as_i64() {
                for _ in 0..n.max(0) {
                    v = it.apply(g, vec![v])?;
                    if scan {
                        out.push(v.clone());
                    }
                }
            } else {
                loop {
                    let c = it.apply(&ctl, vec![v.clone()])?;
                    if !super::eval::truthy(&c)? {
                        break;
                    }
                    v = it.apply(g, vec![v])?;
                    if scan {
                        out.push(v.clone());
                    }
                }
            }
            Ok(if scan { from_items(out) } else { v })
        }
        _ => Err(QError::rank().into()),
    }
}

fn prior(it: &mut Interp, g: &K, args: Vec<K>) -> EvalResult {
    let (seed, x) = match args.len() {
        1 => {
            let x = args.into_iter().next().unwrap_or(K::NULL);
            let first = items(&x).into_iter().next().unwrap_or(K::NULL);
            (prior_seed(g, &first), x)
        }
        2 => {
            let mut a = args.into_iter();
            (a.next().unwrap_or(K::NULL), a.next().unwrap_or(K::NULL))
        }
        _ => return Err(QError::rank().into()),
    };
    let its = list_items(&x);
    let mut out = Vec::with_capacity(its.len());
    let mut prev = seed;
    for xi in its {
        out.push(if prev.is_null() && matches!(g, K::Func(Func::Binary(_))) {
            xi.clone()
        } else {
            it.apply(g, vec![xi.clone(), prev])?
        });
        prev = xi;
    }
    Ok(keep_shape(&x, out))
}
