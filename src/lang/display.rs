//! The q console display of values: what the console prints for a result
//! ([`console`]), the one-line form of `-3!`/`.Q.s1`/`0N!` ([`inline`]), the undecorated
//! text of an atom in a table cell or dictionary column ([`cell`]), and q's float
//! formatting under `\P` ([`fmt_float`]).
//!
//! This module owns layout only and never evaluates. Enumerations need their domain's
//! symbols, which live in the interpreter: [`console_with`] and [`inline_with`] take a
//! resolver; without one an enumeration shows its indices.
//!
//! The rules are read off q's own output (the corpus in `shared/q-corpus`): a general list
//! prints one item per line in inline form unless its items are lists of one length, in
//! which case it prints as a matrix aligned by column; dictionaries and tables print their
//! columns in "cell" form (no type decoration, nulls blank), where a nested general list is
//! again either a matrix or inline items.

use super::literal::civil_from_days;
use super::prims::codes;
use qipc::{null, Atom, Attr, Data, Dict, Func, Guid, Scalar, Sym, Table, Ty, Vector, K};
use std::sync::Arc;

/// Console settings: `\P` and `\c`.
#[derive(Clone, Copy, Debug)]
pub struct Opts {
    /// `\P`: significant digits for floats; 0 means 17 (all).
    pub precision: usize,
    /// `\c` width: lines longer than `cols - 1` are cut with `..` when truncating.
    pub cols: usize,
    /// `\c` height: more than `rows - 3` lines are cut with `..` when truncating.
    pub rows: usize,
    /// False: never truncate (a console as wide and tall as the output).
    pub truncate: bool,
}

impl Default for Opts {
    /// q's defaults: `\P 7`, `\c 25 80`; no truncation, as the corpus assumes a console
    /// wide enough for every output.
    fn default() -> Opts {
        Opts {
            precision: 7,
            cols: 80,
            rows: 25,
            truncate: false,
        }
    }
}

/// Looks up the symbols of an enumeration's domain (the list variable named `domain`).
pub type Resolver<'a> = &'a dyn Fn(Sym) -> Option<Arc<Vec<Sym>>>;

fn no_domains(_: Sym) -> Option<Arc<Vec<Sym>>> {
    None
}

/// What the console prints for a result, lines joined with `\n` and no trailing newline.
/// The generic null `::` prints nothing (""). Enumerations show indices; use
/// [`console_with`] to show their symbols.
pub fn console(k: &K, o: &Opts) -> String {
    console_with(k, o, &no_domains)
}

/// [`console`] with a resolver for enumeration domains.
pub fn console_with(k: &K, o: &Opts, r: Resolver) -> String {
    // When truncating, only what can show is formatted: a few more lines than the console
    // holds (so the cut is seen) and no more items per line than it is wide.
    let (lines, width) = if o.truncate {
        (o.rows.max(10), o.cols.max(10))
    } else {
        (usize::MAX, usize::MAX)
    };
    let f = Fmt { o, r, lines, width };
    let text = f.console_lines(k).join("\n");
    if o.truncate {
        truncate(&text, o)
    } else {
        text
    }
}

/// The one-line form of `-3!x`, `.Q.s1 x` and `0N!x`: `1 2 3`, `` ,`a ``,
/// `` (1;`a;"x") ``, `` `a`b!1 2 ``, `` +`a`b!(1 2;3 4) ``, `{x+y}`.
pub fn inline(k: &K, o: &Opts) -> String {
    inline_with(k, o, &no_domains)
}

/// [`inline`] with a resolver for enumeration domains.
pub fn inline_with(k: &K, o: &Opts, r: Resolver) -> String {
    Fmt::full(o, r).inline(k)
}

/// The text of one atom as a table cell or dictionary column shows it: no type suffix,
/// no backtick or quotes (`1.5`, `abc`, `a`, `2000.01.01`), nulls as the empty string.
/// Anything that is not an atom gets its inline form.
pub fn cell(k: &K, o: &Opts) -> String {
    let f = Fmt::full(o, &no_domains);
    match k {
        K::Atom(a) => f.atom(a, Mode::Cell),
        K::EnumAtom(d, i) => f
            .enum_texts(*d, std::slice::from_ref(i))
            .pop()
            .unwrap_or_default(),
        _ => f.inline(k),
    }
}

/// A float with `precision` significant digits as C's `%.*g` prints it (precision 0
/// means 17): `0.6666667`, `162754.8`, `3.732054e+07`, `1e-08`, `100`. No `f` suffix;
/// the non-finite values come back as q's tokens `0n`, `0w`, `-0w`.
pub fn fmt_float(x: f64, precision: usize) -> String {
    let mut s = String::new();
    push_float(&mut s, x, digits(precision));
    s
}

fn digits(precision: usize) -> usize {
    if precision == 0 {
        17
    } else {
        precision.min(17)
    }
}

fn push_float(out: &mut String, x: f64, p: usize) {
    if x.is_nan() {
        out.push_str("0n");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "0w" } else { "-0w" });
        return;
    }
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    // Rust's exponent formatting is correctly rounded (ties to even on the exact binary
    // value), as glibc's printf is; %g's choice of style and zero trimming follow.
    let sci = format!("{:.*e}", p - 1, x);
    let (mant, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let neg = mant.starts_with('-');
    let digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= p as i32 {
        let (first, rest) = digits.split_first().unwrap_or((&b'0', &[]));
        out.push(*first as char);
        let frac = trim_zeros(rest);
        if !frac.is_empty() {
            out.push('.');
            frac.iter().for_each(|&d| out.push(d as char));
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        digits[..int_len].iter().for_each(|&d| out.push(d as char));
        let frac = trim_zeros(&digits[int_len..]);
        if !frac.is_empty() {
            out.push('.');
            frac.iter().for_each(|&d| out.push(d as char));
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        trim_zeros(&digits)
            .iter()
            .for_each(|&d| out.push(d as char));
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let end = d.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1);
    &d[..end]
}

/// Cut lines wider than the console and outputs taller than it, as q does with `\c`.
fn truncate(text: &str, o: &Opts) -> String {
    let width = o.cols.max(10);
    let height = o.rows.max(10);
    let lines: Vec<&str> = text.split('\n').collect();
    let keep = height - 3;
    let mut out: Vec<String> = lines
        .iter()
        .take(keep)
        .map(|l| {
            if l.len() > width - 1 {
                let mut cut = width - 3;
                while !l.is_char_boundary(cut) {
                    cut -= 1;
                }
                format!("{}..", &l[..cut])
            } else {
                l.to_string()
            }
        })
        .collect();
    if lines.len() > keep {
        out.push("..".to_string());
    }
    out.join("\n")
}

/// How an atom or vector item is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A standalone literal: `0Ni`, `2.5e`, `2003.07m`, `"a"`, `` `a ``.
    Atom,
    /// An item of a vector, before the vector's one suffix: `0N`, `2.5`, `2003.07`.
    Item,
    /// A table or dictionary cell: no decoration, nulls empty.
    Cell,
}

/// The special values of the numeric and temporal types.
#[derive(Clone, Copy)]
enum Special {
    Null,
    Inf,
    NegInf,
}

/// The text q writes for a null or infinity of type `ty` in `mode`.
fn special(ty: Ty, s: Special, mode: Mode) -> &'static str {
    use Special::*;
    if mode == Mode::Cell {
        let float = matches!(ty, Ty::Real | Ty::Float | Ty::Datetime);
        return match (s, float) {
            (Null, _) => "",
            (Inf, true) => "0w",
            (NegInf, true) => "-0w",
            (Inf, false) => "0W",
            (NegInf, false) => "-0W",
        };
    }
    // Types whose vectors carry one suffix write bare 0N/0W items; the others carry their
    // type letter on every special item.
    let suffixed = matches!(
        ty,
        Ty::Short | Ty::Int | Ty::Long | Ty::Real | Ty::Float | Ty::Month
    );
    if mode == Mode::Item && suffixed {
        return match (ty, s) {
            (Ty::Float, Null) => "0n",
            (_, Null) => "0N",
            (Ty::Real | Ty::Float, Inf) => "0w",
            (Ty::Real | Ty::Float, NegInf) => "-0w",
            (_, Inf) => "0W",
            (_, NegInf) => "-0W",
        };
    }
    match (ty, s) {
        (Ty::Short, Null) => "0Nh",
        (Ty::Int, Null) => "0Ni",
        (Ty::Int, Inf) => "0Wi",
        (Ty::Int, NegInf) => "-0Wi",
        (Ty::Long, Null) => "0N",
        (Ty::Long, Inf) => "0W",
        (Ty::Long, NegInf) => "-0W",
        (Ty::Real, Null) => "0Ne",
        (Ty::Real, Inf) => "0we",
        (Ty::Real, NegInf) => "-0we",
        (Ty::Float, Null) => "0n",
        (Ty::Float, Inf) => "0w",
        (Ty::Float, NegInf) => "-0w",
        (Ty::Timestamp, Null) => "0Np",
        (Ty::Timestamp, Inf) => "0Wp",
        (Ty::Timestamp, NegInf) => "-0Wp",
        (Ty::Month, Null) => "0Nm",
        (Ty::Month, Inf) => "0Wm",
        (Ty::Month, NegInf) => "-0Wm",
        (Ty::Date, Null) => "0Nd",
        (Ty::Date, Inf) => "0Wd",
        (Ty::Date, NegInf) => "-0Wd",
        (Ty::Datetime, Null) => "0Nz",
        (Ty::Datetime, Inf) => "0wz",
        (Ty::Datetime, NegInf) => "-0wz",
        (Ty::Timespan, Null) => "0Nn",
        (Ty::Timespan, Inf) => "0Wn",
        (Ty::Timespan, NegInf) => "-0Wn",
        (Ty::Minute, Null) => "0Nu",
        (Ty::Minute, Inf) => "0Wu",
        (Ty::Minute, NegInf) => "-0Wu",
        (Ty::Second, Null) => "0Nv",
        (Ty::Second, Inf) => "0Wv",
        (Ty::Second, NegInf) => "-0Wv",
        (Ty::Time, Null) => "0Nt",
        (Ty::Time, Inf) => "0Wt",
        (Ty::Time, NegInf) => "-0Wt",
        _ => "0N",
    }
}

fn special_i32(v: i32) -> Option<Special> {
    match v {
        null::I => Some(Special::Null),
        null::WI => Some(Special::Inf),
        x if x == -null::WI => Some(Special::NegInf),
        _ => None,
    }
}

fn special_i64(v: i64) -> Option<Special> {
    match v {
        null::J => Some(Special::Null),
        null::WJ => Some(Special::Inf),
        x if x == -null::WJ => Some(Special::NegInf),
        _ => None,
    }
}

fn special_f64(v: f64) -> Option<Special> {
    if v.is_nan() {
        Some(Special::Null)
    } else if v.is_infinite() {
        Some(if v > 0.0 {
            Special::Inf
        } else {
            Special::NegInf
        })
    } else {
        None
    }
}

/// The type suffix an atom literal or a whole vector ends with (floats decide per value).
fn suffix(ty: Ty) -> &'static str {
    match ty {
        Ty::Short => "h",
        Ty::Int => "i",
        Ty::Real => "e",
        Ty::Month => "m",
        _ => "",
    }
}

/// q's name of a type, as in `` `long$() ``, `key` of a vector and `.Q.ty` users know it.
pub fn type_name(ty: Ty) -> &'static str {
    match ty {
        Ty::Bool => "boolean",
        Ty::Guid => "guid",
        Ty::Byte => "byte",
        Ty::Short => "short",
        Ty::Int => "int",
        Ty::Long => "long",
        Ty::Real => "real",
        Ty::Float => "float",
        Ty::Char => "char",
        Ty::Sym => "symbol",
        Ty::Timestamp => "timestamp",
        Ty::Month => "month",
        Ty::Date => "date",
        Ty::Datetime => "datetime",
        Ty::Timespan => "timespan",
        Ty::Minute => "minute",
        Ty::Second => "second",
        Ty::Time => "time",
    }
}

fn attr_prefix(a: Attr) -> String {
    a.letter().map_or(String::new(), |c| format!("`{c}#"))
}

// ---------------------------------------------------------------------------------------
// Temporal and other value texts (non-special values only).

const DAY_NS: i64 = 86_400_000_000_000;
/// `yyyy.mm.dd` for a day count since 2000.01.01; dates outside 0001..9999 print as
/// `0000.00.00`, as q prints them.
fn push_date(out: &mut String, days: i64) {
    let (y, m, d) = civil_from_days(days);
    if (1..=9999).contains(&y) {
        out.push_str(&format!("{y:04}.{m:02}.{d:02}"));
    } else {
        out.push_str("0000.00.00");
    }
}

fn push_month(out: &mut String, v: i32) {
    let v = i64::from(v);
    let y = 2000 + v.div_euclid(12);
    let m = v.rem_euclid(12) + 1;
    if (0..=9999).contains(&y) {
        out.push_str(&format!("{y:04}.{m:02}"));
    } else {
        out.push_str("0000.00");
    }
}

/// `hh:mm:ss` then, if `frac_digits` > 0, `.` and the sub-second part; `unit` is how many
/// of the value's units make a second.
fn push_clock(out: &mut String, v: i64, unit: i64, frac_digits: usize, with_seconds: bool) {
    if v < 0 {
        out.push('-');
    }
    let a = v.unsigned_abs() as u128;
    let unit = unit as u128;
    let secs = a / unit;
    let frac = a % unit;
    if with_seconds {
        let h = secs / 3600;
        let m = secs / 60 % 60;
        let s = secs % 60;
        out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    } else {
        // minutes: `secs` counts minutes here
        out.push_str(&format!("{:02}:{:02}", secs / 60, secs % 60));
    }
    if frac_digits > 0 {
        out.push_str(&format!(".{frac:0frac_digits$}"));
    }
}

fn push_timestamp(out: &mut String, ns: i64) {
    let days = ns.div_euclid(DAY_NS);
    let rem = ns.rem_euclid(DAY_NS);
    push_date(out, days);
    out.push('D');
    push_clock(out, rem, 1_000_000_000, 9, true);
}

fn push_timespan(out: &mut String, ns: i64) {
    if ns < 0 {
        out.push('-');
    }
    let a = ns.unsigned_abs();
    let day = DAY_NS as u64;
    out.push_str(&(a / day).to_string());
    out.push('D');
    push_clock(out, (a % day) as i64, 1_000_000_000, 9, true);
}

fn push_datetime(out: &mut String, days: f64) {
    let ms = (days * 86_400_000.0).round();
    // Beyond ±10000 years the date part is out of q's range anyway.
    if ms.abs() > 4e14 {
        out.push_str("0000.00.00T00:00:00.000");
        return;
    }
    let ms = ms as i64;
    let day_ms = 86_400_000;
    push_date(out, ms.div_euclid(day_ms));
    out.push('T');
    push_clock(out, ms.rem_euclid(day_ms), 1000, 3, true);
}

fn push_guid(out: &mut String, g: &Guid) {
    for (i, b) in g.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{b:02x}"));
    }
}

fn push_hex(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
}

/// One byte of a quoted string: quote, backslash and the common controls escaped, other
/// bytes outside printable ASCII as three octal digits (q prints UTF-8 this way too).
fn push_escaped(out: &mut String, b: u8) {
    match b {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        32..=126 => out.push(b as char),
        _ => out.push_str(&format!("\\{b:03o}")),
    }
}

fn push_quoted(out: &mut String, s: &[u8]) {
    out.push('"');
    s.iter().for_each(|&b| push_escaped(out, b));
    out.push('"');
}

/// A raw byte as a character of a cell (bytes beyond ASCII cannot stand alone in UTF-8).
fn raw_char(b: u8) -> char {
    if b.is_ascii() {
        b as char
    } else {
        char::REPLACEMENT_CHARACTER
    }
}

/// True when a float item printed as a whole number, which is when q adds `f`.
fn integral_text(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())
}

/// The items of an integer-held vector as texts: `special_of` picks out nulls and
/// infinities, `value` writes any other item.
fn held_items<T: Copy>(
    xs: &[T],
    ty: Ty,
    mode: Mode,
    special_of: impl Fn(T) -> Option<Special>,
    value: fn(&mut String, T),
) -> Vec<String> {
    xs.iter()
        .map(|&v| match special_of(v) {
            Some(s) => special(ty, s, mode).to_string(),
            None => {
                let mut t = String::new();
                value(&mut t, v);
                t
            }
        })
        .collect()
}

fn push_i32(out: &mut String, v: i32) {
    out.push_str(&v.to_string());
}

fn push_i64(out: &mut String, v: i64) {
    out.push_str(&v.to_string());
}

fn push_date32(out: &mut String, v: i32) {
    push_date(out, i64::from(v));
}

fn push_minute(out: &mut String, v: i32) {
    push_clock(out, i64::from(v), 1, 0, false);
}

fn push_second(out: &mut String, v: i32) {
    push_clock(out, i64::from(v), 1, 0, true);
}

fn push_time(out: &mut String, v: i32) {
    push_clock(out, i64::from(v), 1000, 3, true);
}

/// The formatter: settings, the enumeration resolver, and how many lines and items per
/// line are worth formatting.
struct Fmt<'a> {
    o: &'a Opts,
    r: Resolver<'a>,
    lines: usize,
    width: usize,
}

impl<'a> Fmt<'a> {
    /// A formatter that formats everything.
    fn full(o: &'a Opts, r: Resolver<'a>) -> Fmt<'a> {
        Fmt {
            o,
            r,
            lines: usize::MAX,
            width: usize::MAX,
        }
    }

    fn prec(&self) -> usize {
        digits(self.o.precision)
    }

    // -----------------------------------------------------------------------------------
    // Atoms and vector items

    fn atom(&self, a: &Atom, mode: Mode) -> String {
        let mut out = String::new();
        let ty = a.ty;
        match a.v {
            Scalar::U8(b) => match ty {
                Ty::Bool => {
                    out.push(if b != 0 { '1' } else { '0' });
                    if mode == Mode::Atom {
                        out.push('b');
                    }
                }
                Ty::Byte => {
                    if mode != Mode::Cell {
                        out.push_str("0x");
                    }
                    push_hex(&mut out, b);
                }
                _ => {
                    if mode == Mode::Cell {
                        out.push(raw_char(b));
                    } else {
                        out.push('"');
                        push_escaped(&mut out, b);
                        out.push('"');
                    }
                }
            },
            Scalar::Guid(g) => push_guid(&mut out, &g),
            Scalar::I16(v) => {
                if v == null::H {
                    out.push_str(special(ty, Special::Null, mode));
                } else {
                    out.push_str(&v.to_string());
                    if mode == Mode::Atom {
                        out.push('h');
                    }
                }
            }
            Scalar::I32(v) => {
                let item = held_items(&[v], ty, mode, special_i32, i32_writer(ty)).pop();
                out.push_str(&item.unwrap_or_default());
                if mode == Mode::Atom && special_i32(v).is_none() {
                    out.push_str(suffix(ty));
                }
            }
            Scalar::I64(v) => {
                let item = held_items(&[v], ty, mode, special_i64, i64_writer(ty)).pop();
                out.push_str(&item.unwrap_or_default());
            }
            Scalar::F32(v) => match special_f64(f64::from(v)) {
                Some(s) => out.push_str(special(ty, s, mode)),
                None => {
                    push_float(&mut out, f64::from(v), self.prec());
                    if mode == Mode::Atom {
                        out.push('e');
                    }
                }
            },
            Scalar::F64(v) => match special_f64(v) {
                Some(s) => out.push_str(special(ty, s, mode)),
                None if ty == Ty::Datetime => push_datetime(&mut out, v),
                None => {
                    push_float(&mut out, v, self.prec());
                    if mode == Mode::Atom && integral_text(&out) {
                        out.push('f');
                    }
                }
            },
            Scalar::Sym(s) => {
                if mode != Mode::Cell {
                    out.push('`');
                }
                out.push_str(&s.as_str());
            }
        }
        out
    }

    /// The texts of the first `n` items of a vector in `mode` (`Item` or `Cell`); one
    /// dispatch on the type, then a loop.
    fn items(&self, v: &Vector, mode: Mode, n: usize) -> Vec<String> {
        let ty = v.ty;
        let m = n.min(v.len());
        match &v.data {
            Data::U8(xs) => match ty {
                Ty::Bool => xs[..m]
                    .iter()
                    .map(|&b| if b != 0 { "1" } else { "0" }.to_string())
                    .collect(),
                Ty::Byte => xs[..m]
                    .iter()
                    .map(|&b| {
                        let mut t = String::with_capacity(2);
                        push_hex(&mut t, b);
                        t
                    })
                    .collect(),
                _ => xs[..m].iter().map(|&b| raw_char(b).to_string()).collect(),
            },
            Data::Guid(xs) => xs
                .iter()
                .map(|g| {
                    let mut t = String::with_capacity(36);
                    push_guid(&mut t, g);
                    t
                })
                .collect(),
            Data::I16(xs) => xs
                .iter()
                .map(|&x| {
                    if x == null::H {
                        special(ty, Special::Null, mode).to_string()
                    } else {
                        x.to_string()
                    }
                })
                .collect(),
            Data::I32(xs) => held_items(&xs[..m], ty, mode, special_i32, i32_writer(ty)),
            Data::I64(xs) => held_items(&xs[..m], ty, mode, special_i64, i64_writer(ty)),
            Data::F32(xs) => {
                let p = self.prec();
                xs[..m]
                    .iter()
                    .map(|&x| self.float_item(f64::from(x), ty, mode, p))
                    .collect()
            }
            Data::F64(xs) => {
                let p = self.prec();
                if ty == Ty::Datetime {
                    xs[..m]
                        .iter()
                        .map(|&x| match special_f64(x) {
                            Some(s) => special(ty, s, mode).to_string(),
                            None => {
                                let mut t = String::new();
                                push_datetime(&mut t, x);
                                t
                            }
                        })
                        .collect()
                } else {
                    xs[..m]
                        .iter()
                        .map(|&x| self.float_item(x, ty, mode, p))
                        .collect()
                }
            }
            Data::Sym(xs) => xs[..m].iter().map(|s| s.as_str().into_owned()).collect(),
        }
    }

    fn float_item(&self, x: f64, ty: Ty, mode: Mode, p: usize) -> String {
        match special_f64(x) {
            Some(s) => special(ty, s, mode).to_string(),
            None => {
                let mut t = String::new();
                push_float(&mut t, x, p);
                t
            }
        }
    }

    /// A simple vector in inline form: `1 2 3i`, `101b`, `0x0102`, `` `a`b ``, `"ab"`,
    /// `,1`, `` `long$() ``, `` `s#1 2 ``.
    fn vector(&self, v: &Vector) -> String {
        let mut out = attr_prefix(v.attr);
        if v.is_empty() {
            if v.ty == Ty::Char {
                out.push_str("\"\"");
            } else {
                out.push('`');
                out.push_str(type_name(v.ty));
                out.push_str("$()");
            }
            return out;
        }
        if v.len() == 1 {
            out.push(',');
        }
        let m = self.width.min(v.len());
        match (&v.data, v.ty) {
            (Data::U8(xs), Ty::Char) => push_quoted(&mut out, &xs[..m]),
            (Data::U8(xs), Ty::Bool) => {
                xs[..m]
                    .iter()
                    .for_each(|&b| out.push(if b != 0 { '1' } else { '0' }));
                out.push('b');
            }
            (Data::U8(xs), _) => {
                out.push_str("0x");
                xs[..m].iter().for_each(|&b| push_hex(&mut out, b));
            }
            (Data::Sym(xs), _) => xs[..m].iter().for_each(|s| {
                out.push('`');
                out.push_str(&s.as_str());
            }),
            _ => {
                let items = self.items(v, Mode::Item, m);
                out.push_str(&items.join(" "));
                if v.ty == Ty::Float {
                    if items.iter().all(|t| integral_text(t)) {
                        out.push('f');
                    }
                } else {
                    out.push_str(suffix(v.ty));
                }
            }
        }
        out
    }

    // -----------------------------------------------------------------------------------
    // Enumerations

    /// The symbols of enumeration indices; indices show as numbers when the domain is
    /// unknown, and an index past the domain's end as the null symbol.
    fn enum_texts(&self, domain: Sym, idx: &[i64]) -> Vec<String> {
        match (self.r)(domain) {
            Some(syms) => idx
                .iter()
                .map(|&i| {
                    usize::try_from(i)
                        .ok()
                        .and_then(|i| syms.get(i))
                        .map_or(String::new(), |s| s.as_str().into_owned())
                })
                .collect(),
            None => idx.iter().map(|i| i.to_string()).collect(),
        }
    }

    fn enumeration(&self, domain: Sym, attr: Attr, idx: &[i64]) -> String {
        let mut out = attr_prefix(attr);
        out.push('`');
        out.push_str(&domain.as_str());
        out.push('$');
        let resolved = (self.r)(domain).is_some();
        if idx.is_empty() {
            out.push_str(if resolved { "`symbol$()" } else { "`long$()" });
            return out;
        }
        if idx.len() == 1 {
            out.push(',');
        }
        let texts = self.enum_texts(domain, &idx[..self.width.min(idx.len())]);
        if resolved {
            texts.iter().for_each(|t| {
                out.push('`');
                out.push_str(t);
            });
        } else {
            out.push_str(&texts.join(" "));
        }
        out
    }

    // -----------------------------------------------------------------------------------
    // Inline form

    fn inline(&self, k: &K) -> String {
        match k {
            K::Atom(a) => self.atom(a, Mode::Atom),
            K::Vector(v) => self.vector(v),
            K::List(l) => match l.items.len() {
                0 => "()".to_string(),
                1 => format!(",{}", self.inline(&l.items[0])),
                n => {
                    let parts: Vec<String> = l.items[..self.width.min(n)]
                        .iter()
                        .map(|x| self.inline(x))
                        .collect();
                    format!("({})", parts.join(";"))
                }
            },
            K::Dict(d) => {
                let prefix = if d.sorted { "`s#" } else { "" };
                format!("{prefix}{}", self.dict_inline(&d.keys, &d.vals))
            }
            K::Table(t) => self.table_inline(t),
            K::EnumAtom(d, i) => {
                let text = self
                    .enum_texts(*d, std::slice::from_ref(i))
                    .pop()
                    .unwrap_or_default();
                let sep = if (self.r)(*d).is_some() { "`" } else { "" };
                format!("`{}${sep}{text}", d.as_str())
            }
            K::Enum(e) => self.enumeration(e.domain, e.attr, &e.idx),
            K::Func(f) => self.func(f),
            K::Error(m) => format!("'{m}"),
        }
    }

    fn dict_inline(&self, keys: &K, vals: &K) -> String {
        let k = self.inline(keys);
        // The key is the left operand of `!`: anything but a plain list or atom needs
        // parentheses to read back (`(,`a)!,1`, `(+(,`a)!,1 2)!+...`).
        let bare = match keys {
            K::Vector(v) => v.len() >= 2 && v.attr == Attr::None,
            K::List(l) => l.items.len() != 1,
            K::Atom(_) => true,
            _ => false,
        };
        let v = self.inline(vals);
        if bare {
            format!("{k}!{v}")
        } else {
            format!("({k})!{v}")
        }
    }

    fn table_inline(&self, t: &Table) -> String {
        let names = K::syms(t.names.iter().copied());
        let cols = K::list(t.cols.clone());
        format!(
            "{}+{}",
            attr_prefix(t.attr),
            self.dict_inline(&names, &cols)
        )
    }

    fn func(&self, f: &Func) -> String {
        match f {
            Func::Lambda(l) => String::from_utf8_lossy(&l.text).into_owned(),
            // The generic null, and the elided argument of a projection, print as `::`.
            Func::Unary(0) | Func::Unary(0xff) => "::".to_string(),
            Func::Unary(c) => match codes::unary_name(*c) {
                Some(g) if (*c as usize) < codes::BINARY_GLYPHS.len() => format!("{g}:"),
                Some(name) => name.to_string(),
                None => format!("<prim 101 {c}>"),
            },
            Func::Binary(c) => {
                codes::binary_name(*c).map_or_else(|| format!("<prim 102 {c}>"), str::to_string)
            }
            Func::Iterator(c) => {
                codes::iterator_glyph(*c).map_or_else(|| format!("<prim 103 {c}>"), str::to_string)
            }
            Func::Projection(parts) => match parts.split_first() {
                Some((f, args)) => {
                    // Elided arguments are held as `::` and print as nothing: `+[;2]`.
                    let args: Vec<String> = args
                        .iter()
                        .map(|a| {
                            if a.is_null() || crate::lang::eval::is_elided(a) {
                                String::new()
                            } else {
                                self.inline(a)
                            }
                        })
                        .collect();
                    format!("{}[{}]", self.inline(f), args.join(";"))
                }
                None => "[]".to_string(),
            },
            // Parts written side by side, unary primitives without their colon: `<=` is
            // the composition of not and greater and prints `~>`.
            Func::Composition(parts) => parts
                .iter()
                .map(|p| match p {
                    K::Func(Func::Unary(c)) if *c != 0 => codes::unary_name(*c)
                        .map_or_else(|| format!("<prim 101 {c}>"), str::to_string),
                    _ => self.inline(p),
                })
                .collect(),
            Func::Derived(t, op) => {
                let g = codes::derived_glyph(*t).unwrap_or("<derived>");
                format!("{}{g}", self.inline(op))
            }
            Func::Native(n) => n.name().to_string(),
        }
    }

    // -----------------------------------------------------------------------------------
    // Console (multi-line) form

    fn console_lines(&self, k: &K) -> Vec<String> {
        match k {
            K::Func(Func::Unary(0)) => Vec::new(),
            K::List(l) => {
                let shown = &l.items[..self.lines.min(l.items.len())];
                if l.items.is_empty() {
                    vec!["()".to_string()]
                } else if matrix_width(&l.items, 1).is_some() {
                    self.matrix(shown)
                } else {
                    shown.iter().map(|x| self.inline(x)).collect()
                }
            }
            K::Dict(d) => self.dict_lines(d),
            K::Table(t) => self.table_lines(t),
            _ => vec![self.inline(k)],
        }
    }

    /// One text for each of the first `n` items of `x`, as a dictionary or table column
    /// shows them.
    fn column(&self, x: &K, n: usize) -> Vec<String> {
        match x {
            K::Vector(v) => self.items(v, Mode::Cell, n),
            K::Enum(e) => self.enum_texts(e.domain, &e.idx[..n.min(e.idx.len())]),
            K::List(l) => {
                let shown = &l.items[..n.min(l.items.len())];
                if matrix_width(&l.items, 0).is_some() {
                    self.matrix(shown)
                } else {
                    shown.iter().map(|i| self.inline(i)).collect()
                }
            }
            K::Table(t) => {
                let rows = n.min(t.rows());
                layout(&self.table_cols(t, rows), rows).1
            }
            K::Dict(d) => self.column(&d.vals, n),
            K::Atom(a) => vec![self.atom(a, Mode::Cell)],
            _ => vec![self.inline(x)],
        }
    }

    /// Rows of equal-length lists, each row laid out as a column, aligned by column.
    fn matrix(&self, rows: &[K]) -> Vec<String> {
        let cells: Vec<Vec<String>> = rows.iter().map(|r| self.column(r, self.width)).collect();
        let ncols = cells.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; ncols];
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.len());
            }
        }
        cells.iter().map(|row| join_padded(row, &widths)).collect()
    }

    fn dict_lines(&self, d: &Dict) -> Vec<String> {
        if matches!(d.keys, K::Table(_)) || matches!(d.vals, K::Table(_)) {
            return self.tabular(&d.keys, &d.vals);
        }
        let keys = self.column(&d.keys, self.lines);
        let vals = self.column(&d.vals, self.lines);
        if keys.len() != vals.len() {
            return vec![self.inline(&K::Dict(Arc::new(d.clone())))];
        }
        let kw = keys.iter().map(String::len).max().unwrap_or(0);
        keys.iter()
            .zip(&vals)
            .map(|(k, v)| format!("{k:kw$}| {v}"))
            .collect()
    }

    /// The columns one side of a table display shows: a table's named columns, or any
    /// other list as one column with an empty name.
    fn side(&self, x: &K, rows: usize) -> Vec<(String, Vec<String>)> {
        match x {
            K::Table(t) => self.table_cols(t, rows),
            _ => {
                let mut cells = self.column(x, rows);
                cells.resize(rows, String::new());
                vec![(String::new(), cells)]
            }
        }
    }

    /// The named columns of a table, the first `rows` cells of each.
    fn table_cols(&self, t: &Table, rows: usize) -> Vec<(String, Vec<String>)> {
        t.names
            .iter()
            .zip(&t.cols)
            .map(|(n, c)| (n.as_str().into_owned(), self.column(c, rows)))
            .collect()
    }

    fn table_lines(&self, t: &Table) -> Vec<String> {
        let rows = t.rows().min(self.lines);
        let cols = self.table_cols(t, rows);
        let (header, body) = layout(&cols, rows);
        let mut out = Vec::with_capacity(rows + 2);
        out.push("-".repeat(header.len()));
        out.insert(0, header);
        out.extend(body);
        out
    }

    /// A keyed table, or a dictionary with a table on either side: key columns, `| `,
    /// value columns.
    fn tabular(&self, keys: &K, vals: &K) -> Vec<String> {
        let rows = keys.len().min(self.lines);
        let (kh, kb) = layout(&self.side(keys, rows), rows);
        let (vh, vb) = layout(&self.side(vals, rows), rows);
        let mut out = Vec::with_capacity(rows + 2);
        out.push(format!("{kh}| {vh}"));
        out.push(format!(
            "{}| {}",
            "-".repeat(kh.len()),
            "-".repeat(vh.len())
        ));
        for i in 0..rows {
            let k = kb.get(i).map_or("", String::as_str);
            let v = vb.get(i).map_or("", String::as_str);
            out.push(format!("{k}| {v}"));
        }
        out
    }
}

/// The writer of a non-special item of an i32-held type.
fn i32_writer(ty: Ty) -> fn(&mut String, i32) {
    match ty {
        Ty::Month => push_month,
        Ty::Date => push_date32,
        Ty::Minute => push_minute,
        Ty::Second => push_second,
        Ty::Time => push_time,
        _ => push_i32,
    }
}

/// The writer of a non-special item of an i64-held type.
fn i64_writer(ty: Ty) -> fn(&mut String, i64) {
    match ty {
        Ty::Timestamp => push_timestamp,
        Ty::Timespan => push_timespan,
        _ => push_i64,
    }
}

/// The item count of a list that can be a matrix row.
fn list_len(x: &K) -> Option<usize> {
    match x {
        K::Vector(v) => Some(v.len()),
        K::Enum(e) => Some(e.idx.len()),
        K::List(l) => Some(l.items.len()),
        _ => None,
    }
}

/// When every item is a list of one length (at least `min`), that length: such a list
/// prints as a matrix. Lists of booleans, bytes or chars of a single type stay one
/// inline item per line (`010b`, `"abc"`), as q shows them.
fn matrix_width(items: &[K], min: usize) -> Option<usize> {
    let n = list_len(items.first()?)?;
    if n < min {
        return None;
    }
    let mut uniform = match items.first() {
        Some(K::Vector(v)) => Some(v.ty),
        _ => None,
    };
    for x in items {
        if list_len(x)? != n {
            return None;
        }
        if let (Some(t), K::Vector(v)) = (uniform, x) {
            if v.ty != t {
                uniform = None;
            }
        } else {
            uniform = None;
        }
    }
    match uniform {
        Some(Ty::Bool | Ty::Byte | Ty::Char) => None,
        _ => Some(n),
    }
}

/// Cells padded to their column's width and joined by one space.
fn join_padded(cells: &[String], widths: &[usize]) -> String {
    let mut line = String::new();
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(c);
        line.extend(std::iter::repeat_n(' ', w.saturating_sub(c.len())));
    }
    line
}

/// Header and row lines of named columns: each column as wide as its name or widest cell.
fn layout(cols: &[(String, Vec<String>)], rows: usize) -> (String, Vec<String>) {
    let widths: Vec<usize> = cols
        .iter()
        .map(|(n, c)| c.iter().map(String::len).max().unwrap_or(0).max(n.len()))
        .collect();
    let names: Vec<String> = cols.iter().map(|(n, _)| n.clone()).collect();
    let header = join_padded(&names, &widths);
    let body = (0..rows)
        .map(|i| {
            let cells: Vec<String> = cols
                .iter()
                .map(|(_, c)| c.get(i).cloned().unwrap_or_default())
                .collect();
            join_padded(&cells, &widths)
        })
        .collect();
    (header, body)
}

#[cfg(test)]
mod tests;
