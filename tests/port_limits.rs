//! The port's limits set from the command line: `--max-conns` (extra connections are
//! closed on accept), `--max-message` (a larger message closes its connection),
//! `--idle-timeout` (a connection with no traffic either way is closed, a busy one is
//! not) and `--max-unread` (a peer that does not read loses its handle). Each refusal is
//! logged, and the process goes on serving everyone else.

mod port_support;

use port_support::{closed_within, long_of, raw_connect, read_msg, run, text_msg, Server};
use std::io::Write;
use std::time::{Duration, Instant};

fn ask(s: &mut std::net::TcpStream, q: &str) -> Option<i64> {
    s.write_all(&text_msg(q, true)).ok()?;
    long_of(&read_msg(s).ok()?)
}

#[test]
fn max_conns_refuses_extra_connections() {
    let srv = Server::start(&["--max-conns", "2"], &[]);
    let mut a = raw_connect(srv.port).expect("first");
    let mut b = raw_connect(srv.port).expect("second");
    assert!(
        raw_connect(srv.port).is_err(),
        "a third connection is closed"
    );
    let line = srv
        .log_line("--max-conns", Duration::from_secs(10))
        .expect("the refusal is logged");
    assert!(line.contains("limit (--max-conns) is 2"), "{line}");
    assert_eq!(ask(&mut a, "1+1"), Some(2));
    assert_eq!(ask(&mut b, "2+2"), Some(4));
    // A freed place is taken again.
    drop(a);
    let end = Instant::now() + Duration::from_secs(10);
    let mut c = loop {
        if let Ok(c) = raw_connect(srv.port) {
            break c;
        }
        assert!(Instant::now() < end, "a place frees when a client leaves");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(ask(&mut c, "3+3"), Some(6));
}

#[test]
fn max_message_closes_an_oversized_sender() {
    let srv = Server::start(&["--max-message", "1k"], &[]);
    let mut a = raw_connect(srv.port).expect("connect");
    let small = format!("count \"{}\"", "x".repeat(900));
    assert_eq!(ask(&mut a, &small), Some(900));
    let big = format!("count \"{}\"", "x".repeat(2000));
    a.write_all(&text_msg(&big, true)).expect("send");
    assert!(
        closed_within(&mut a, Duration::from_secs(10)),
        "a message over --max-message closes the connection"
    );
    let line = srv
        .log_line("--max-message", Duration::from_secs(10))
        .expect("logged");
    assert!(line.contains("of 1024 bytes"), "{line}");
    let mut b = raw_connect(srv.port).expect("others are still served");
    assert_eq!(ask(&mut b, "5*5"), Some(25));
}

#[test]
fn idle_timeout_closes_quiet_connections_only() {
    let mut srv = Server::start(&["--idle-timeout", "1"], &[]);
    srv.console("slow:{t:.z.p+0D00:00:02.5;while[.z.p<t;];7}");
    // Wait until the console has defined it, so the socket message cannot overtake it.
    assert_eq!(srv.eval("type slow"), "100h");
    let mut quiet = raw_connect(srv.port).expect("quiet");
    let mut chatty = raw_connect(srv.port).expect("chatty");
    let mut waiting = raw_connect(srv.port).expect("waiting");
    // A query the process takes longer than the timeout to answer: its client is waiting
    // on us, not idle.
    waiting
        .write_all(&text_msg("slow[]", true))
        .expect("send slow");
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(2200) {
        assert_eq!(ask(&mut chatty, "1+1"), Some(2), "a busy connection stays");
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(
        long_of(&read_msg(&mut waiting).expect("the slow answer arrives")),
        Some(7)
    );
    assert!(
        closed_within(&mut quiet, Duration::from_secs(5)),
        "a connection quiet for over a second is closed"
    );
    assert!(srv
        .log_line("--idle-timeout", Duration::from_secs(5))
        .is_some());
    assert_eq!(ask(&mut chatty, "2+2"), Some(4));
}

#[test]
fn idle_timeout_keeps_a_subscriber_that_only_receives() {
    let mut srv = Server::start(&["--idle-timeout", "1"], &[]);
    let mut sub = raw_connect(srv.port).expect("subscriber");
    assert!(ask(&mut sub, "`long$h:.z.w").is_some_and(|h| h > 0));
    // The server publishes every 200 ms for 2.5 s; the subscriber never writes.
    srv.console(".z.ts:{neg[h](`upd;1)}");
    srv.console("\\t 200");
    let _ = sub.set_read_timeout(Some(Duration::from_secs(5)));
    let start = Instant::now();
    let mut got = 0;
    while start.elapsed() < Duration::from_millis(2500) {
        read_msg(&mut sub).expect("updates keep coming");
        got += 1;
    }
    assert!(got >= 8, "{got} updates");
    srv.console("\\t 0");
    assert!(
        closed_within(&mut sub, Duration::from_secs(5)),
        "once nothing moves it is closed"
    );
}

#[test]
fn max_unread_closes_a_peer_that_does_not_read() {
    let srv = Server::start(&["--max-unread", "1m"], &[]);
    let mut slow = raw_connect(srv.port).expect("connect");
    // Ask for 200 MB and read none of it.
    slow.write_all(&text_msg("do[200;neg[.z.w] 1000000#0x00]", false))
        .expect("send");
    let line = srv
        .log_line("--max-unread", Duration::from_secs(60))
        .expect("the bound is logged");
    assert!(line.contains("of 1048576 bytes"), "{line}");
    assert!(closed_within(&mut slow, Duration::from_secs(30)));
    let mut b = raw_connect(srv.port).expect("others are still served");
    assert_eq!(ask(&mut b, "6*7"), Some(42));
}

#[test]
fn bad_limit_values_are_refused() {
    for (flag, v) in [
        ("--max-conns", "many"),
        ("--max-message", "12q"),
        ("--idle-timeout", ""),
    ] {
        let (ok, _, err) = run(&[flag, v], &[], "");
        assert!(!ok, "{flag} {v:?} must be refused");
        assert!(err.contains(flag), "{err}");
    }
}

#[test]
fn help_lists_the_limits_and_tls() {
    let out = std::process::Command::new(port_support::BIN)
        .args(["q", "--help"])
        .output()
        .expect("qtick q --help");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--max-message",
        "--max-conns",
        "--idle-timeout",
        "--max-unread",
        "-E TLS mode",
        "SSL_CERT_FILE",
    ] {
        assert!(text.contains(flag), "{flag} missing from: {text}");
    }
}
