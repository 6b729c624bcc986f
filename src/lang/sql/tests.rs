//! Query behaviour checked through the interpreter, shown as the console shows it.

use crate::lang::eval::Interp;

/// Evaluate lines in a fresh interpreter; the display of the last one (or its error),
/// lines right-trimmed as the console comparison does.
fn q(lines: &[&str]) -> String {
    let mut it = Interp::new();
    run(&mut it, lines)
}

fn run(it: &mut Interp, lines: &[&str]) -> String {
    let mut last = String::new();
    for l in lines {
        last = match it.eval_str(l) {
            Ok(v) => it.console_text(&v),
            Err(e) => format!("'{}", e.msg),
        };
    }
    last.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

const SP: [&str; 3] = [
    "s:([s:`s1`s2`s3`s4`s5] name:`smith`jones`blake`clark`adams; status:20 10 30 20 30; city:`london`paris`paris`london`athens)",
    "p:([p:`p1`p2`p3`p4`p5`p6] name:`nut`bolt`screw`screw`cam`cog; color:`red`green`blue`red`blue`red; weight:12 17 17 14 12 19; city:`london`paris`rome`london`paris`london)",
    "sp:([] s:`s$`s1`s1`s1`s1`s4`s1`s2`s2`s3`s4`s4`s1; p:`p$`p1`p2`p3`p4`p5`p6`p1`p2`p2`p2`p4`p5; qty:300 200 400 200 100 100 300 400 200 200 300 400)",
];

fn sp(line: &str) -> String {
    let mut v: Vec<&str> = SP.to_vec();
    v.push(line);
    q(&v)
}

const T: &str = "t:([] c1:`a`b`c`a; c2:10 20 30 40; c3:1.5 2.5 3.5 4.5)";

#[test]
fn select_by_aggregates_sorted_by_key() {
    assert_eq!(
        q(&[
            "t:([]a:1 2 3;b:`y`x`y)",
            "select sum a, n:count i by b from t"
        ]),
        "b| a n\n-| ---\nx| 2 1\ny| 4 2"
    );
    assert_eq!(
        sp("select total:sum qty, mx:max qty by s from sp where qty>100"),
        "s | total mx\n--| ---------\ns1| 1500  400\ns2| 700   400\ns3| 200   200\ns4| 500   300"
    );
    // Arithmetic of aggregates, and of columns inside an aggregate.
    assert_eq!(
        q(&[
            T,
            "select r:(sum c2)%count c2, w:c2 wavg c3, m:max c2-c3 by c1 from t"
        ]),
        "c1| r  w   m\n--| -----------\na | 25 3.9 35.5\nb | 20 2.5 17.5\nc | 30 3.5 26.5"
    );
    // A by phrase without columns: the last row of each group.
    assert_eq!(
        q(&[T, "select by c1 from t"]),
        "c1| c2 c3\n--| ------\na | 40 4.5\nb | 20 2.5\nc | 30 3.5"
    );
    // Columns not aggregated are nested.
    assert_eq!(
        q(&[T, "select c2 by c1 from t"]),
        "c1| c2\n--| -----\na | 10 40\nb | ,20\nc | ,30"
    );
    // Two keys.
    assert_eq!(
        q(&[
            "t:([]a:`x`y`x`x;b:1 1 2 1;c:1 2 3 4)",
            "select sum c by a,b from t"
        ]),
        "a b| c\n---| -\nx 1| 5\nx 2| 3\ny 1| 2"
    );
}

#[test]
fn grouped_kernels_agree_with_per_group_evaluation() {
    let mut it = Interp::new();
    run(
        &mut it,
        &[
            "n:500",
            "t:([]k:n#`a`b`c`d`e`f`g;j:(n#1 2 0N 4 5 6 7 8 9);f:(n#1.5 0n 2.25 -3.0 8.0);i:`int$n#til 13;e:`real$n#1 2 3;tm:n#09:30:00.000 10:15:00.000 09:59:59.999)",
        ],
    );
    let pairs = [
        (
            "select sum j, sum f, sum i by k from t",
            "select {sum x} j, {sum x} f, {sum x} i by k from t",
        ),
        (
            "select avg j, avg f, avg e by k from t",
            "select {avg x} j, {avg x} f, {avg x} e by k from t",
        ),
        (
            "select min j, max f, min tm, max i by k from t",
            "select {min x} j, {max x} f, {min x} tm, {max x} i by k from t",
        ),
        (
            "select first j, last f, count i by k from t",
            "select {first x} j, {last x} f, {count x} i by k from t",
        ),
        (
            "select j wavg f, i wsum j, prd e by k from t",
            "select {x wavg y}[j;f], {x wsum y}[i;j], {prd x} e by k from t",
        ),
        (
            "select med f, dev j, var i by k from t",
            "select {med x} f, {dev x} j, {var x} i by k from t",
        ),
        (
            "select sum j*2, avg f+j by k, 2 xbar i from t where j>2",
            "select {sum x} j*2, {avg x} f+j by k, 2 xbar i from t where j>2",
        ),
        (
            "select n:count i, s:sum j by tm.minute from t",
            "select n:{count x} i, s:{sum x} j by tm.minute from t",
        ),
    ];
    for (fast, slow) in pairs {
        let a = run(&mut it, &[fast]);
        let b = run(&mut it, &[slow]);
        assert!(!a.starts_with('\''), "{fast}: {a}");
        assert_eq!(a, b, "{fast}");
    }
    // fby's kernel path and its per-group path.
    let a = run(&mut it, &["select from t where j=(max;j) fby k"]);
    let b = run(&mut it, &["select from t where j=({max x};j) fby k"]);
    assert_eq!(a, b);
}

#[test]
fn naming() {
    assert_eq!(
        q(&[T, "select c1, c1, 2*c2, c2+c3, i from t where c2<30"]),
        "c1 c11 x  c2   x1\n-----------------\na  a   20 11.5 0\nb  b   40 22.5 1"
    );
    assert_eq!(
        q(&[T, "select c2 by c2 from t"]),
        "'dup names for cols/groups c2"
    );
    // An assignment inside an expression names its column, in queries and literals alike.
    assert_eq!(
        q(&["cols ([] a:`long$(); `long$amount:(); 2*b:`long$())"]),
        "`a`amount`b"
    );
    assert_eq!(q(&[T, "cols select 2*c2, sum c3 by c1 from t"]), "`c1`x`c3");
    assert_eq!(
        q(&[T, "select a:c2, b:c3 from t where i=1"]),
        "a  b\n------\n20 2.5"
    );
}

#[test]
fn limits_and_distinct() {
    assert_eq!(q(&[T, "select[2] c2 from t"]), "c2\n--\n10\n20");
    assert_eq!(q(&[T, "select[-1] c2 from t"]), "c2\n--\n40");
    assert_eq!(q(&[T, "select[1 2] c2 from t"]), "c2\n--\n20\n30");
    assert_eq!(q(&[T, "select[>c2] c2 from t"]), "c2\n--\n40\n30\n20\n10");
    assert_eq!(q(&[T, "select[2;<c3] c1 from t"]), "c1\n--\na\nb");
    assert_eq!(q(&[T, "{select[x] c2 from t}2"]), "c2\n--\n10\n20");
    assert_eq!(q(&[T, "select distinct c1 from t"]), "c1\n--\na\nb\nc");
}

#[test]
fn exec_shapes() {
    assert_eq!(
        sp("exec sum qty by s from sp"),
        "s1| 1600\ns2| 700\ns3| 200\ns4| 600"
    );
    assert_eq!(
        sp("exec q:sum qty by s from sp"),
        "  | q\n--| ----\ns1| 1600\ns2| 700\ns3| 200\ns4| 600"
    );
    assert_eq!(
        sp("exec sum qty by s:s from sp"),
        "s |\n--| ----\ns1| 1600\ns2| 700\ns3| 200\ns4| 600"
    );
    assert_eq!(
        sp("exec qty, s by 0b from sp where qty>300"),
        "qty s\n------\n400 s1\n400 s2\n400 s1"
    );
    assert_eq!(sp("exec s from sp where qty>300"), "`s$`s1`s2`s1");
    assert_eq!(sp("exec distinct s from sp"), "`s$`s1`s4`s2`s3");
    assert_eq!(q(&[T, "exec from t"]), "c1| `a\nc2| 40\nc3| 4.5");
    assert_eq!(
        q(&[T, "exec c2, c3 from t where c1=`a"]),
        "c2| 10  40\nc3| 1.5 4.5"
    );
}

#[test]
fn update_forms() {
    // Where: amend in place; a new column gets nulls elsewhere; wrong types fail.
    assert_eq!(
        q(&[T, "update c2:0, c4:`z from t where c1=`a"]),
        "c1 c2 c3  c4\n------------\na  0  1.5 z\nb  20 2.5\nc  30 3.5\na  0  4.5 z"
    );
    assert_eq!(q(&[T, "update c2:1.5 from t where c1=`a"]), "'type");
    // By: aggregates fill their group, uniform functions run along it.
    assert_eq!(
        q(&[T, "update m:avg c2, s:sums c2 from t"]),
        "c1 c2 c3  m  s\n----------------\na  10 1.5 25 10\nb  20 2.5 25 30\nc  30 3.5 25 60\na  40 4.5 25 100"
    );
    assert_eq!(
        q(&[T, "update m:max c2, s:sums c2 by c1 from t"]),
        "c1 c2 c3  m  s\n---------------\na  10 1.5 40 10\nb  20 2.5 20 20\nc  30 3.5 30 30\na  40 4.5 40 50"
    );
    // By name: the global changes and the name comes back.
    assert_eq!(
        q(&[T, "update c2:c2*2 from `t", "exec c2 from t"]),
        "20 40 60 80"
    );
    // Keyed tables stay keyed.
    assert_eq!(
        sp("update status:0 from s where city=`paris"),
        "s | name  status city\n--| -------------------\ns1| smith 20     london\ns2| jones 0      paris\ns3| blake 0      paris\ns4| clark 20     london\ns5| adams 30     athens"
    );
    assert_eq!(
        sp("select from sp where qty > (avg;qty) fby p"),
        "s  p  qty\n---------\ns2 p2 400\ns4 p4 300\ns1 p5 400"
    );
}

#[test]
fn enumerated_columns() {
    // Amending an enumerated column with enumerated values keeps the enumeration.
    assert_eq!(
        sp("exec s from update s:`s$`s4 from sp where qty>350"),
        "`s$`s1`s1`s4`s1`s4`s1`s2`s4`s3`s4`s4`s4"
    );
    assert_eq!(sp("update s:`s4 from sp where qty>350"), "'type");
    // A new column of strings is empty strings where not set.
    assert_eq!(
        q(&["t:([]a:1 2)", "update b:string a from t where a>1"]),
        "a b\n------\n1 \"\"\n2 ,\"2\""
    );
    assert_eq!(sp("3#`s$`s2"), "`s$`s2`s2`s2");
    assert_eq!(sp("-2#sp.s"), "`s$`s4`s1");
    assert_eq!(
        sp("exec first s by p from sp where p in `p5`p6"),
        "p5| s4\np6| s1"
    );
}

#[test]
fn delete_forms() {
    assert_eq!(
        q(&[T, "delete from t where c2>15"]),
        "c1 c2 c3\n---------\na  10 1.5"
    );
    assert_eq!(q(&[T, "delete c2,c3 from t"]), "c1\n--\na\nb\nc\na");
    assert_eq!(
        q(&["d:`a`b`c!til 3", "delete b from `d", "d"]),
        "a| 0\nc| 2"
    );
    assert_eq!(q(&["a:1", "b:2", "delete a from `.", "b"]), "2");
    assert_eq!(q(&["a:1", "delete a from `.", "a"]), "'a");
    assert_eq!(
        sp("delete from s where status>15"),
        "s | name  status city\n--| ------------------\ns2| jones 10     paris"
    );
}

#[test]
fn dot_notation() {
    assert_eq!(
        sp("select sname:s.name, qty from sp where qty>350"),
        "sname qty\n---------\nsmith 400\njones 400\nsmith 400"
    );
    assert_eq!(
        sp("select from sp where s.city=p.city"),
        "s  p  qty\n---------\ns1 p1 300\ns1 p4 200\ns1 p6 100\ns2 p2 400\ns3 p2 200\ns4 p4 300"
    );
    assert_eq!(
        q(&[
            "t:([]time:09:30:01.000 09:30:59.000 09:31:00.000;v:1 2 3)",
            "select sum v by time.minute from t"
        ]),
        "minute| v\n------| -\n09:30 | 3\n09:31 | 3"
    );
    assert_eq!(
        q(&[
            "x:2014.01.09D07:08:09.123456789",
            "-3!(x.minute;x.date;x.hh)"
        ]),
        "\"(07:08;2014.01.09;7i)\""
    );
    assert_eq!(q(&["{x.minute}12:34:56.789"]), "12:34");
    assert_eq!(q(&["t:([]a:1 2)", "t.a"]), "1 2");
    assert_eq!(q(&["d:`x`y!1 2", "d.y"]), "2");
    assert_eq!(q(&["nosuch.a"]), "'nosuch.a");
    // Link columns: an enumeration over a plain table's rows.
    assert_eq!(
        q(&[
            "t:([] id:101 102 103 104; v:1.1 2.2 3.3 4.4)",
            "update parent:`t!id?101 101 102 102 from `t",
            "exec parent.id from t"
        ]),
        "101 101 102 102"
    );
}

#[test]
fn functional_forms() {
    let t = "t:([]n:`x`y`x`z`z`y;p:0 15 12 20 25 14)";
    assert_eq!(
        q(&[
            t,
            "?[t;((>;`p;0);(in;`n;enlist `x`y));(enlist `name)!enlist `n;`m`s!((max;`p);(sum;`p))]"
        ]),
        "name| m  s\n----| -----\nx   | 12 12\ny   | 15 29"
    );
    assert_eq!(q(&[t, "?[t;();0b;()]~t"]), "1b");
    assert_eq!(q(&[t, "?[t;();();`n]"]), "`x`y`x`z`z`y");
    assert_eq!(q(&[t, "?[t;();`n;`p]"]), "x| 0  12\ny| 15 14\nz| 20 25");
    assert_eq!(
        q(&[t, "?[t;();();`n`p!`n`p]"]),
        "n| x y  x  z  z  y\np| 0 15 12 20 25 14"
    );
    assert_eq!(q(&[t, "?[t;();1b;(enlist `n)!enlist `n]"]), "n\n-\nx\ny\nz");
    assert_eq!(q(&[t, "?[t;();0b;();-2]"]), "n p\n----\nz 25\ny 14");
    assert_eq!(q(&[t, "?[t;();0b;();1 2]"]), "n p\n----\ny 15\nx 12");
    assert_eq!(
        q(&[t, "?[t;();0b;`n`p!`n`p;0W;(idesc;`p)]"]),
        "n p\n----\nz 25\nz 20\ny 15\ny 14\nx 12\nx 0"
    );
    assert_eq!(q(&[t, "?[t;0 1 2;(*;(min;`p);(avg;`p))]"]), "0f");
    assert_eq!(q(&[t, "?[t;0 1;(last;`n)]"]), "`y");
    assert_eq!(
        q(&[
            t,
            "![t;enlist (>;`p;0);(enlist `n)!enlist `n;(enlist `p)!enlist (max;`p)]"
        ]),
        "n p\n----\nx 0\ny 15\nx 12\nz 25\nz 25\ny 15"
    );
    assert_eq!(
        q(&[t, "![t;enlist (=;`n;enlist `y);0b;`symbol$()]"]),
        "n p\n----\nx 0\nx 12\nz 20\nz 25"
    );
    assert_eq!(q(&[t, "![t;();0b;enlist `p]"]), "n\n-\nx\ny\nx\nz\nz\ny");
    // Constraints must be a list of trees, deletions a list of names.
    assert_eq!(q(&[t, "?[t;1;0b;()]"]), "'type");
    assert_eq!(q(&[t, "![t;();0b;1]"]), "'type");
    assert_eq!(
        q(&[
            t,
            "![`t;();0b;(enlist `p)!enlist (neg;`p)]",
            "exec p from t"
        ]),
        "0 -15 -12 -20 -25 -14"
    );
    // parse and eval of a query round trip.
    for e in [
        "select max p by n from t",
        "select[2;>p] from t where p>0",
        "select[-1] n from t",
        "select distinct n from t",
        "exec sum p by n from t",
        "exec m:max p by n from t",
        "exec p from t where n=`x",
        "update p:0 from t where n=`y",
        "delete p from t",
    ] {
        let line = format!("(eval parse \"{e}\")~{e}");
        assert_eq!(q(&[t, &line]), "1b", "{e}");
    }
    assert_eq!(q(&["parse \"exec a by b from t\""]), "?\n`t\n()\n,`b\n,`a");
}

#[test]
fn question_mark_forms() {
    assert_eq!(q(&["?[101b;1 2 3;10 20 30]"]), "1 20 3");
    assert_eq!(q(&["?[010b;`a;`b]"]), "`b`a`b");
    assert_eq!(q(&["?[11b;1 2;1.5 2.5]"]), "'type");
    assert_eq!(q(&["`sym?`c`b`a", "sym"]), "`c`b`a");
    assert_eq!(q(&["sym:`a`c", "`sym?`b`a`c", "sym"]), "`a`c`b");
    assert_eq!(q(&["d:`a`b`c", "`d!2 0"]), "`d$`c`a");
    assert_eq!(q(&["1 2 3?2"]), "1");
}

#[test]
fn attributes() {
    assert_eq!(q(&["`s#1 2 3"]), "`s#1 2 3");
    assert_eq!(q(&["`#`s#1 2 3"]), "1 2 3");
    assert_eq!(q(&["`s#3 2 1"]), "'s-fail");
    assert_eq!(q(&["`u#1 2 1"]), "'u-fail");
    assert_eq!(q(&["`p#2 2 1 1 3"]), "`p#2 2 1 1 3");
    assert_eq!(q(&["`p#2 1 2"]), "'p-fail");
    assert_eq!(q(&["attr `g#3 1 3"]), "`g");
    assert_eq!(q(&["attr 1 3 4"]), "`");
    assert_eq!(q(&["2#`a`b`c"]), "`a`b");
}

#[test]
fn metadata_and_foreign_keys() {
    assert_eq!(
        q(&[
            "f:([x:1 2 3]y:10 20 30)",
            "t:([]a:`f$2 2 2;b:0;c:`f$1 1 1)",
            "fkeys t"
        ]),
        "a| f\nc| f"
    );
    assert_eq!(
        sp("meta sp"),
        "c  | t f a\n---| -----\ns  | s s\np  | s p\nqty| j"
    );
    assert_eq!(sp("meta `sp"), sp("meta sp"));
}

#[test]
fn lambdas_and_parsing() {
    // x, y, z inside query phrases do not make a lambda take them.
    assert_eq!(
        q(&["{select from ([]a:0 1;b:2 3) where a=x,b=y}[0;2]"]),
        "'rank"
    );
    assert_eq!(
        q(&["{[x;y]select from ([]a:0 1;b:2 3) where a=x,b=y}[0;2]"]),
        "a b\n---\n0 2"
    );
    assert_eq!(q(&["{select from y where a=1}[0;([]a:0 1)]"]), "a\n-\n1");
    // `where` is not an infix keyword.
    assert_eq!(
        sp("sp where sp[`qty]>350"),
        "s  p  qty\n---------\ns1 p3 400\ns2 p2 400\ns1 p5 400"
    );
    assert_eq!(q(&["show x:([a:`x`y];b:10 20)"]), "");
}

#[test]
fn timing_sanity_1m_rows() {
    // Not a timed assertion: prints how long the benchmark shapes take on 1M rows so a
    // regression shows in `cargo test -- --nocapture`.
    let mut it = Interp::new();
    run(
        &mut it,
        &[
            "n:1000000",
            "S:`$'string til 1000",
            "t:([]sym:n?S;time:09:30:00.000+n?23400000;price:n?100.0;size:n?1000)",
        ],
    );
    if run(&mut it, &["count t"]) != "1000000" {
        // `?` roll is not implemented yet: build the columns without it.
        run(
            &mut it,
            &["t:([]sym:n#S;time:09:30:00.000+(n#7919*til 2957) mod 23400000;price:(n#til 997)%10;size:n#til 1000)"],
        );
    }
    for e in [
        "select sum size, avg price by sym from t",
        "select vwap:size wavg price by sym, 5 xbar time.minute from t",
        "select from t where sym in S 0 1 2, price > 50",
        "select last price by sym from t",
    ] {
        let t0 = std::time::Instant::now();
        let r = run(&mut it, &[e]);
        assert!(!r.starts_with('\''), "{e}: {r}");
        println!("1M rows: {e}: {:?}", t0.elapsed());
    }
}

/// Each query's answer with the fast paths (`fast.rs`) and with the general path alone:
/// they must be equal (types, nulls, order), or fail with the same error.
fn fast_matches_general(setup: &[&str], queries: &[&str]) {
    let mut it = Interp::new();
    for l in setup {
        if let Err(e) = it.eval_str(l) {
            panic!("{l}: '{}", e.msg);
        }
    }
    for q in queries {
        let fast = it.eval_str(q).map_err(|e| e.msg.clone());
        super::fast::OFF.with(|o| o.set(true));
        let general = it.eval_str(q).map_err(|e| e.msg.clone());
        super::fast::OFF.with(|o| o.set(false));
        assert_eq!(fast, general, "{q}");
    }
}

#[test]
fn fast_paths_match_general_path() {
    fast_matches_general(
        &[
            "t:([]s:`b`a`c`b``a`c`c`b`a`d`b; j:1 0N 3 4 5 6 0N 8 9 10 11 0N; i:3 1 0N 2 2 1 0N 3 3 1 0N 2i; f:2.5 0n 1.0 -3.0 4.0 0n 7.5 1.0 0n 2.0 0.5 9.0; tm:2024.01.02D09:31:00 2024.01.02D09:30:10 2024.01.02D09:44:59 0Np 2024.01.02D09:36:00 2024.01.02D09:30:00 2024.01.02D10:01:00 2024.01.02D09:33:00 2024.01.02D09:35:00 2024.01.02D09:50:00 2024.01.02D09:31:30 2024.01.02D09:59:59)",
            "e:0#t",
            "x0:1.5",
            "big:`b`c,`$\"z\",'string til 600",
            "u:update tm:-0Wp from (update tm:0Wp from t where s=`a) where s=`c",
        ],
        &[
            "select sum j, avg f, min i, max j, count i, first f, last f by s from t",
            "select sum i, avg i, avg j, min f, max f, max i, min j by s from t",
            "select j wavg f, f wsum j, i wavg j, f wsum f by s from t",
            "select last f, last j by s from t",
            "select first f by s from t",
            "select n:count i, sum j by s, i from t",
            "select sum j by i, s from t",
            "select v:j wavg f by s, 5 xbar tm.minute from t",
            "select v:sum f by tm.minute from t",
            "select sum f by tm.date, s from t",
            "select max f, min f by s from t where j>2",
            "select sum j, avg f, last f by s from e",
            "select sum j by s, i from e",
            "select sum j by i from update i:0Ni from t",
            "select sum j by s from update s:` from t",
            "select from t where s in `a`c, f>1.0",
            "select from t where j=3",
            "select from t where s=`b",
            "select from t where f<2",
            "select from t where f<=2, j<>8",
            "select from t where s in `a",
            "select from t where j>2.5",
            "select from t where i>=2",
            "select from t where tm>2024.01.02D09:35:00",
            "select from t where s in `a`b, (j mod 2)=0",
            "select from t where s>`b",
            "select s, f from t where f>x0",
            "{[x] select from t where f>x} 2.0",
            "select from e where s in `a, f>1.0",
            "select sum j by s from t where s in `b`c, i>1",
            "select from t where f>`a",
            "select sum j by s from t where j>`a",
            "select sum s by s from ([]s:`a`b; j:1 2)",
            "select v:j wavg f by s, 5 xbar tm.minute from e",
            "select from (`s xkey t) where j>2",
            "select from (update c:string s from t) where s in `a`b",
            "select from ([]a:1 2 3; b:(1 2;3;4 5)) where a>1",
            "update j:0N from t where s in `a`b, f>1.0",
            "delete from t where j>3, s<>`b",
            "exec f from t where s=`b",
            "exec sum j by s from t where i<3",
            "select from t where f=1.0",
            "select from t where f<>1.0",
            "select from t where f>=0.5",
            "select sum j by 7 xbar tm.second from t",
            "select sum j, last tm by s, 3 xbar tm.minute from t where j>2",
            "select sum j, count i by s, 5 xbar tm.minute from u",
            "select sum j by tm.second, s from u",
            "select sum j by 5 xbar tm.minute, f from t",
            "select sum j by s, 5 xbar tm.minute, 2 xbar i from t",
            "select from t where s in `a`b`c`d`a, f>1.0",
            "select from t where s in `, j>1",
            "select from t where s in ``a, f<>0n",
            "select from t where s in 0#`, f>1.0",
            "select from t where s in `zz`yy, f>1.0",
            "select from t where s in `zz`b, f>=x0",
            "select from t where s in big, j>2",
            "select from t where s in big, f>1.0",
            "select from t where j>2, s in `a`b`zz",
            "select from t where f>=1.0, s in `c",
        ],
    );
}

#[test]
fn fast_paths_match_general_path_on_threads() {
    // Over `par::MIN_ROWS` rows the kernels split the rows among threads; integer-valued
    // floats keep every partial sum exact, so the answers must still be identical.
    fast_matches_general(
        &[
            "n:1200000",
            "t:([]s:n?`a`b`c`d`e`f; j:n?100; f:`float$n?1000; tm:2024.01.02D09:30:00+n?06:30:00.000000000)",
            "update j:0N from `t where 0=i mod 7",
        ],
        &[
            "select sum j, avg f, first j, last f, count i, min j, max f by s from t",
            "select v:j wavg f, w:f wsum j by s, 5 xbar tm.minute from t",
            "select from t where s in `a`b, f>500.0",
            "select from t where j=3, f>500.0",
            "select from t where s in `f, j=7, f<10.0",
            "select from t where f>999.0, s in `a`b`c`zz",
            "select count i by s from t where j<10",
        ],
    );
}

#[test]
fn fast_paths_match_general_path_with_a_large_symbol_pool() {
    // A pool much larger than the table makes the grouped kernel number the column's own
    // symbols instead of indexing by pooled id.
    for i in 0..70_000 {
        qipc::Sym::from_text(&format!("pool_filler_{i}"));
    }
    fast_matches_general(
        &["t:([]s:`b`a`c`b``a`c; j:1 0N 3 4 5 6 7; tm:2024.01.02D09:31:00+60000000000*til 7)"],
        &[
            "select sum j, last j, count i by s from t",
            "select sum j by s, 5 xbar tm.minute from t",
            "select from t where s in `a`c",
        ],
    );
}
