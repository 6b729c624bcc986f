use super::*;
use crate::lang::testkit::{q, run};

#[test]
fn csv_and_tsv_of_data() {
    assert_eq!(
        q(".h.cd ([]a:1 2 3;b:`x`y`z)"),
        "\"a,b\"\n\"1,x\"\n\"2,y\"\n\"3,z\""
    );
    assert_eq!(
        q(".h.cd (`a`b`c;1 2 3;\"xyz\")"),
        "\"a,1,x\"\n\"b,2,y\"\n\"c,3,z\""
    );
    assert_eq!(
        q(".h.td ([]a:1 2 3;b:`x`y`z)"),
        "\"a\\tb\"\n\"1\\tx\"\n\"2\\ty\"\n\"3\\tz\""
    );
    assert_eq!(q(".h.d"), "\" \"");
    let mut it = Interp::new();
    run(&mut it, "t:([a:til 3]b:3 3#\"abc\";c:3 3#1 2 3)");
    assert_eq!(
        run(&mut it, ".h.cd t"),
        "\"a,b,c\"\n\"0,abc,1 2 3\"\n\"1,abc,1 2 3\"\n\"2,abc,1 2 3\""
    );
    run(&mut it, ".h.d:\"*\"");
    assert_eq!(
        run(&mut it, ".h.cd t"),
        "\"a,b,c\"\n\"0,abc,1*2*3\"\n\"1,abc,1*2*3\"\n\"2,abc,1*2*3\""
    );
}

#[test]
fn markup() {
    assert_eq!(
        q(".h.code \"foo\\tbar\""),
        "\"foo <code><nobr>bar</nobr></code>\""
    );
    assert_eq!(
        q(".h.code \"foo\\tbar\\tabc\\tdef\""),
        "\"foo <code><nobr>bar</nobr></code> abc <code><nobr>def</nobr></code>\""
    );
    assert_eq!(q(".h.code \"foo\""), "\"foo\"");
    assert_eq!(
        q(".h.ha[\"http://www.example.com\";\"Example.com Main Page\"]"),
        "\"<a href=\\\"http://www.example.com\\\">Example.com Main Page</a>\""
    );
    assert_eq!(
        q(".h.ha[`http://www.example.com;\"Example.com Main Page\"]"),
        "\"<a href=http://www.example.com>Example.com Main Page</a>\""
    );
    assert_eq!(
        q(".h.hb[\"http://www.example.com\";\"Example.com Main Page\"]"),
        "\"<a target=v href=\\\"http://www.example.com\\\">Example.com Main Page</a>\""
    );
    assert_eq!(q(".h.hc \"<foo>\""), "\"&lt;foo>\"");
    assert_eq!(q(".h.hr \"foo\""), "\"---\"");
    assert_eq!(
        q(".h.hta[`a;(`href`target)!(\"http://www.example.com\";\"_blank\")]"),
        "\"<a href=\\\"http://www.example.com\\\" target=\\\"_blank\\\">\""
    );
    assert_eq!(
        q(".h.htac[`a;(`href`target)!(\"http://www.example.com\";\"_blank\");\"Example.com Main Page\"]"),
        "\"<a href=\\\"http://www.example.com\\\" target=\\\"_blank\\\">Example.com Main Page</a>\""
    );
    assert_eq!(q(".h.htc[`tag;\"value\"]"), "\"<tag>value</tag>\"");
    assert_eq!(
        q("\"The quick brown fox\" {.h.htc[y;x]}/ `p`body`html"),
        "\"<html><body><p>The quick brown fox</p></body></html>\""
    );
    assert_eq!(q(".h.nbr \"foo bar\""), "\"<nobr>foo bar</nobr>\"");
    assert_eq!(q(".h.pre(\"foo\";\"bar\")"), "\"<pre>foo\\nbar\\n</pre>\"");
    assert_eq!(q(".h.xmp(\"foo\";\"bar\")"), "\"<xmp>foo\\nbar\\n</xmp>\"");
    assert_eq!(
        q(".h.text(\"foo\";\"bar\")"),
        "\"<p>foo</p>\\n<p>bar</p>\\n\""
    );
    assert_eq!(q(".h.xs \"Arthur & Co.\""), "\"Arthur &amp; Co.\"");
    assert_eq!(
        q(".h.http \"The main page is http://www.example.com\""),
        "\"The main page is <a href=\\\"http://www.example.com\\\">http://www.example.com</a>\""
    );
    assert_eq!(
        q(".h.sc"),
        "\"$-.+!*'(),abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789\""
    );
    assert_eq!(q(".h.sb"), "\"body{font:10pt verdana;text-align:justify}\"");
    assert_eq!(q(".h.br"), "\"<br>\"");
    assert_eq!(
        q(".h.html \"<p>Hello world!</p>\"")[..40].to_string(),
        "\"<html><head><style>a{text-decoration:no"
    );
}

#[test]
fn uris_and_http() {
    assert_eq!(
        q(".h.hu \"http://www.kx.com\""),
        "\"http%3a%2f%2fwww.kx.com\""
    );
    assert_eq!(
        q(".h.uh \"http%3a%2f%2fwww.kx.com\""),
        "\"http://www.kx.com\""
    );
    assert_eq!(q(".h.uh \"100%\""), "\"100%\"");
    assert_eq!(q("(.h.hug \"a\") \"a/\""), ",\"a\"\n\"%2f\"");
    assert_eq!(
        q(".h.hn[\"404\";`txt;\"Not found: favicon.ico\"]"),
        "\"HTTP/1.1 404\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\nContent-Length: 22\\r\\n\\r\\nNot found: favicon.ico\""
    );
    assert_eq!(
        q(".h.hy[`json;\"[1]\"]"),
        "\"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nConnection: close\\r\\nContent-Length: 3\\r\\n\\r\\n[1]\""
    );
    assert_eq!(q("-15#.h.he \"<rubbish>\""), "\"\\r\\n'&lt;rubbish>\"");
    assert_eq!(q("count .h.hp enlist \"x\""), "193");
    assert_eq!(q(".h.ty`csv"), "\"text/comma-separated-values\"");
    assert_eq!(q(".h.ka 0i"), "\"close\"");
    assert_eq!(q(".h.ka 1000i"), "\"keep-alive\"");
    assert_eq!(q(".h.iso8601 100"), "\"2000-01-01T00:00:00.000000100\"");
}

#[test]
fn xml_and_excel() {
    assert_eq!(
        q(".h.xd ([]a:1 2 3;b:`x`y`z)"),
        "\"<R>\"\n\"<r><a>1</a><b>x</b></r>\"\n\"<r><a>2</a><b>y</b></r>\"\n\"<r><a>3</a><b>z</b></r>\"\n\"</R>\""
    );
    assert_eq!(
        q("first .h.ed ([]a:1 2 3;b:`x`y`z)"),
        "\"<?xml version=\\\"1.0\\\"?><?mso-application progid=\\\"Excel.Sheet\\\"?>\""
    );
    let e = q("raze .h.edsn `test1`test2!(([]p:1 2);([]q:`a`b))");
    assert!(e.contains("Worksheet ss:Name=\\\"test1\\\""), "{e}");
    assert!(e.contains("<Data ss:Type=\\\"Number\\\">2</Data>"), "{e}");
    assert!(e.contains("<Data ss:Type=\\\"String\\\">b</Data>"), "{e}");
}

#[test]
fn file_types() {
    assert_eq!(q("key .h.tx"), "`raw`json`csv`txt`xml`xls");
    assert_eq!(
        q(".h.tx[`json] ([] 0 1)"),
        "\"{\\\"x\\\":0}\"\n\"{\\\"x\\\":1}\""
    );
    assert_eq!(
        q(".h.tx[`json] enlist ([] 0 1)"),
        "\"[{\\\"x\\\":0},\\n {\\\"x\\\":1}]\""
    );
    assert_eq!(q(".h.tx[`csv] ([]a:1 2)"), ",\"a\"\n,\"1\"\n,\"2\"");
    assert_eq!(
        q(".h.xt[`json;(\"{\\\"foo\\\":\\\"bar\\\"}\";\"{\\\"this\\\":\\\"that\\\"}\")]"),
        "(,`foo)!,\"bar\"\n(,`this)!,\"that\""
    );
}

#[test]
fn json_out() {
    assert_eq!(q(".j.j -0w 0 1 2 3 0w"), "\"[-inf,0,1,2,3,inf]\"");
    assert_eq!(q(".j.jd(-0w 0 1 2 3 0w;()!())"), "\"[-inf,0,1,2,3,inf]\"");
    assert_eq!(
        q(".j.jd(-0w 0 1 2 3 0w;(enlist`null0w)!enlist 1b)"),
        "\"[null,0,1,2,3,null]\""
    );
    assert_eq!(
        q(".j.j `a`b!(0 1;(\"hello\";\"world\"))"),
        "\"{\\\"a\\\":[0,1],\\\"b\\\":[\\\"hello\\\",\\\"world\\\"]}\""
    );
    assert_eq!(
        q(".j.j ([]a:1 2;b:`Greetings`Earthlings)"),
        "\"[{\\\"a\\\":1,\\\"b\\\":\\\"Greetings\\\"},\\n {\\\"a\\\":2,\\\"b\\\":\\\"Earthlings\\\"}]\""
    );
    assert_eq!(q(".j.j 10b"), "\"[true,false]\"");
    assert_eq!(
        q(".j.j (0N;0n;`;\"\")"),
        "\"[null,null,\\\"\\\",\\\"\\\"]\""
    );
    assert_eq!(q(".j.j 1%3"), "\"0.3333333\"");
    assert_eq!(q(".j.j 2020.01.02"), "\"\\\"2020-01-02\\\"\"");
    assert_eq!(
        q(".j.j 2020.01.02D03:04:05.000000006"),
        "\"\\\"2020-01-02T03:04:05.000000006\\\"\""
    );
    assert_eq!(q(".j.j 12:00:00.000"), "\"\\\"12:00:00.000\\\"\"");
    assert_eq!(q(".j.j \"a\\\"b\\n\""), "\"\\\"a\\\\\\\"b\\\\n\\\"\"");
    assert_eq!(q(".j.j ()"), "\"[]\"");
    assert_eq!(q(".j.j ()!()"), "\"{}\"");
    assert_eq!(q(".j.j (::)"), "\"null\"");
}

#[test]
fn json_in() {
    assert_eq!(
        q(".j.k \"{\\\"a\\\":[0,1],\\\"b\\\":[\\\"hello\\\",\\\"world\\\"]}\""),
        "a| 0       1      \nb| \"hello\" \"world\""
    );
    assert_eq!(
        q(".j.k \"[{\\\"a\\\":1,\\\"b\\\":\\\"Greetings\\\"},{\\\"a\\\":2,\\\"b\\\":\\\"Earthlings\\\"}]\""),
        "a b           \n--------------\n1 \"Greetings\" \n2 \"Earthlings\""
    );
    assert_eq!(
        q(".j.k \"{ \\\"code\\\" : 3, \\\"ok\\\" : true, \\\"n\\\": null}\""),
        "code| 3f\nok  | 1b\nn   | 0n"
    );
    assert_eq!(q(".j.k \"[1,2.5,-3e2]\""), "1 2.5 -300");
    assert_eq!(q(".j.k \"[true,false]\""), "10b");
    assert_eq!(q(".j.k \"[]\""), "()");
    assert_eq!(q(".j.k \"\\\"\\\\u0041\\\\t\\\"\""), "\"A\\t\"");
    assert_eq!(q("(.j.k .j.j x)~x:`a`b!1 2f"), "1b");
    for bad in ["\"{\"", "\"[1,]\"", "\"tru\"", "\"[1] 2\"", "\"\\\"abc\""] {
        assert_eq!(q(&format!(".j.k {bad}")), "'illegal json", "{bad}");
    }
    let deep = format!(".j.k \"{}\"", "[".repeat(2000));
    assert_eq!(q(&deep), "'limit");
}
