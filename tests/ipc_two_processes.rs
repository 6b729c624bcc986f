//! Two `qtick q` processes talking to each other as q processes do: q code in one opens a
//! handle to the other (`hopen`) and calls it sync and async in every message form, with a
//! callback over `neg[.z.w]`, a nested sync call back into the caller, remote errors, and
//! `.z.pc` on the server when the client goes away.

mod port_support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_qtick");

/// A listening process: its stdin for console lines and its stdout lines on a channel.
struct Server {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    port: u16,
}

impl Server {
    fn start(setup: &str) -> Server {
        let mut child = Command::new(BIN)
            .args(["q", "-p", "127.0.0.1:0W"])
            .env("QTICK_PRINT_PORT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start qtick q");
        let out = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let port = lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the server prints its port")
            .trim()
            .parse()
            .expect("a port number");
        let mut stdin = child.stdin.take().expect("piped stdin");
        stdin.write_all(setup.as_bytes()).expect("write setup");
        stdin.flush().expect("flush");
        let mut s = Server {
            child,
            stdin,
            lines,
            port,
        };
        // The port is up before the console has read the setup: wait until it has, or a
        // client could call a function the setup has not defined yet.
        assert_eq!(s.eval_line("`ready"), "`ready");
        s
    }

    /// Evaluate `expr` at the console and return the line it prints.
    fn eval_line(&mut self, expr: &str) -> String {
        writeln!(self.stdin, "-1 \"=> \",-3!{expr};").expect("write");
        self.stdin.flush().expect("flush");
        loop {
            let l = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .expect("an answer");
            if let Some(rest) = l.strip_prefix("=> ") {
                return rest.to_string();
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run a client process (no port of its own) over `script`; its stdout lines.
fn client(script: &str) -> Vec<String> {
    let (_, out, _) = port_support::run(&[], &[], script);
    out.lines().map(str::to_string).collect()
}

const SERVER_SETUP: &str = r#"pcs:`int$();
.z.pc:{pcs::pcs,x};
sq:{x*x};
cb:{[n] neg[.z.w] (`setgot;n*2); n};
back:{(.z.w)"6*7"};
"#;

#[test]
fn q_calls_q_sync_async_and_back() {
    let mut a = Server::start(SERVER_SETUP);
    let p = a.port;
    let script = format!(
        r#"h:hopen `::{p};
-1 "sync string ",-3!h"1+1";
-1 "sync string form ",-3!h("{{x*y}}";4;5);
-1 "sync symbol form ",-3!h(`sq;7);
-1 "sync lambda form ",-3!h({{x+y}};2;3);
-1 "sync list value ",-3!h({{x}};(1 2;`a`b!3 4;"str"));
neg[h]"ax::42";
neg[h](`sq;3);
neg[h]({{ay::x+1}};99);
neg[h]("{{az::x}}";`done);
-1 "async results ",-3!h"(ax;ay;az)";
got:0;
setgot:{{got::x}};
neg[h](`cb;21);
h"";
-1 "callback ",-3!got;
-1 "nested sync back into the caller ",-3!h(`back;::);
r:@[{{h x}};"'`boom";{{"caught ",x}}];
-1 "remote error ",r;
r:@[{{h x}};"1+`a";{{"caught ",x}}];
-1 "remote type error ",r;
-1 "handle listed in .z.W ",-3!h in key .z.W;
-1 "remote .z.w is a handle ",-3!0<h".z.w";
-1 "big ",-3!count h"til 1000000";
hclose h;
-1 "after hclose ",-3!h in key .z.W;
r:@[{{h x}};"1+1";{{"closed: ",x}}];
-1 r;
"#
    );
    let out = client(&script);
    let want = [
        "sync string 2",
        "sync string form 20",
        "sync symbol form 49",
        "sync lambda form 5",
        "sync list value (1 2;`a`b!3 4;\"str\")",
        "async results (42;100;`done)",
        "callback 42",
        "nested sync back into the caller 42",
        "remote error caught boom",
        "remote type error caught type",
        "handle listed in .z.W 1b",
        "remote .z.w is a handle 1b",
        "big 1000000",
        "after hclose 0b",
    ];
    let got: Vec<&str> = out.iter().map(String::as_str).collect();
    assert!(got.len() > want.len(), "client printed {got:?}");
    assert_eq!(&got[..want.len()], &want[..], "client printed {got:?}");
    assert!(
        got[want.len()].starts_with("closed: "),
        "a closed handle is an error: {got:?}"
    );
    // the client is gone: the server ran .z.pc once and still answers
    assert_eq!(a.eval_line("count pcs"), "1");
    assert_eq!(a.eval_line("(ax;ay;az)"), "(42;100;`done)");
    assert_eq!(a.eval_line("count .z.W"), "0");
}

#[test]
fn q_server_calls_another_server() {
    let mut a = Server::start(SERVER_SETUP);
    let mut b = Server::start("bs:();\n.z.ps:{bs::bs,enlist x};\n");
    let pa = a.port;
    // b holds a handle to a; a calls b back asynchronously through .z.w
    b.eval_line(&format!("ha:hopen `:127.0.0.1:{pa}"));
    assert_eq!(b.eval_line("ha>0"), "1b");
    assert_eq!(b.eval_line("ha(`sq;12)"), "144");
    assert_eq!(b.eval_line("ha({neg[.z.w] (`notify;x)};`hello)"), "::");
    // the async callback reaches b's .z.ps as soon as b's loop runs
    let mut seen = String::new();
    for _ in 0..50 {
        seen = b.eval_line("bs");
        if seen != "()" {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(seen, ",`notify`hello");
    // a opens its own handle to b and calls it sync
    let pb = b.port;
    a.eval_line(&format!("hb:hopen {pb}"));
    assert_eq!(a.eval_line("hb\"2+3\""), "5");
    assert_eq!(a.eval_line("hb(+;1;2)"), "3");
}

#[test]
fn a_char_atom_in_function_position_names_the_function() {
    let mut a = Server::start("f:{x+1};g:{[a;b;c] a+b+c};k:{r::x};r:0;\n");
    let p = a.port;
    let script = format!(
        r#"h:hopen {p};
-1 "dyadic primitive ",-3!h("+";2;2);
-1 "monadic lambda ",-3!h("f";41);
-1 "triadic lambda ",-3!h("g";1;2;3);
neg[h]("k";7);
-1 "async ",-3!h"r";
-1 "symbol still ",-3!h(`f;1);
-1 "string still ",-3!h(enlist "f";2);
-1 "undefined ",@[h;("z";1);{{"caught ",x}}];
"#
    );
    let out = client(&script);
    let want = [
        "dyadic primitive 4",
        "monadic lambda 42",
        "triadic lambda 6",
        "async 7",
        "symbol still 2",
        "string still 3",
        "undefined caught z",
    ];
    let got: Vec<&str> = out.iter().map(String::as_str).collect();
    assert_eq!(got, want);
    assert_eq!(a.eval_line("r"), "7");
}

#[test]
fn deferred_sync_responses_and_trapped_remote_errors() {
    // The server defers two kinds of request with -30!(::) and answers them from its
    // timer with -30!(h;isError;msg), as a gateway answers when its workers call back.
    let mut a = Server::start(
        r#"pend:();
.z.pg:{[q] $[q~"defer";[pend,::enlist(.z.w;0b;42);-30!(::);`ignored];q~"defererr";[pend,::enlist(.z.w;1b;"nope");-30!(::)];q~"now";[-30!(::);-30!(.z.w;0b;7);`ignored];q~"fails";[-30!(::);'oops];value q]};
.z.ts:{if[count pend;r:first pend;pend::1_pend;-30!r]};
\t 20
"#,
    );
    let p = a.port;
    let script = format!(
        r#"h:hopen {p};
-1 "deferred ",-3!h"defer";
-1 "deferred error ",@[h;"defererr";{{"caught ",x}}];
-1 "trap signal ",@[h;"'`boom";{{"caught ",x}}];
-1 "trap type ",@[h;"1+`a";{{"caught ",x}}];
-1 "trap value ",-3!@[h;"6*7";{{"caught ",x}}];
-1 "not expecting ",h"@[{{-30!x}};(.z.w;0b;1);{{x}}]";
-1 "not a handle ",h"@[{{-30!x}};(9999i;0b;1);{{x}}]";
-1 "bad isError ",h"@[{{-30!x}};(.z.w;1;1);{{x}}]";
-1 "deferred again ",-3!h"defer";
-1 "sync after ",-3!h"1+1";
-1 "answered inside the handler ",-3!h"now";
-1 "deferred then failed ",@[h;"fails";{{"caught ",x}}];
-1 "still in step ",-3!h"2+2";
"#
    );
    let out = client(&script);
    let got: Vec<&str> = out.iter().map(String::as_str).collect();
    assert_eq!(got.len(), 13, "client printed {got:?}");
    assert_eq!(got[0], "deferred 42");
    assert_eq!(got[1], "deferred error caught nope");
    assert_eq!(got[2], "trap signal caught boom");
    assert_eq!(got[3], "trap type caught type");
    assert_eq!(got[4], "trap value 42");
    assert!(
        got[5].starts_with("not expecting Handle ")
            && got[5].ends_with(" was not expecting a response msg"),
        "{got:?}"
    );
    assert_eq!(got[6], "not a handle domain");
    assert_eq!(got[7], "bad isError type");
    assert_eq!(got[8], "deferred again 42");
    assert_eq!(got[9], "sync after 2");
    assert_eq!(got[10], "answered inside the handler 7");
    assert_eq!(got[11], "deferred then failed caught oops");
    assert_eq!(got[12], "still in step 4");
    assert_eq!(a.eval_line("count pend"), "0");
}
