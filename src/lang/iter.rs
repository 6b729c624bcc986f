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
        // A list is indexed by as many indices as it has levels of nesting (a matrix
        // takes two); a dictionary of lists likewise.
        K::List(l) if !l.items.is_empty() && l.items.iter().all(|x| !x.is_atom()) => 2,
        K::Dict(d) => match &d.vals {
            K::List(l) if !l.items.is_empty() && l.items.iter().all(|x| !x.is_atom()) => 2,
            _ => 1,
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
    // Numbers and other atoms cannot be iterated (`1000/[+]`); a symbol names a function.
    if matches!(g, K::Atom(_)) && g.as_sym().is_none() && !matches!(t, 110 | 111) {
        return Err(QError::type_().into());
    }
    if let Some(r) = fast_path(it, t, g, &args) {
        return r;
    }
    match t {
        106 if is_case(g) => case(g, args),
        106 => each(it, g, args),
        107 => over(it, g, args, false),
        108 => over(it, g, args, true),
        109 => prior(it, g, args),
        // A noun before `/:` or `\:` joins (`sv`) or splits (`vs`): `", "/:`, `0x40\:`.
        110 | 111 if !matches!(g, K::Func(_)) => {
            let x = match <[K; 1]>::try_from(args) {
                Ok([x]) => x,
                Err(_) => return Err(QError::rank().into()),
            };
            let name = if t == 110 { "sv" } else { "vs" };
            let f = it
                .builtins
                .get(&qipc::Sym::from_text(name))
                .cloned()
                .ok_or_else(QError::nyi)?;
            it.apply(&f, vec![g.clone(), x])
        }
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
    <[K; 2]>::try_from(args).map_err(|_| QError::rank().into())
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

/// Glyphs whose binary form is atomic: applied to conforming lists they already work
/// item by item, so `x+'y` is `x+y`.
fn atomic_glyph(code: u8) -> bool {
    matches!(
        super::prims::codes_glyph_checked(code),
        Some("+" | "-" | "*" | "%" | "&" | "|" | "=" | "<" | ">" | "<=" | ">=" | "<>")
    )
}

/// Primitive iterations on simple vectors that a whole-vector keyword does in one pass
/// (`+/` is `sum`, `+\` is `sums`, `-':` is `deltas`, `x+'y` is `x+y`), instead of one
/// application per item.
fn fast_path(it: &mut Interp, t: u8, g: &K, args: &[K]) -> Option<EvalResult> {
    let K::Func(Func::Binary(code)) = g else {
        return None;
    };
    let glyph = super::prims::codes_glyph_checked(*code)?;
    let keyword = |name: &str| it.builtins.get(&qipc::Sym::from_text(name)).cloned();
    let f = match (t, args) {
        (107..=109, [K::Vector(_)]) => {
            let name = match (t, glyph) {
                (107, "+") => "sum",
                (107, "*") => "prd",
                (107, "|") => "max",
                (107, "&") => "min",
                (108, "+") => "sums",
                (108, "*") => "prds",
                (108, "|") => "maxs",
                (108, "&") => "mins",
                (109, "-") => "deltas",
                _ => return None,
            };
            keyword(name)?
        }
        (106, [x, y]) if atomic_glyph(*code) => {
            let conform = match (x, y) {
                (K::Vector(a), K::Vector(b)) => a.len() == b.len(),
                (K::Atom(_), K::Vector(_)) | (K::Vector(_), K::Atom(_)) => true,
                _ => false,
            };
            if !conform {
                return None;
            }
            it.prim_fn(*code, true).ok()?
        }
        (110, [K::Atom(_), K::Vector(_)]) | (111, [K::Vector(_), K::Atom(_)])
            if atomic_glyph(*code) =>
        {
            it.prim_fn(*code, true).ok()?
        }
        _ => return None,
    };
    Some(it.apply(&f, args.to_vec()))
}

/// An int vector before `'` is Case: it picks, item by item, from its arguments.
fn is_case(g: &K) -> bool {
    matches!(g, K::Vector(v) if matches!(v.ty, qipc::Ty::Short | qipc::Ty::Int | qipc::Ty::Long))
}

/// `x'[a;b;c]`: item i of the result is item i of the argument `x[i]` selects (atoms
/// stand for every item). Dictionary arguments must share their keys.
fn case(g: &K, args: Vec<K>) -> EvalResult {
    let sel: Vec<i64> = items(g).iter().filter_map(K::as_i64).collect();
    let mut keys: Option<K> = None;
    let mut cols: Vec<K> = Vec::with_capacity(args.len());
    for a in args {
        match a {
            K::Dict(d) => {
                match &keys {
                    Some(k) if *k != d.keys => return Err(QError::domain().into()),
                    Some(_) => {}
                    None => keys = Some(d.keys.clone()),
                }
                cols.push(d.vals.clone());
            }
            a => cols.push(a),
        }
    }
    let mut out = Vec::with_capacity(sel.len());
    for (i, &s) in sel.iter().enumerate() {
        let src = usize::try_from(s)
            .ok()
            .and_then(|s| cols.get(s))
            .ok_or_else(QError::index)?;
        out.push(if src.is_atom() {
            src.clone()
        } else {
            if src.len() != sel.len() {
                return Err(QError::length().into());
            }
            super::value::item(src, i).ok_or_else(QError::length)?
        });
    }
    Ok(from_items(out))
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
    if let (K::Vector(v), [a, c]) = (g, args.as_slice()) {
        if v.ty == qipc::Ty::Float {
            return linear_recurrence(a, g, c, scan);
        }
    }
    // A derived over or scan (`,/`) applied with one argument is unary: converge.
    let derived_unary = args.len() == 1 && matches!(g, K::Func(Func::Derived(107 | 108, _)));
    let r = rank_of(g);
    if r == 1 || derived_unary {
        return unary_over(it, g, args, scan);
    }
    // A function with a known identity starts a unary scan from it: `(,\)x` is `() ,\ x`.
    if scan && args.len() == 1 && matches!(g, K::Func(Func::Binary(12))) && !args[0].is_atom() {
        let x = args.into_iter().next().unwrap_or(K::NULL);
        return over(it, g, vec![K::list(Vec::new()), x], true);
    }
    let seeded = args.len() == 2;
    // The items are taken one at a time from `src`, starting at `from`: a fold over a
    // long vector never holds all its items as separate values.
    let (mut acc, src, from): (K, K, usize) = match args.len() {
        1 => {
            let x = args.into_iter().next().unwrap_or(K::NULL);
            if x.is_atom() {
                return Ok(x);
            }
            let Some(first) = super::value::item(&x, 0) else {
                return Ok(if scan { x.clone() } else { empty_fold(g, &x) });
            };
            (first, x, 1)
        }
        2 => {
            let mut a = args.into_iter();
            let seed = a.next().unwrap_or(K::NULL);
            let y = a.next().unwrap_or(K::NULL);
            if y.is_atom() {
                if !scan {
                    return it.apply(g, vec![seed, y]);
                }
                (seed, K::list(vec![y]), 0)
            } else {
                (seed, y, 0)
            }
        }
        _ => {
            // n-ary fold: f/[x;y;z] folds over y and z together.
            let mut a = args.into_iter();
            let mut acc = a.next().unwrap_or(K::NULL);
            let lists: Vec<K> = a.collect();
            let lens: Vec<usize> = lists.iter().filter(|l| !l.is_atom()).map(K::len).collect();
            let len = lens.iter().copied().max().unwrap_or(1);
            if lens.iter().any(|&l| l != len) {
                return Err(QError::length().into());
            }
            let mut out = Vec::new();
            for i in 0..len {
                let mut call = Vec::with_capacity(lists.len() + 1);
                call.push(acc);
                for l in &lists {
                    call.push(if l.is_atom() {
                        l.clone()
                    } else {
                        super::value::item(l, i).ok_or_else(QError::length)?
                    });
                }
                acc = it.apply(g, call)?;
                if scan {
                    out.push(acc.clone());
                }
            }
            return Ok(if scan { from_items(out) } else { acc });
        }
    };
    let n = src.len();
    let mut out = Vec::with_capacity(if scan { n + 1 } else { 0 });
    if scan && !seeded {
        out.push(acc.clone());
    }
    for i in from..n {
        let y = super::value::item(&src, i).unwrap_or(K::NULL);
        acc = it.apply(g, vec![acc, y])?;
        if scan {
            out.push(acc.clone());
        }
    }
    // x f\ y starts from the first application, not the seed.
    Ok(if scan { from_items(out) } else { acc })
}

/// `a b\c` with a float vector b: the linear recurrence r[i]:c[i]+b[i]*r[i-1], r[-1]:a.
fn linear_recurrence(a: &K, b: &K, c: &K, scan: bool) -> EvalResult {
    let num = |k: &K| -> Result<Vec<f64>, QError> {
        items(k)
            .iter()
            .map(|x| match x {
                K::Atom(qipc::Atom { v, .. }) => match *v {
                    qipc::Scalar::F64(f) => Ok(f),
                    qipc::Scalar::F32(f) => Ok(f as f64),
                    _ => x.as_i64().map(|i| i as f64).ok_or_else(QError::type_),
                },
                _ => Err(QError::type_()),
            })
            .collect()
    };
    let bs = num(b)?;
    let cs = if c.is_atom() {
        vec![num(c)?.first().copied().unwrap_or(f64::NAN); bs.len()]
    } else {
        num(c)?
    };
    if cs.len() != bs.len() {
        return Err(QError::length().into());
    }
    let mut r = *num(a)?.first().ok_or_else(QError::type_)?;
    if !a.is_atom() {
        return Err(QError::type_().into());
    }
    let mut out = Vec::with_capacity(bs.len());
    for (bi, ci) in bs.iter().zip(cs.iter()) {
        r = ci + bi * r;
        out.push(r);
    }
    Ok(if scan { K::floats(out) } else { K::float(r) })
}

/// `f/ ()`: the primitive's identity where q has one, else the empty list; a list used
/// as the function gives an empty list of its own type.
fn empty_fold(g: &K, x: &K) -> K {
    match g {
        K::List(_) => return K::list(Vec::new()),
        K::Vector(v) => return super::value::empty_vector(v.ty),
        // No identity known: the generic empty list.
        K::Func(f) if !matches!(f, Func::Binary(_)) => return K::list(Vec::new()),
        _ => {}
    }
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

#[cfg(test)]
mod tests {
    use crate::lang::console::run_lines as q;

    #[test]
    fn primitive_iterations_match_item_by_item() {
        assert_eq!(q(&["+/[1 2 3i]"]), "6i");
        assert_eq!(q(&["(+/)1 2 3"]), "6");
        assert_eq!(q(&["10+/1 2 3"]), "16");
        assert_eq!(q(&["+\\1 2 3i"]), "1 3 6i");
        assert_eq!(q(&["|/[3 1 4]"]), "4");
        assert_eq!(q(&["-':[1 4 9]"]), "1 3 5");
        assert_eq!(q(&["1 2 3+'4 5 6"]), "5 7 9");
        assert_eq!(q(&["1 2+'4 5 6"]), "'length");
        assert_eq!(q(&["1+/:4 5 6"]), "5 6 7");
        assert_eq!(q(&["{x+y}/[til 5]"]), "10");
        assert_eq!(q(&["{x+y}\\[10;1 2]"]), "11 13");
        assert_eq!(q(&["{x+y+z}/[0;1 2;10]"]), "23");
    }

    #[test]
    fn case_picks_from_its_arguments() {
        assert_eq!(q(&["0 1 0'[\"abc\";\"xyz\"]"]), "\"ayc\"");
        assert_eq!(q(&["0 2 0'[`a`b`c!\"abc\";\"xyz\";\"123\"]"]), "\"a2c\"");
        assert_eq!(q(&["0 1'[`a`b!\"ab\";`b`a!\"xy\"]"]), "'domain");
        assert_eq!(q(&["1 0 1'[\"abc\";\"-\"]"]), "\"-b-\"");
    }

    #[test]
    fn noun_each_right_and_left_are_sv_and_vs() {
        assert_eq!(q(&["(\", \"/:)(\"quick\";\"brown\")"]), "\"quick, brown\"");
        assert_eq!(q(&["(\",\"\\:)\"a,b\""]), ",\"a\"\n,\"b\"");
    }

    #[test]
    fn derived_over_is_unary_under_an_iterator() {
        assert_eq!(q(&["(,/)over (1;(2;(3;4)))"]), "1 2 3 4");
        assert_eq!(q(&["(+/)/[(1 2;3 4)]"]), "10");
    }

    #[test]
    fn join_scan_starts_from_its_identity() {
        assert_eq!(q(&["(,\\)2 3 4"]), ",2\n2 3\n2 3 4");
        assert_eq!(q(&["{x,y}\\[2 3 4]"]), "2\n2 3\n2 3 4");
    }

    #[test]
    fn float_vector_scan_is_a_linear_recurrence() {
        assert_eq!(
            q(&["a:1000f;b:1 2 3 4f;c:5 6 7 8f", "a b\\c"]),
            "1005 2016 6055 24228f"
        );
        assert_eq!(q(&["a:1000f;b:1 2 3 4f;c:5 6 7 8f", "a b/c"]), "24228f");
    }

    #[test]
    fn lists_as_iterated_functions() {
        assert_eq!(q(&["m:(0 1 2;1 2 0;2 0 1)", "0 m\\1 1 2"]), "1 2 1");
        assert_eq!(q(&["type (3 4#til 12)/[0#0]"]), "0h");
        assert_eq!(q(&["type 1 0 3h/[til 0]"]), "5h");
        assert_eq!(q(&["1000/[+]til 5"]), "'type");
        assert_eq!(q(&["()~({x+y}/)0#0"]), "1b");
        assert_eq!(q(&["(+/)0#0"]), "0");
    }

    #[test]
    fn prefix_iterators() {
        assert_eq!(q(&[";/[+]til 5"]), "10");
        assert_eq!(q(&[";\\[+][1000;til 5]"]), "1000 1001 1003 1006 1010");
        assert_eq!(q(&["'[count][(\"The\";\"quick\")]"]), "3 5");
    }
}
