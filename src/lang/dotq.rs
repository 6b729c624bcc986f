//! The `.Q` namespace: q's utility functions and constants (`.Q.s`, `.Q.id`, `.Q.f`,
//! `.Q.x10`, `.Q.atob`, `.Q.w` ...), the database write-down helpers (`.Q.en`, `.Q.dpft`,
//! `.Q.hdpf`, `.Q.par`, `.Q.chk`), and the partitioned-database state (`.Q.pf`, `.Q.pt`,
//! `.Q.pv` ...) that loading a database sets (see `io`).
//!
//! Everything is a Rust builtin stored as a global under its full name, so `key`.Q`,
//! reassignment and projection work as for any q value. The few that q defines as
//! combinators of other functions (`.Q.fu`, `.Q.ft`) are q code evaluated at start-up.
//! File layouts live in `crate::store`; this module only decides what to write where.

use super::builtins::{self, BFn, Builtin};
use super::display;
use super::error::{QError, QResult};
use super::eval::{EvalResult, Interp};
use super::prims::cast;
use super::value::{from_items, items};
use crate::store::{self, splay, zip};
use qipc::{Attr, Data, Enum, Func, Scalar, Sym, Table, Ty, Vector, K};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Define a global function `name` (a full name such as `.Q.s`) implemented in Rust.
pub fn define(
    it: &mut Interp,
    name: &'static str,
    rank: usize,
    max: usize,
    f: fn(&mut Interp, Vec<K>) -> EvalResult,
) {
    let v = K::Func(Func::Native(Arc::new(Builtin {
        name,
        rank,
        max,
        f: BFn::Interp(f),
    })));
    it.globals.insert(Sym::from_text(name), v);
}

/// Set a global value by its full name.
pub fn set(it: &mut Interp, name: &str, v: K) {
    it.globals.insert(Sym::from_text(name), v);
}

/// Apply the built-in keyword `name`.
pub fn call(it: &mut Interp, name: &str, args: Vec<K>) -> QResult {
    let f = it
        .builtins
        .get(&Sym::from_text(name))
        .cloned()
        .ok_or_else(QError::nyi)?;
    builtins::q(it.apply(&f, args))
}

/// The alphabet constants and `.Q.t`.
pub const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
pub const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub const DIGITS: &str = "0123456789";
pub const B6: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const TYPE_LETTERS: &str = " bg xhijefcspmdznuvts";

/// q's reserved words (`.Q.res`): control words and the keywords implemented in C.
pub const RESERVED: &[&str] = &[
    "abs", "acos", "asin", "atan", "avg", "bin", "binr", "cor", "cos", "cov", "delete", "dev",
    "div", "do", "enlist", "exec", "exit", "exp", "getenv", "hopen", "if", "in", "insert", "last",
    "like", "log", "max", "min", "prd", "select", "setenv", "sin", "sqrt", "ss", "sum", "tan",
    "update", "var", "wavg", "while", "within", "wsum", "xexp",
];

/// Install the file keywords and the `.Q`, `.h` and `.j` namespaces.
pub fn install_all(it: &mut Interp) {
    super::io::install(it);
    install(it);
    super::doth::install(it);
}

pub fn install(it: &mut Interp) {
    set(it, ".Q.a", K::string(LOWER));
    set(it, ".Q.A", K::string(UPPER));
    set(it, ".Q.n", K::string(DIGITS));
    set(it, ".Q.nA", K::string(format!("{DIGITS}{UPPER}")));
    set(it, ".Q.an", K::string(format!("{LOWER}{UPPER}_{DIGITS}")));
    set(it, ".Q.b6", K::string(B6));
    set(it, ".Q.t", K::string(TYPE_LETTERS));
    set(it, ".Q.res", K::syms(RESERVED.iter().copied()));
    set(it, ".Q.M", K::long(qipc::null::WJ));
    set(it, ".Q.k", K::float(4.1));
    set(
        it,
        ".Q.K",
        K::i32_of(
            Ty::Date,
            super::literal::parse_date("2024.10.01").unwrap_or(0),
        ),
    );
    define(it, ".Q.s", 1, 1, |it, a| {
        Ok(K::string(plain_text(it, &a[0])))
    });
    define(it, ".Q.s1", 1, 1, |it, a| {
        Ok(K::string(one_line(it, &a[0])))
    });
    define(it, ".Q.id", 1, 1, |_, a| Ok(id(&a[0])?));
    define(it, ".Q.dd", 2, 2, |_, a| Ok(dd(&a[0], &a[1])?));
    define(it, ".Q.f", 2, 2, |_, a| Ok(K::string(f(&a[0], &a[1])?)));
    define(it, ".Q.fmt", 3, 3, |_, a| {
        Ok(K::string(fmt(&a[0], &a[1], &a[2])?))
    });
    define(it, ".Q.x10", 1, 1, |_, a| {
        Ok(atomic_longs(&a[0], |n| K::string(x10(n)))?)
    });
    define(it, ".Q.x12", 1, 1, |_, a| {
        Ok(atomic_longs(&a[0], |n| K::string(x12(n)))?)
    });
    define(it, ".Q.j10", 1, 1, |_, a| {
        Ok(atomic_strings(&a[0], |s| j_base(s, B6.as_bytes()))?)
    });
    define(it, ".Q.j12", 1, 1, |it, a| {
        let na = it
            .get_global(Sym::from_text(".Q.nA"), Sym::NULL)
            .unwrap_or_else(|| K::string(""));
        let alphabet = na.as_string().unwrap_or(b"").to_vec();
        Ok(atomic_strings(&a[0], |s| j_base(s, &alphabet))?)
    });
    define(it, ".Q.btoa", 1, 1, |_, a| {
        Ok(K::string(btoa(bytes_of(&a[0])?)))
    });
    define(it, ".Q.atob", 1, 1, |_, a| {
        Ok(K::bytes(atob(bytes_of(&a[0])?)?))
    });
    define(it, ".Q.sha1", 1, 1, |_, a| {
        use sha1::Digest;
        Ok(K::bytes(sha1::Sha1::digest(bytes_of(&a[0])?).to_vec()))
    });
    define(it, ".Q.ty", 1, 1, |_, a| Ok(K::char(ty(&a[0]))));
    define(it, ".Q.addmonths", 2, 2, |_, a| {
        Ok(addmonths(&a[0], &a[1])?)
    });
    define(it, ".Q.w", 1, 1, |_, _| Ok(memory_stats()));
    define(it, ".Q.gc", 1, 1, |_, _| Ok(K::long(0)));
    define(it, ".Q.qt", 1, 1, |_, a| Ok(K::bool(is_table(&a[0]))));
    define(it, ".Q.qp", 1, 1, |it, a| Ok(is_parted(it, &a[0])));
    define(it, ".Q.opt", 1, 1, |_, a| Ok(opt(&a[0])?));
    define(it, ".Q.def", 2, 2, |_, a| Ok(def(&a[0], &a[1])?));
    define(it, ".Q.V", 1, 1, |_, a| match &a[0] {
        K::Table(t) => Ok(super::value::table_dict(t)),
        _ => Err(QError::type_().into()),
    });
    define(it, ".Q.v", 1, 1, |it, a| match a[0].as_sym() {
        Some(s) if s.as_bytes().starts_with(b":") => Ok(super::io::get_path(it, s)?),
        Some(s) => it
            .get_global(s, Sym::NULL)
            .ok_or_else(|| QError::new(s.as_str().into_owned()).into()),
        None => Ok(a[0].clone()),
    });
    define(it, ".Q.ff", 2, 2, |_, a| Ok(ff(&a[0], &a[1])?));
    define(it, ".Q.ft", 2, 2, ft);
    define(it, ".Q.fc", 2, 2, |it, a| {
        it.apply(&a[0], vec![a[1].clone()])
    });
    define(it, ".Q.ts", 2, 2, |it, a| {
        let args = if a[1].is_atom() {
            vec![a[1].clone()]
        } else {
            items(&a[1])
        };
        let t0 = std::time::Instant::now();
        let r = it.apply(&a[0], args)?;
        let ms = t0.elapsed().as_millis() as i64;
        Ok(K::list(vec![
            K::longs(vec![ms, qipc::serialized_len(&r) as i64]),
            r,
        ]))
    });
    define(it, ".Q.trp", 3, 3, |it, a| {
        trap_with(it, &a[0], vec![a[1].clone()], &a[2])
    });
    define(it, ".Q.trpd", 3, 3, |it, a| {
        let args = if a[1].is_atom() {
            vec![a[1].clone()]
        } else {
            items(&a[1])
        };
        trap_with(it, &a[0], args, &a[2])
    });
    // No backtrace is kept, so there is nothing to format or print.
    define(it, ".Q.sbt", 1, 1, |_, _| Ok(K::string("")));
    define(it, ".Q.bt", 1, 1, |_, _| Ok(K::NULL));
    define(it, ".Q.gz", 1, 1, |_, a| Ok(gz(&a[0])?));
    define(it, ".Q.addr", 1, 1, |_, a| Ok(K::int(addr(&a[0])?)));
    define(it, ".Q.host", 1, 1, |_, a| {
        let ip = a[0].as_i64().ok_or_else(QError::type_)?;
        Ok(K::sym(host(ip as i32)))
    });
    define(it, ".Q.cn", 1, 1, |_, a| Ok(K::long(a[0].len() as i64)));
    define(it, ".Q.en", 2, 2, |it, a| {
        Ok(enumerate_table(it, &a[0], &a[1], Sym::from_text("sym"))?)
    });
    define(it, ".Q.ens", 3, 3, |it, a| {
        let d = a[2].as_sym().ok_or_else(QError::type_)?;
        Ok(enumerate_table(it, &a[0], &a[1], d)?)
    });
    define(it, ".Q.dpft", 4, 4, |it, a| {
        Ok(dpft(
            it,
            &a[0],
            &a[1],
            Some(&a[2]),
            &a[3],
            Sym::from_text("sym"),
        )?)
    });
    define(it, ".Q.dpfts", 5, 5, |it, a| {
        let d = a[4].as_sym().ok_or_else(QError::type_)?;
        Ok(dpft(it, &a[0], &a[1], Some(&a[2]), &a[3], d)?)
    });
    define(it, ".Q.dpt", 3, 3, |it, a| {
        Ok(dpft(it, &a[0], &a[1], None, &a[2], Sym::from_text("sym"))?)
    });
    define(it, ".Q.dpts", 4, 4, |it, a| {
        let d = a[3].as_sym().ok_or_else(QError::type_)?;
        Ok(dpft(it, &a[0], &a[1], None, &a[2], d)?)
    });
    define(it, ".Q.hdpf", 4, 4, hdpf);
    define(it, ".Q.par", 3, 3, |_, a| {
        let d = dir_of(&a[0])?;
        let p = part_name(&a[1])?;
        let t = a[2].as_sym().ok_or_else(QError::type_)?;
        Ok(super::io::file_sym(&par(&d, &a[1], &p)?.join(&*t.as_str())))
    });
    define(it, ".Q.chk", 1, 1, |_, a| Ok(chk(&dir_of(&a[0])?)?));
    define(it, ".Q.l", 1, 1, |it, a| {
        let d = dir_of(&a[0])?;
        super::io::load_db(it, &d, true, true)?;
        Ok(K::NULL)
    });
    define(it, ".Q.lo", 3, 3, |it, a| {
        let d = dir_of(&a[0])?;
        let cd = super::eval::truthy(&a[1])?;
        let scripts = super::eval::truthy(&a[2])?;
        super::io::load_db(it, &d, cd, scripts)?;
        Ok(K::NULL)
    });
    define(it, ".Q.fs", 2, 2, |it, a| fsn(it, &a[0], &a[1], 131_000));
    define(it, ".Q.fsn", 3, 3, |it, a| {
        let n = a[2].as_i64().ok_or_else(QError::type_)?;
        fsn(it, &a[0], &a[1], n.max(1) as usize)
    });
    for name in [
        ".Q.hg", ".Q.hp", ".Q.prf0", ".Q.MAP", ".Q.ind", ".Q.bv", ".Q.bvi", ".Q.dsftg", ".Q.fps",
        ".Q.fpn",
    ] {
        define(it, name, 1, 8, |_, _| Err(QError::nyi().into()));
    }
    // Combinators q itself writes in q.
    let defs = [".Q.fu:{[f;x]$[0h>type x;f x;(f u)(u:distinct x)?x]}"];
    for d in defs {
        // These are fixed texts; a failure here would be a parser bug caught by the tests.
        let _ = it.eval_str(d);
    }
}

// ---------------------------------------------------------------------------------------
// Text

/// `.Q.s`: the console's text with a newline after every line.
pub fn plain_text(it: &Interp, x: &K) -> String {
    if x.is_null() {
        return String::new();
    }
    let mut s = display::console_with(x, &it.opts, &|d| it.enum_domain(d));
    s.push('\n');
    s
}

/// `.Q.s1` / `-3!`: the one-line form.
pub fn one_line(it: &Interp, x: &K) -> String {
    display::inline_with(x, &it.opts, &|d| it.enum_domain(d))
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// A name made safe for q: only alphanumerics and `_`, never empty, never starting with
/// a digit or `_` (an `a` goes in front).
fn clean_name(s: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = s.iter().copied().filter(|&c| is_name_char(c)).collect();
    if !s.is_empty() && out.first().is_none_or(|c| c.is_ascii_digit() || *c == b'_') {
        out.insert(0, b'a');
    }
    out
}

/// Names for columns or keys: cleaned, reserved words get `1`, repeats get a count.
fn clean_names(names: &[Sym]) -> Vec<Sym> {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let mut c = clean_name(n.as_bytes());
        if RESERVED.iter().any(|r| r.as_bytes() == c.as_slice()) || is_q_keyword(&c) {
            c.push(b'1');
        }
        let dups = seen.iter().filter(|s| **s == c).count();
        seen.push(c.clone());
        if dups > 0 {
            c.extend_from_slice(dups.to_string().as_bytes());
        }
        out.push(Sym::new(&c));
    }
    out
}

/// Words of the `.q` namespace that would clash with a column name in qSQL.
fn is_q_keyword(c: &[u8]) -> bool {
    const Q: &[&str] = &[
        "all",
        "and",
        "any",
        "asc",
        "asof",
        "attr",
        "avgs",
        "ceiling",
        "cols",
        "count",
        "cross",
        "csv",
        "cut",
        "deltas",
        "desc",
        "differ",
        "distinct",
        "dsave",
        "each",
        "ej",
        "ema",
        "eval",
        "except",
        "fby",
        "fills",
        "first",
        "fkeys",
        "flip",
        "floor",
        "get",
        "group",
        "gtime",
        "hclose",
        "hcount",
        "hdel",
        "hsym",
        "iasc",
        "idesc",
        "ij",
        "ijf",
        "inter",
        "inv",
        "key",
        "keys",
        "lj",
        "ljf",
        "load",
        "lower",
        "lsq",
        "ltime",
        "ltrim",
        "mavg",
        "maxs",
        "mcount",
        "md5",
        "mdev",
        "med",
        "meta",
        "mins",
        "mmax",
        "mmin",
        "mmu",
        "mod",
        "msum",
        "neg",
        "next",
        "not",
        "null",
        "or",
        "over",
        "parse",
        "peach",
        "pj",
        "prds",
        "prev",
        "prior",
        "rand",
        "rank",
        "ratios",
        "raze",
        "read0",
        "read1",
        "reciprocal",
        "reval",
        "reverse",
        "rload",
        "rotate",
        "rsave",
        "rtrim",
        "save",
        "scan",
        "scov",
        "sdev",
        "set",
        "show",
        "signum",
        "ssr",
        "string",
        "sublist",
        "sums",
        "sv",
        "svar",
        "system",
        "tables",
        "til",
        "trim",
        "type",
        "uj",
        "ujf",
        "ungroup",
        "union",
        "upper",
        "upsert",
        "value",
        "view",
        "views",
        "vs",
        "where",
        "wj",
        "wj1",
        "xasc",
        "xbar",
        "xcol",
        "xcols",
        "xdesc",
        "xgroup",
        "xkey",
        "xlog",
        "xprev",
        "xrank",
    ];
    Q.iter().any(|q| q.as_bytes() == c)
}

/// `.Q.id`: a symbol made a valid name, or a table's (or dictionary's) names sanitized.
pub fn id(x: &K) -> QResult {
    match x {
        K::Atom(_) => {
            let s = x.as_sym().ok_or_else(QError::type_)?;
            Ok(K::sym(Sym::new(&clean_name(s.as_bytes()))))
        }
        K::Vector(Vector {
            data: Data::Sym(s), ..
        }) => Ok(K::syms(
            s.iter().map(|n| Sym::new(&clean_name(n.as_bytes()))),
        )),
        K::Table(t) => Ok(K::Table(Arc::new(Table {
            attr: t.attr,
            names: Arc::new(clean_names(&t.names)),
            cols: t.cols.clone(),
        }))),
        K::Dict(d) => match (&d.keys, &d.vals) {
            (K::Table(_), K::Table(_)) => Ok(K::dict(id(&d.keys)?, id(&d.vals)?)),
            (
                K::Vector(Vector {
                    data: Data::Sym(s), ..
                }),
                v,
            ) => Ok(K::dict(K::syms(clean_names(s)), v.clone())),
            _ => Err(QError::type_()),
        },
        _ => Err(QError::type_()),
    }
}

/// The symbols `` `$string y `` makes.
fn syms_of_string(y: &K) -> QResult<Vec<Sym>> {
    if let Some(s) = y.as_sym() {
        return Ok(vec![s]);
    }
    if let K::Vector(Vector {
        data: Data::Sym(s), ..
    }) = y
    {
        return Ok(s.as_ref().clone());
    }
    let s = cast::string(y)?;
    Ok(match &s {
        K::Vector(_) => vec![Sym::new(s.as_string().unwrap_or(b""))],
        _ => items(&s)
            .iter()
            .map(|i| Sym::new(i.as_string().unwrap_or(b"")))
            .collect(),
    })
}

/// `.Q.dd[x;y]`: `` ` sv x,`$string y `` — `` `:dir/file `` or `` `AAPL.O ``.
pub fn dd(x: &K, y: &K) -> QResult {
    let mut parts = match x {
        K::Vector(Vector {
            data: Data::Sym(s), ..
        }) => s.as_ref().clone(),
        _ => vec![x.as_sym().ok_or_else(QError::type_)?],
    };
    parts.extend(syms_of_string(y)?);
    cast::sv(&K::sym(Sym::NULL), &K::syms(parts))
}

fn float_of(y: &K) -> QResult<f64> {
    match y {
        K::Atom(a) => Ok(match a.v {
            Scalar::U8(b) => f64::from(b),
            Scalar::I16(x) if x == qipc::null::H => f64::NAN,
            Scalar::I16(x) => f64::from(x),
            Scalar::I32(x) if x == qipc::null::I => f64::NAN,
            Scalar::I32(x) => f64::from(x),
            Scalar::I64(x) if x == qipc::null::J => f64::NAN,
            Scalar::I64(x) => x as f64,
            Scalar::F32(x) => f64::from(x),
            Scalar::F64(x) => x,
            _ => return Err(QError::type_()),
        }),
        _ => Err(QError::type_()),
    }
}

/// `.Q.f[x;y]`: `y` with `x` decimal places; values too large for exact digits fall back
/// to q's float text.
pub fn f(x: &K, y: &K) -> QResult<String> {
    let places = x.as_i64().ok_or_else(QError::type_)?;
    let places = usize::try_from(places)
        .map_err(|_| QError::domain())?
        .min(17);
    let v = float_of(y)?;
    if v.is_nan() {
        return Ok(String::new());
    }
    let scaled = v.abs() * 10f64.powi(places as i32);
    if !scaled.is_finite() || scaled >= 1e17 {
        return Ok(display::fmt_float(v, 7));
    }
    let j = (scaled + 0.5).floor() as u64;
    let mut digits = j.to_string();
    while digits.len() < places + 1 {
        digits.insert(0, '0');
    }
    let (int, frac) = digits.split_at(digits.len() - places);
    let mut out = String::new();
    if v < 0.0 {
        out.push('-');
    }
    out.push_str(int);
    out.push('.');
    out.push_str(frac);
    Ok(out)
}

/// `.Q.fmt[x;y;z]`: `.Q.f[y;z]` right-aligned in `x` characters, or `x` stars when wider.
pub fn fmt(x: &K, y: &K, z: &K) -> QResult<String> {
    let width =
        usize::try_from(x.as_i64().ok_or_else(QError::type_)?).map_err(|_| QError::domain())?;
    let s = f(y, z)?;
    if s.len() > width {
        return Ok("*".repeat(width));
    }
    Ok(format!("{s:>width$}"))
}

fn atomic_longs(x: &K, g: impl Fn(i64) -> K) -> QResult {
    match x {
        K::Atom(_) => Ok(g(x.as_i64().ok_or_else(QError::type_)?)),
        K::Vector(_) => items(x)
            .iter()
            .map(|i| i.as_i64().map(&g).ok_or_else(QError::type_))
            .collect::<QResult<Vec<K>>>()
            .map(from_items),
        _ => Err(QError::type_()),
    }
}

fn atomic_strings(x: &K, g: impl Fn(&[u8]) -> i64) -> QResult {
    if let Some(s) = x.as_string() {
        return Ok(K::long(g(s)));
    }
    let v: QResult<Vec<i64>> = items(x)
        .iter()
        .map(|i| i.as_string().map(&g).ok_or_else(QError::type_))
        .collect();
    Ok(K::longs(v?))
}

fn digits_in(n: i64, base: u64, width: usize, alphabet: &[u8]) -> String {
    let mut v = n as u64 % base.pow(width as u32);
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = alphabet[(v % base) as usize];
        v /= base;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `.Q.x10`: a long as 10 characters of `.Q.b6`.
pub fn x10(n: i64) -> String {
    digits_in(n, 64, 10, B6.as_bytes())
}

/// `.Q.x12`: a long as 12 characters of `.Q.nA` (base 36).
pub fn x12(n: i64) -> String {
    let na = format!("{DIGITS}{UPPER}");
    digits_in(n, 36, 12, na.as_bytes())
}

/// `.Q.j10`/`.Q.j12`: the long whose digits in `alphabet` are `s`.
fn j_base(s: &[u8], alphabet: &[u8]) -> i64 {
    let base = alphabet.len() as i64;
    s.iter().fold(0i64, |acc, c| {
        let d = alphabet
            .iter()
            .position(|a| a == c)
            .map_or(base, |p| p as i64);
        acc.wrapping_mul(base).wrapping_add(d)
    })
}

fn bytes_of(x: &K) -> QResult<&[u8]> {
    match x {
        K::Vector(Vector {
            ty: Ty::Char | Ty::Byte,
            data: Data::U8(v),
            ..
        }) => Ok(v),
        K::Atom(_) => x.as_string().ok_or_else(QError::type_),
        _ => Err(QError::type_()),
    }
}

/// Base64 with padding.
pub fn btoa(b: &[u8]) -> String {
    let a = B6.as_bytes();
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(a[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 decoding; the input must be padded to a multiple of 4 (`'domain` otherwise).
pub fn atob(s: &[u8]) -> QResult<Vec<u8>> {
    if !s.len().is_multiple_of(4) {
        return Err(QError::domain());
    }
    let val = |c: u8| B6.bytes().position(|a| a == c).map(|p| p as u32);
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for (i, q) in s.chunks(4).enumerate() {
        let last = i + 1 == s.len() / 4;
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return Err(QError::domain());
        }
        let mut n = 0u32;
        for &c in &q[..4 - pad] {
            n = (n << 6) | val(c).ok_or_else(QError::domain)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Ok(out)
}

/// `.Q.ty`: the type letter of a vector, upper case for a list of same-typed vectors, blank
/// otherwise.
pub fn ty(x: &K) -> u8 {
    let letter = |t: i16| {
        TYPE_LETTERS
            .as_bytes()
            .get(t.unsigned_abs() as usize)
            .copied()
            .unwrap_or(b' ')
    };
    match x {
        K::List(l) => {
            let t = l.items.first().map_or(0, K::ty);
            if t > 0 && t < 77 && l.items.iter().all(|i| i.ty() == t) {
                letter(t).to_ascii_uppercase()
            } else {
                b' '
            }
        }
        K::Vector(_) | K::Enum(_) | K::Atom(_) | K::EnumAtom(..) => letter(x.ty()),
        _ => b' ',
    }
}

fn month_of(day: i32) -> (i32, i32) {
    let (y, m, _) = super::literal::civil_from_days(i64::from(day));
    let months = (y as i32 - 2000) * 12 + m as i32 - 1;
    let first = super::literal::days_from_civil(y, m, 1) as i32;
    (months, first)
}

fn first_of_month(months: i32) -> i32 {
    let y = 2000 + months.div_euclid(12);
    let m = months.rem_euclid(12) + 1;
    super::literal::days_from_civil(i64::from(y), i64::from(m), 1) as i32
}

/// `.Q.addmonths[x;y]`: dates moved by `y` months, keeping the day offset (so the 31st
/// can spill into the next month).
pub fn addmonths(x: &K, y: &K) -> QResult {
    let dates: Vec<i32> = match x {
        K::Atom(a) if a.ty == Ty::Date => match a.v {
            Scalar::I32(d) => vec![d],
            _ => return Err(QError::type_()),
        },
        K::Vector(Vector {
            ty: Ty::Date,
            data: Data::I32(d),
            ..
        }) => d.as_ref().clone(),
        _ => return Err(QError::type_()),
    };
    let ns: Vec<i64> = match y {
        K::Atom(_) => vec![y.as_i64().ok_or_else(QError::type_)?],
        K::Vector(_) => items(y)
            .iter()
            .map(|i| i.as_i64().ok_or_else(QError::type_))
            .collect::<QResult<_>>()?,
        _ => return Err(QError::type_()),
    };
    let n = match (x.is_atom(), y.is_atom()) {
        (true, true) => 1,
        (true, false) => ns.len(),
        (false, true) => dates.len(),
        (false, false) if dates.len() == ns.len() => dates.len(),
        _ => return Err(QError::length()),
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let d = dates[if x.is_atom() { 0 } else { i }];
        let k = ns[if y.is_atom() { 0 } else { i }];
        if d == qipc::null::I || k == qipc::null::J {
            out.push(qipc::null::I);
            continue;
        }
        let (m, first) = month_of(d);
        out.push(first_of_month(m + k as i32) + (d - first));
    }
    Ok(if x.is_atom() && y.is_atom() {
        K::i32_of(Ty::Date, out[0])
    } else {
        K::i32s_of(Ty::Date, out)
    })
}

// ---------------------------------------------------------------------------------------
// Environment

fn proc_kb(file: &str, key: &str) -> Option<i64> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: i64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// `.Q.w[]`: memory statistics. This process has one heap, the allocator's, so `used` and
/// `heap` are both its resident size; `peak` is the resident high-water mark.
pub fn memory_stats() -> K {
    let used = proc_kb("/proc/self/status", "VmRSS:").unwrap_or(0);
    let peak = proc_kb("/proc/self/status", "VmHWM:").unwrap_or(used);
    let mphy = proc_kb("/proc/meminfo", "MemTotal:").unwrap_or(0);
    let names = [
        "used", "heap", "peak", "wmax", "mmap", "mphy", "syms", "symw",
    ];
    let vals = vec![
        used,
        used,
        peak,
        0,
        0,
        mphy,
        qipc::sym::pool_size() as i64,
        qipc::sym::pool_bytes() as i64,
    ];
    K::dict(K::syms(names), K::longs(vals))
}

pub fn is_table(x: &K) -> bool {
    match x {
        K::Table(_) => true,
        K::Dict(d) => super::value::is_keyed(d),
        _ => false,
    }
}

/// `.Q.qp`: `1b` for a table loaded from a partitioned database, `0b` for any other table,
/// `0` for anything else.
fn is_parted(it: &Interp, x: &K) -> K {
    let K::Table(t) = x else {
        return K::long(0);
    };
    let pt = it.get_global(Sym::from_text(".Q.pt"), Sym::NULL);
    let parted = pt
        .iter()
        .flat_map(items)
        .filter_map(|n| n.as_sym())
        .any(|n| matches!(it.globals.get(&n), Some(K::Table(u)) if Arc::ptr_eq(t, u)));
    K::bool(parted)
}

/// `.Q.opt`: command-line words as a dictionary of option name to the words after it.
pub fn opt(x: &K) -> QResult {
    let words: Vec<Vec<u8>> = items(x)
        .iter()
        .map(|w| w.as_string().map(<[u8]>::to_vec).ok_or_else(QError::type_))
        .collect::<QResult<_>>()?;
    let is_key = |w: &[u8]| w.len() > 1 && w[0] == b'-' && !w[1].is_ascii_digit();
    let mut keys = Vec::new();
    let mut vals: Vec<K> = Vec::new();
    let mut cur: Option<Vec<K>> = None;
    for w in &words {
        if is_key(w) {
            if let Some(v) = cur.take() {
                vals.push(super::value::general(v));
            }
            keys.push(Sym::new(&w[1..]));
            cur = Some(Vec::new());
        } else if let Some(v) = cur.as_mut() {
            v.push(K::string(w.clone()));
        }
    }
    if let Some(v) = cur {
        vals.push(super::value::general(v));
    }
    Ok(K::dict(K::syms(keys), super::value::general(vals)))
}

/// `.Q.def[defaults;opts]`: the defaults, each replaced by the option of the same name
/// parsed to the default's type (null when it does not parse).
pub fn def(x: &K, y: &K) -> QResult {
    let K::Dict(d) = x else {
        return Err(QError::type_());
    };
    let K::Dict(o) = y else {
        return Err(QError::type_());
    };
    let keys = items(&d.keys);
    let okeys = items(&o.keys);
    let ovals = items(&o.vals);
    let mut out = Vec::with_capacity(keys.len());
    for (k, v) in keys.iter().zip(items(&d.vals)) {
        let given = okeys
            .iter()
            .position(|ok| ok == k)
            .and_then(|i| ovals.get(i));
        let Some(words) = given else {
            out.push(v);
            continue;
        };
        let word = match words.as_string() {
            Some(_) => words.clone(),
            None => items(words)
                .into_iter()
                .next()
                .unwrap_or_else(|| K::string("")),
        };
        out.push(match &v {
            K::Atom(a) if a.ty == Ty::Sym => K::sym(Sym::new(word.as_string().unwrap_or(b""))),
            K::Atom(a) => cast::cast(&K::char(a.ty.letter().to_ascii_uppercase()), &word)?,
            K::Vector(vv) if vv.ty == Ty::Char => word,
            _ => return Err(QError::type_()),
        });
    }
    Ok(K::dict(d.keys.clone(), from_items(out)))
}

/// `.Q.ff[x;y]`: `x` with the columns of `y` it lacks, all null.
pub fn ff(x: &K, y: &K) -> QResult {
    let (K::Table(t), Some(yt)) = (x, table_of(y)) else {
        return Err(QError::type_());
    };
    let n = t.rows();
    let mut names = t.names.as_ref().clone();
    let mut cols = t.cols.clone();
    for (name, col) in yt.names.iter().zip(yt.cols.iter()) {
        if names.contains(name) {
            continue;
        }
        names.push(*name);
        cols.push(null_column(col, n));
    }
    Ok(K::table(names, cols))
}

fn table_of(y: &K) -> Option<&Table> {
    match y {
        K::Table(t) => Some(t),
        _ => None,
    }
}

/// `n` nulls of a column's type (a general list of empties for nested columns).
fn null_column(col: &K, n: usize) -> K {
    match col {
        K::Vector(v) => {
            let nul = super::value::null_scalar(v.ty);
            let mut d = Data::with_capacity(v.ty.storage(), n);
            for _ in 0..n {
                super::value::push_scalar(&mut d, nul);
            }
            K::Vector(Vector::new(v.ty, d))
        }
        K::Enum(e) => K::Enum(Enum {
            domain: e.domain,
            attr: Attr::None,
            idx: Arc::new(vec![qipc::null::J; n]),
        }),
        _ => K::list(vec![K::string(""); n]),
    }
}

/// `.Q.ft[f;t]`: apply `f` to a table; a keyed table is unkeyed first and keyed again
/// on the same number of columns.
fn ft(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let (f, t) = (&a[0], &a[1]);
    let K::Dict(d) = t else {
        return it.apply(f, vec![t.clone()]);
    };
    let (K::Table(k), K::Table(v)) = (&d.keys, &d.vals) else {
        return Err(QError::type_().into());
    };
    let mut names = k.names.as_ref().clone();
    names.extend(v.names.iter().copied());
    let mut cols = k.cols.clone();
    cols.extend(v.cols.iter().cloned());
    let r = it.apply(f, vec![K::table(names, cols)])?;
    let K::Table(r) = r else {
        return Err(QError::type_().into());
    };
    let n = k.names.len().min(r.names.len());
    let (kn, vn) = r.names.split_at(n);
    let (kc, vc) = r.cols.split_at(n);
    Ok(K::dict(
        K::table(kn.to_vec(), kc.to_vec()),
        K::table(vn.to_vec(), vc.to_vec()),
    ))
}

/// `.Q.trp`: apply; on error call `g[msg;backtrace]` (the backtrace is empty here).
fn trap_with(it: &mut Interp, f: &K, args: Vec<K>, g: &K) -> EvalResult {
    match it.apply(f, args) {
        Err(super::eval::Ctl::Err(e)) => it.apply(
            g,
            vec![K::string(e.msg.as_bytes().to_vec()), K::list(vec![])],
        ),
        r => r,
    }
}

/// `.Q.gz`: `::` asks whether zlib is there; a vector is inflated; `(level;vector)` deflated
/// (gzip format). The result has the argument's type (char or byte).
fn gz(x: &K) -> QResult {
    use std::io::{Read, Write};
    if x.is_null() {
        return Ok(K::bool(true));
    }
    let (level, data, ty) = match x {
        K::List(l) if l.items.len() == 2 => {
            let lvl = l.items[0].as_i64().ok_or_else(QError::type_)?;
            let v = &l.items[1];
            (Some(lvl.clamp(0, 9) as u32), bytes_of(v)?.to_vec(), v.ty())
        }
        _ => (None, bytes_of(x)?.to_vec(), x.ty()),
    };
    let out = match level {
        Some(l) => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(l));
            e.write_all(&data).map_err(|_| QError::domain())?;
            e.finish().map_err(|_| QError::domain())?
        }
        None => {
            let mut out = Vec::new();
            let ok = if data.starts_with(&[0x1f, 0x8b]) {
                flate2::read::GzDecoder::new(&data[..])
                    .read_to_end(&mut out)
                    .is_ok()
            } else {
                flate2::read::ZlibDecoder::new(&data[..])
                    .read_to_end(&mut out)
                    .is_ok()
            };
            if !ok {
                return Err(QError::domain());
            }
            out
        }
    };
    Ok(if ty == Ty::Byte as i16 {
        K::bytes(out)
    } else {
        K::string(out)
    })
}

/// `.Q.addr`: an IPv4 address or host name as an int (`-1i` when it does not resolve).
fn addr(x: &K) -> QResult<i32> {
    use std::net::ToSocketAddrs;
    let s = x.as_sym().ok_or_else(QError::type_)?;
    let text = s.as_str();
    let text = text.trim_start_matches(':');
    if let Ok(ip) = text.parse::<std::net::Ipv4Addr>() {
        return Ok(u32::from(ip) as i32);
    }
    let found = (text, 0).to_socket_addrs().ok().and_then(|mut a| {
        a.find_map(|a| match a.ip() {
            std::net::IpAddr::V4(v4) => Some(u32::from(v4) as i32),
            _ => None,
        })
    });
    Ok(found.unwrap_or(-1))
}

/// `.Q.host`: the host name of an IPv4 address, from the hosts file (`localhost` for the
/// loopback); the null symbol when unknown.
fn host(ip: i32) -> Sym {
    let a = std::net::Ipv4Addr::from(ip as u32);
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    for line in hosts.lines() {
        let mut w = line.split('#').next().unwrap_or("").split_whitespace();
        if w.next().and_then(|x| x.parse::<std::net::Ipv4Addr>().ok()) == Some(a) {
            if let Some(name) = w.next() {
                return Sym::from_text(name);
            }
        }
    }
    if a.is_loopback() {
        return Sym::from_text("localhost");
    }
    Sym::NULL
}

// ---------------------------------------------------------------------------------------
// Write-down

/// The directory a file symbol (`` `:db ``) or `::` (the current directory) names.
pub fn dir_of(x: &K) -> QResult<PathBuf> {
    if x.is_null() {
        return Ok(PathBuf::from("."));
    }
    let s = x.as_sym().ok_or_else(QError::type_)?;
    Ok(super::io::path_of(s))
}

/// The partition directory name of a partition value (`2024.01.29`, `2024.01`, `123`).
fn part_name(p: &K) -> QResult<String> {
    match p {
        K::Atom(a) => match a.ty {
            Ty::Date | Ty::Month | Ty::Int | Ty::Long | Ty::Short => {
                let s = cast::string(p)?;
                Ok(String::from_utf8_lossy(s.as_string().unwrap_or(b"")).into_owned())
            }
            _ => Err(QError::type_()),
        },
        _ => Err(QError::type_()),
    }
}

/// `.Q.par`: where partition `p` of database `d` lives — `d/p`, or with `par.txt` the
/// segment picked by the partition's integer value modulo the number of segments.
fn par(d: &Path, p: &K, name: &str) -> QResult<PathBuf> {
    let segs: Vec<PathBuf> = std::fs::read_to_string(d.join("par.txt"))
        .map(|t| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let p = PathBuf::from(l);
                    if p.is_absolute() {
                        p
                    } else {
                        d.join(p)
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if segs.is_empty() {
        return Ok(d.join(name));
    }
    let v = match p {
        K::Atom(a) => match a.v {
            Scalar::I32(x) => i64::from(x),
            Scalar::I64(x) => x,
            Scalar::I16(x) => i64::from(x),
            _ => 0,
        },
        _ => 0,
    };
    let i = v.rem_euclid(segs.len() as i64) as usize;
    Ok(segs[i].join(name))
}

/// `.Q.en`/`.Q.ens`: enumerate every symbol column of `t` against domain `name`, kept in
/// the file `dir/name` (created or extended, appended as q does) and the global `name`.
/// `dir` may be `::`: the global only.
pub fn enumerate_table(it: &mut Interp, dir: &K, t: &K, name: Sym) -> QResult {
    let file = if dir.is_null() {
        None
    } else {
        Some(dir_of(dir)?.join(&*name.as_str()))
    };
    let mut domain: Vec<Sym> = match &file {
        Some(f) => splay::read_domain(f)?.unwrap_or_default(),
        None => match it.get_global(name, Sym::NULL) {
            Some(K::Vector(Vector {
                data: Data::Sym(s), ..
            })) => s.as_ref().clone(),
            Some(_) => return Err(QError::type_()),
            None => Vec::new(),
        },
    };
    let before = domain.len();
    let mut pos: qipc::sym::FxHashMap<Sym, i64> = domain
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i as i64))
        .collect();
    let mut enum_col = |c: &K| -> K {
        match c {
            K::Vector(Vector {
                ty: Ty::Sym,
                attr,
                data: Data::Sym(s),
            }) => {
                let idx = s
                    .iter()
                    .map(|s| {
                        *pos.entry(*s).or_insert_with(|| {
                            domain.push(*s);
                            domain.len() as i64 - 1
                        })
                    })
                    .collect();
                K::Enum(Enum {
                    domain: name,
                    attr: *attr,
                    idx: Arc::new(idx),
                })
            }
            _ => c.clone(),
        }
    };
    let mut on_table = |t: &Table| -> K {
        K::Table(Arc::new(Table {
            attr: t.attr,
            names: t.names.clone(),
            cols: t.cols.iter().map(&mut enum_col).collect(),
        }))
    };
    let out = match t {
        K::Table(tt) => on_table(tt),
        K::Dict(d) => match (&d.keys, &d.vals) {
            (K::Table(k), K::Table(v)) => {
                let k = on_table(k);
                K::dict(k, on_table(v))
            }
            _ => return Err(QError::type_()),
        },
        _ => return Err(QError::type_()),
    };
    if let Some(f) = &file {
        splay::append_domain(f, before, &domain[before..])?;
    }
    it.globals.insert(name, K::syms(domain));
    Ok(out)
}

/// True for a column `set` can splay: a vector, an enumeration, or a list of atoms and
/// vectors (symbols must be enumerated first).
fn mappable(c: &K) -> bool {
    match c {
        K::Vector(v) => v.ty != Ty::Sym,
        K::Enum(_) => true,
        K::List(l) => l.items.iter().all(store::file::is_mappable_item),
        _ => false,
    }
}

/// The compression `set` applies by default (`.z.zd`), if any.
pub fn zip_default(it: &Interp) -> Option<zip::Params> {
    let zd = it.globals.get(&Sym::from_text(".z.zd"))?;
    zip_params(zd)
}

/// Compression parameters from `lbs alg lvl`.
pub fn zip_params(x: &K) -> Option<zip::Params> {
    let v: Vec<i64> = items(x).iter().filter_map(K::as_i64).collect();
    match v.as_slice() {
        [lbs, alg, lvl] if *alg != 0 => Some(zip::Params {
            lbs: (*lbs).clamp(0, 255) as u8,
            alg: (*alg).clamp(0, 255) as u8,
            level: (*lvl).clamp(0, 255) as u8,
        }),
        _ => None,
    }
}

/// `.Q.dpft[d;p;f;t]` and friends: enumerate `t` against `d/s`, sort by `f` (symbol text
/// order for an enumerated column), put `f` first, and splay to the partition directory.
/// Returns the table name. The `p#` index on `f` is not written (its layout is not public).
fn dpft(it: &mut Interp, d: &K, p: &K, f: Option<&K>, t: &K, s: Sym) -> QResult {
    let name = t.as_sym().ok_or_else(QError::type_)?;
    let value = it
        .get_global(name, Sym::NULL)
        .ok_or_else(|| QError::new(name.as_str().into_owned()))?;
    if !matches!(value, K::Table(_)) {
        return Err(QError::type_());
    }
    let dir = dir_of(d)?;
    let enumerated = enumerate_table(it, d, &value, s)?;
    let K::Table(tb) = &enumerated else {
        return Err(QError::type_());
    };
    if !tb.cols.iter().all(mappable) {
        return Err(QError::new("unmappable"));
    }
    let (names, cols) = match f {
        Some(fk) => {
            let field = fk.as_sym().ok_or_else(QError::type_)?;
            let j = tb
                .names
                .iter()
                .position(|n| *n == field)
                .ok_or_else(|| QError::new(field.as_str().into_owned()))?;
            let key = it.resolve_enums(tb.cols[j].clone());
            let perm = call(it, "iasc", vec![key])?;
            let mut names = vec![field];
            let mut cols = vec![super::prims::list::index(&tb.cols[j], &perm)?];
            for (i, (n, c)) in tb.names.iter().zip(tb.cols.iter()).enumerate() {
                if i != j {
                    names.push(*n);
                    cols.push(super::prims::list::index(c, &perm)?);
                }
            }
            (names, cols)
        }
        None => (tb.names.as_ref().clone(), tb.cols.clone()),
    };
    let pname = part_name(p)?;
    let target = par(&dir, p, &pname)?.join(&*name.as_str());
    let sorted = Table {
        attr: Attr::None,
        names: Arc::new(names),
        cols,
    };
    let zd = zip_default(it);
    splay::write_splay(&target, &sorted, &|_| zd)?;
    Ok(K::sym(name))
}

/// `.Q.hdpf[h;d;p;f]`: write every root table to partition `p` (largest first), empty
/// each in memory, then ask the HDB on `h` to reload (`\l .`) if it can be reached.
fn hdpf(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let mut tables: Vec<(Sym, usize)> = it
        .globals
        .iter()
        .filter(|(k, v)| !k.as_bytes().starts_with(b".") && matches!(v, K::Table(_)))
        .map(|(k, v)| (*k, v.len()))
        .collect();
    tables.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    for (t, _) in &tables {
        dpft(
            it,
            &a[1],
            &a[2],
            Some(&a[3]),
            &K::sym(*t),
            Sym::from_text("sym"),
        )?;
        if let Some(K::Table(v)) = it.globals.get(t).cloned() {
            let empty = call(it, "#", vec![K::long(0), K::Table(v)])?;
            it.globals.insert(*t, empty);
        }
    }
    if let Some(net) = it.net.clone() {
        if let Ok((target, ms)) = crate::server::hopen_target(&a[0]) {
            if let Ok(h) = net.open(it, &target, ms) {
                let _ = net.sync_call(it, h, &K::string("\\l ."));
                let _ = net.close(h);
            }
        }
    }
    Ok(K::NULL)
}

/// `.Q.chk`: give every partition every table, writing empty ones shaped like the most
/// recent partition holding that table. Returns the partitions fixed, one list per
/// partition as q does (empty when nothing was missing).
fn chk(root: &Path) -> QResult {
    let db = splay::load_dir(root)?;
    let Some(p) = db.parted else {
        return Ok(K::list(vec![]));
    };
    let mut out = Vec::new();
    let parts: Vec<PathBuf> = p
        .roots
        .iter()
        .zip(items(&p.values))
        .map(|(r, v)| r.join(part_name(&v).unwrap_or_default()))
        .collect();
    for dir in &parts {
        let mut fixed = false;
        for (name, t, _) in &p.tables {
            let td = dir.join(&*name.as_str());
            if splay::is_splay(&td) {
                continue;
            }
            let K::Table(tb) = t else { continue };
            // Drop the virtual partition column and keep no rows.
            let names = tb.names[1..].to_vec();
            let cols = tb.cols[1..].iter().map(|c| null_column(c, 0)).collect();
            let empty = Table {
                attr: Attr::None,
                names: Arc::new(names),
                cols,
            };
            splay::write_splay(&td, &empty, &|_| None)?;
            fixed = true;
        }
        out.push(if fixed {
            K::syms([super::io::file_sym(dir).as_sym().unwrap_or(Sym::NULL)])
        } else {
            K::list(vec![])
        });
    }
    Ok(K::list(out))
}

/// `.Q.fsn[f;file;n]`: apply `f` to the complete lines of each chunk of about `n` bytes;
/// returns the file size.
fn fsn(it: &mut Interp, f: &K, file: &K, n: usize) -> EvalResult {
    let s = file.as_sym().ok_or_else(QError::type_)?;
    let path = super::io::path_of(s);
    let bytes = store::read_bytes(&path)?;
    let mut start = 0;
    while start < bytes.len() {
        let mut end = (start + n).min(bytes.len());
        if end < bytes.len() {
            match bytes[start..end].iter().rposition(|&c| c == b'\n') {
                Some(i) => end = start + i + 1,
                None => {
                    end = bytes[end..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(bytes.len(), |i| end + i + 1);
                }
            }
        }
        let lines = super::io::lines(&bytes[start..end]);
        it.apply(f, vec![lines])?;
        start = end;
    }
    Ok(K::long(bytes.len() as i64))
}

#[cfg(test)]
mod tests;
