use super::*;
use crate::lang::testkit::{q, run, tmp_dir};

#[test]
fn constants() {
    assert_eq!(q(".Q.a"), "\"abcdefghijklmnopqrstuvwxyz\"");
    assert_eq!(q(".Q.A"), "\"ABCDEFGHIJKLMNOPQRSTUVWXYZ\"");
    assert_eq!(q(".Q.n"), "\"0123456789\"");
    assert_eq!(q(".Q.nA"), "\"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\"");
    assert_eq!(
        q(".Q.an"),
        "\"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789\""
    );
    assert_eq!(
        q(".Q.b6"),
        "\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\""
    );
    assert_eq!(q(".Q.t"), "\" bg xhijefcspmdznuvts\"");
    assert_eq!(q(".Q.t?\"j\""), "7");
    assert_eq!(q("5#.Q.res"), "`abs`acos`asin`atan`avg");
    assert_eq!(q("0W~.Q.M"), "1b");
    assert_eq!(q("`a`A`n`s`id in key`.Q"), "11111b");
}

#[test]
fn plain_text_and_one_line() {
    assert_eq!(
        q(".Q.s ([h:1 2 3] m: 4 5 6)"),
        "\"h| m\\n-| -\\n1| 4\\n2| 5\\n3| 6\\n\""
    );
    assert_eq!(q(".Q.s 1 2 3"), "\"1 2 3\\n\"");
    assert_eq!(q(".Q.s (::)"), "\"\"");
    assert_eq!(q(".Q.s1 (1 2;`a)"), "\"(1 2;`a)\"");
    assert_eq!(q("-1 .Q.s1 (1 2;3 4) cross (5 6;7 8);"), "");
}

#[test]
fn sanitize_names() {
    assert_eq!(
        q(".Q.id each `$(\"ab\";\"a/b\";\"two words\";\"2drifters\";\"2+2\")"),
        "`ab`ab`twowords`a2drifters`a22"
    );
    assert_eq!(q(".Q.id`$\"+\""), "`a");
    assert_eq!(q(".Q.id`$\"_\""), "`a_");
    assert_eq!(
        q("cols .Q.id(`$(\"aa\";\"=\";\"+\"))xcol([]1 2;3 4;5 6)"),
        "`aa`a`a1"
    );
    assert_eq!(
        q("cols .Q.id(`$(\"count+\";\"count*\";\"count1\"))xcol([]1 2;3 4;5 6)"),
        "`count1`count11`count12"
    );
    assert_eq!(
        q("cols .Q.id(`$(\"3aa\";\"_aa\";\"_aa\"))xcol([]1 2;3 4;5 6)"),
        "`a3aa`a_aa`a_aa1"
    );
    assert_eq!(q("cols .Q.id flip(`$(\"a\";\"a/b\"))!2#()"), "`a`ab");
    assert_eq!(
        q("key .Q.id (5#.Q.res)!(5#())"),
        "`abs1`acos1`asin1`atan1`avg1"
    );
    assert_eq!(q(".Q.id 1"), "'type");
}

#[test]
fn join_symbols() {
    assert_eq!(q(".Q.dd[`AAPL]\"O\""), "`AAPL.O");
    assert_eq!(q(".Q.dd[`:dir]`file"), "`:dir/file");
    assert_eq!(q(".Q.dd[`a;1]"), "`a.1");
}

#[test]
fn precision_formats() {
    let mut it = Interp::new();
    run(&mut it, "\\P 0");
    let out = run(
        &mut it,
        ".Q.f[2;]each 9.996 34.3445 7817047037.90 781704703567.90 -.02 9.996 -0.0001",
    );
    assert_eq!(
        out,
        "\"10.00\"\n\"34.34\"\n\"7817047037.90\"\n\"781704703567.90\"\n\"-0.02\"\n\"10.00\"\n\"-0.00\""
    );
    assert_eq!(q(".Q.f[2;.045]"), "\"0.05\"");
    assert_eq!(q(".Q.f[0;2.5]"), "\"3.\"");
    assert_eq!(q(".Q.f[3;7]"), "\"7.000\"");
    assert_eq!(q(".Q.f[2;`a]"), "'type");
    assert_eq!(q(".Q.fmt[6;2]each 1 234"), "\"  1.00\"\n\"234.00\"");
    assert_eq!(q(".Q.fmt[2;2;123.0]"), "\"**\"");
    let fix = "fix:{.Q.fmt'[x+1+count each string floor y;x;y]}";
    let mut it = Interp::new();
    run(&mut it, fix);
    assert_eq!(
        run(&mut it, "fix[2]1.2 123 1.23445 -1234578.5522"),
        "\"1.20\"\n\"123.00\"\n\"1.23\"\n\"-1234578.55\""
    );
}

#[test]
fn binhex_and_base36() {
    assert_eq!(q(".Q.x10 12345"), "\"AAAAAAADA5\"");
    assert_eq!(q(".Q.j10 .Q.x10 12345"), "12345");
    assert_eq!(
        q(".Q.j10 each .Q.x10 each 12345+1 2 3"),
        "12346 12347 12348"
    );
    assert_eq!(q(".Q.x12 12345"), "\"0000000009IX\"");
    assert_eq!(q(".Q.j12 .Q.x12 12345"), "12345");
    assert_eq!(x10(0), "AAAAAAAAAA");
    assert_eq!(j_base(b"AAAAAAADA5", B6.as_bytes()), 12345);
}

#[test]
fn base64_and_sha1() {
    assert_eq!(q("10h$.Q.atob \"aGVsbG8=\""), "\"hello\"");
    assert_eq!(q(".Q.btoa\"Hello World!\""), "\"SGVsbG8gV29ybGQh\"");
    assert_eq!(q(".Q.btoa 0x00ff"), "\"AP8=\"");
    assert_eq!(q(".Q.atob \"aGVsbG8\""), "'domain");
    assert_eq!(q(".Q.atob \"a=Vs\""), "'domain");
    assert_eq!(
        q(".Q.sha1\"Hello World!\""),
        "0x2ef7bde608ce5404e97d5f042f95f89f1c232871"
    );
    for n in 0..7usize {
        let b: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(37)).collect();
        assert_eq!(atob(btoa(&b).as_bytes()).unwrap(), b);
    }
}

#[test]
fn type_letters() {
    let mut it = Interp::new();
    run(
        &mut it,
        "t:([]a:3 4 5;b:\"abc\";c:(3;\"xy\";`ab);d:3 2#3 4 5;e:(\"abc\";\"de\";\"fg\"))",
    );
    assert_eq!(run(&mut it, ".Q.ty each t`a`b`c`d`e"), "\"jc JC\"");
    assert_eq!(run(&mut it, ".Q.ty 1"), "\"j\"");
}

#[test]
fn add_months() {
    assert_eq!(q(".Q.addmonths[2007.10.16;6 7]"), "2008.04.16 2008.05.16");
    assert_eq!(q(".Q.addmonths[2006.10.29;4]"), "2007.03.01");
    assert_eq!(
        q(".Q.addmonths[2000.01.31 2000.03.15;1 -3]"),
        "2000.03.02 1999.12.15"
    );
    assert_eq!(q(".Q.addmonths[2000.01.31;`a]"), "'type");
}

#[test]
fn environment() {
    assert_eq!(q("key .Q.w[]"), "`used`heap`peak`wmax`mmap`mphy`syms`symw");
    assert_eq!(q("all 0<(.Q.w[])`used`heap`peak`syms"), "1b");
    assert_eq!(q(".Q.gc[]"), "0");
    assert_eq!(q(".Q.qt ([]a:1 2)"), "1b");
    assert_eq!(q(".Q.qt ([k:1 2]a:1 2)"), "1b");
    assert_eq!(q(".Q.qt 1 2"), "0b");
    assert_eq!(
        q(".Q.opt (\"-p\";\"5010\";\"-q\";\"-x\";\"a\";\"b\")"),
        "p| ,\"5010\"\nq| ()\nx| (,\"a\";,\"b\")"
    );
    assert_eq!(
        q(".Q.def[`abc`xyz`efg!(1;2.;`a)] .Q.opt (\"-abc\";\"123\";\"-xyz\";\"321\")"),
        "abc| 123\nxyz| 321f\nefg| `a"
    );
    assert_eq!(
        q("(.Q.def[`p1`p2!(1;23.1)] .Q.opt (\"-p1\";\"x\";\"-p2\";\"wrong\"))`p2"),
        "0n"
    );
}

#[test]
fn table_helpers() {
    assert_eq!(
        q("cols .Q.ff[([]sym:`a`b;p:1 2)] enlist `sym`ratioA`ratioB!3#1"),
        "`sym`p`ratioA`ratioB"
    );
    assert_eq!(
        q("(.Q.ff[([]sym:`a`b;p:1 2)] enlist `sym`r!(`a;1.5))`r"),
        "0n 0n"
    );
    assert_eq!(q(".Q.fu[{x*2};1 2 1 2]"), "2 4 2 4");
    assert_eq!(q(".Q.fu[neg;3]"), "-3");
    assert_eq!(
        q(".Q.ft[{x 1 2};([k:1 2 3]v:4 5 6)]"),
        "k| v\n-| -\n2| 5\n3| 6"
    );
    assert_eq!(q(".Q.V ([]a:1 2)"), "a| 1 2");
    assert_eq!(q(".Q.fc[{x+1};1 2 3]"), "2 3 4");
    assert_eq!(q("last .Q.ts[+;2 3]"), "5");
    assert_eq!(q(".Q.trp[{x+`a};1;{[e;b]e}]"), "\"type\"");
    assert_eq!(q(".Q.trpd[{x+y};(1;2);{[e;b]e}]"), "3");
    assert_eq!(q("x:42;.Q.v`x"), "42");
}

#[test]
fn gzip_round_trip() {
    assert_eq!(q(".Q.gz[::]"), "1b");
    assert_eq!(q("s:1000#\"helloworld\";s~.Q.gz .Q.gz(9;s)"), "1b");
    assert_eq!(q("100>count .Q.gz(9;1000#\"helloworld\")"), "1b");
    assert_eq!(q(".Q.gz \"not zipped\""), "'domain");
}

#[test]
fn addresses() {
    assert_eq!(q(".Q.addr`$\"127.0.0.1\""), "2130706433i");
    assert_eq!(q(".Q.host 2130706433i"), "`localhost");
}

fn tmp(name: &str) -> std::path::PathBuf {
    tmp_dir("dotq", name)
}

#[test]
fn enumerate_and_write_partitions() {
    let d = tmp("dpft");
    let db = d.join("db");
    let mut it = Interp::new();
    let dbs = db.display();
    run(&mut it, "t1:([]col1:`a`b`c;col2:1 2 3)");
    assert_eq!(
        run(&mut it, &format!("`:{dbs}/t1/ set .Q.en[`:{dbs};t1]")),
        format!("`:{dbs}/t1/")
    );
    assert_eq!(run(&mut it, "sym"), "`a`b`c");
    assert_eq!(run(&mut it, &format!("get `:{dbs}/sym")), "`a`b`c");
    assert_eq!(run(&mut it, &format!("get `:{dbs}/t1/col1")), "`sym$`a`b`c");
    run(&mut it, "t2:([]col1:`a`d`e;col2:1 2 3)");
    run(&mut it, &format!("`:{dbs}/t2/ set .Q.en[`:{dbs};t2]"));
    assert_eq!(run(&mut it, "sym"), "`a`b`c`d`e");
    assert_eq!(run(&mut it, &format!("get `:{dbs}/sym")), "`a`b`c`d`e");
    assert_eq!(run(&mut it, ".Q.en[::;([]a:`z`a)]`a"), "`sym$`z`a");
    assert_eq!(run(&mut it, "sym"), "`a`b`c`d`e`z");
    assert_eq!(
        run(
            &mut it,
            &format!("([]sym:`mysym$`a`b`c)~.Q.ens[`:{dbs};([]sym:`a`b`c);`mysym]")
        ),
        "1b"
    );

    // .Q.dpft: sorted by the field (symbol text), field first, partition directory.
    run(
        &mut it,
        "trade:([]time:09:00 09:01 09:02 09:03;sym:`ibm`aapl`msft`aapl;px:1 2 3 4f)",
    );
    assert_eq!(
        run(&mut it, &format!(".Q.dpft[`:{dbs};2024.01.02;`sym;`trade]")),
        "`trade"
    );
    let part = format!("{dbs}/2024.01.02/trade");
    assert_eq!(run(&mut it, &format!("cols get `:{part}/")), "`sym`time`px");
    assert_eq!(run(&mut it, &format!("get `:{part}/px")), "2 4 1 3f");
    assert_eq!(
        run(&mut it, &format!("`sym$get `:{part}/sym")),
        "`sym$`aapl`aapl`ibm`msft"
    );
    run(&mut it, "quote:([]sym:`x`y;bid:1 2f)");
    assert_eq!(
        run(&mut it, &format!(".Q.dpt[`:{dbs};2024.01.03;`quote]")),
        "`quote"
    );
    assert_eq!(
        run(&mut it, &format!(".Q.par[`:{dbs};2024.01.03;`quote]")),
        format!("`:{dbs}/2024.01.03/quote")
    );
    run(&mut it, "bad:([]a:(1;`b))");
    assert_eq!(
        run(&mut it, &format!(".Q.dpft[`:{dbs};2024.01.03;`a;`bad]")),
        "'unmappable"
    );

    // .Q.hdpf writes every table and empties it.
    let h = d.join("h");
    let hs = h.display();
    let mut it = Interp::new();
    run(
        &mut it,
        "trade:([]sym:`b`a;px:1 2f);quote:([]sym:`a`b`c;bid:1 2 3f)",
    );
    run(&mut it, &format!(".Q.hdpf[`::5999;`:{hs};2024.01.05;`sym]"));
    assert_eq!(run(&mut it, "count each (trade;quote)"), "0 0");
    let mut it = Interp::new();
    crate::lang::io::load_db(&mut it, &h, false, false).unwrap();
    assert_eq!(
        run(&mut it, "trade"),
        "date       sym px\n-----------------\n2024.01.05 a   2 \n2024.01.05 b   1 "
    );
    assert_eq!(run(&mut it, ".Q.pt"), "`quote`trade");
    assert_eq!(run(&mut it, ".Q.pf"), "`date");
    assert_eq!(run(&mut it, "date"), ",2024.01.05");
    assert_eq!(run(&mut it, ".Q.qp trade"), "1b");
    assert_eq!(run(&mut it, ".Q.qp select from trade"), "0b");
    assert_eq!(run(&mut it, ".Q.pn"), "quote| 3\ntrade| 2");
}

#[test]
fn fill_missing_tables() {
    let d = tmp("chk");
    let ds = d.display();
    let mut it = Interp::new();
    run(&mut it, "t:([]sym:`a`b;v:1 2);u:([]w:1 2f)");
    run(&mut it, &format!(".Q.dpft[`:{ds};2024.01.01;`sym;`t]"));
    run(&mut it, &format!(".Q.dpft[`:{ds};2024.01.02;`sym;`t]"));
    run(&mut it, &format!(".Q.dpt[`:{ds};2024.01.02;`u]"));
    assert_eq!(run(&mut it, &format!("count .Q.chk`:{ds}")), "2");
    assert_eq!(
        run(&mut it, &format!("count get `:{ds}/2024.01.01/u/")),
        "0"
    );
    assert_eq!(
        run(&mut it, &format!("cols get `:{ds}/2024.01.01/u/")),
        ",`w"
    );
}

#[test]
fn file_streaming() {
    let d = tmp("fs");
    let f = d.join("x.csv");
    std::fs::write(&f, "1,a\n2,b\n3,c\n").unwrap();
    let mut it = Interp::new();
    let fs = f.display();
    run(&mut it, "n:0;g:{n::n+count x}");
    assert_eq!(run(&mut it, &format!(".Q.fsn[g;`:{fs};5]")), "12");
    assert_eq!(run(&mut it, "n"), "3");
}
