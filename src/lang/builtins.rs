//! The built-in keyword functions and the glyph tables: which keyword a glyph means
//! monadically and dyadically, the registry that turns the `prims` families into q
//! function values, and the keywords that need the interpreter itself (`value`, `@`,
//! `.`, `each`, `show`, internal `-n!` functions ...).

use super::display;
use super::error::{QError, QResult};
use super::eval::{Ctl, EvalResult, Interp};
use super::prims::{self, list, Dyad, Monad};
use super::value::{from_items, items};
use qipc::{Func, Native, Sym, Ty, K};
use std::any::Any;
use std::sync::Arc;

/// How a built-in runs.
#[derive(Clone, Copy)]
pub enum BFn {
    Monad(Monad),
    Dyad(Dyad),
    Triad(prims::table::Triad),
    Interp(fn(&mut Interp, Vec<K>) -> EvalResult),
}

/// A built-in function value (`K::Func(Func::Native(..))`).
pub struct Builtin {
    pub name: &'static str,
    /// Arguments needed before it runs (fewer project).
    pub rank: usize,
    /// Most arguments accepted.
    pub max: usize,
    pub f: BFn,
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name)
    }
}

impl Native for Builtin {
    fn name(&self) -> &str {
        self.name
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Builtin {
    pub fn call(&self, it: &mut Interp, args: Vec<K>) -> EvalResult {
        match self.f {
            BFn::Monad(f) => match args.as_slice() {
                [x] => Ok(f(x)?),
                _ => Err(QError::rank().into()),
            },
            BFn::Dyad(f) => match args.as_slice() {
                [x, y] => Ok(f(x, y)?),
                _ => Err(QError::rank().into()),
            },
            BFn::Triad(f) => match args.as_slice() {
                [x, y, z] => Ok(f(x, y, z)?),
                _ => Err(QError::rank().into()),
            },
            BFn::Interp(f) => f(it, args),
        }
    }
}

/// The keyword a glyph means when applied to one argument.
pub fn monad_name(glyph: &str) -> Option<&'static str> {
    Some(match glyph {
        "+" => "flip",
        "-" => "neg",
        "*" => "first",
        "%" => "reciprocal",
        "&" => "where",
        "|" => "reverse",
        "^" => "null",
        "=" => "group",
        "<" => "iasc",
        ">" => "idesc",
        "$" => "string",
        "," => "enlist",
        "#" => "count",
        "_" => "floor",
        "~" => "not",
        "!" => "key",
        "?" => "distinct",
        "@" => "type",
        "." => "value",
        ":" => "::",
        _ => return None,
    })
}

/// The registry name of a glyph applied to two arguments (registered under the glyph).
pub fn dyad_name(glyph: &str) -> Option<&'static str> {
    const D: [&str; 23] = [
        "+", "-", "*", "%", "&", "|", "^", "=", "<", ">", "$", ",", "#", "_", "~", "!", "?", "@",
        ".", "<=", ">=", "<>", ":",
    ];
    D.iter().find(|d| **d == glyph).copied()
}

fn native(name: &'static str, rank: usize, max: usize, f: BFn) -> K {
    K::Func(Func::Native(Arc::new(Builtin { name, rank, max, f })))
}

pub fn register(
    it: &mut Interp,
    name: &'static str,
    rank: usize,
    max: usize,
    f: fn(&mut Interp, Vec<K>) -> EvalResult,
) {
    it.builtins.insert(
        Sym::from_text(name),
        native(name, rank, max, BFn::Interp(f)),
    );
}

/// Fill the interpreter's keyword table.
pub fn install(it: &mut Interp) {
    let families: [(&[(&str, Monad)], &[(&str, Dyad)]); 4] = [
        (prims::atomic::MONADS, prims::atomic::DYADS),
        (prims::list::MONADS, prims::list::DYADS),
        (prims::cast::MONADS, prims::cast::DYADS),
        (prims::table::MONADS, prims::table::DYADS),
    ];
    for (monads, dyads) in families {
        for (n, f) in monads {
            it.builtins
                .insert(Sym::from_text(n), native(n, 1, 1, BFn::Monad(*f)));
        }
        for (n, f) in dyads {
            it.builtins
                .insert(Sym::from_text(n), native(n, 2, 2, BFn::Dyad(*f)));
        }
    }
    for (n, f) in prims::table::TRIADS {
        it.builtins
            .insert(Sym::from_text(n), native(n, 3, 3, BFn::Triad(*f)));
    }
    register(it, "ssr", 3, 3, |it, a| {
        if matches!(a[2], K::Func(_)) {
            let f = a[2].clone();
            let mut call = |m: &K| q(it.apply(&f, vec![m.clone()]));
            return Ok(prims::cast::ssr_by(&a[0], &a[1], &mut call)?);
        }
        Ok(prims::cast::ssr(&a[0], &a[1], &a[2])?)
    });
    register(it, "insert", 2, 2, |it, a| {
        let name = a[0].as_sym().ok_or_else(QError::type_)?;
        let full = it.resolve_name(name);
        let mut t = it
            .globals
            .remove(&full)
            .ok_or_else(|| QError::new(name.as_str().into_owned()))?;
        let r = prims::table::insert_in_place(&mut t, &a[1]);
        it.globals.insert(full, t);
        Ok(r?)
    });
    register(it, "upsert", 2, 2, |it, a| match a[0].as_sym() {
        Some(name) => {
            let full = it.resolve_name(name);
            let mut t = it
                .globals
                .remove(&full)
                .ok_or_else(|| QError::new(name.as_str().into_owned()))?;
            let r = prims::table::upsert_in_place(&mut t, &a[1]);
            it.globals.insert(full, t);
            r?;
            Ok(a[0].clone())
        }
        None => Ok(prims::table::upsert_rows(&a[0], &a[1])?),
    });
    register(it, "wj", 4, 4, |it, a| wj(it, a, false));
    register(it, "wj1", 4, 4, |it, a| wj(it, a, true));
    register(it, "$", 2, 2, cast);
    register(it, ":", 2, 2, |_, a| Ok(a[1].clone()));
    register(it, "::", 1, 1, |_, a| {
        Ok(a.into_iter().next().unwrap_or(K::NULL))
    });
    register(it, "~", 2, 2, |_, a| Ok(K::bool(a[0] == a[1])));
    register(it, "match", 2, 2, |_, a| Ok(K::bool(a[0] == a[1])));
    register(it, "type", 1, 1, |_, a| Ok(K::short(a[0].ty())));
    register(it, "value", 1, 1, value);
    register(it, "get", 1, 1, value);
    register(it, "@", 2, 4, at);
    register(it, ".", 2, 4, dot);
    register(it, "!", 2, 2, bang);
    register(it, "each", 2, 2, |it, a| {
        super::iter::apply_derived(it, 106, &a[0], vec![a[1].clone()])
    });
    register(it, "peach", 2, 2, |it, a| {
        super::iter::apply_derived(it, 106, &a[0], vec![a[1].clone()])
    });
    register(it, "over", 2, 3, |it, a| {
        let f = a[0].clone();
        super::iter::apply_derived(it, 107, &f, a[1..].to_vec())
    });
    register(it, "scan", 2, 3, |it, a| {
        let f = a[0].clone();
        super::iter::apply_derived(it, 108, &f, a[1..].to_vec())
    });
    register(it, "prior", 2, 2, |it, a| {
        super::iter::apply_derived(it, 109, &a[0], vec![a[1].clone()])
    });
    register(it, "show", 1, 1, |it, a| {
        let text = display::console(&a[0], &it.opts);
        let mut b = text.into_bytes();
        b.push(b'\n');
        it.output.out(&b);
        Ok(K::NULL)
    });
    register(it, "exit", 1, 1, |_, a| {
        let code = a[0].as_i64().unwrap_or(0);
        std::process::exit(code as i32)
    });
    register(it, "set", 2, 2, |it, a| match a[0].as_sym() {
        Some(s) if !s.as_bytes().starts_with(b":") => {
            it.set_global(s, it.ns, a[1].clone());
            Ok(a[0].clone())
        }
        _ => Err(QError::nyi().into()),
    });
    register(it, "parse", 1, 1, |_, a| {
        let s = a[0].as_string().ok_or_else(QError::type_)?;
        let e = super::parse::parse_bytes(s)?;
        Ok(super::ptree::to_ptree(&e))
    });
    register(it, "eval", 1, 1, |it, a| {
        let e = super::ptree::from_ptree(&a[0]);
        let mut none = None;
        it.eval(&e, &mut none)
    });
    register(it, "system", 1, 1, |it, a| {
        let s = a[0].as_string().ok_or_else(QError::type_)?;
        let s = String::from_utf8_lossy(s).into_owned();
        Ok(super::console::system(it, &s)?)
    });
    register(it, "fby", 2, 2, fby);
    register(it, "'", 2, 8, |_, a| {
        Ok(K::Func(Func::Composition(Arc::new(a))))
    });
    register(it, "hopen", 1, 1, |it, a| {
        let net = it.net.clone().ok_or_else(QError::nyi)?;
        let (target, ms) = crate::server::hopen_target(&a[0])?;
        Ok(K::int(net.open(it, &target, ms)? as i32))
    });
    register(it, "hclose", 1, 1, |it, a| {
        let net = it.net.clone().ok_or_else(QError::nyi)?;
        let h = a[0].as_i64().ok_or_else(QError::type_)?;
        net.close(h.abs())?;
        Ok(K::NULL)
    });
}

fn wj(it: &mut Interp, a: Vec<K>, closed: bool) -> EvalResult {
    let mut apply = |f: &K, args: &[K]| q(it.apply(f, args.to_vec()));
    Ok(prims::table::wj(
        &a[0], &a[1], &a[2], &a[3], closed, &mut apply,
    )?)
}

/// `x$y`: casts and parsing by `prims::cast`; a symbol naming a list (or keyed table) on
/// the left enumerates y against it.
fn cast(it: &mut Interp, a: Vec<K>) -> EvalResult {
    match prims::cast::DYADS.iter().find(|d| d.0 == "$").map(|d| d.1) {
        Some(f) => match f(&a[0], &a[1]) {
            Err(e) if &*e.msg == prims::cast::CAST_ENUM => enumerate(it, &a[0], &a[1], false),
            r => Ok(r?),
        },
        None => Err(QError::nyi().into()),
    }
}

/// `` `d$y `` (strict, `'cast` on a missing value) and `` `d?y `` (extends `d`).
pub fn enumerate(it: &mut Interp, d: &K, y: &K, extend: bool) -> EvalResult {
    let name = d.as_sym().ok_or_else(QError::type_)?;
    let full = it.resolve_name(name);
    let dom = it
        .get_global(name, it.ns)
        .unwrap_or_else(|| K::syms(Vec::<Sym>::new()));
    let mut syms: Vec<Sym> = match &dom {
        K::Vector(v) if v.ty == Ty::Sym => items(&dom).iter().filter_map(K::as_sym).collect(),
        K::Dict(dd) if matches!(&dd.keys, K::Table(_)) => match &dd.keys {
            K::Table(kt) => kt
                .cols
                .first()
                .map(|c| items(c).iter().filter_map(K::as_sym).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        },
        _ => return Err(QError::type_().into()),
    };
    let mut pos: qipc::sym::FxHashMap<Sym, i64> = syms
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i as i64))
        .collect();
    let mut grew = false;
    let mut lookup = |s: Sym| -> QResult<i64> {
        match pos.get(&s) {
            Some(&i) => Ok(i),
            None if extend => {
                syms.push(s);
                pos.insert(s, syms.len() as i64 - 1);
                grew = true;
                Ok(syms.len() as i64 - 1)
            }
            None => Err(QError::new("cast")),
        }
    };
    let out = match y {
        K::Atom(_) => {
            let s = y.as_sym().ok_or_else(QError::type_)?;
            K::EnumAtom(name, lookup(s)?)
        }
        K::Vector(v) if v.ty == Ty::Sym => {
            let idx: QResult<Vec<i64>> = items(y)
                .iter()
                .map(|x| lookup(x.as_sym().unwrap_or(Sym::NULL)))
                .collect();
            K::Enum(qipc::Enum {
                domain: name,
                attr: v.attr,
                idx: Arc::new(idx?),
            })
        }
        K::Enum(_) | K::EnumAtom(..) => y.clone(),
        _ => return Err(QError::type_().into()),
    };
    if grew {
        it.globals.insert(full, K::syms(syms));
    }
    Ok(out)
}

/// `value x`: evaluate a string, look up a symbol, a dictionary's values, apply a list
/// `(f;a;b)` as a parse tree.
fn value(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let x = &a[0];
    match x {
        K::Vector(v) if v.ty == Ty::Char => {
            let s = x.as_string().unwrap_or(&[]);
            let e = super::parse::parse_bytes(s)?;
            it.eval_top(&e).map_err(Ctl::Err)
        }
        K::Atom(at) if at.ty == Ty::Char => {
            let s = x.as_string().unwrap_or(&[]);
            let e = super::parse::parse_bytes(s)?;
            it.eval_top(&e).map_err(Ctl::Err)
        }
        K::Atom(_) if x.as_sym().is_some() => {
            let s = x.as_sym().unwrap_or(Sym::NULL);
            it.get_global(s, Sym::NULL)
                .ok_or_else(|| QError::new(s.as_str().into_owned()).into())
        }
        K::Dict(d) => Ok(d.vals.clone()),
        K::Table(_) => Ok(x.clone()),
        K::List(l) if !l.items.is_empty() => {
            let e = super::ptree::from_ptree(x);
            let mut none = None;
            it.eval(&e, &mut none)
        }
        K::Enum(e) => {
            let dom = it
                .get_global(e.domain, Sym::NULL)
                .ok_or_else(|| QError::new(e.domain.as_str().into_owned()))?;
            Ok(list::index(&dom, &K::longs(e.idx.to_vec()))?)
        }
        K::Func(Func::Projection(p)) => Ok(from_items(p.iter().cloned().collect())),
        K::Func(Func::Composition(p)) => Ok(from_items(p.iter().cloned().collect())),
        K::Func(Func::Derived(_, g)) => Ok((**g).clone()),
        K::Func(Func::Lambda(l)) => {
            // q returns (bytecode;params;locals;globals;...;text); we give the parts we have.
            let def = match super::parse::parse_bytes(&l.text)? {
                super::ast::Expr::Lambda(d) => d,
                _ => return Err(QError::type_().into()),
            };
            Ok(K::list(vec![
                K::bytes(Vec::new()),
                K::syms(def.params.iter().copied()),
                K::syms(def.locals.iter().copied()),
                K::syms(vec![l.ctx]),
                K::string(l.text.clone()),
            ]))
        }
        _ => Ok(x.clone()),
    }
}

/// `@`: apply at one level, amend, or trap.
fn at(it: &mut Interp, a: Vec<K>) -> EvalResult {
    match a.len() {
        2 => {
            let (f, x) = (&a[0], &a[1]);
            if is_applicable(f) {
                it.apply(f, vec![x.clone()])
            } else {
                Ok(list::index(f, x)?)
            }
        }
        3 if is_applicable(&a[0]) || is_handle(&a[0]) => trap(it, &a[0], vec![a[1].clone()], &a[2]),
        3 | 4 => amend(
            it,
            &a[0],
            std::slice::from_ref(&a[1]),
            &a[2],
            a.get(3),
            true,
        ),
        _ => Err(QError::rank().into()),
    }
}

/// `.`: apply with an argument list, amend at depth, or trap.
fn dot(it: &mut Interp, a: Vec<K>) -> EvalResult {
    match a.len() {
        2 => {
            let (f, x) = (&a[0], &a[1]);
            let args = if x.is_atom() {
                vec![x.clone()]
            } else {
                items(x)
            };
            if is_applicable(f) {
                it.apply(f, args)
            } else {
                Ok(list::index_deep(f, &args)?)
            }
        }
        3 if is_applicable(&a[0]) || is_handle(&a[0]) => {
            let args = if a[1].is_atom() {
                vec![a[1].clone()]
            } else {
                items(&a[1])
            };
            trap(it, &a[0], args, &a[2])
        }
        3 | 4 => {
            let path = if a[1].is_atom() {
                vec![a[1].clone()]
            } else {
                items(&a[1])
            };
            amend(it, &a[0], &path, &a[2], a.get(3), false)
        }
        _ => Err(QError::rank().into()),
    }
}

fn is_applicable(k: &K) -> bool {
    matches!(k, K::Func(_)) && !k.is_null()
}

/// An int or long atom: a connection handle, which `@[h;x;e]` and `.[h;x;e]` call
/// under a trap (an atom cannot be amended, so the three-argument form is a trap).
fn is_handle(k: &K) -> bool {
    matches!(k, K::Atom(a) if matches!(a.ty, Ty::Int | Ty::Long))
}

/// Trap: apply `f`; on error apply the handler to the message (or return it if not a function).
fn trap(it: &mut Interp, f: &K, args: Vec<K>, handler: &K) -> EvalResult {
    match it.apply(f, args) {
        Ok(v) => Ok(v),
        Err(Ctl::Err(e)) => {
            let msg = K::string(e.msg.as_bytes().to_vec());
            if is_applicable(handler) {
                it.apply(handler, vec![msg])
            } else {
                Ok(handler.clone())
            }
        }
        Err(r) => Err(r),
    }
}

/// Functional amend `@[x;i;f]`, `@[x;i;f;y]`, `.[x;path;f;y]`. A symbol `x` amends the
/// global of that name and returns the symbol.
fn amend(it: &mut Interp, x: &K, path: &[K], f: &K, y: Option<&K>, at_form: bool) -> EvalResult {
    let (target, name) = match x.as_sym() {
        Some(s) => (
            it.get_global(s, it.ns)
                .ok_or_else(|| QError::new(s.as_str().into_owned()))?,
            Some(s),
        ),
        None => (x.clone(), None),
    };
    let updated = amend_path(it, &target, path, f, y, at_form)?;
    match name {
        Some(s) => {
            it.set_global(s, it.ns, updated);
            Ok(x.clone())
        }
        None => Ok(updated),
    }
}

fn amend_path(
    it: &mut Interp,
    x: &K,
    path: &[K],
    f: &K,
    y: Option<&K>,
    at_form: bool,
) -> EvalResult {
    let Some((i, rest)) = path.split_first() else {
        return apply_amend(it, x, f, y);
    };
    if i.is_null() && rest.is_empty() {
        // `::` at the last level means the whole value.
        return apply_amend(it, x, f, y);
    }
    if i.is_null() {
        let its = items(x);
        let mut out = Vec::with_capacity(its.len());
        for xi in its.iter() {
            out.push(amend_path(it, xi, rest, f, y, at_form)?);
        }
        return Ok(from_items(out));
    }
    // `@[x;i;f;y]` with a list of indices applies to each index (y conforming).
    if !i.is_atom() && (at_form || rest.is_empty()) {
        let idx = items(i);
        let ys: Vec<Option<K>> = match y {
            Some(y) if !y.is_atom() && y.len() == idx.len() => {
                items(y).into_iter().map(Some).collect()
            }
            Some(y) if !y.is_atom() && !matches!(y, K::Vector(v) if v.ty == Ty::Char) => {
                return Err(QError::length().into())
            }
            Some(y) => vec![Some(y.clone()); idx.len()],
            None => vec![None; idx.len()],
        };
        let mut cur = x.clone();
        for (j, yj) in idx.iter().zip(ys.iter()) {
            cur = amend_path(it, &cur, &[j.clone()], f, yj.as_ref(), at_form)?;
        }
        return Ok(cur);
    }
    let inner = list::index(x, i).unwrap_or(K::NULL);
    let updated = amend_path(it, &inner, rest, f, y, at_form)?;
    Ok(list::amend_assign(x, i, &updated)?)
}

fn apply_amend(it: &mut Interp, old: &K, f: &K, y: Option<&K>) -> EvalResult {
    // `:` as the function means assign.
    let is_assign = matches!(f, K::Func(Func::Binary(0)));
    match y {
        Some(y) if is_assign => Ok(y.clone()),
        Some(y) => it.apply(f, vec![old.clone(), y.clone()]),
        None => it.apply(f, vec![old.clone()]),
    }
}

/// `x!y`: dictionary construction, or an internal function when x is a negative integer
/// (`0N!x` prints and returns x).
fn bang(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let (x, y) = (&a[0], &a[1]);
    if let (K::Atom(at), Some(n)) = (x, x.as_i64()) {
        if at.ty == Ty::Long || at.ty == Ty::Int || at.ty == Ty::Short {
            if n == qipc::null::J || n < 0 {
                return internal(it, n, y);
            }
        }
    }
    match list::DYADS.iter().find(|d| d.0 == "!") {
        Some((_, f)) => Ok(f(x, y)?),
        None => Err(QError::nyi().into()),
    }
}

/// q's internal functions `-n!x`.
fn internal(it: &mut Interp, n: i64, x: &K) -> EvalResult {
    match n {
        qipc::null::J => {
            let mut s = display::inline(x, &it.opts).into_bytes();
            s.push(b'\n');
            it.output.out(&s);
            Ok(x.clone())
        }
        -3 => Ok(K::string(display::inline(x, &it.opts))),
        -5 => {
            let s = x.as_string().ok_or_else(QError::type_)?;
            Ok(super::ptree::to_ptree(&super::parse::parse_bytes(s)?))
        }
        -6 => {
            let e = super::ptree::from_ptree(x);
            let mut none = None;
            it.eval(&e, &mut none)
        }
        -8 => Ok(K::bytes(qipc::to_bytes(x).map_err(QError::from)?)),
        -9 => match x {
            K::Vector(v) if v.ty == Ty::Byte => {
                let b = match &v.data {
                    qipc::Data::U8(b) => b.clone(),
                    _ => return Err(QError::type_().into()),
                };
                Ok(qipc::from_bytes(&b).map_err(QError::from)?)
            }
            _ => Err(QError::type_().into()),
        },
        -18 => Ok(K::bytes(
            qipc::to_bytes_compressed(x).map_err(QError::from)?,
        )),
        -11 => crate::journal::q::streaming_execute(it, x),
        -22 => Ok(K::long(qipc::serialized_len(x) as i64)),
        _ => Err(QError::nyi().into()),
    }
}

/// `(f;x) fby g`: f applied to x within each group of g, spread back to the rows.
fn fby(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let (fx, g) = (&a[0], &a[1]);
    let parts = items(fx);
    let (f, x) = match parts.as_slice() {
        [f, x] => (f.clone(), x.clone()),
        _ => return Err(QError::length().into()),
    };
    let n = g.len();
    if x.len() != n {
        return Err(QError::length().into());
    }
    let gitems = items(g);
    let mut groups: Vec<(K, Vec<i64>)> = Vec::new();
    let mut pos: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, gi) in gitems.iter().enumerate() {
        let key = format!("{gi:?}");
        let slot = *pos.entry(key).or_insert_with(|| {
            groups.push((gi.clone(), Vec::new()));
            groups.len() - 1
        });
        groups[slot].1.push(i as i64);
    }
    let mut out: Vec<K> = vec![K::NULL; n];
    for (_, rows) in &groups {
        let sub = list::index(&x, &K::longs(rows.clone()))?;
        let r = it.apply(&f, vec![sub])?;
        for &i in rows {
            out[i as usize] = r.clone();
        }
    }
    Ok(from_items(out))
}

/// Convert an evaluation result to a plain q result at API boundaries.
pub fn q(r: EvalResult) -> QResult {
    match r {
        Ok(v) | Err(Ctl::Return(v)) => Ok(v),
        Err(Ctl::Err(e)) => Err(e),
    }
}
