//! Tests of the console display: unit rules on constructed values, and the q corpus
//! (`shared/q-corpus/cases.jsonl`): single-line outputs are parsed back into values by a
//! small literal reader and must print identically; multi-line outputs are rebuilt by hand
//! from the case's setup and checked against the documented text.

use super::*;
use crate::lang::literal::days_from_civil;
use qipc::{Enum, Lambda, List};
use std::collections::HashMap;

fn o() -> Opts {
    Opts::default()
}

fn con(k: &K) -> String {
    console(k, &o())
}

fn inl(k: &K) -> String {
    inline(k, &o())
}

fn s(x: &str) -> Sym {
    Sym::from_text(x)
}

fn j(v: &[i64]) -> K {
    K::longs(v.to_vec())
}

fn f(v: &[f64]) -> K {
    K::floats(v.to_vec())
}

fn ss(v: &[&str]) -> K {
    K::syms(v.iter().copied())
}

fn st(x: &str) -> K {
    K::string(x)
}

fn gl(v: Vec<K>) -> K {
    K::list(v)
}

fn sa(x: &str) -> K {
    K::sym(x)
}

fn tbl(cols: Vec<(&str, K)>) -> K {
    let (n, c): (Vec<Sym>, Vec<K>) = cols.into_iter().map(|(n, c)| (s(n), c)).unzip();
    K::table(n, c)
}

fn keyed(k: Vec<(&str, K)>, v: Vec<(&str, K)>) -> K {
    K::dict(tbl(k), tbl(v))
}

fn dict(keys: K, vals: K) -> K {
    K::dict(keys, vals)
}

fn unary(c: u8) -> K {
    K::Func(Func::Unary(c))
}

fn binary(c: u8) -> K {
    K::Func(Func::Binary(c))
}

fn proj(parts: Vec<K>) -> K {
    K::Func(Func::Projection(Arc::new(parts)))
}

fn comp(parts: Vec<K>) -> K {
    K::Func(Func::Composition(Arc::new(parts)))
}

fn derived(t: u8, op: K) -> K {
    K::Func(Func::Derived(t, Arc::new(op)))
}

fn enum_of(domain: &str, idx: &[i64]) -> K {
    K::Enum(Enum {
        domain: s(domain),
        attr: Attr::None,
        idx: Arc::new(idx.to_vec()),
    })
}

/// Right-strip every line and drop trailing blank lines, as the corpus harness compares.
fn norm(text: &str) -> String {
    let mut lines: Vec<&str> = text.split('\n').map(str::trim_end).collect();
    while lines.last() == Some(&"") {
        lines.pop();
    }
    lines.join("\n")
}

// ---------------------------------------------------------------------------------------
// Atoms

#[test]
fn atoms_of_every_type() {
    assert_eq!(con(&K::bool(true)), "1b");
    assert_eq!(con(&K::bool(false)), "0b");
    assert_eq!(con(&K::byte(0xff)), "0xff");
    assert_eq!(con(&K::short(42)), "42h");
    assert_eq!(con(&K::short(null::H)), "0Nh");
    assert_eq!(con(&K::short(null::WH)), "32767h");
    assert_eq!(con(&K::int(10)), "10i");
    assert_eq!(con(&K::int(null::I)), "0Ni");
    assert_eq!(con(&K::int(null::WI)), "0Wi");
    assert_eq!(con(&K::int(-null::WI)), "-0Wi");
    assert_eq!(con(&K::long(42)), "42");
    assert_eq!(con(&K::long(null::J)), "0N");
    assert_eq!(con(&K::long(null::WJ)), "0W");
    assert_eq!(con(&K::long(-null::WJ)), "-0W");
    assert_eq!(con(&K::real(3.25)), "3.25e");
    assert_eq!(con(&K::real(10.0)), "10e");
    assert_eq!(con(&K::real(f32::NAN)), "0Ne");
    assert_eq!(con(&K::real(f32::INFINITY)), "0we");
    assert_eq!(con(&K::real(f32::NEG_INFINITY)), "-0we");
    assert_eq!(con(&K::float(2.0)), "2f");
    assert_eq!(con(&K::float(0.0)), "0f");
    assert_eq!(con(&K::float(-0.0)), "-0f");
    assert_eq!(con(&K::float(65536.0)), "65536f");
    assert_eq!(con(&K::float(2.0 / 3.0)), "0.6666667");
    assert_eq!(con(&K::float(f64::NAN)), "0n");
    assert_eq!(con(&K::float(f64::INFINITY)), "0w");
    assert_eq!(con(&K::float(f64::NEG_INFINITY)), "-0w");
    assert_eq!(con(&K::float(3e11)), "3e+11");
    assert_eq!(con(&K::char(b'c')), "\"c\"");
    assert_eq!(con(&K::char(b' ')), "\" \"");
    assert_eq!(con(&K::char(b'"')), "\"\\\"\"");
    assert_eq!(con(&K::char(b'\n')), "\"\\n\"");
    assert_eq!(con(&sa("abc")), "`abc");
    assert_eq!(con(&K::sym(Sym::NULL)), "`");
    assert_eq!(
        con(&K::guid([0; 16])),
        "00000000-0000-0000-0000-000000000000"
    );
    let g = [
        0x8c, 0x6b, 0x8b, 0x64, 0x68, 0x15, 0x60, 0x84, 0x0a, 0x3e, 0x17, 0x84, 0x01, 0x25, 0x1b,
        0x68,
    ];
    assert_eq!(con(&K::guid(g)), "8c6b8b64-6815-6084-0a3e-178401251b68");
}

#[test]
fn temporal_atoms() {
    let p = |v| con(&K::i64_of(Ty::Timestamp, v));
    assert_eq!(p(42), "2000.01.01D00:00:00.000000042");
    assert_eq!(p(null::J), "0Np");
    assert_eq!(p(null::WJ), "0Wp");
    assert_eq!(p(-null::WJ), "-0Wp");
    assert_eq!(p(-1), "1999.12.31D23:59:59.999999999");
    assert_eq!(p(null::WJ - 1), "2292.04.10D23:47:16.854775806");
    assert_eq!(p(-null::WJ + 1), "1707.09.22D00:12:43.145224194");
    let m = |v| con(&K::i32_of(Ty::Month, v));
    assert_eq!(m(42), "2003.07m");
    assert_eq!(m(-1), "1999.12m");
    assert_eq!(m(null::I), "0Nm");
    assert_eq!(m(null::WI), "0Wm");
    let d = |v| con(&K::i32_of(Ty::Date, v));
    assert_eq!(d(42), "2000.02.12");
    assert_eq!(d(-365), "1999.01.01");
    assert_eq!(d(null::I), "0Nd");
    assert_eq!(d(null::WI), "0Wd");
    assert_eq!(d(-null::WI), "-0Wd");
    assert_eq!(d(-730_119), "0001.01.01");
    assert_eq!(d(-730_120), "0000.00.00");
    assert_eq!(d(2_921_939), "9999.12.31");
    assert_eq!(d(2_921_940), "0000.00.00");
    let z = |v| con(&K::atom(Ty::Datetime, Scalar::F64(v)));
    assert_eq!(z(42.0), "2000.02.12T00:00:00.000");
    assert_eq!(z(3.234), "2000.01.04T05:36:57.600");
    assert_eq!(z(f64::NAN), "0Nz");
    assert_eq!(z(f64::INFINITY), "0wz");
    assert_eq!(z(-730_121.0), "0000.00.00T00:00:00.000");
    let n = |v| con(&K::i64_of(Ty::Timespan, v));
    assert_eq!(n(42), "0D00:00:00.000000042");
    assert_eq!(n(-null::WJ + 1), "-106751D23:47:16.854775806");
    assert_eq!(n(43_200_000_000_000), "0D12:00:00.000000000");
    assert_eq!(n(null::J), "0Nn");
    assert_eq!(n(null::WJ), "0Wn");
    let u = |v| con(&K::i32_of(Ty::Minute, v));
    assert_eq!(u(42), "00:42");
    assert_eq!(u(5321), "88:41");
    assert_eq!(u(null::I), "0Nu");
    let v = |x| con(&K::i32_of(Ty::Second, x));
    assert_eq!(v(42), "00:00:42");
    assert_eq!(v(-1), "-00:00:01");
    assert_eq!(v(null::WI), "0Wv");
    let t = |x| con(&K::i32_of(Ty::Time, x));
    assert_eq!(t(45_296_789), "12:34:56.789");
    assert_eq!(t(null::I), "0Nt");
}

#[test]
fn float_formatting_follows_printf_g() {
    assert_eq!(fmt_float(2.0 / 3.0, 7), "0.6666667");
    assert_eq!(fmt_float(3.732_054e7, 7), "3.732054e+07");
    assert_eq!(fmt_float(1e-8, 7), "1e-08");
    assert_eq!(fmt_float(1e-5, 7), "1e-05");
    assert_eq!(fmt_float(1e-4, 7), "0.0001");
    assert_eq!(fmt_float(1e-256, 7), "1e-256");
    assert_eq!(fmt_float(1e15, 7), "1e+15");
    assert_eq!(fmt_float(1e6, 7), "1000000");
    assert_eq!(fmt_float(1e7, 7), "1e+07");
    assert_eq!(fmt_float(123_456_789.0, 7), "1.234568e+08");
    assert_eq!(fmt_float(9.999_999_9, 7), "10");
    assert_eq!(fmt_float(0.999_999_96, 7), "1");
    assert_eq!(fmt_float(0.999_999_95, 7), "0.9999999");
    assert_eq!(fmt_float(162_754.8, 7), "162754.8");
    assert_eq!(fmt_float(0.5f64.ln(), 7), "-0.6931472");
    assert_eq!(fmt_float(2.5, 1), "2");
    assert_eq!(fmt_float(1.0 / 3.0, 3), "0.333");
    assert_eq!(fmt_float(1.0 / 3.0, 10), "0.3333333333");
    assert_eq!(fmt_float(0.045, 0), "0.044999999999999998");
    assert_eq!(fmt_float(1.0 - 1e-13, 0), "0.99999999999989997");
    assert_eq!(fmt_float(1.0, 0), "1");
    assert_eq!(fmt_float(2.0 + 1e-13, 14), "2.0000000000001");
    assert_eq!(fmt_float(f64::MAX, 7), "1.797693e+308");
    assert_eq!(fmt_float(5e-324, 7), "4.940656e-324");
    assert_eq!(fmt_float(-0.0, 7), "-0");
    assert_eq!(fmt_float(f64::NAN, 7), "0n");
    assert_eq!(fmt_float(f64::NEG_INFINITY, 7), "-0w");
    assert_eq!(fmt_float(0.1, 99), "0.10000000000000001");
}

// ---------------------------------------------------------------------------------------
// Vectors

#[test]
fn vectors_carry_one_suffix() {
    assert_eq!(con(&K::ints(vec![10, 10, 10])), "10 10 10i");
    assert_eq!(con(&K::shorts(vec![-7, 7, null::H])), "-7 7 0Nh");
    assert_eq!(
        con(&K::reals(vec![1.0, 2.34, f32::NAN, f32::INFINITY])),
        "1 2.34 0N 0we"
    );
    assert_eq!(con(&j(&[10, 43, null::J])), "10 43 0N");
    assert_eq!(con(&j(&[-null::WJ, -3, null::WJ])), "-0W -3 0W");
    assert_eq!(con(&K::ints(vec![null::I, null::WI, 1])), "0N 0W 1i");
    assert_eq!(con(&K::bools(vec![true, false, true])), "101b");
    assert_eq!(con(&K::bytes(vec![3, 4, 5])), "0x030405");
    assert_eq!(con(&ss(&["a", "b", "c"])), "`a`b`c");
    assert_eq!(con(&ss(&["mouton", "", "chat", ""])), "`mouton``chat`");
    assert_eq!(con(&st("abc")), "\"abc\"");
    assert_eq!(con(&st("\"foo\nbar\"")), "\"\\\"foo\\nbar\\\"\"");
    assert_eq!(con(&st("Z\u{fc}rich")), "\"Z\\303\\274rich\"");
    assert_eq!(con(&st("a\tb\r\\")), "\"a\\tb\\r\\\\\"");
    assert_eq!(
        con(&K::i32s_of(Ty::Month, vec![146, 147])),
        "2012.03 2012.04m"
    );
    assert_eq!(
        con(&K::i32s_of(Ty::Month, vec![146, null::I])),
        "2012.03 0Nm"
    );
    assert_eq!(
        con(&K::i32s_of(Ty::Date, vec![6575, null::I, null::WI])),
        "2018.01.01 0Nd 0Wd"
    );
    assert_eq!(
        con(&K::i64s_of(Ty::Timespan, vec![0, 2, 12])),
        "0D00:00:00.000000000 0D00:00:00.000000002 0D00:00:00.000000012"
    );
    assert_eq!(con(&K::i32s_of(Ty::Minute, vec![660, 665])), "11:00 11:05");
}

#[test]
fn float_vectors_add_f_only_when_all_integral() {
    assert_eq!(con(&f(&[1.0, 0.0, 1.0])), "1 0 1f");
    assert_eq!(
        con(&f(&[1005.0, 2016.0, 6055.0, 24228.0])),
        "1005 2016 6055 24228f"
    );
    assert_eq!(
        con(&f(&[1.0, 1.5, 2.0, 2.0, 2.5, f64::NEG_INFINITY, f64::NAN])),
        "1 1.5 2 2 2.5 -0w 0n"
    );
    assert_eq!(con(&f(&[f64::NAN, 3.0])), "0n 3");
    assert_eq!(con(&f(&[f64::NAN, f64::NAN])), "0n 0n");
    assert_eq!(con(&f(&[1e20, 2.0])), "1e+20 2");
    assert_eq!(con(&f(&[2.0])), ",2f");
}

#[test]
fn singletons_empties_and_attributes() {
    assert_eq!(con(&j(&[1])), ",1");
    assert_eq!(con(&st("a")), ",\"a\"");
    assert_eq!(con(&ss(&["apple"])), ",`apple");
    assert_eq!(con(&K::bools(vec![true])), ",1b");
    assert_eq!(con(&K::bytes(vec![1])), ",0x01");
    assert_eq!(con(&j(&[])), "`long$()");
    assert_eq!(con(&st("")), "\"\"");
    assert_eq!(con(&ss(&[])), "`symbol$()");
    assert_eq!(con(&K::i32s_of(Ty::Time, vec![])), "`time$()");
    assert_eq!(con(&gl(vec![])), "()");
    assert_eq!(con(&gl(vec![j(&[1])])), "1");
    assert_eq!(inl(&gl(vec![j(&[1])])), ",,1");
    let sorted = j(&[1, 1, 2, 2, 2, 3, 4]).with_attr(Attr::Sorted);
    assert_eq!(con(&sorted), "`s#1 1 2 2 2 3 4");
    assert_eq!(
        con(&j(&[2, 2, 2, 1, 1]).with_attr(Attr::Parted)),
        "`p#2 2 2 1 1"
    );
    assert_eq!(con(&st("ant").with_attr(Attr::Sorted)), "`s#\"ant\"");
    assert_eq!(con(&j(&[1]).with_attr(Attr::Unique)), "`u#,1");
    // the sorted attribute of a list of strings is not shown
    let strs = gl(vec![st("bat"), st("cat")]).with_attr(Attr::Sorted);
    assert_eq!(con(&strs), "\"bat\"\n\"cat\"");
}

#[test]
fn generic_null() {
    assert_eq!(con(&K::NULL), "");
    assert_eq!(inl(&K::NULL), "::");
    assert_eq!(con(&gl(vec![K::NULL])), "::");
    assert_eq!(
        inl(&gl(vec![K::long(42), K::NULL, sa("foo")])),
        "(42;::;`foo)"
    );
}

#[test]
fn enumerations() {
    let dom: HashMap<Sym, Arc<Vec<Sym>>> = [("d", vec!["a", "b", "c"])]
        .into_iter()
        .map(|(d, v)| (s(d), Arc::new(v.into_iter().map(s).collect())))
        .collect();
    let r = |d: Sym| dom.get(&d).cloned();
    let e = enum_of("d", &[0, 1, 2, 1]);
    assert_eq!(console_with(&e, &o(), &r), "`d$`a`b`c`b");
    assert_eq!(console_with(&enum_of("d", &[2]), &o(), &r), "`d$,`c");
    assert_eq!(console_with(&enum_of("d", &[]), &o(), &r), "`d$`symbol$()");
    assert_eq!(console_with(&K::EnumAtom(s("d"), 1), &o(), &r), "`d$`b");
    assert_eq!(console_with(&enum_of("d", &[7]), &o(), &r), "`d$,`");
    // without a resolver the indices show
    assert_eq!(con(&e), "`d$0 1 2 1");
    assert_eq!(con(&K::EnumAtom(s("d"), 1)), "`d$1");
    let t = tbl(vec![("c", enum_of("d", &[2, 0]))]);
    assert_eq!(console_with(&t, &o(), &r), "c\n-\nc\na");
    assert_eq!(cell(&K::EnumAtom(s("d"), 1), &o()), "1");
}

#[test]
fn cells_are_undecorated() {
    let c = |k: K| cell(&k, &o());
    assert_eq!(c(K::long(300)), "300");
    assert_eq!(c(K::long(null::J)), "");
    assert_eq!(c(K::long(null::WJ)), "0W");
    assert_eq!(c(K::float(300.0)), "300");
    assert_eq!(c(K::float(f64::NAN)), "");
    assert_eq!(c(K::float(f64::NEG_INFINITY)), "-0w");
    assert_eq!(c(K::bool(true)), "1");
    assert_eq!(c(K::char(b'A')), "A");
    assert_eq!(c(sa("abc")), "abc");
    assert_eq!(c(K::byte(0x2a)), "2a");
    assert_eq!(c(K::int(5)), "5");
    assert_eq!(c(K::short(null::H)), "");
    assert_eq!(c(K::real(2.5)), "2.5");
    assert_eq!(c(K::i32_of(Ty::Month, 209)), "2017.06");
    assert_eq!(c(K::i32_of(Ty::Date, null::I)), "");
    assert_eq!(c(K::i64_of(Ty::Timespan, 0)), "0D00:00:00.000000000");
    assert_eq!(c(j(&[1, 2])), "1 2");
}

// ---------------------------------------------------------------------------------------
// Lists, dictionaries, tables

#[test]
fn general_lists_print_one_item_per_line() {
    let x = gl(vec![
        K::long(0),
        f(&[1.0, 2.5]),
        K::bools(vec![false, true]),
        sa("a"),
        st("abc"),
    ]);
    assert_eq!(con(&x), "0\n1 2.5\n01b\n`a\n\"abc\"");
    assert_eq!(inl(&x), "(0;1 2.5;01b;`a;\"abc\")");
    let ragged = gl(vec![j(&[10]), j(&[20, 30])]);
    assert_eq!(con(&ragged), ",10\n20 30");
}

#[test]
fn matrices_align_columns() {
    let m = gl(vec![j(&[2, 7]), j(&[16, 56])]);
    assert_eq!(norm(&con(&m)), "2  7\n16 56");
    let mixed = gl(vec![j(&[300, 20]), ss(&["s1", "s2"])]);
    assert_eq!(norm(&con(&mixed)), "300 20\ns1  s2");
    // uniform boolean / char rows stay inline
    let b = gl(vec![
        K::bools(vec![false, true, false]),
        K::bools(vec![true, false, false]),
    ]);
    assert_eq!(con(&b), "010b\n100b");
    let c = gl(vec![st("ab"), st("cd")]);
    assert_eq!(con(&c), "\"ab\"\n\"cd\"");
    let x = gl(vec![K::bytes(vec![0, 1]), K::bytes(vec![4, 5])]);
    assert_eq!(con(&x), "0x0001\n0x0405");
    // nulls are blank cells inside a matrix
    let n = gl(vec![f(&[1.0, f64::NAN]), f(&[2.0, 3.0])]);
    assert_eq!(norm(&con(&n)), "1\n2 3");
    // a 3-d array lays out its rows side by side
    let cube = gl(vec![
        gl(vec![j(&[0, 1]), j(&[2, 3])]),
        gl(vec![j(&[4, 5]), j(&[6, 7])]),
    ]);
    assert_eq!(norm(&con(&cube)), "0 1 2 3\n4 5 6 7");
}

#[test]
fn dictionaries() {
    let d = dict(ss(&["a", "b", "c"]), j(&[1, 2, 3]));
    assert_eq!(norm(&con(&d)), "a| 1\nb| 2\nc| 3");
    assert_eq!(inl(&d), "`a`b`c!1 2 3");
    let one = dict(ss(&["foo"]), gl(vec![st("bar")]));
    assert_eq!(inl(&one), "(,`foo)!,\"bar\"");
    let fl = dict(ss(&["nail", "screw"]), f(&[3.0, 0.75]));
    assert_eq!(norm(&con(&fl)), "nail | 3\nscrew| 0.75");
    let sorted = K::Dict(Arc::new(Dict {
        keys: ss(&["a", "b"]),
        vals: j(&[1, 2]),
        sorted: true,
    }));
    assert_eq!(inl(&sorted), "`s#`a`b!1 2");
    let empty = dict(gl(vec![]), gl(vec![]));
    assert_eq!(inl(&empty), "()!()");
    assert_eq!(con(&empty), "");
    let in_list = gl(vec![dict(j(&[1, 2, 3]), j(&[2, 2, 1])), K::long(1)]);
    assert_eq!(con(&in_list), "1 2 3!2 2 1\n1");
}

#[test]
fn tables_and_keyed_tables() {
    let t = tbl(vec![
        ("c1", ss(&["a", "b"])),
        ("c2", j(&[10, 20])),
        ("c3", f(&[1.1, 2.2])),
    ]);
    assert_eq!(norm(&con(&t)), "c1 c2 c3\n---------\na  10 1.1\nb  20 2.2");
    assert_eq!(inl(&t), "+`c1`c2`c3!(`a`b;10 20;1.1 2.2)");
    let one = tbl(vec![("a", j(&[1, 2]))]);
    assert_eq!(inl(&one), "+(,`a)!,1 2");
    let k = keyed(vec![("a", j(&[1, 2]))], vec![("b", j(&[3, 4]))]);
    assert_eq!(norm(&con(&k)), "a| b\n-| -\n1| 3\n2| 4");
    assert_eq!(inl(&k), "(+(,`a)!,1 2)!+(,`b)!,3 4");
    let empty = tbl(vec![
        ("time", K::i32s_of(Ty::Time, vec![])),
        ("sym", ss(&[])),
    ]);
    assert_eq!(norm(&con(&empty)), "time sym\n--------");
    let in_list = gl(vec![one.clone(), K::long(2)]);
    assert_eq!(con(&in_list), "+(,`a)!,1 2\n2");
    // a table as a dictionary value shows as a column with an empty header
    let d = dict(ss(&["x", "y"]), tbl(vec![("q", j(&[1, 2]))]));
    assert_eq!(norm(&con(&d)), " | q\n-| -\nx| 1\ny| 2");
}

#[test]
fn functions() {
    assert_eq!(con(&K::lambda("{x*x}")), "{x*x}");
    assert_eq!(con(&binary(1)), "+");
    assert_eq!(con(&unary(13)), "#:");
    assert_eq!(con(&unary(18)), "@:");
    assert_eq!(con(&unary(4)), "%:");
    assert_eq!(con(&derived(107, binary(1))), "+/");
    assert_eq!(con(&derived(109, binary(2))), "-':");
    assert_eq!(con(&derived(111, binary(12))), ",\\:");
    assert_eq!(con(&derived(106, K::lambda("{x}"))), "{x}'");
    assert_eq!(con(&proj(vec![K::lambda("{x+y}"), K::long(3)])), "{x+y}[3]");
    assert_eq!(con(&proj(vec![binary(1), K::NULL, K::long(2)])), "+[;2]");
    assert_eq!(con(&proj(vec![binary(0x1c), K::long(1)])), "insert[1]");
    let any = comp(vec![unary(0x1c), proj(vec![binary(11), K::char(b'b')])]);
    assert_eq!(con(&any), "max$[\"b\"]");
    assert_eq!(con(&comp(vec![unary(15), binary(10)])), "~>");
    let differ = comp(vec![
        proj(vec![binary(11), K::char(b'b')]),
        comp(vec![unary(15), derived(109, binary(15))]),
    ]);
    assert_eq!(con(&differ), "$[\"b\"]~~':");
    assert_eq!(con(&K::Func(Func::Iterator(1))), "/");
    assert_eq!(con(&binary(200)), "<prim 102 200>");
    assert_eq!(con(&unary(200)), "<prim 101 200>");
    assert_eq!(con(&K::Func(Func::Iterator(9))), "<prim 103 9>");
    assert_eq!(con(&derived(120, binary(1))), "+<derived>");
    let l = K::Func(Func::Lambda(Arc::new(Lambda::new(s("d"), "{x+y}"))));
    assert_eq!(con(&l), "{x+y}");
}

#[test]
fn errors_show_with_a_quote() {
    assert_eq!(con(&K::error("type")), "'type");
}

#[test]
fn truncation_follows_console_size() {
    let opts = Opts {
        rows: 10,
        cols: 10,
        truncate: true,
        ..Opts::default()
    };
    let rows: Vec<K> = (20..30).map(|n| j(&(0..n).collect::<Vec<_>>())).collect();
    let want = ["0 1 2 3.."; 7].join("\n") + "\n..";
    assert_eq!(console(&gl(rows), &opts), want);
    let wide = j(&(0..40).collect::<Vec<_>>());
    let o80 = Opts {
        truncate: true,
        ..Opts::default()
    };
    assert_eq!(
        console(&wide, &o80),
        "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 .."
    );
    assert_eq!(console(&wide, &o()).len(), 109);
}

#[test]
fn truncating_formats_only_what_shows() {
    let opts = Opts {
        truncate: true,
        ..Opts::default()
    };
    let n = 1_000_000;
    let t = tbl(vec![
        ("a", j(&(0..n).collect::<Vec<_>>())),
        ("b", ss(&vec!["x"; n as usize])),
    ]);
    let out = console(&t, &opts);
    let lines: Vec<&str> = out.split('\n').collect();
    assert_eq!(lines.len(), 23);
    assert_eq!(lines[0], "a  b");
    assert_eq!(lines[1], "----");
    assert_eq!(lines[2], "0  x");
    assert_eq!(lines[21], "19 x");
    assert_eq!(lines[22], "..");
    let v = console(&f(&vec![0.5; n as usize]), &opts);
    assert_eq!(v.len(), 79);
    assert!(v.ends_with(".."));
    let s = console(&K::string(vec![b'a'; n as usize]), &opts);
    assert_eq!(s.len(), 79);
    let d = dict(
        j(&(0..n).collect::<Vec<_>>()),
        j(&(0..n).collect::<Vec<_>>()),
    );
    assert_eq!(console(&d, &opts).split('\n').count(), 23);
}

#[test]
fn precision_setting() {
    let o3 = Opts {
        precision: 3,
        ..Opts::default()
    };
    assert_eq!(console(&K::float(1.0 / 3.0), &o3), "0.333");
    let o0 = Opts {
        precision: 0,
        ..Opts::default()
    };
    assert_eq!(
        console(&K::float(7.999_999_999_999_998), &o0),
        "7.9999999999999982"
    );
    assert_eq!(console(&K::float(8.0), &o0), "8f");
}

// ---------------------------------------------------------------------------------------
// A reader for q literals, used to parse corpus outputs back into values.

struct Lit {
    k: K,
    /// Enumeration domains named by the literal.
    domains: HashMap<Sym, Arc<Vec<Sym>>>,
}

fn num(t: &str) -> Option<i64> {
    if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn parse_date(t: &str) -> Option<i64> {
    let p: Vec<&str> = t.split('.').collect();
    match p.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            let (y, m, d) = (num(y)?, num(m)?, num(d)?);
            if m == 0 || d == 0 {
                return None;
            }
            Some(days_from_civil(y, m, d))
        }
        _ => None,
    }
}

/// `hh:mm[:ss[.fff]]` as units of 10^-`frac` seconds (minutes when `minutes`).
fn parse_clock(t: &str, frac: u32) -> Option<i64> {
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (hms, sub) = match t.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (t, None),
    };
    let p: Vec<i64> = hms.split(':').map(num).collect::<Option<_>>()?;
    let v = match (p.as_slice(), sub) {
        ([h, m], None) if frac == 0 => h * 60 + m,
        ([h, m, s], None) if frac == 0 => h * 3600 + m * 60 + s,
        ([h, m, s], Some(f)) if f.len() as u32 == frac => {
            (h * 3600 + m * 60 + s) * 10i64.pow(frac) + num(f)?
        }
        _ => return None,
    };
    Some(if neg { -v } else { v })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    Int,
    Float,
    Date,
    Month,
    Time,
    Second,
    Minute,
    Timestamp,
    Timespan,
    Datetime,
    Special,
}

fn shape(t: &str) -> Option<Shape> {
    let b = t.strip_prefix('-').unwrap_or(t);
    if matches!(b, "0N" | "0W" | "0n" | "0w") {
        return Some(Shape::Special);
    }
    if num(b).is_some() {
        return Some(Shape::Int);
    }
    if b.contains('D') {
        let (d, _) = b.split_once('D')?;
        return Some(if d.contains('.') {
            Shape::Timestamp
        } else {
            Shape::Timespan
        });
    }
    if b.contains('T') {
        return Some(Shape::Datetime);
    }
    if b.contains(':') {
        return Some(match (b.matches(':').count(), b.contains('.')) {
            (1, false) => Shape::Minute,
            (2, false) => Shape::Second,
            (2, true) => Shape::Time,
            _ => return None,
        });
    }
    if parse_date(b).is_some() {
        return Some(Shape::Date);
    }
    let p: Vec<&str> = b.split('.').collect();
    if p.len() == 2 && p[0].len() == 4 && p[1].len() == 2 && num(p[0]).is_some() {
        return Some(Shape::Month);
    }
    if b.parse::<f64>().is_ok()
        && b.bytes()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == b'.')
    {
        return Some(Shape::Float);
    }
    None
}

/// Reads one token's value.
type Reader = Box<dyn Fn(&str) -> Option<i64>>;

/// Parse numeric and temporal tokens into a vector of type `ty`.
fn typed_items(tokens: &[&str], ty: Ty) -> Option<K> {
    fn sp(t: &str) -> Option<u8> {
        match t {
            "0N" | "0n" => Some(0),
            "0W" | "0w" => Some(1),
            "-0W" | "-0w" => Some(2),
            _ => None,
        }
    }
    let i32_of = |t: &str, f: &dyn Fn(&str) -> Option<i64>| -> Option<i32> {
        Some(match sp(t) {
            Some(0) => null::I,
            Some(1) => null::WI,
            Some(_) => -null::WI,
            None => i32::try_from(f(t)?).ok()?,
        })
    };
    let i64_of = |t: &str, f: &dyn Fn(&str) -> Option<i64>| -> Option<i64> {
        Some(match sp(t) {
            Some(0) => null::J,
            Some(1) => null::WJ,
            Some(_) => -null::WJ,
            None => f(t)?,
        })
    };
    let f64_of = |t: &str| -> Option<f64> {
        Some(match sp(t) {
            Some(0) => f64::NAN,
            Some(1) => f64::INFINITY,
            Some(_) => f64::NEG_INFINITY,
            None => t.parse().ok()?,
        })
    };
    let int = |t: &str| -> Option<i64> { t.parse().ok() };
    Some(match ty {
        Ty::Short => K::shorts(
            tokens
                .iter()
                .map(|t| match sp(t) {
                    Some(0) => Some(null::H),
                    Some(_) => None,
                    None => t.parse().ok(),
                })
                .collect::<Option<_>>()?,
        ),
        Ty::Int | Ty::Date | Ty::Month | Ty::Minute | Ty::Second | Ty::Time => {
            let f: Reader = match ty {
                Ty::Int => Box::new(int),
                Ty::Date => Box::new(|t: &str| match t.strip_prefix('-') {
                    Some(_) => None,
                    None => parse_date(t),
                }),
                Ty::Month => Box::new(|t: &str| {
                    let (y, m) = t.split_once('.')?;
                    Some((num(y)? - 2000) * 12 + num(m)? - 1)
                }),
                Ty::Minute | Ty::Second => Box::new(|t: &str| parse_clock(t, 0)),
                _ => Box::new(|t: &str| parse_clock(t, 3)),
            };
            let v = tokens
                .iter()
                .map(|t| i32_of(t, &*f))
                .collect::<Option<Vec<_>>>()?;
            if ty == Ty::Minute
                && tokens
                    .iter()
                    .any(|t| t.matches(':').count() != 1 && sp(t).is_none())
            {
                return None;
            }
            K::i32s_of(ty, v)
        }
        Ty::Long | Ty::Timestamp | Ty::Timespan => {
            let f: Reader = match ty {
                Ty::Long => Box::new(int),
                Ty::Timestamp => Box::new(|t: &str| {
                    let (d, c) = t.split_once('D')?;
                    Some(parse_date(d)? * DAY_NS + parse_clock(c, 9)?)
                }),
                _ => Box::new(|t: &str| {
                    let (neg, t) = match t.strip_prefix('-') {
                        Some(r) => (true, r),
                        None => (false, t),
                    };
                    let (d, c) = t.split_once('D')?;
                    let v = num(d)? * DAY_NS + parse_clock(c, 9)?;
                    Some(if neg { -v } else { v })
                }),
            };
            K::i64s_of(
                ty,
                tokens
                    .iter()
                    .map(|t| i64_of(t, &*f))
                    .collect::<Option<_>>()?,
            )
        }
        Ty::Real => K::reals(
            tokens
                .iter()
                .map(|t| f64_of(t).map(|x| x as f32))
                .collect::<Option<_>>()?,
        ),
        Ty::Float => K::floats(tokens.iter().map(|t| f64_of(t)).collect::<Option<_>>()?),
        Ty::Datetime => K::vector(
            Ty::Datetime,
            Data::F64(Arc::new(
                tokens
                    .iter()
                    .map(|t| {
                        Some(match sp(t) {
                            Some(0) => f64::NAN,
                            Some(1) => f64::INFINITY,
                            Some(_) => f64::NEG_INFINITY,
                            None => {
                                let (d, c) = t.split_once('T')?;
                                parse_date(d)? as f64 + parse_clock(c, 3)? as f64 / 86_400_000.0
                            }
                        })
                    })
                    .collect::<Option<_>>()?,
            )),
        ),
        _ => return None,
    })
}

fn vector_to_atom(k: K) -> K {
    match k {
        K::Vector(v) if v.len() == 1 => K::Atom(v.at(0)),
        other => other,
    }
}

fn unescape(body: &str) -> Option<Vec<u8>> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let c = *b.get(i + 1)?;
            match c {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'"' | b'\\' => out.push(c),
                b'0'..=b'7' => {
                    let oct = std::str::from_utf8(b.get(i + 1..i + 4)?).ok()?;
                    out.push(u8::from_str_radix(oct, 8).ok()?);
                    i += 4;
                    continue;
                }
                _ => return None,
            }
            i += 2;
        } else if b[i] == b'"' {
            return None;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

fn is_guid(t: &str) -> bool {
    let p: Vec<&str> = t.split('-').collect();
    p.iter().map(|x| x.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && p.iter().all(|x| x.bytes().all(|c| c.is_ascii_hexdigit()))
}

fn guid_of(t: &str) -> Guid {
    let hex: String = t.chars().filter(|c| *c != '-').collect();
    let mut g = [0u8; 16];
    for (i, b) in g.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    g
}

/// Read one q literal as the console prints atoms and simple vectors.
fn lit(text: &str) -> Option<Lit> {
    let mut rest = text;
    let mut attr = Attr::None;
    if rest.len() > 3 && rest.as_bytes()[0] == b'`' && rest.as_bytes()[2] == b'#' {
        attr = match rest.as_bytes()[1] {
            b's' => Attr::Sorted,
            b'u' => Attr::Unique,
            b'p' => Attr::Parted,
            b'g' => Attr::Grouped,
            _ => return None,
        };
        rest = &rest[3..];
    }
    let mut domains = HashMap::new();
    // enumeration: `d$`a`b
    if let Some(r) = rest.strip_prefix('`') {
        if let Some((name, syms)) = r.split_once('$') {
            if !name.is_empty()
                && name.bytes().all(|c| c.is_ascii_alphanumeric())
                && (syms.starts_with('`') || syms.starts_with(",`"))
            {
                let inner = lit(syms)?;
                let (items, atom) = match &inner.k {
                    K::Atom(Atom {
                        v: Scalar::Sym(x), ..
                    }) => (vec![*x], true),
                    K::Vector(Vector {
                        data: Data::Sym(xs),
                        ..
                    }) => (xs.to_vec(), false),
                    _ => return None,
                };
                let mut dom: Vec<Sym> = Vec::new();
                let idx: Vec<i64> = items
                    .iter()
                    .map(|x| match dom.iter().position(|d| d == x) {
                        Some(i) => i as i64,
                        None => {
                            dom.push(*x);
                            dom.len() as i64 - 1
                        }
                    })
                    .collect();
                let d = s(name);
                domains.insert(d, Arc::new(dom));
                let k = if atom {
                    K::EnumAtom(d, idx[0])
                } else {
                    K::Enum(Enum {
                        domain: d,
                        attr,
                        idx: Arc::new(idx),
                    })
                };
                return Some(Lit { k, domains });
            }
            if let Some(ty) = Ty::ALL.iter().find(|t| type_name(**t) == name) {
                if syms == "()" {
                    let k = K::Vector(Vector {
                        ty: *ty,
                        attr,
                        data: Data::with_capacity(ty.storage(), 0),
                    });
                    return Some(Lit { k, domains });
                }
            }
            return None;
        }
    }
    let (comma, body) = match rest.strip_prefix(',') {
        Some(b) => (true, b),
        None => (false, rest),
    };
    let finish = |k: K| -> Option<Lit> {
        let k = if comma {
            match &k {
                K::Vector(v) if v.len() == 1 => k,
                _ => return None,
            }
        } else {
            vector_to_atom(k)
        };
        Some(Lit {
            k: k.with_attr(attr),
            domains: HashMap::new(),
        })
    };
    if body.len() >= 2 && body.starts_with('"') && body.ends_with('"') {
        let bytes = unescape(&body[1..body.len() - 1])?;
        let k = K::string(bytes);
        return if comma || k.len() != 1 {
            Some(Lit {
                k: if comma && k.len() != 1 {
                    return None;
                } else {
                    k.with_attr(attr)
                },
                domains,
            })
        } else {
            finish(k)
        };
    }
    if let Some(hex) = body.strip_prefix("0x") {
        if hex.is_empty() || hex.len() % 2 != 0 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect();
        return finish(K::bytes(bytes));
    }
    if let Some(r) = body.strip_prefix('`') {
        let sym_char = |c: u8| c.is_ascii_alphanumeric() || b"_.:/`".contains(&c);
        if !body.bytes().all(sym_char) {
            return None;
        }
        return finish(K::syms(r.split('`')));
    }
    if let Some(bits) = body.strip_suffix('b') {
        if !bits.is_empty() && bits.bytes().all(|c| c == b'0' || c == b'1') {
            return finish(K::bools(bits.bytes().map(|c| c == b'1').collect()));
        }
    }
    let tokens: Vec<&str> = body.split(' ').collect();
    if tokens.iter().any(|t| t.is_empty()) {
        return None;
    }
    if tokens.iter().all(|t| is_guid(t)) {
        return finish(K::guids(tokens.iter().map(|t| guid_of(t)).collect()));
    }
    // the type: a suffix on the last token, a type letter on a special, or the shapes
    let last = *tokens.last()?;
    let mut toks: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    let mut ty: Option<Ty> = None;
    let strip_letter = |t: &str| -> Option<(String, u8)> {
        let c = *t.as_bytes().last()?;
        if !c.is_ascii_alphabetic() || matches!(t, "0n" | "0w" | "-0w" | "0N" | "0W" | "-0W") {
            return None;
        }
        Some((t[..t.len() - 1].to_string(), c))
    };
    if let Some((stem, c)) = strip_letter(last) {
        ty = Some(Ty::from_char(c).filter(|t| !matches!(t, Ty::Bool | Ty::Char | Ty::Sym))?);
        if let Some(l) = toks.last_mut() {
            *l = stem;
        }
    }
    // specials inside unsuffixed temporal vectors carry their letter: 0Nd
    for t in toks.iter_mut() {
        if let Some((stem, c)) = strip_letter(t) {
            if matches!(stem.as_str(), "0N" | "0W" | "-0W" | "0w" | "-0w") {
                let tt = Ty::from_char(c)?;
                if ty.is_some_and(|x| x != tt) {
                    return None;
                }
                ty = Some(tt);
                *t = stem;
            }
        }
    }
    let shapes: Vec<Shape> = toks.iter().map(|t| shape(t)).collect::<Option<_>>()?;
    let ty = match ty {
        Some(t) => t,
        None => {
            let kinds: Vec<Shape> = shapes
                .iter()
                .copied()
                .filter(|s| *s != Shape::Special)
                .collect();
            let first = kinds.first().copied();
            let all = |s: Shape| kinds.iter().all(|k| *k == s);
            match first {
                None => {
                    if toks.iter().any(|t| t.contains('n') || t.contains('w')) {
                        Ty::Float
                    } else {
                        Ty::Long
                    }
                }
                Some(Shape::Int | Shape::Float)
                    if kinds.iter().all(|k| matches!(k, Shape::Int | Shape::Float)) =>
                {
                    if kinds.contains(&Shape::Float)
                        || toks.iter().any(|t| t.contains('n') || t.contains('w'))
                    {
                        Ty::Float
                    } else {
                        Ty::Long
                    }
                }
                Some(k) if all(k) => match k {
                    Shape::Date => Ty::Date,
                    Shape::Time => Ty::Time,
                    Shape::Second => Ty::Second,
                    Shape::Minute => Ty::Minute,
                    Shape::Timestamp => Ty::Timestamp,
                    Shape::Timespan => Ty::Timespan,
                    Shape::Datetime => Ty::Datetime,
                    _ => return None,
                },
                _ => return None,
            }
        }
    };
    let refs: Vec<&str> = toks.iter().map(String::as_str).collect();
    finish(typed_items(&refs, ty)?)
}

// ---------------------------------------------------------------------------------------
// The corpus

struct Case {
    id: String,
    expression: String,
    expected: String,
    setup: Vec<String>,
    shape: String,
    error: bool,
    tier: u64,
}

fn corpus() -> Vec<Case> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/q-corpus/cases.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("the q corpus is readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("corpus line is JSON");
            let str_of = |k: &str| v[k].as_str().unwrap_or("").to_string();
            Case {
                id: str_of("id"),
                expression: str_of("expression"),
                expected: str_of("expected"),
                setup: v["setup"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                shape: str_of("output_shape"),
                error: !v["expected_error"].is_null(),
                tier: v["tier"].as_u64().unwrap_or(0),
            }
        })
        .collect()
}

/// The `\P` a case runs under (its setup may set it).
fn case_opts(c: &Case) -> Opts {
    let mut opts = Opts::default();
    for line in &c.setup {
        if let Some(p) = line.trim().strip_prefix("\\P ") {
            if let Ok(p) = p.trim().parse() {
                opts.precision = p;
            }
        }
    }
    opts
}

/// Cases whose documented text q would not print for the case as recorded: a Windows
/// printf's 3-digit exponent, and outputs needing a `\P` their setup does not set.
const NOT_Q_OUTPUT: &[&str] = &[
    "basics-precision-L0061",
    "basics-internal-L0396",
    "kb-programming-idioms-L0355",
];

/// Every single-line atom or vector output that reads back as a literal must print the
/// same; so must every expression that is itself such a literal.
#[test]
fn corpus_literals_round_trip() {
    let cases = corpus();
    let mut checked = 0;
    let mut failures = Vec::new();
    for c in &cases {
        if c.error || c.expected.contains('\n') || NOT_Q_OUTPUT.contains(&c.id.as_str()) {
            continue;
        }
        let opts = case_opts(c);
        let mut inputs = vec![("expected", c.expected.as_str())];
        if c.setup.is_empty() && c.shape == "atom-or-vector" {
            inputs.push(("expression", c.expression.trim()));
        }
        for (what, text) in inputs {
            let Some(l) = lit(text) else { continue };
            let r = |d: Sym| l.domains.get(&d).cloned();
            let got = console_with(&l.k, &opts, &r);
            checked += 1;
            if norm(&got) != norm(&c.expected) {
                failures.push(format!(
                    "{} ({what} {text:?}): got {got:?}, want {:?}",
                    c.id, c.expected
                ));
            }
        }
    }
    // multi-line lists whose every line reads back: the list of those items must print
    // the same lines (this checks which lists are laid out as matrices)
    for c in &cases {
        if c.error || c.shape != "multi-line-list" || NOT_Q_OUTPUT.contains(&c.id.as_str()) {
            continue;
        }
        let Some(items) = c
            .expected
            .split('\n')
            .map(lit)
            .collect::<Option<Vec<Lit>>>()
        else {
            continue;
        };
        let domains: HashMap<Sym, Arc<Vec<Sym>>> =
            items.iter().flat_map(|l| l.domains.clone()).collect();
        let r = |d: Sym| domains.get(&d).cloned();
        let list = gl(items.into_iter().map(|l| l.k).collect());
        let got = console_with(&list, &case_opts(c), &r);
        checked += 1;
        if norm(&got) != norm(&c.expected) {
            failures.push(format!(
                "{} (lines): got {got:?}, want {:?}",
                c.id, c.expected
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{checked} corpus outputs read back and printed identically");
    assert!(checked > 650, "only {checked} literals read back");
}

/// A literal reader that accepted everything would make the round trip vacuous.
#[test]
fn literal_reader_is_strict() {
    assert!(lit("1 2 3").is_some());
    assert!(lit("+").is_none());
    assert!(lit("-':").is_none());
    assert!(lit("a| 1").is_none());
    assert!(lit("'type").is_none());
    assert!(lit("1 `a").is_none());
    assert!(matches!(lit("1 2.5").map(|l| l.k.ty()), Some(9)));
    assert!(matches!(lit("10i").map(|l| l.k.ty()), Some(-6)));
    assert!(matches!(
        lit("2012.03 2012.04m").map(|l| l.k.ty()),
        Some(13)
    ));
    assert!(matches!(lit(",`a").map(|l| l.k.ty()), Some(11)));
    assert!(matches!(lit("`d$`a`b").map(|l| l.k.ty()), Some(20)));
    // a printer that dropped the f would be caught
    let l = lit("2f").map(|l| l.k);
    assert!(matches!(l, Some(K::Atom(Atom { ty: Ty::Float, .. }))));
}

/// The corpus cases whose values are rebuilt here: (id, value).
fn built_cases() -> Vec<(&'static str, K)> {
    let k_table = |a: K, b: K| tbl(vec![("a", a), ("b", b)]);
    let kk = || ss(&["abc", "def", "ghi"]);
    let nf = f64::NAN;
    let sp_s = enum_of("s", &[0, 0, 0, 0, 3, 0, 1, 1, 2, 3, 3, 0]);
    vec![
        (
            "ref-accumulators-L0117",
            gl(vec![st("abcd"), st("bcda"), st("cdab"), st("dabc")]),
        ),
        (
            "ref-accumulators-L0138",
            gl(vec![j(&[2, 7]), j(&[4, 14]), j(&[8, 28]), j(&[16, 56])]),
        ),
        (
            "ref-accumulators-L0264",
            gl(vec![j(&[2]), j(&[2, 3]), j(&[2, 3, 4])]),
        ),
        (
            "ref-accumulators-L0295",
            gl(vec![st("The"), K::long(8), K::long(6), K::long(4)]),
        ),
        ("ref-add-L0022", dict(ss(&["a", "b", "c"]), j(&[105, 205, 305]))),
        (
            "ref-add-L0058",
            dict(
                ss(&["a", "b", "c"]),
                gl(vec![j(&[10, -21, 3]), j(&[14, 25, 24]), j(&[1000, 2000, 3000])]),
            ),
        ),
        ("ref-add-L0063", k_table(j(&[110, 79, 103]), j(&[104, 105, 94]))),
        (
            "ref-add-L0070",
            keyed(
                vec![("k", kk())],
                vec![("a", j(&[20, -42, 6])), ("b", j(&[8, 10, -12]))],
            ),
        ),
        (
            "ref-all-any-L0095",
            dict(ss(&["c1", "c2", "c3"]), K::bools(vec![true, true, false])),
        ),
        (
            "ref-amend-L0096",
            gl(vec![f(&[5.0, 2.14]), st("abx")]),
        ),
        (
            "ref-apply-L0284",
            dict(
                ss(&["cat", "cow", "dog", "sheep"]),
                ss(&["chat", "vache", "chien", "mouton"]),
            ),
        ),
        (
            "ref-apply-L0293",
            dict(j(&(0..10).map(|i| i * 10).collect::<Vec<_>>()), j(&(0..10).collect::<Vec<_>>())),
        ),
        (
            "ref-asc-L0103",
            keyed(
                vec![("c", ss(&["a", "b"]))],
                vec![
                    ("t", st("js")),
                    ("f", ss(&["", ""])),
                    ("a", ss(&["p", ""])),
                ],
            ),
        ),
        (
            "ref-bin-L0107",
            keyed(
                vec![("k", ss(&["c", "d", "e", "f", "g", "h", "j", "l"]))],
                vec![
                    ("a", ss(&["p", "p", "q", "q", "p", "p", "q", "q"])),
                    ("b", j(&[0, 1, 0, 1, 0, 1, 0, 1])),
                    ("c", j(&[3, 3, 3, 3, 7, 7, 7, 7])),
                ],
            ),
        ),
        (
            "ref-cast-L0053",
            gl(vec![
                K::i64_of(Ty::Timestamp, 42),
                K::i32_of(Ty::Month, 42),
                K::i32_of(Ty::Date, 42),
                K::atom(Ty::Datetime, Scalar::F64(42.0)),
                K::i64_of(Ty::Timespan, 42),
                K::i32_of(Ty::Minute, 42),
                K::i32_of(Ty::Second, 42),
                K::i32_of(Ty::Time, 42),
            ]),
        ),
        (
            "ref-cast-L0073",
            gl(vec![
                K::i64_of(Ty::Timestamp, 42),
                gl(vec![K::i32_of(Ty::Month, 42), K::i32_of(Ty::Date, 42)]),
            ]),
        ),
        (
            "ref-cast-L0087",
            gl(vec![j(&[6, 7]), j(&[-6, -7])]),
        ),
        (
            "ref-cut-L0029",
            gl(vec![j(&[2, 3]), j(&[]), j(&[4, 5, 6, 7, 8]), j(&[9])]),
        ),
        (
            "ref-coalesce-L0045",
            keyed(
                vec![("k", j(&[2, 3]))],
                vec![("c1", j(&[null::J, 3000])), ("c2", ss(&["bbb", ""]))],
            ),
        ),
        (
            "ref-exec-L0066",
            gl(vec![
                j(&[300, 200, 400, 200, 100, 100, 300, 400, 200, 200, 300, 400]),
                sp_s.clone(),
            ]),
        ),
        (
            "ref-exec-L0070",
            dict(
                ss(&["qty", "s"]),
                gl(vec![
                    j(&[300, 200, 400, 200, 100, 100, 300, 400, 200, 200, 300, 400]),
                    sp_s.clone(),
                ]),
            ),
        ),
        (
            "ref-exec-L0080",
            dict(
                ss(&["s1", "s2", "s3", "s4"]),
                tbl(vec![("q", j(&[1600, 700, 200, 600]))]),
            ),
        ),
        (
            "ref-exec-L0088",
            dict(
                tbl(vec![("s", ss(&["s1", "s2", "s3", "s4"]))]),
                j(&[1600, 700, 200, 600]),
            ),
        ),
        (
            "ref-exp-L0053",
            dict(
                ss(&["a", "b"]),
                gl(vec![
                    f(&[10f64.exp(), (-21f64).exp(), 3f64.exp()]),
                    f(&[4f64.exp(), 5f64.exp(), (-6f64).exp()]),
                ]),
            ),
        ),
        (
            "ref-exp-L0057",
            k_table(
                f(&[10f64.exp(), (-21f64).exp(), 3f64.exp()]),
                f(&[4f64.exp(), 5f64.exp(), (-6f64).exp()]),
            ),
        ),
        (
            "ref-exp-L0064",
            keyed(
                vec![("k", kk())],
                vec![
                    ("a", f(&[10f64.exp(), (-21f64).exp(), 3f64.exp()])),
                    ("b", f(&[4f64.exp(), 5f64.exp(), (-6f64).exp()])),
                ],
            ),
        ),
        (
            "ref-exp-L0129",
            gl(vec![K::float(3.0), f(&[9.0, 27.0])]),
        ),
        (
            "ref-file-binary-L0035",
            gl(vec![f(&[std::f64::consts::PI])]),
        ),
        (
            "ref-file-binary-L0044",
            gl(vec![
                K::ints(vec![0, 255]),
                st("AB"),
                K::shorts(vec![0, -1]),
            ]),
        ),
        (
            "ref-file-text-L0276",
            gl(vec![
                K::i32s_of(Ty::Date, vec![days_from_civil(2013, 3, 15) as i32; 2]),
                K::i32s_of(Ty::Time, vec![68_140_686, 68_140_686]),
            ]),
        ),
        (
            "ref-file-text-L0330",
            gl(vec![
                K::ints(vec![1, 2, 3]),
                gl(vec![st("first"), st("second"), st("third")]),
            ]),
        ),
        (
            "ref-doth-L0691",
            dict(
                ss(&["raw", "json", "csv", "txt", "xml", "xls"]),
                gl(vec![
                    unary(12),
                    K::lambda("k){.j.j'$[.Q.qt x;0!x;x]}"),
                    K::lambda("k){.q.csv 0:$[.Q.qt x;![x;();0b;(!t)[c]!,:'.q.sv[d]@/:'$v c:&(~l=-10h)&0>l:.Q.tx'v:. t:+0!x];x]}"),
                    K::lambda("k){\"\\t\"0:x}"),
                    K::lambda("k){g:{(#*y)#'(,,\"<\",x),y,,,\"</\",x:($x),\">\"};(,\"<R>\"),(,/'+g[`r]@,/(!x)g'{,xs'$[11h=@x;$x;t&77h>t:@x;$x;x]}'x:+0!x),,\"</R>\"}"),
                    K::lambda("k){ex eb es[`Sheet1]x}"),
                ]),
            ),
        ),
        (
            "ref-doth-L0822",
            gl(vec![
                dict(ss(&["foo"]), gl(vec![st("bar")])),
                dict(ss(&["this"]), gl(vec![st("that")])),
            ]),
        ),
        (
            "ref-dotq-L1311",
            tbl(["in1", "within1", "like1", "bin1", "binr1"]
                .iter()
                .map(|n| (*n, gl(vec![])))
                .collect()),
        ),
        (
            "ref-dotq-L1322",
            dict(
                ss(&["abs1", "acos1", "asin1", "atan1", "avg1"]),
                gl((0..5).map(|_| gl(vec![])).collect()),
            ),
        ),
        (
            "ref-dotq-L2152",
            tbl(vec![
                ("a", j(&[3, 4, 5])),
                ("b", st("abc")),
                ("c", gl(vec![K::long(3), st("xy"), sa("ab")])),
                ("d", gl(vec![j(&[3, 4]), j(&[5, 3]), j(&[4, 5])])),
                ("e", gl(vec![st("abc"), st("de"), st("fg")])),
            ]),
        ),
        (
            "ref-dotz-L1215",
            dict(
                ss(&["", "a", "b"]),
                gl(vec![j(&[17, 5, 3]), j(&[17, 2, 6]), j(&[17, 2, 6])]),
            ),
        ),
        (
            "ref-greater-than-L0017",
            gl(vec![
                K::bools(vec![true, false, false]),
                K::bools(vec![false, false, false]),
            ]),
        ),
        (
            "ref-greater-than-L0051",
            dict(
                ss(&["a", "b"]),
                gl(vec![
                    K::bools(vec![true, false, false]),
                    K::bools(vec![false, true, false]),
                ]),
            ),
        ),
        (
            "ref-inv-L0024",
            gl(vec![
                f(&[1.0, 2.220446e-16, -2.775558e-17]),
                f(&[0.0, 1.0, 5.551115e-17]),
                f(&[0.0, 0.0, 1.0]),
            ]),
        ),
        (
            "ref-lower-L0034",
            gl(vec![
                sa("THE"),
                gl(vec![ss(&["QUICK", "BROWN"]), gl(vec![sa("FOX"), ss(&["JUMPS", "OVER"])])]),
                sa("A"),
                ss(&["LAZY", "DOG"]),
            ]),
        ),
        (
            "ref-log-L0050",
            dict(
                ss(&["a", "b"]),
                gl(vec![
                    f(&[10f64.ln(), nf, 3f64.ln()]),
                    f(&[4f64.ln(), 5f64.ln(), nf]),
                ]),
            ),
        ),
        (
            "ref-log-L0054",
            k_table(
                f(&[10f64.ln(), nf, 3f64.ln()]),
                f(&[4f64.ln(), 5f64.ln(), nf]),
            ),
        ),
        (
            "ref-log-L0061",
            keyed(
                vec![("k", kk())],
                vec![
                    ("a", f(&[10f64.ln(), nf, 3f64.ln()])),
                    ("b", f(&[4f64.ln(), 5f64.ln(), nf])),
                ],
            ),
        ),
        (
            "ref-pad-L0031",
            gl(vec![
                st("The      "),
                gl(vec![st("fox      "), gl(vec![st("jumps    "), st("over     ")])]),
                gl(vec![st("the      "), st("dog      ")]),
            ]),
        ),
        (
            "ref-pad-L0041",
            k_table(
                gl(vec![st("    quick"), st("    brown"), st("      fox")]),
                gl(vec![st("    jumps"), st("     over"), st("      the")]),
            ),
        ),
        (
            "ref-pad-L0058",
            gl(vec![
                f(&[113.0, 117.0, 105.0, 99.0, 107.0]),
                f(&[98.0, 114.0, 111.0, 119.0, 110.0]),
                f(&[102.0, 111.0, 120.0]),
            ]),
        ),
        (
            "ref-parse-L0045",
            gl(vec![binary(1), j(&[1, 2, 3]), gl(vec![unary(2), j(&[5, 7])])]),
        ),
        (
            "ref-parse-L0056",
            gl(vec![unary(16), K::long(10)]),
        ),
        (
            "ref-select-L0182",
            keyed(
                vec![("sex", ss(&["f", "m"]))],
                vec![
                    ("name", gl(vec![ss(&["jill"]), ss(&["tom", "dick", "harry", "jack"])])),
                    ("eye", gl(vec![ss(&["gray"]), ss(&["blue", "green", "blue", "blue"])])),
                ],
            ),
        ),
        (
            "ref-select-L0144",
            dict(ss(&["a", "b", "c"]), gl(vec![j(&[10, 30]), j(&[20, 40]), j(&[50])])),
        ),
        (
            "ref-sum-L0105",
            keyed(
                vec![("s", enum_of("s", &[0, 1, 2, 3]))],
                vec![(
                    "qty",
                    gl(vec![
                        j(&[300, 500, 900, 1100, 1200, 1600]),
                        j(&[300, 700]),
                        j(&[200]),
                        j(&[100, 300, 600]),
                    ]),
                )],
            ),
        ),
        (
            "ref-take-L0058",
            tbl(vec![
                ("time", K::i32s_of(Ty::Time, vec![])),
                ("sym", ss(&[])),
                ("price", f(&[])),
                ("size", j(&[])),
            ]),
        ),
        (
            "ref-take-L0076",
            gl(vec![
                ss(&["Arthur", "Steve", "Dennis", "Arthur"]),
                ss(&["Steve", "Dennis", "Arthur", "Steve"]),
            ]),
        ),
        (
            "ref-take-L0084",
            gl((0..2)
                .map(|_| gl((0..3).map(|_| st("aaaa")).collect()))
                .collect()),
        ),
        (
            "ref-trim-L0045",
            dict(
                ss(&["a", "b"]),
                gl(vec![
                    gl(vec![st("fox"), gl(vec![st("jumps "), st("over   ")])]),
                    gl(vec![K::char(b'a'), st("dog ")]),
                ]),
            ),
        ),
        (
            "ref-ungroup-L0020",
            tbl(vec![
                ("s", ss(&["a", "b", "c"])),
                ("p", gl(vec![j(&[2]), j(&[5, 7, 11]), j(&[13, 17])])),
                ("q", j(&[10, 20, 30])),
                ("r", gl(vec![st("A"), st("CDE"), st("FG")])),
            ]),
        ),
        (
            "ref-ungroup-L0042",
            keyed(
                vec![("s", enum_of("s", &[0, 1, 3]))],
                vec![
                    (
                        "p",
                        gl(vec![
                            enum_of("p", &[0, 2, 4]),
                            enum_of("p", &[0, 1]),
                            enum_of("p", &[3]),
                        ]),
                    ),
                    ("qty", gl(vec![j(&[300, 400, 400]), j(&[300, 400]), j(&[300])])),
                ],
            ),
        ),
        (
            "ref-deltas-L0035",
            keyed(
                vec![("sym", ss(&["AAPL", "GOOG"]))],
                vec![(
                    "movement",
                    gl(vec![K::ints(vec![1, 0, -1]), K::ints(vec![1, 1, 1])]),
                )],
            ),
        ),
        (
            "ref-signum-L0042",
            gl(vec![K::int(1), K::ints(vec![-1, 1])]),
        ),
        ("ref-identity-L0089", gl(vec![K::NULL])),
        (
            "ref-identity-L0036",
            gl(vec![j(&[1, 2, 3]), K::float(2.0)]),
        ),
        (
            "ref-value-L0155",
            gl(vec![
                K::bytes(vec![
                    0xa0, 0x62, 0x41, 0x61, 0x43, 0x03, 0x09, 0x22, 0x0b, 0x04, 0x81, 0x00, 0x02,
                    0x82, 0x69, 0x41, 0x00, 0x04,
                ]),
                ss(&["a", "b"]),
                ss(&["c"]),
                ss(&["", "d", "e"]),
                K::long(5),
                j(&[21, 19, 20, 17, 18, 0, 16, 11, 0, 9, 0, 9, 0, 25, 23, 24, 2]),
                st("..f"),
                st(""),
                K::long(-1),
                st("{[a;b]d::neg c:a*b+5;c+e}"),
            ]),
        ),
        (
            "ref-doth-L0114",
            keyed(
                vec![("a", j(&[0, 1, 2]))],
                vec![
                    ("b", gl((0..3).map(|_| st("abc")).collect())),
                    ("c", gl((0..3).map(|_| j(&[1, 2, 3])).collect())),
                ],
            ),
        ),
        (
            "ref-tok-L0026",
            keyed(
                vec![(
                    "result",
                    ss(&[
                        "boolean", "guid", "byte", "short", "int", "long", "real", "float", "char",
                        "symbol", "timestamp", "month", "date", "datetime", "timespan", "minute",
                        "second", "time",
                    ]),
                )],
                vec![
                    (
                        "short",
                        K::shorts(vec![
                            -1, -2, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16, -17,
                            -18, -19,
                        ]),
                    ),
                    ("char", st("BGXHIJEFCSPMDZNUVT")),
                ],
            ),
        ),
        (
            "ref-first-L0044",
            dict(
                ss(&["s", "p", "qty"]),
                gl(vec![K::EnumAtom(s("s"), 0), K::EnumAtom(s("p"), 0), K::long(300)]),
            ),
        ),
        (
            "basics-exposed-infrastructure-L0077",
            derived(109, binary(2)),
        ),
        ("basics-parsetrees-L0054", unary(18)),
        ("basics-funsql-L0874", unary(4)),
        ("basics-glossary-L0396", gl(vec![binary(1), K::long(102)])),
        (
            "basics-parsetrees-L0098",
            gl(vec![
                binary(12),
                gl(vec![ss(&["a", "b", "c"])]),
                gl(vec![binary(12), gl(vec![sa("d")]), sa("v")]),
            ]),
        ),
        (
            "basics-parsetrees-L0302",
            gl(vec![gl(vec![K::Func(Func::Iterator(1)), binary(1)]), j(&[1, 2, 3, 4])]),
        ),
        (
            "basics-internal-L0070",
            gl(vec![
                binary(17),
                sa("that"),
                gl(vec![]),
                K::bool(false),
                dict(ss(&["this"]), gl(vec![sa("this")])),
            ]),
        ),
        (
            "basics-datatypes-L0134",
            dict(
                ss(&["minutes", "seconds", "nanoseconds"]),
                gl(vec![
                    K::i32_of(Ty::Minute, 720),
                    K::i32_of(Ty::Second, 43200),
                    K::i64_of(Ty::Timespan, 43_200_000_000_000),
                ]),
            ),
        ),
        (
            "basics-implicit-iteration-L0088",
            gl(vec![
                K::bools(vec![false, true, true]),
                K::bools(vec![true, true, true]),
                gl(vec![K::bools(vec![true, true, false]), K::bool(false)]),
            ]),
        ),
        (
            "basics-implicit-iteration-L0203",
            gl(vec![
                gl(vec![st("quick"), st("fox")]),
                gl(vec![st("brown"), st("the")]),
            ]),
        ),
        (
            "basics-syntax-L0252",
            keyed(
                vec![
                    ("names", ss(&["bob", "carol", "bob", "alice"])),
                    ("city", ss(&["NYC", "CHI", "SFO", "SFO"])),
                ],
                vec![("ages", j(&[42, 39, 51, 44]))],
            ),
        ),
        (
            "learn-python-examples-array-L0186",
            {
                let le = comp(vec![unary(15), binary(10)]);
                let ge = comp(vec![unary(15), binary(9)]);
                let mut rows: Vec<K> = (1..=4)
                    .map(|i| gl(vec![K::long(i), gl(vec![le.clone(), ge.clone()])]))
                    .collect();
                rows.extend((5..=10).map(|i| gl(vec![K::long(i), gl(vec![le.clone()])])));
                rows.push(gl(vec![K::long(11), gl(vec![])]));
                gl(rows)
            },
        ),
        (
            "learn-python-examples-list-L0526",
            gl(vec![
                dict(j(&[1, 2, 3]), j(&[2, 2, 1])),
                dict(j(&[1, 2]), j(&[1, 1])),
            ]),
        ),
        (
            "learn-python-examples-list-L0570",
            gl(vec![
                gl(vec![sa("Nikhil"), K::long(192)]),
                gl(vec![sa("Manjeet"), K::long(65)]),
                gl(vec![sa("Akshat"), K::long(42)]),
                gl(vec![sa("Akash"), K::long(38)]),
            ]),
        ),
        (
            "learn-python-examples-list-L0804",
            gl(vec![
                gl(vec![st("gfg"), st("best")]),
                gl(vec![st("I"), st("am")]),
                gl(vec![st("two"), st("three")]),
            ]),
        ),
        (
            "learn-python-examples-list-L0887",
            dict(
                gl(vec![st("john"), st("johnny"), st("jackie"), st("jamie")]),
                j(&[4, 4, 2, 3]),
            ),
        ),
        (
            "learn-python-examples-list-L0350",
            dict(
                j(&[10, 20, 30, 40, 50, -20, 60]),
                gl(vec![
                    j(&[0]),
                    j(&[1, 3, 4]),
                    j(&[2, 5]),
                    j(&[6]),
                    j(&[7]),
                    j(&[8, 11, 12]),
                    j(&[9, 10]),
                ]),
            ),
        ),
        (
            "learn-tour-index-L0328",
            dict(
                ss(&["item", "qty", "price"]),
                gl(vec![sa("screw"), K::long(500), K::float(1.95)]),
            ),
        ),
        (
            "learn-tour-tables-L0068",
            dict(
                ss(&["city", "country", "pop"]),
                gl(vec![
                    ss(&["Istanbul", "Moscow", "London", "StPetersburg"]),
                    ss(&["Turkey", "Russia", "UK", "Russia"]),
                    j(&[15_067_724, 12_615_279, 9_126_366, 5_383_890]),
                ]),
            ),
        ),
        (
            "kb-faq-L0184",
            tbl(vec![
                (
                    "term",
                    ss(&["analytical engine", "Babbage, Charles", "difference engine"]),
                ),
                ("pages", gl(vec![j(&[5, 17, 324]), j(&[1, 5, 17]), j(&[17, 359])])),
            ]),
        ),
        (
            "ref-wj-L0110",
            tbl(vec![
                ("sym", ss(&["ibm", "ibm", "ibm"])),
                ("time", K::i32s_of(Ty::Second, vec![36061, 36064, 36068])),
                ("price", j(&[100, 101, 105])),
                (
                    "ask",
                    gl(vec![j(&[101, 103]), j(&[103, 103, 104, 104]), j(&[107, 108, 107, 108])]),
                ),
                (
                    "bid",
                    gl(vec![j(&[98, 99]), j(&[99, 102, 103, 103]), j(&[104, 106, 106, 107])]),
                ),
            ]),
        ),
        (
            "ref-uj-L0044",
            tbl(vec![
                ("a", j(&[1, 2, 1, 2, 3])),
                ("b", j(&[2, 3, 2, 3, 7])),
                ("c", j(&[5, 7, 10, 20, 30])),
                ("d", st("  ABC")),
            ]),
        ),
        (
            "ref-lj-L0117",
            tbl(vec![
                ("a", j(&[1, 2])),
                ("b", ss(&["", "z"])),
                ("c", j(&[1, null::J])),
            ]),
        ),
        (
            "basics-precision-L0255",
            dict(f(&[1.0, 1.0 - 1e-13]), j(&[0, 1])),
        ),
        (
            "basics-precision-L0067",
            dict(f(&[96.100_000_000_000_01, 96.1]), j(&[0, 1])),
        ),
        (
            "ref-distinct-L0025",
            tbl(vec![("a", j(&[1, 2])), ("b", j(&[2, 3])), ("c", st("ab"))]),
        ),
        (
            "ref-greater-L0043",
            keyed(
                vec![("sym", ss(&["ibm", "msoft", "appl", "goog"]))],
                vec![("t", K::i32s_of(Ty::Month, vec![208, 212, 182, 214]))],
            ),
        ),
        (
            "ref-cross-L0081",
            gl(vec![
                j(&[1, 2, 5, 6]),
                j(&[1, 2, 7, 8]),
                j(&[3, 4, 5, 6]),
                j(&[3, 4, 7, 8]),
            ]),
        ),
    ]
}

/// Domains of the enumerations the built cases use (sp.q's `s` and `p` keys).
fn sp_domains(d: Sym) -> Option<Arc<Vec<Sym>>> {
    let names: &[&str] = match d.as_str().as_ref() {
        "s" => &["s1", "s2", "s3", "s4", "s5"],
        "p" => &["p1", "p2", "p3", "p4", "p5", "p6"],
        _ => return None,
    };
    Some(Arc::new(names.iter().map(|n| s(n)).collect()))
}

/// Outputs printed inline through `-1 .Q.s1 x` rather than by the console.
const INLINE_CASES: &[&str] = &["ref-cross-L0081"];

#[test]
fn corpus_structured_values() {
    let cases: HashMap<String, Case> = corpus().into_iter().map(|c| (c.id.clone(), c)).collect();
    let mut failures = Vec::new();
    let built = built_cases();
    for (id, k) in &built {
        let Some(c) = cases.get(*id) else {
            failures.push(format!("{id}: not in the corpus"));
            continue;
        };
        let opts = case_opts(c);
        let got = if INLINE_CASES.contains(id) {
            inline_with(k, &opts, &sp_domains)
        } else {
            console_with(k, &opts, &sp_domains)
        };
        if norm(&got) != norm(&c.expected) {
            failures.push(format!("{id}:\n--- got\n{got}\n--- want\n{}", c.expected));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        built.len(),
        failures.join("\n")
    );
}

/// `.Q.s1` of `,,3.141593` (ref-file-binary-L0037) and of a list of lists.
#[test]
fn corpus_inline_forms() {
    let pi = gl(vec![f(&[std::f64::consts::PI])]);
    assert_eq!(inl(&pi), ",,3.141593");
    let a: K = gl((0..3)
        .map(|i| gl((0..3).map(|k| j(&[i, k])).collect()))
        .collect());
    assert_eq!(inl(&a), "((0 0;0 1;0 2);(1 0;1 1;1 2);(2 0;2 1;2 2))");
    let t = tbl(vec![("a", j(&[1, 2, 3])), ("b", j(&[11, 22, 33]))]);
    assert_eq!(inl(&t), "+`a`b!(1 2 3;11 22 33)");
    let l = List::default();
    assert_eq!(inl(&K::List(l)), "()");
}

/// How much of tier 1 the rebuilt and round-tripped cases reach is reported, not gated:
/// the rest needs the evaluator.
#[test]
fn corpus_tier1_coverage_report() {
    let cases = corpus();
    let built: Vec<&str> = built_cases().iter().map(|(id, _)| *id).collect();
    let tier1: Vec<&Case> = cases.iter().filter(|c| c.tier == 1 && !c.error).collect();
    let covered = tier1
        .iter()
        .filter(|c| {
            built.contains(&c.id.as_str())
                || (!c.expected.contains('\n') && lit(&c.expected).is_some())
        })
        .count();
    eprintln!(
        "tier 1 display coverage: {covered} of {} non-error cases",
        tier1.len()
    );
    assert!(covered > 0);
}
