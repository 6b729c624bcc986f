use super::*;
use crate::lang::testkit::{q, run, tmp_dir};

/// A fresh directory whose path q can write as a symbol (no `-`).
fn tmp(name: &str) -> String {
    tmp_dir("io", name).display().to_string()
}

#[test]
fn hsym_forms() {
    assert_eq!(q("hsym`c:/q/test.txt"), "`:c:/q/test.txt");
    assert_eq!(q("hsym`10.43.23.197"), "`:10.43.23.197");
    assert_eq!(q("hsym `abc`:def`::ghi"), "`:abc`:def`::ghi");
    assert_eq!(q("hsym `:host:8001`a"), "`:host:8001`:a");
    assert_eq!(q("hsym 1"), "'type");
}

#[test]
fn set_get_round_trips() {
    let d = tmp("setget");
    let mut it = Interp::new();
    for (x, shown) in [
        ("10 20 30", "10 20 30"),
        ("`a`b`c", "`a`b`c"),
        ("\"hello\"", "\"hello\""),
        ("42", "42"),
        ("`a`b!1 2", "a| 1\nb| 2"),
        ("([]a:1 2;b:`x`y)", "a b\n---\n1 x\n2 y"),
        ("(\"ab\";\"cde\")", "\"ab\"\n\"cde\""),
        ("(1;`a;\"b\")", "1\n`a\n\"b\""),
        ("2024.01.02 2024.01.03", "2024.01.02 2024.01.03"),
    ] {
        assert_eq!(
            run(&mut it, &format!("`:{d}/f set {x}")),
            format!("`:{d}/f")
        );
        assert_eq!(run(&mut it, &format!("get `:{d}/f")), shown, "{x}");
        assert_eq!(run(&mut it, &format!("value `:{d}/f")), shown, "{x}");
    }
    // the mappable layout of a long vector
    run(&mut it, &format!("`:{d}/v set 10 20 30"));
    assert_eq!(
        run(&mut it, &format!("read1 `:{d}/v")),
        "0xfe2007000000000003000000000000000a0000000000000014000000000000001e00000000000000"
    );
    assert_eq!(run(&mut it, &format!("hcount `:{d}/v")), "40");
    assert_eq!(run(&mut it, "`a set 42"), "`a");
    assert_eq!(run(&mut it, "a"), "42");
    assert_eq!(
        run(&mut it, &format!("get `:{d}/missing")),
        format!("'{d}/missing. OS reports: No such file or directory")
    );
    std::fs::write(format!("{d}/text"), "plain text").unwrap();
    assert_eq!(run(&mut it, &format!("get `:{d}/text")), "'type");
}

#[test]
fn compressed_files() {
    let d = tmp("zip");
    let mut it = Interp::new();
    for alg in [1, 2] {
        assert_eq!(
            run(&mut it, &format!("(`:{d}/z;17;{alg};6) set 1000#til 10")),
            format!("`:{d}/z")
        );
        assert_eq!(run(&mut it, &format!("(get `:{d}/z)~1000#til 10")), "1b");
        assert_eq!(run(&mut it, &format!("hcount `:{d}/z")), "8016");
        assert!(std::fs::metadata(format!("{d}/z")).unwrap().len() < 8016);
    }
    assert_eq!(
        run(&mut it, &format!("(-21!`:{d}/z)`logicalBlockSize")),
        "17i"
    );
    assert_eq!(
        run(&mut it, &format!("(-21!`:{d}/z)`uncompressedLength")),
        "8016"
    );
    assert_eq!(run(&mut it, &format!("(`:{d}/z;17;4;6) set 1 2 3")), "'nyi");
    // .z.zd applies to set by default; splayed tables compress every file but .d's domain
    run(&mut it, ".z.zd:17 2 6");
    run(
        &mut it,
        &format!("`:{d}/t/ set ([]a:til 1000;b:1000#\"xyz\")"),
    );
    let raw = std::fs::read(format!("{d}/t/a")).unwrap();
    assert!(raw.starts_with(b"kxzipped"));
    assert_eq!(run(&mut it, &format!("count get `:{d}/t/")), "1000");
    // per-column parameters: only b compressed
    run(&mut it, ".z.zd:0 0 0");
    run(
        &mut it,
        &format!("(`:{d}/u/;``b!(0 0 0;17 2 6)) set ([]a:til 1000;b:til 1000)"),
    );
    assert!(!std::fs::read(format!("{d}/u/a"))
        .unwrap()
        .starts_with(b"kxzipped"));
    assert!(std::fs::read(format!("{d}/u/b"))
        .unwrap()
        .starts_with(b"kxzipped"));
}

#[test]
fn splayed_tables() {
    let d = tmp("splay");
    let mut it = Interp::new();
    run(&mut it, "t:([]a:1 2 3;b:`x`y`x;c:(\"ab\";\"c\";\"def\"))");
    assert_eq!(run(&mut it, &format!("`:{d}/t/ set t")), "'type");
    assert_eq!(
        run(&mut it, &format!("`:{d}/t/ set .Q.en[`:{d};t]")),
        format!("`:{d}/t/")
    );
    assert_eq!(run(&mut it, &format!("key `:{d}/t")), "`s#`.d`a`b`c`c#");
    assert_eq!(run(&mut it, &format!("get `:{d}/t/.d")), "`a`b`c");
    assert_eq!(
        run(&mut it, &format!("get `:{d}/t/")),
        "a b c    \n---------\n1 x \"ab\" \n2 y \"c\"  \n3 x \"def\""
    );
    assert_eq!(
        run(&mut it, &format!("get `:{d}/t/c")),
        "\"ab\"\n\"c\"\n\"def\""
    );
    assert_eq!(
        run(&mut it, &format!("`:{d}/k/ set ([k:1 2]v:3 4)")),
        "'type"
    );
}

#[test]
fn key_hcount_hdel() {
    let d = tmp("key");
    let mut it = Interp::new();
    run(&mut it, &format!("`:{d}/b set 1;`:{d}/a set 2"));
    assert_eq!(run(&mut it, &format!("key `:{d}")), "`s#`a`b");
    assert_eq!(run(&mut it, &format!("key `:{d}/a")), format!("`:{d}/a"));
    assert_eq!(run(&mut it, &format!("key `:{d}/nope")), "()");
    assert_eq!(run(&mut it, &format!("hdel `:{d}/a")), format!("`:{d}/a"));
    assert_eq!(run(&mut it, &format!("key `:{d}")), "`s#,`b");
    assert_eq!(
        run(&mut it, &format!("hdel `:{d}/a")),
        format!("'{d}/a. OS reports: No such file or directory")
    );
    assert_eq!(run(&mut it, "key `a`b!1 2"), "`a`b");
    assert_eq!(run(&mut it, "d:`x`y!1 2;key `d"), "`x`y");
}

#[test]
fn text_files() {
    let d = tmp("text");
    let mut it = Interp::new();
    assert_eq!(
        run(
            &mut it,
            &format!("`:{d}/test.txt 0: (\"hello\";\"goodbye\")")
        ),
        format!("`:{d}/test.txt")
    );
    assert_eq!(
        run(&mut it, &format!("read0 `:{d}/test.txt")),
        "\"hello\"\n\"goodbye\""
    );
    assert_eq!(run(&mut it, &format!("hcount `:{d}/test.txt")), "14");
    std::fs::write(format!("{d}/crlf"), "a\r\nb\r\n").unwrap();
    assert_eq!(run(&mut it, &format!("read0 `:{d}/crlf")), ",\"a\"\n,\"b\"");
    assert_eq!(
        run(&mut it, &format!("first read0 (`:{d}/test.txt;6;4)")),
        "\"good\""
    );
    assert_eq!(
        run(&mut it, &format!("count read0 (`:{d}/test.txt;6;4)")),
        "1"
    );
    assert_eq!(
        run(&mut it, &format!("`:{d}/h 1: 0x68656c6c6f")),
        format!("`:{d}/h")
    );
    assert_eq!(run(&mut it, &format!("read1 `:{d}/h")), "0x68656c6c6f");
    assert_eq!(run(&mut it, &format!("read1 (`:{d}/h;1;2)")), "0x656c");
    assert_eq!(run(&mut it, &format!("`:{d}/h 1: 1")), format!("`:{d}/h"));
    assert_eq!(run(&mut it, &format!("read1`:{d}/h")), "0x0100000000000000");
}

#[test]
fn prepare_and_save_text() {
    assert_eq!(
        q("csv 0: ([]a:1 2 3;b:`x`y`z)"),
        "\"a,b\"\n\"1,x\"\n\"2,y\"\n\"3,z\""
    );
    assert_eq!(
        q("\"|\" 0: (`a`b`c;1 2 3;\"xyz\")"),
        "\"a|1|x\"\n\"b|2|y\"\n\"c|3|z\""
    );
    let mut it = Interp::new();
    run(
        &mut it,
        "t:([]x:(\"foo\";\"bar,baz\";\"qu\\\"ux\";\"fred\\\",barney\"))",
    );
    assert_eq!(
        run(&mut it, "1_\",\"0:t"),
        "\"foo\"\n\"\\\"bar,baz\\\"\"\n\"qu\\\"ux\"\n\"\\\"fred\\\"\\\",barney\\\"\""
    );
    assert_eq!(
        q("csv 0:([]Actual:1.47 0.03 300;FiscalTag:(\"FY2022Q2\";\"FY2022Q2\";enlist\"FY2022H1\"))"),
        "'type"
    );
    assert_eq!(
        q("csv 0:([]d:2022.03.14 2022.03.15;t:16:12:57.427 0Nt)"),
        "\"d,t\"\n\"2022-03-14,16:12:57.427\"\n\"2022-03-15,\""
    );
    assert_eq!(q("csv 0:([k:1 2]v:`a`b)"), "\"k,v\"\n\"1,a\"\n\"2,b\"");
}

#[test]
fn load_csv() {
    assert_eq!(
        q("(\"DT\";\",\")0:\"20130315,185540686\""),
        "2013.03.15\n18:55:40.686"
    );
    assert_eq!(
        q("(\"ISI\";\",\")0:(\"0,hea,481\";\"10,dfi,579\";\"20,oil,77\")"),
        "0   10  20 \nhea dfi oil\n481 579 77 "
    );
    assert_eq!(
        q("(\"IS\";enlist \",\")0:(\"a,b\";\"1,x\";\"2,y\")"),
        "a b\n---\n1 x\n2 y"
    );
    assert_eq!(
        q("(\"I*\";\",\")0:(\"1,\\\"a,b\\\"\";\"2,\\\"c\\\"\\\"d\\\"\")"),
        "1     2     \n\"a,b\" \"c\\\"d\""
    );
    assert_eq!(
        q("(\"I J\";\",\")0:(\"1,skip,3\";\"4,skip,6\")"),
        "1 4\n3 6"
    );
    assert_eq!(q("(\"IJ\";\",\")0:(\"1\";\"2,3\")"), "1 2\n  3");
    let d = tmp("csv");
    std::fs::write(format!("{d}/t.csv"), "a,b\n1,x\n2,\"y,z\"\n").unwrap();
    assert_eq!(
        q(&format!("(\"J*\";enlist \",\")0:`:{d}/t.csv")),
        "a b    \n-------\n1 ,\"x\" \n2 \"y,z\""
    );
    std::fs::write(format!("{d}/e.csv"), "0,\"ab\nc\"\n1,\"def\"\n").unwrap();
    assert_eq!(
        q(&format!("(\"I*\";\",\";1)0:`:{d}/e.csv")),
        "0       1    \n\"ab\\nc\" \"def\""
    );
}

#[test]
fn load_fixed_and_key_value() {
    assert_eq!(
        q("(\"DT\";8 9)0:(\"20130315185540686\";\"20130315185540686\")"),
        "2013.03.15   2013.03.15  \n18:55:40.686 18:55:40.686"
    );
    assert_eq!(
        q("(\"I F\";2 1 3)0:(\"12x1.5\";\"34y2.5\")"),
        "12  34 \n1.5 2.5"
    );
    assert_eq!(
        q("\"I=;\"0:\"1=first;2=second;3=third\""),
        "1       2        3      \n\"first\" \"second\" \"third\""
    );
    assert_eq!(
        q("\"S=;\"0:\"one=1;two=2;three=3\""),
        "one  two  three\n,\"1\" ,\"2\" ,\"3\" "
    );
    assert_eq!(q("\"S:/\"0:\"one:1/two:2\""), "one  two \n,\"1\" ,\"2\"");
    assert_eq!(
        q("-3!\"J=*,\"0:\"5=\\\"hello,world\\\",6=1\""),
        "\"(5 6;(\\\"hello,world\\\";,\\\"1\\\"))\""
    );
    let d = tmp("fixed");
    std::fs::write(format!("{d}/f"), "12ab34cd").unwrap();
    assert_eq!(q(&format!("(\"IS\";2 2)0:`:{d}/f")), "12 34\nab cd");
}

#[test]
fn read_binary() {
    assert_eq!(
        q("first first (enlist\"f\";enlist 8)1:0x7fbdc282fb210940"),
        "3.141593"
    );
    assert_eq!(
        q(".Q.s1 (enlist\"f\";enlist 8)1:0x7fbdc282fb210940"),
        "\",,3.141593\""
    );
    assert_eq!(q("(enlist 4;enlist\"i\")1:0x01000000"), "16777216");
    assert_eq!(q(".Q.s1 (enlist\"i\";enlist 4)1:0x01000000"), "\",,1i\"");
    assert_eq!(
        q("(\"ich\";4 1 2)1:0x00000000410000FF00000042FFFF"),
        "0 255\nA B  \n0 -1 "
    );
    assert_eq!(
        q(".Q.s1(\"ich\";4 1 2)1:\"arthur!\""),
        "\"(,1752461921i;,\\\"u\\\";,8562h)\""
    );
    assert_eq!(
        q("(\"**\";4 4)1:\"abcd\\\"ef\\\"\""),
        "\"abcd\"\n\"\\\"ef\\\"\""
    );
    assert_eq!(q("(\"i\";3)1:0x010203"), "'length");
    assert_eq!(q("`:lib 2: (`f;1)"), "'nyi");
}

#[test]
fn save_load_rsave_rload() {
    let d = tmp("save");
    let mut it = Interp::new();
    run(&mut it, "t:([]x:2 3 5;y:`ibm`amd`intel;z:\"npn\")");
    assert_eq!(
        run(&mut it, &format!("save `$\"{d}/t\"")),
        format!("`:{d}/t")
    );
    run(&mut it, "t:0");
    assert_eq!(run(&mut it, &format!("load `$\"{d}/t\"")), "`t");
    assert_eq!(
        run(&mut it, "t"),
        "x y     z\n---------\n2 ibm   n\n3 amd   p\n5 intel n"
    );
    assert_eq!(
        run(&mut it, &format!("save `$\"{d}/t.csv\"")),
        format!("`:{d}/t.csv")
    );
    assert_eq!(
        run(&mut it, &format!("read0 `:{d}/t.csv")),
        "\"x,y,z\"\n\"2,ibm,n\"\n\"3,amd,p\"\n\"5,intel,n\""
    );
    run(&mut it, &format!("save `$\"{d}/t.txt\""));
    assert_eq!(
        run(&mut it, &format!("first read0 `:{d}/t.txt")),
        "\"x\\ty\\tz\""
    );
    run(&mut it, &format!("save `$\"{d}/t.xml\""));
    assert_eq!(
        run(&mut it, &format!("2#read0 `:{d}/t.xml")),
        "\"<R>\"\n\"<r><x>2</x><y>ibm</y><z>n</z></r>\""
    );
    run(&mut it, "a:til 6;b:.Q.a");
    assert_eq!(
        run(&mut it, &format!("save `$(\"{d}/a\";\"{d}/b\")")),
        format!("`:{d}/a`:{d}/b")
    );
    run(&mut it, "s:([]p:1 2;q:3 4f)");
    assert_eq!(
        run(&mut it, &format!("rsave `$\"{d}/s\"")),
        format!("`:{d}/s/")
    );
    run(&mut it, "s:0");
    assert_eq!(run(&mut it, &format!("rload `$\"{d}/s\"")), "`s");
    assert_eq!(run(&mut it, "s"), "p q\n---\n1 3\n2 4");
    // a directory loads as a dictionary of its files
    run(&mut it, &format!("`:{d}/cb/p set 1 2;`:{d}/cb/s set `a`b"));
    assert_eq!(run(&mut it, &format!("load `$\"{d}/cb\"")), "`cb");
    assert_eq!(run(&mut it, "key cb"), "`p`s");
}

#[test]
fn load_database_directories() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures");
    let mut it = Interp::new();
    load_db(
        &mut it,
        Path::new(&format!("{fixtures}/hdb-sircsimbok-kdb4/hdb")),
        false,
        false,
    )
    .unwrap();
    assert_eq!(run(&mut it, "count trade"), "184");
    assert_eq!(
        run(&mut it, "cols trade"),
        "`date`sym`time`price`size`stop`cond`ex"
    );
    assert_eq!(run(&mut it, "(first trade`sym)=`AAPL"), "1b");
    assert_eq!(run(&mut it, "(last trade`sym)=`TSLA"), "1b");
    assert_eq!(
        run(&mut it, "select count i by sym from trade where sym=`IBM")[..3].to_string(),
        "sym"
    );
    assert_eq!(run(&mut it, "date"), ",2024.01.29");
    assert_eq!(run(&mut it, ".Q.pt"), "`quote`trade");
    assert_eq!(run(&mut it, "count quote"), "1680");
    assert_eq!(run(&mut it, "count sym"), "6");
    let mut it = Interp::new();
    load_db(
        &mut it,
        Path::new(&format!("{fixtures}/hdb-lukebrit27-kdb3/hdb")),
        false,
        false,
    )
    .unwrap();
    assert_eq!(run(&mut it, "count Trade"), "510");
    assert_eq!(
        run(&mut it, "exec count i by date from Trade")[..4].to_string(),
        "2019"
    );
    let mut it = Interp::new();
    let d = format!("{fixtures}/dolphindb-kdb-sample/allDataTypes/splayedTable");
    assert_eq!(run(&mut it, &format!("count get hsym `$\"{d}/\"")), "2000");
}

#[test]
fn amend_and_upsert_files() {
    let d = tmp("amend");
    let mut it = Interp::new();
    // tick.q's way of creating an empty log
    assert_eq!(
        run(&mut it, &format!(".[`:{d}/log;();:;()]")),
        format!("`:{d}/log")
    );
    assert_eq!(
        run(&mut it, &format!("read1 `:{d}/log")),
        "0xff01000000000000"
    );
    run(&mut it, &format!("`:{d}/x set 42"));
    run(&mut it, &format!(".[`:{d}/x;();+;1]"));
    assert_eq!(run(&mut it, &format!("get `:{d}/x")), "43");
    run(&mut it, &format!("`:{d}/v set 1 2 3"));
    run(&mut it, &format!("@[`:{d}/v;1;:;20]"));
    assert_eq!(run(&mut it, &format!("get `:{d}/v")), "1 20 3");
    run(&mut it, &format!("`:{d}/ft upsert ([]a:1 2)"));
    run(&mut it, &format!("`:{d}/ft upsert ([]a:3 4)"));
    assert_eq!(
        run(&mut it, &format!("exec a from get `:{d}/ft")),
        "1 2 3 4"
    );
    run(
        &mut it,
        &format!("`:{d}/db/t/ upsert .Q.en[`:{d}/db] ([]s:`a`b;v:1 2)"),
    );
    run(
        &mut it,
        &format!("`:{d}/db/t/ upsert .Q.en[`:{d}/db] ([]s:`c`a;v:3 4)"),
    );
    assert_eq!(
        run(&mut it, &format!("exec v from get `:{d}/db/t/")),
        "1 2 3 4"
    );
    assert_eq!(run(&mut it, &format!("get `:{d}/db/sym")), "`a`b`c");
    // \l of a data file makes a global named after the file
    let mut it = Interp::new();
    load(&mut it, &format!("{d}/v")).unwrap();
    assert_eq!(run(&mut it, "v"), "1 20 3");
}

#[test]
fn file_handles() {
    let d = tmp("handles");
    let mut it = Interp::new();
    run(&mut it, &format!("`:{d}/log set ()"));
    run(&mut it, &format!("h:hopen `:{d}/log"));
    assert_eq!(run(&mut it, "h~abs h"), "1b");
    run(&mut it, "h enlist (`upd;`t;1 2)");
    run(&mut it, "h enlist (`upd;`t;3 4)");
    run(&mut it, "hclose h");
    assert_eq!(run(&mut it, &format!("count get `:{d}/log")), "2");
    assert_eq!(
        run(&mut it, &format!("last get `:{d}/log")),
        "`upd\n`t\n3 4"
    );
    run(&mut it, "n:0;upd:{[t;x]n+:sum x}");
    assert_eq!(run(&mut it, &format!("-11!`:{d}/log")), "2");
    assert_eq!(run(&mut it, "n"), "10");
    run(&mut it, &format!("t:hopen `:{d}/sub/out.txt"));
    run(&mut it, "neg[t] \"hello\";neg[t] (\"ab\";\"cd\");t \"raw\"");
    run(&mut it, "hclose t");
    assert_eq!(
        run(&mut it, &format!("read0 `:{d}/sub/out.txt")),
        "\"hello\"\n\"ab\"\n\"cd\"\n\"raw\""
    );
    assert!(run(&mut it, "t \"more\"").starts_with('\''));
}

#[test]
fn segmented_database() {
    let d = tmp("seg");
    let mut it = Interp::new();
    std::fs::create_dir_all(format!("{d}/db")).unwrap();
    std::fs::write(format!("{d}/db/par.txt"), format!("{d}/s0\n{d}/s1\n")).unwrap();
    run(&mut it, "t:([]sym:`b`a;v:1 2)");
    for day in ["2024.01.01", "2024.01.02", "2024.01.03"] {
        assert_eq!(
            run(&mut it, &format!(".Q.dpft[`:{d}/db;{day};`sym;`t]")),
            "`t"
        );
    }
    // partitions go round-robin by their integer value over the segments
    assert_eq!(
        run(&mut it, &format!(".Q.par[`:{d}/db;2024.01.01;`t]")),
        format!("`:{d}/s0/2024.01.01/t")
    );
    assert!(std::path::Path::new(&format!("{d}/s1/2024.01.02/t/.d")).exists());
    let mut it = Interp::new();
    load_db(&mut it, Path::new(&format!("{d}/db")), false, false).unwrap();
    assert_eq!(run(&mut it, "count t"), "6");
    assert_eq!(run(&mut it, "exec v from t where date=2024.01.02"), "2 1");
    assert_eq!(run(&mut it, "date"), "2024.01.01 2024.01.02 2024.01.03");
    assert_eq!(run(&mut it, ".Q.D"), "2024.01.01 2024.01.03\n,2024.01.02");
    assert_eq!(run(&mut it, "count .Q.P"), "2");
    assert_eq!(run(&mut it, "sym"), "`b`a");
}
