//! The built-in keyword functions and the glyph tables: which keyword a glyph means
//! monadically and dyadically, the registry that turns the `prims` families into q
//! function values, and the keywords that need the interpreter itself (`value`, `@`,
//! `.`, `each`, `show`, internal `-n!` functions ...).

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
    /// A keyword q defines as a derived function (`sums` is `+\\`): one argument runs the
    /// primitive, two run the iterator (type 106..111) over the operator code with a seed.
    Derived(Monad, u8, u8),
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
    /// What the console prints for the keyword: its k definition where q.k has one.
    fn name(&self) -> &str {
        k_form(self.name).unwrap_or(self.name)
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
            BFn::Derived(f, t, code) => match args.as_slice() {
                [x] => Ok(f(x)?),
                [_, _] => super::iter::apply_derived(it, t, &K::Func(Func::Binary(code)), args),
                _ => Err(QError::rank().into()),
            },
        }
    }
}

/// The k definition q.k gives a keyword, as the console prints it (`count` is `#:`,
/// `sums` is `+\\`); keywords q defines natively print their own name.
pub fn k_form(name: &str) -> Option<&'static str> {
    Some(match name {
        "flip" => "+:",
        "neg" => "-:",
        "first" => "*:",
        "reciprocal" => "%:",
        "where" => "&:",
        "reverse" => "|:",
        "null" => "^:",
        "group" => "=:",
        "iasc" => "<:",
        "idesc" => ">:",
        "string" => "$:",
        "count" => "#:",
        "floor" => "_:",
        "not" => "~:",
        "key" => "!:",
        "distinct" => "?:",
        "type" => "@:",
        "value" | "get" => ".:",
        "and" => "&",
        "or" => "|",
        "sums" => "+\\",
        "prds" => "*\\",
        "maxs" => "|\\",
        "mins" => "&\\",
        "deltas" => "-':",
        "raze" => ",/",
        _ => return None,
    })
}

/// The value q gives a keyword in a parse tree and in `.q`: the unary or binary primitive
/// its k definition names, else the keyword's own function.
pub fn canonical(name: &str, v: &K) -> K {
    match k_form(name) {
        Some(f) => {
            let (g, unary) = match f.strip_suffix(':') {
                Some(g) if !g.is_empty() && !g.ends_with('\'') => (g, true),
                _ => (f, false),
            };
            match prims::codes_code(g) {
                Some(c) if unary => K::Func(Func::Unary(c)),
                Some(c) => K::Func(Func::Binary(c)),
                None => v.clone(),
            }
        }
        None => v.clone(),
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

/// One primitives module's keyword tables: its monads and its dyads.
type Family = (
    &'static [(&'static str, Monad)],
    &'static [(&'static str, Dyad)],
);

/// Fill the interpreter's keyword table.
pub fn install(it: &mut Interp) {
    let families: [Family; 5] = [
        (prims::atomic::MONADS, prims::atomic::DYADS),
        (prims::list::MONADS, prims::list::DYADS),
        (prims::matrix::MONADS, prims::matrix::DYADS),
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
    // Keywords q defines as derived functions also take a seed: `deltas[10;x]`.
    for (n, t, g) in [
        ("sums", 108u8, "+"),
        ("prds", 108, "*"),
        ("maxs", 108, "|"),
        ("mins", 108, "&"),
        ("deltas", 109, "-"),
        ("raze", 107, ","),
    ] {
        let f = prims::list::MONADS
            .iter()
            .find(|m| m.0 == n)
            .map(|m| (m.0, m.1));
        if let (Some((name, f)), Some(code)) = (f, prims::codes_code(g)) {
            it.builtins.insert(
                Sym::from_text(name),
                native(name, 1, 2, BFn::Derived(f, t, code)),
            );
        }
    }
    for (n, f) in prims::table::TRIADS {
        it.builtins
            .insert(Sym::from_text(n), native(n, 3, 3, BFn::Triad(*f)));
    }
    // enlist is variadic: `enlist[a;b;c]`, and `(a;;c)` projects it.
    // q's enlist is not limited to 8 arguments (ref/enlist: ten).
    register(it, "enlist", 1, 255, |_, a| Ok(list::enlist_n(a)?));
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
        Ok(global_in_place(it, name, |t| {
            prims::table::insert_in_place(t, &a[1])
        })?)
    });
    register(it, "upsert", 2, 2, |it, a| match a[0].as_sym() {
        Some(name) if name.as_bytes().starts_with(b":") => {
            Ok(super::io::upsert_file(it, name, &a[1])?)
        }
        Some(name) => {
            global_in_place(it, name, |t| prims::table::upsert_in_place(t, &a[1]))?;
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
    register(it, "~", 2, 2, |_, a| {
        Ok(prims::atomic::match_(&a[0], &a[1])?)
    });
    register(it, "match", 2, 2, |_, a| {
        Ok(prims::atomic::match_(&a[0], &a[1])?)
    });
    register(it, "type", 1, 1, |_, a| Ok(K::short(a[0].ty())));
    register(it, "value", 1, 1, value);
    register(it, "get", 1, 1, value);
    register(it, "@", 2, 4, at);
    register(it, ".", 2, 4, dot);
    register(it, "!", 2, 4, |it, a| super::sql::update_op(it, a, bang));
    register(it, "meta", 1, 1, super::sql::meta);
    register(it, "fkeys", 1, 1, super::sql::fkeys);
    register(it, "#", 2, 2, |it, a| {
        match a[0].as_sym().and_then(prims::attr::named) {
            Some(at) => Ok(prims::attr::set(at, &a[1])?),
            None => Ok(take_keeping_enums(it, &a[0], &a[1])?),
        }
    });
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
        let text = it.console_text(&a[0]);
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
    register(it, "parse", 1, 1, |it, a| {
        let s = a[0].as_string().ok_or_else(QError::type_)?;
        let e = super::parse::parse_bytes(strip_k(s))?;
        Ok(super::ptree::to_ptree(it, &e)?)
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
    // `tables x`: the tables of namespace x (`.`, `` ` `` or `::` for the root).
    register(it, "tables", 1, 1, |it, a| {
        let ns = match &a[0] {
            x if x.is_null() => Sym::NULL,
            x => match x.as_sym().ok_or_else(QError::type_)? {
                s if s.as_bytes() == b"." => Sym::NULL,
                s => s,
            },
        };
        Ok(K::syms(super::console::tables_in(it, ns)))
    });
    register(it, "fby", 2, 2, super::sql::fby);
    register(it, "?", 2, 6, question);
    register(it, "rand", 1, 1, |it, a| {
        Ok(prims::random::rand(
            &a[0],
            &mut prims::random::Rng(&mut it.rng),
        )?)
    });
    // `'[f;g;...]` composes; `'[f]` is f each, and `'` of a symbol or string signals
    // (how a parse tree's `(';x)` evaluates).
    register(it, "'", 1, 8, |_, a| match a.as_slice() {
        [f] if matches!(f, K::Func(_)) => Ok(super::eval::derive(f.clone(), "'")),
        [x] => Err(super::eval::signal_of(x).into()),
        _ => Ok(K::Func(Func::Composition(Arc::new(a)))),
    });
    register(it, "hopen", 1, 1, |it, a| {
        if let Some(h) = super::io::open_file(&a[0])? {
            return Ok(h);
        }
        let net = it.net.clone().ok_or_else(QError::nyi)?;
        let (target, ms) = crate::server::hopen_target(&a[0])?;
        Ok(K::int(net.open(it, &target, ms)? as i32))
    });
    register(it, "hclose", 1, 1, |it, a| {
        let h = a[0].as_i64().ok_or_else(QError::type_)?;
        if super::io::close_file(h.abs()) {
            return Ok(K::NULL);
        }
        let net = it.net.clone().ok_or_else(QError::nyi)?;
        net.close(h.abs())?;
        Ok(K::NULL)
    });
    super::dotq::install_all(it);
}

/// Run `f` on the global `name` in place (taken out of the namespace meanwhile, so a
/// table is not copied on write); `'name` when there is no such global.
fn global_in_place<R>(
    it: &mut Interp,
    name: Sym,
    f: impl FnOnce(&mut K) -> QResult<R>,
) -> QResult<R> {
    let full = it.resolve_name(name);
    let mut v = it
        .globals
        .remove(&full)
        .ok_or_else(|| QError::new(name.as_str().into_owned()))?;
    let r = f(&mut v);
    it.globals.insert(full, v);
    r
}

/// `x?y` with an integer atom on the left is Roll/Deal/Permute (over the session's seed);
/// every other form of `?` is `sql::query_op`'s.
fn question(it: &mut Interp, a: Vec<K>) -> EvalResult {
    match a.as_slice() {
        [x, y] => match x {
            K::Atom(at) if matches!(at.ty, Ty::Short | Ty::Int | Ty::Long) => {
                let mut rng = prims::random::Rng(&mut it.rng);
                Ok(prims::random::roll(x, y, &mut rng)?)
            }
            K::Atom(at) if at.ty == Ty::Sym => enumerate(it, x, y, true),
            K::Table(t) if !matches!(y, K::Table(_) | K::Dict(_)) => {
                // t?row: the index of the first row matching the values (count t if none).
                let want: Vec<K> = items(y).into_iter().map(|v| it.resolve_enums(v)).collect();
                if want.len() != t.cols.len() {
                    return Err(QError::length().into());
                }
                let cols: Vec<K> = t.cols.iter().map(|c| it.resolve_enums(c.clone())).collect();
                let n = t.rows();
                let hit = (0..n).find(|&r| {
                    cols.iter()
                        .zip(&want)
                        .all(|(c, w)| super::value::item(c, r).as_ref() == Some(w))
                });
                Ok(K::long(hit.unwrap_or(n) as i64))
            }
            _ => Ok(prims::list::find(x, y)?),
        },
        [x, y, z] => match super::sql::table_exec(it, x, y, z) {
            Some(r) => r,
            None => Ok(super::sql::vector_cond(x, y, z)?),
        },
        _ => super::sql::functional_select(it, &a),
    }
}

/// `x#y` where `y` may be enumerated: counts and shapes take the indices and keep the
/// domain; anything else sees the symbols.
fn take_keeping_enums(it: &Interp, x: &K, y: &K) -> QResult {
    let shaped = matches!(x, K::Atom(_) | K::Vector(_)) && x.ty() != -(Ty::Sym as i16);
    let wrap = |d: Sym, r: K| -> QResult {
        match r {
            K::Atom(_) => Ok(K::EnumAtom(d, r.as_i64().ok_or_else(QError::type_)?)),
            K::Vector(v) => match v.data {
                qipc::Data::I64(idx) => Ok(K::Enum(qipc::Enum {
                    domain: d,
                    attr: qipc::Attr::None,
                    idx,
                })),
                _ => Err(QError::type_()),
            },
            _ => Err(QError::type_()),
        }
    };
    match y {
        K::EnumAtom(d, i) if shaped && x.is_atom() => wrap(*d, list::take(x, &K::long(*i))?),
        K::Enum(e) if shaped && x.is_atom() => {
            wrap(e.domain, list::take(x, &K::longs(e.idx.to_vec()))?)
        }
        _ => list::take(x, &it.resolve_enums(y.clone())),
    }
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
    // A keyed table whose key is not symbols enumerates by position in its key.
    if let K::Dict(dd) = &dom {
        if let K::Table(kt) = &dd.keys {
            let key = kt.cols.first().ok_or_else(QError::type_)?;
            if key.ty() != Ty::Sym as i16 && !matches!(y, K::Enum(_) | K::EnumAtom(..)) {
                let pos = list::find(key, y)?;
                let n = key.len() as i64;
                return match &pos {
                    K::Atom(_) => match pos.as_i64() {
                        Some(i) if i < n => Ok(K::EnumAtom(name, i)),
                        _ => Err(QError::new("cast").into()),
                    },
                    _ => {
                        let idx: Vec<i64> = items(&pos).iter().filter_map(K::as_i64).collect();
                        if idx.len() != pos.len() || idx.iter().any(|&i| i >= n) {
                            return Err(QError::new("cast").into());
                        }
                        Ok(K::Enum(qipc::Enum {
                            domain: name,
                            attr: qipc::Attr::None,
                            idx: Arc::new(idx),
                        }))
                    }
                };
            }
        }
    }
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
        K::Atom(_) if x.as_sym().is_some_and(|s| s.as_bytes().starts_with(b":")) => {
            Ok(super::io::get_path(it, x.as_sym().unwrap_or(Sym::NULL))?)
        }
        K::Atom(_) if x.as_sym().is_some() => {
            let s = x.as_sym().unwrap_or(Sym::NULL);
            it.get_global(s, Sym::NULL)
                .ok_or_else(|| QError::new(s.as_str().into_owned()).into())
        }
        K::Dict(d) => Ok(d.vals.clone()),
        K::Table(_) => Ok(x.clone()),
        // `value (f;a;b)` applies f to the items as they are (`eval` evaluates them).
        K::List(l) if !l.items.is_empty() => {
            // A string in function position names the function (`value ("+";2;2)`).
            let f = match l.items[0].as_string() {
                Some(text) => {
                    let e = super::parse::parse_bytes(text)?;
                    it.eval_top(&e).map_err(Ctl::Err)?
                }
                None => l.items[0].clone(),
            };
            it.apply(&f, l.items[1..].to_vec())
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
        K::Func(Func::Lambda(l)) => lambda_parts(it, l),
        // An operator's value is its internal code; a keyword's that of its k form.
        K::Func(Func::Unary(c)) | K::Func(Func::Binary(c)) => Ok(K::long(*c as i64)),
        K::Func(Func::Native(n)) => {
            let name = n.as_any().downcast_ref::<Builtin>().map(|b| b.name);
            match name.and_then(|b| it.keyword_value(Sym::from_text(b))) {
                Some(K::Func(Func::Unary(c))) | Some(K::Func(Func::Binary(c))) => {
                    Ok(K::long(c as i64))
                }
                _ => Ok(x.clone()),
            }
        }
        _ => Ok(x.clone()),
    }
}

/// `value` of a lambda, in q's layout (bytecode;parameters;locals;(namespace,globals);
/// constants..;position map;name;file;line;source). There is no bytecode here, so the
/// bytecode and its position map are empty; the name is not tracked, so it is `()`.
fn lambda_parts(it: &Interp, l: &qipc::Lambda) -> EvalResult {
    let def = match super::parse::parse_bytes(&l.text)? {
        super::ast::Expr::Lambda(d) => d,
        _ => return Err(QError::type_().into()),
    };
    let mut globals: Vec<Sym> = Vec::new();
    let mut consts: Vec<K> = Vec::new();
    let local = |n: &Sym| def.params.contains(n) || def.locals.contains(n);
    for e in &def.body {
        super::parse::walk(e, &mut |x| match x {
            super::ast::Expr::Name(n)
                if !local(n) && it.keyword_value(*n).is_none() && !globals.contains(n) =>
            {
                globals.push(*n)
            }
            super::ast::Expr::Assign(a)
                if a.global && !local(&a.name) && !globals.contains(&a.name) =>
            {
                globals.push(a.name)
            }
            super::ast::Expr::Lit(k) if !consts.contains(k) => consts.push(k.clone()),
            _ => {}
        });
    }
    let ns = Sym::new(
        l.ctx
            .as_bytes()
            .strip_prefix(b".")
            .unwrap_or(l.ctx.as_bytes()),
    );
    let mut out = vec![
        K::bytes(Vec::new()),
        K::syms(def.params.iter().copied()),
        K::syms(def.locals.iter().copied()),
        K::syms(std::iter::once(ns).chain(globals)),
    ];
    out.extend(consts);
    out.push(K::longs(Vec::new()));
    out.push(K::list(Vec::new()));
    out.push(K::string(Vec::new()));
    out.push(K::long(-1));
    out.push(K::string(l.text.clone()));
    Ok(K::list(out))
}

/// `@`: apply at one level, amend, or trap.
fn at(it: &mut Interp, a: Vec<K>) -> EvalResult {
    match a.len() {
        2 => {
            let (f, x) = (&a[0], &a[1]);
            // A symbol stands for the variable it names (`` `.ns@`v ``); `::` is identity;
            // a handle (`-1@x`, `h@x`) is applied, not indexed.
            if matches!(f, K::Func(Func::Unary(0))) {
                return Ok(x.clone());
            }
            let handle =
                matches!(f, K::Atom(at) if matches!(at.ty, Ty::Int | Ty::Long | Ty::Short));
            if is_applicable(f) || handle || f.as_sym().is_some() {
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
            if is_applicable(f) || f.as_sym().is_some() {
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
    // A file symbol amends the file's value (`.[`:log;();:;()]` creates an empty log).
    if let Some(s) = x.as_sym().filter(|s| s.as_bytes().starts_with(b":")) {
        let cur = super::io::read_or_empty(it, s)?;
        let updated = amend_path(it, &cur, path, f, y, at_form)?;
        super::io::write_file(it, s, &updated)?;
        return Ok(x.clone());
    }
    let (target, name) = match x.as_sym() {
        Some(s) => match it.get_global(s, it.ns) {
            Some(v) => (v, Some(s)),
            // `.[`name;();:;v]` assigns the whole value, so it defines a name that does
            // not exist yet (r.q sets its tables this way from `.u.sub`'s result).
            None if !at_form && path.is_empty() && matches!(f, K::Func(Func::Binary(0))) => {
                let v = y.ok_or_else(QError::rank)?.clone();
                it.set_global(s, it.ns, v);
                return Ok(x.clone());
            }
            None => return Err(QError::new(s.as_str().into_owned()).into()),
        },
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
            cur = amend_path(it, &cur, std::slice::from_ref(j), f, yj.as_ref(), at_form)?;
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
        if matches!(at.ty, Ty::Long | Ty::Int | Ty::Short) && (n == qipc::null::J || n < 0) {
            return internal(it, n, y);
        }
    }
    // `` `d!i ``: the enumeration over `d` with indices `i`.
    if let (Some(dom), K::Vector(v)) = (x.as_sym(), y) {
        if list::is_int_ty(v.ty) {
            let idx: Vec<i64> = items(y).iter().filter_map(K::as_i64).collect();
            return Ok(K::Enum(qipc::Enum {
                domain: dom,
                attr: qipc::Attr::None,
                idx: Arc::new(idx),
            }));
        }
    }
    if let (Some(dom), Some(i)) = (x.as_sym(), y.as_i64()) {
        return Ok(K::EnumAtom(dom, i));
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
            let mut s = it.inline_text(x).into_bytes();
            s.push(b'\n');
            it.output.out(&s);
            Ok(x.clone())
        }
        -3 => Ok(K::string(it.inline_text(x))),
        -5 => {
            let s = x.as_string().ok_or_else(QError::type_)?;
            let e = super::parse::parse_bytes(strip_k(s))?;
            Ok(super::ptree::to_ptree(it, &e)?)
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
        -21 => Ok(super::io::compression_stats(x)?),
        -22 => Ok(K::long(qipc::serialized_len(x) as i64)),
        -27 => format_decimals(x),
        -30 => deferred_response(it, x),
        _ => Err(QError::nyi().into()),
    }
}

/// `-30!x`: `-30!(::)` defers the response to the sync request being evaluated;
/// `-30!(h;isError;msg)` sends it later.
fn deferred_response(it: &mut Interp, x: &K) -> EvalResult {
    let net = it.net.clone().ok_or_else(QError::nyi)?;
    if x.is_null() {
        net.defer_response();
        return Ok(K::NULL);
    }
    match items(x).as_slice() {
        [h, e, msg] => {
            let h = h.as_i64().ok_or_else(QError::type_)?;
            let is_error = match e {
                K::Atom(qipc::Atom {
                    ty: Ty::Bool,
                    v: qipc::Scalar::U8(b),
                }) => *b != 0,
                _ => return Err(QError::type_().into()),
            };
            net.send_deferred(h, is_error, msg)?;
            Ok(K::NULL)
        }
        _ => Err(QError::length().into()),
    }
}

/// `-27!(p;x)`: floats as strings with `p` decimal places (a list of strings for a list).
fn format_decimals(x: &K) -> EvalResult {
    let parts = items(x);
    let (p, v) = match parts.as_slice() {
        [p, v] => (p.as_i64().ok_or_else(QError::type_)?, v),
        _ => return Err(QError::length().into()),
    };
    let p = usize::try_from(p).map_err(|_| QError::domain())?.min(99);
    let text = |f: f64| -> K {
        let s = if f.is_nan() {
            String::new()
        } else if f.is_infinite() {
            if f > 0.0 { "0w" } else { "-0w" }.to_string()
        } else {
            format!("{f:.p$}")
        };
        K::string(s.into_bytes())
    };
    match v {
        K::Atom(qipc::Atom {
            v: qipc::Scalar::F64(f),
            ..
        }) => Ok(text(*f)),
        K::Atom(qipc::Atom {
            v: qipc::Scalar::F32(f),
            ..
        }) => Ok(text(*f as f64)),
        K::Vector(vec) => match &vec.data {
            qipc::Data::F64(fs) => Ok(K::list(fs.iter().map(|f| text(*f)).collect())),
            qipc::Data::F32(fs) => Ok(K::list(fs.iter().map(|f| text(*f as f64)).collect())),
            _ => Err(QError::type_().into()),
        },
        _ => Err(QError::type_().into()),
    }
}

/// Source text with a leading `k)` (k-language prefix) removed: the k expressions q's
/// parse trees show are read by the same grammar here.
pub fn strip_k(s: &[u8]) -> &[u8] {
    s.strip_prefix(b"k)").unwrap_or(s)
}

/// Convert an evaluation result to a plain q result at API boundaries.
pub fn q(r: EvalResult) -> QResult {
    match r {
        Ok(v) | Err(Ctl::Return(v)) => Ok(v),
        Err(Ctl::Err(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::console::run_lines as q;

    #[test]
    fn keywords_print_their_k_definitions() {
        assert_eq!(q(&["type"]), "@:");
        assert_eq!(q(&["deltas"]), "-':");
        assert_eq!(q(&["sums"]), "+\\");
        assert_eq!(q(&["like"]), "like");
        assert_eq!(q(&[".q?(+:)"]), "`flip");
        assert_eq!(q(&[".q.neg 3"]), "-3");
    }

    #[test]
    fn dot_assign_defines_an_undefined_global() {
        assert_eq!(q(&[".[`newg;();:;1 2 3]", "newg"]), "1 2 3");
        assert_eq!(q(&[".[`.u.nx;();:;7]", ".u.nx"]), "7");
        assert_eq!(q(&[".[`newg;();:;1 2 3]"]), "`newg");
        // r.q's `.u.rep` shape: each (name;value) pair through `.[;();:;]`.
        assert_eq!(
            q(&["(.[;();:;].)each((`t1;([]a:1 2));(`t2;3))", "(t1`a;t2)"]),
            "1 2\n3"
        );
        // Other functions still need the value.
        assert_eq!(q(&[".[`undefd;();,;4]"]), "'undefd");
        assert_eq!(q(&[".[`undefd;`a;:;4]"]), "'undefd");
    }

    #[test]
    fn tables_lists_a_namespace() {
        let setup = ["t:([]a:1 2)", "k:([a:1 2]b:3 4)", "n:1", ".foo.u:([]x:1)"];
        let run = |e: &str| {
            let mut l = setup.to_vec();
            l.push(e);
            q(&l)
        };
        assert_eq!(run("tables[]"), "`k`t");
        assert_eq!(run("tables`."), "`k`t");
        assert_eq!(run("tables`.foo"), ",`u");
        assert_eq!(run("\\a .foo"), ",`u");
        assert_eq!(run("tables 1"), "'type");
    }

    #[test]
    fn internal_and_digest_functions() {
        assert_eq!(q(&["-27!(2i;.045)"]), "\"0.04\"");
        assert_eq!(q(&["-27!(3;1.5 2.25)"]), "\"1.500\"\n\"2.250\"");
        assert_eq!(
            q(&["raze string md5 \"this is my password\""]),
            "\"210d53992dff432ec1b1a9698af9da16\""
        );
    }

    #[test]
    fn symbols_apply_as_the_variables_they_name() {
        assert_eq!(q(&["v:5", ".ns.v:6", "`.`.ns@\\:`v"]), "5 6");
        assert_eq!(q(&["v:5", "`. `v"]), "5");
        assert_eq!(q(&["f:{x+2*y}", "`f . 5 3"]), "11");
    }

    #[test]
    fn identity_and_enumeration_by_bang() {
        assert_eq!(q(&["(::;avg)@\\:1 2 3"]), "1 2 3\n2f");
        assert_eq!(q(&["x:`a`b`c`d", "type `x!1 2 3"]), "20h");
        assert_eq!(q(&["count enlist[0;1;2;3;4;5;6;7;8;9]"]), "10");
    }

    #[test]
    fn value_of_functions() {
        let parts = "e:1;f:{[a;b]d::neg c:a*b+5;c+e}";
        assert_eq!(q(&[parts, "(value f)1 2 3 4"]), "`a`b\n,`c\n``d`e\n5");
        assert_eq!(q(&[parts, "last value f"]), "\"{[a;b]d::neg c:a*b+5;c+e}\"");
        assert_eq!(q(&["value each (::;+;-;*;%)"]), "0 1 2 3 4");
        assert_eq!(q(&["value each (get;value)"]), "19 19");
        assert_eq!(q(&["value +[2]"]), "+\n2");
    }

    #[test]
    fn match_ignores_dictionary_sortedness() {
        assert_eq!(q(&["d:`a`b!1 2", "(`s#d)~d"]), "1b");
        assert_eq!(q(&["d:`a`b!1 2", "(`s#d)~`a`b!1 3"]), "0b");
    }

    #[test]
    fn derived_keywords_take_a_seed() {
        assert_eq!(q(&["deltas[10;15 27 93]"]), "5 12 66");
        assert_eq!(q(&["deltas 15 27 93"]), "15 12 66");
        assert_eq!(q(&["sums[10;1 2 3]"]), "11 13 16");
    }
}
