//! The tickerplant as a process: `qtick tp` driven over its port by the q test scripts
//! (run with `qtick q`, as CI runs them) and by raw IPC clients for what the scripts
//! cannot reach: the exact bootstrap answer, refused updates, compressed input, a
//! `kill -9` mid-stream and restart, a damaged log tail, a subscriber that stops
//! reading, and a day roll at midnight on the test clock.

use qipc::{Atom, MsgType, Scalar, Sym, Ty, K};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_qtick");

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory for one test.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qtick-tick-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

/// A running `qtick tp sym . ...` in `dir`, killed on drop.
struct Tp {
    child: Child,
    port: u16,
    stderr: PathBuf,
}

impl Tp {
    fn start(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Tp {
        Tp::start_src(dir, "sym", extra, env)
    }

    /// `qtick tp SRC . ...`: the schema is `tick/SRC.q` under `dir`.
    fn start_src(dir: &Path, src: &str, extra: &[&str], env: &[(&str, &str)]) -> Tp {
        let stderr = dir.join(format!("tp-{}.err", Instant::now().elapsed().as_nanos()));
        let err = std::fs::File::create(&stderr).unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = Command::new(BIN);
        cmd.args(["tp", src, ".", "-p", "127.0.0.1:0W"])
            .args(extra)
            .current_dir(dir)
            .env("QTICK_PRINT_PORT", "1")
            .env("QUDSPATH", "")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(err);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn qtick tp: {e}"));
        let out = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut line = String::new();
        BufReader::new(out)
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("{e}"));
        let port = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "tp printed {line:?}; stderr: {}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            )
        });
        Tp {
            child,
            port,
            stderr,
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Tp {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A minimal kdb+ IPC client over a blocking socket.
struct Client {
    s: TcpStream,
}

impl Client {
    fn connect(port: u16) -> Client {
        Client::connect_cap(port, 3)
    }

    /// Handshake offering `cap` (user `u`, so a capability 0 hello is `u\0\0`).
    fn connect_cap(port: u16, cap: u8) -> Client {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("{e}"));
        s.set_nodelay(true).ok();
        s.write_all(&qipc::handshake::client_hello("u", "", cap))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut got = [0u8; 1];
        s.read_exact(&mut got).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got[0], cap.min(3), "negotiated capability");
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        Client { s }
    }

    /// The next message's bytes, header included, or None on timeout or close.
    fn recv_raw(&mut self, timeout: Duration) -> Option<Vec<u8>> {
        self.s.set_read_timeout(Some(timeout)).ok();
        let mut h = [0u8; 8];
        self.s.read_exact(&mut h).ok()?;
        let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        let mut b = h.to_vec();
        b.resize(len, 0);
        self.s.read_exact(&mut b[8..]).ok()?;
        Some(b)
    }

    fn send(&mut self, k: &K, t: MsgType) {
        let b = qipc::encode_message(k, t, 3).unwrap_or_else(|e| panic!("{e}"));
        self.s.write_all(&b).unwrap_or_else(|e| panic!("{e}"));
    }

    fn send_bytes(&mut self, b: &[u8]) {
        self.s.write_all(b).unwrap_or_else(|e| panic!("{e}"));
    }

    /// The next message, or None on timeout or close.
    fn recv(&mut self, timeout: Duration) -> Option<(MsgType, K)> {
        self.s.set_read_timeout(Some(timeout)).ok();
        let mut h = [0u8; 8];
        self.s.read_exact(&mut h).ok()?;
        let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        let mut b = h.to_vec();
        b.resize(len, 0);
        self.s.read_exact(&mut b[8..]).ok()?;
        let (hd, k) = qipc::decode_message(&b).unwrap_or_else(|e| panic!("{e}"));
        Some((hd.msg_type, k))
    }

    /// A sync call; async messages that arrive first are returned alongside.
    fn call(&mut self, k: &K) -> (Result<K, String>, Vec<K>) {
        self.send(k, MsgType::Sync);
        let mut before = Vec::new();
        loop {
            match self.recv(Duration::from_secs(10)) {
                Some((MsgType::Response, K::Error(e))) => return (Err(e.to_string()), before),
                Some((MsgType::Response, v)) => return (Ok(v), before),
                Some((_, v)) => before.push(v),
                None => panic!("no response to {k:?}"),
            }
        }
    }

    fn q(&mut self, text: &str) -> K {
        match self.call(&K::string(text.as_bytes().to_vec())).0 {
            Ok(v) => v,
            Err(e) => panic!("{text}: '{e}"),
        }
    }
}

fn item(k: &K, i: usize) -> K {
    match k {
        K::List(l) => l.items.get(i).cloned().unwrap_or(K::NULL),
        K::Vector(v) if i < v.len() => K::Atom(v.at(i)),
        _ => K::NULL,
    }
}

fn long(k: &K) -> i64 {
    k.as_i64()
        .unwrap_or_else(|| panic!("not an integer: {k:?}"))
}

fn upd(t: &str, x: K) -> K {
    K::list(vec![K::string(b".u.upd".to_vec()), K::sym(t), x])
}

/// One trade row without time: (sym;price;size;side), `size` carrying a sequence number.
fn trade_row(sym: &str, n: i32) -> K {
    K::list(vec![
        K::sym(sym),
        K::float(n as f64),
        K::int(n),
        K::char(b'B'),
    ])
}

/// Trade columns without time, `size` carrying sequence numbers.
fn trade_cols(syms: &[&str], first: i32) -> K {
    let n = syms.len() as i32;
    K::list(vec![
        K::syms(syms.iter().copied()),
        K::floats((first..first + n).map(|i| i as f64).collect()),
        K::ints((first..first + n).collect()),
        K::string(vec![b'S'; syms.len()]),
    ])
}

/// `size` values of an `upd` message's table (or of a logged list of columns / row).
fn sizes(x: &K) -> Vec<i32> {
    let col = match x {
        K::Table(t) => t.col(Sym::from_text("size")).cloned(),
        K::List(l) => l.items.get(3).cloned(),
        _ => None,
    };
    match col {
        Some(K::Vector(qipc::Vector {
            data: qipc::Data::I32(v),
            ..
        })) => v.to_vec(),
        Some(K::Atom(Atom {
            v: Scalar::I32(i), ..
        })) => vec![i],
        _ => panic!("no size column in {x:?}"),
    }
}

/// The sizes carried by every `upd` in `msgs` for table `t`, in order.
fn upd_sizes(msgs: &[K], t: &str) -> Vec<i32> {
    msgs.iter()
        .filter(|m| item(m, 0).as_sym().map(|s| s.as_str().into_owned()) == Some("upd".into()))
        .filter(|m| item(m, 1).as_sym().map(|s| s.as_str().into_owned()) == Some(t.into()))
        .flat_map(|m| sizes(&item(m, 2)))
        .collect()
}

fn log_file(dir: &Path) -> PathBuf {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    logs.retain(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("sym") && n.len() == 13)
    });
    logs.sort();
    logs.pop()
        .unwrap_or_else(|| panic!("no log in {}", dir.display()))
}

/// Every chunk of a log, decoded.
fn log_chunks(path: &Path) -> Vec<K> {
    let mut c = qtick::journal::Chunks::open(path).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    loop {
        match c.next_chunk().unwrap_or_else(|e| panic!("{e}")) {
            qtick::journal::Next::Chunk { value, .. } => out.push(value),
            qtick::journal::Next::End => return out,
            qtick::journal::Next::BadTail => panic!("{}: bad tail", path.display()),
        }
    }
}

/// Run a q test script with `qtick q` against the tickerplant; returns its summary line.
fn run_script(dir: &Path, script: &str, port: u16, batch: bool) -> String {
    let path = repo().join("q-scripts/tests").join(script);
    let mut cmd = Command::new(BIN);
    cmd.arg("q")
        .arg(&path)
        .arg(format!("127.0.0.1:{port}"))
        .current_dir(dir)
        .env("QUDSPATH", "")
        .stdin(Stdio::null());
    if batch {
        cmd.arg("batch");
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let summary = text
        .lines()
        .find(|l| l.starts_with(script) && l.contains(" passed, "))
        .unwrap_or_else(|| panic!("{script} printed no summary:\n{text}"))
        .to_string();
    assert!(
        summary.ends_with(" passed, 0 failed") && out.status.success(),
        "{script} (batch={batch}):\n{text}"
    );
    summary
}

/// The q test scripts, run by `qtick q` against zero-latency and batch tickerplants.
#[test]
fn q_test_scripts_pass_against_both_modes() {
    for (batch, extra) in [(false, vec![]), (true, vec!["-t", "50"])] {
        let dir = temp_dir(if batch { "qbatch" } else { "qzero" });
        let tp = Tp::start(&dir, &extra, &[]);
        for script in ["pubsub.q", "eod.q"] {
            let s = run_script(&dir, script, tp.port, batch);
            let passed: usize = s
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            assert!(passed >= 10, "{s}");
        }
    }
}

/// q-scripts/feed.q, run by `qtick q`, publishes trades and quotes on its timer.
#[test]
fn feed_q_publishes_on_its_timer() {
    let dir = temp_dir("feedq");
    let tp = Tp::start(&dir, &[], &[]);
    let mut feed = Command::new(BIN)
        .arg("q")
        .arg(repo().join("q-scripts/feed.q"))
        .arg(format!("127.0.0.1:{}", tp.port))
        .args(["-t", "50", "-n", "3"])
        .env("QUDSPATH", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut c = Client::connect(tp.port);
    let start = Instant::now();
    while long(&c.q(".u.i")) < 6 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = feed.kill();
    let _ = feed.wait();
    let chunks = log_chunks(&log_file(&dir));
    assert!(chunks.len() >= 6, "{} chunks", chunks.len());
    for (i, ch) in chunks.iter().enumerate() {
        let t = item(ch, 1).as_sym().map(|s| s.as_str().into_owned());
        assert_eq!(
            t.as_deref(),
            Some(if i % 2 == 0 { "trade" } else { "quote" })
        );
        assert_eq!(item(&item(ch, 2), 0).ty(), Ty::Timespan as i16, "stamped");
        assert_eq!(item(&item(ch, 2), 1).len(), 3);
    }
}

/// r.q's bootstrap gets q's answer: `((name;schema)...;(i;L))`, schemas empty with `g#`
/// on sym; `.u.sub` of one table gives one pair.
#[test]
fn bootstrap_answer_has_q_shape() {
    let dir = temp_dir("boot");
    let tp = Tp::start(&dir, &[], &[]);
    let mut feed = Client::connect(tp.port);
    feed.call(&upd("trade", trade_row("IBM", 1)))
        .0
        .unwrap_or_else(|e| panic!("{e}"));
    let mut sub = Client::connect(tp.port);
    let r = sub.q("(.u.sub[`;`];`.u `i`L)");
    let pairs = item(&r, 0);
    assert_eq!(pairs.len(), 2);
    for (i, name) in ["quote", "trade"].iter().enumerate() {
        let p = item(&pairs, i);
        assert_eq!(item(&p, 0).as_sym(), Some(Sym::from_text(name)));
        let K::Table(t) = item(&p, 1) else {
            panic!("not a table: {p:?}")
        };
        assert_eq!(t.rows(), 0);
        assert_eq!(
            t.names[..2],
            [Sym::from_text("time"), Sym::from_text("sym")]
        );
        assert_eq!(t.cols[1].attr(), qipc::Attr::Grouped);
        assert_eq!(t.cols[0].ty(), Ty::Timespan as i16);
    }
    let il = item(&r, 1);
    assert_eq!(item(&il, 0).ty(), -7);
    assert_eq!(long(&item(&il, 0)), 1);
    let l = item(&il, 1).as_sym().unwrap_or(Sym::NULL);
    assert!(l.as_str().starts_with(":./sym"), "{l}");
    let one = sub.q(".u.sub[`trade;`IBM`MSFT]");
    assert_eq!(item(&one, 0).as_sym(), Some(Sym::from_text("trade")));
    let w = sub.q(".u.w");
    let K::Dict(d) = &w else { panic!("{w:?}") };
    assert_eq!(d.keys.len(), 2);
}

/// Wrong-typed, wrong-shaped and unknown-table updates are errors (sync) or logged
/// (async) and change nothing: no log chunk, no publish, `.u.i` as it was.
#[test]
fn refused_updates_change_nothing() {
    let dir = temp_dir("refuse");
    let tp = Tp::start(&dir, &[], &[]);
    let mut sub = Client::connect(tp.port);
    sub.q(".u.sub[`;`]");
    let mut feed = Client::connect(tp.port);
    let good = upd("trade", trade_row("IBM", 1));
    feed.call(&good).0.unwrap_or_else(|e| panic!("{e}"));
    let bad = [
        // size is a long, the schema says int
        upd(
            "trade",
            K::list(vec![
                K::sym("IBM"),
                K::float(1.0),
                K::long(1),
                K::char(b'B'),
            ]),
        ),
        // price as a symbol column
        upd(
            "trade",
            K::list(vec![
                K::syms(["a"]),
                K::syms(["x"]),
                K::ints(vec![1]),
                K::string(b"B".to_vec()),
            ]),
        ),
        // ragged columns
        upd(
            "trade",
            K::list(vec![
                K::syms(["a", "b"]),
                K::floats(vec![1.0]),
                K::ints(vec![1, 2]),
                K::string(b"BB".to_vec()),
            ]),
        ),
        upd("trade", K::list(vec![K::sym("IBM")])),
        upd("trade", K::long(42)),
        upd("nosuch", trade_row("IBM", 1)),
        K::list(vec![
            K::string(b".u.upd".to_vec()),
            K::long(1),
            trade_row("IBM", 1),
        ]),
    ];
    for b in &bad {
        let (r, _) = feed.call(b);
        assert!(r.is_err(), "accepted {b:?}");
        feed.send(b, MsgType::Async);
    }
    // garbage source text and a message that is not a call
    assert!(feed.call(&K::string(b".u.upd[`trade;".to_vec())).0.is_err());
    feed.send(&K::longs(vec![1, 2, 3]), MsgType::Async);
    let i = long(&feed.q(".u.i"));
    assert_eq!(i, 1);
    feed.call(&good).0.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(long(&feed.q(".u.i")), 2);
    let (_, got) = sub.call(&K::string(b"0".to_vec()));
    assert_eq!(upd_sizes(&got, "trade"), vec![1, 1]);
    assert_eq!(log_chunks(&log_file(&dir)).len(), 2);
    assert!(
        tp.stderr().contains("async message failed"),
        "{}",
        tp.stderr()
    );
}

/// A remote feed's compressed message is taken like any other; a remote subscriber (here
/// loopback counted as remote) gets large updates compressed, as q sends them.
#[test]
fn compressed_updates_are_accepted_and_sent() {
    let dir = temp_dir("zip");
    let tp = Tp::start(&dir, &[], &[("QTICK_COMPRESS_LOCAL", "1")]);
    let mut sub = Client::connect(tp.port);
    sub.q(".u.sub[`trade;`]");
    let syms: Vec<&str> = (0..500)
        .map(|i| if i % 2 == 0 { "IBM" } else { "MSFT" })
        .collect();
    let msg = qipc::encode_message(&upd("trade", trade_cols(&syms, 0)), MsgType::Async, 3)
        .unwrap_or_else(|e| panic!("{e}"));
    let z = qipc::compress::compress(&msg).unwrap_or_else(|| panic!("did not compress"));
    assert!(z.len() < msg.len() / 2);
    let mut feed = Client::connect(tp.port);
    feed.send_bytes(&z);
    assert_eq!(long(&feed.q(".u.i")), 1);
    // Read the raw bytes: the update must arrive with the compressed flag set.
    sub.s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut h = [0u8; 8];
    sub.s.read_exact(&mut h).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(h[2], 1, "not compressed: {h:?}");
    let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
    let mut b = h.to_vec();
    b.resize(len, 0);
    sub.s
        .read_exact(&mut b[8..])
        .unwrap_or_else(|e| panic!("{e}"));
    let m = qipc::from_bytes(&b).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(upd_sizes(&[m], "trade"), (0..500).collect::<Vec<i32>>());
}

/// `kill -9` mid-stream: every update a subscriber saw is in the log, in order; the
/// restarted tickerplant continues the same log with `.u.i` equal to its chunks; a
/// damaged tail is cut back at start-up with a backup kept and a log line.
#[test]
fn kill_nine_and_restart_continue_the_log() {
    let dir = temp_dir("kill9");
    let mut tp = Tp::start(&dir, &[], &[]);
    let mut sub = Client::connect(tp.port);
    sub.q(".u.sub[`trade;`]");
    let port = tp.port;
    let feeder = std::thread::spawn(move || {
        let mut feed = Client::connect(port);
        let mut n = 0;
        // Until the tickerplant dies: the writes then fail.
        loop {
            let msg = upd("trade", trade_cols(&["IBM", "MSFT"], n));
            let b = qipc::encode_message(&msg, MsgType::Async, 3).unwrap_or_default();
            if feed.s.write_all(&b).is_err() || n > 2_000_000 {
                return n;
            }
            n += 2;
        }
    });
    std::thread::sleep(Duration::from_millis(400));
    tp.kill9();
    let sent = feeder.join().unwrap_or(0);
    let mut seen = Vec::new();
    while let Some((_, m)) = sub.recv(Duration::from_millis(500)) {
        seen.extend(upd_sizes(&[m], "trade"));
    }
    let log = log_file(&dir);
    let logged: Vec<i32> = log_chunks(&log)
        .iter()
        .flat_map(|c| sizes(&item(c, 2)))
        .collect();
    assert!(!seen.is_empty() && sent > 0);
    assert!(logged.len() >= seen.len());
    assert_eq!(
        seen,
        logged[..seen.len()],
        "published updates are a prefix of the log"
    );
    assert_eq!(logged, (0..logged.len() as i32).collect::<Vec<_>>());
    let chunks = logged.len() as i64 / 2;

    // Restart: the same day's log continues.
    let tp2 = Tp::start(&dir, &[], &[]);
    let mut c = Client::connect(tp2.port);
    assert_eq!(long(&c.q(".u.i")), chunks);
    c.call(&upd("trade", trade_cols(&["IBM"], -1)))
        .0
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(long(&c.q(".u.i")), chunks + 1);
    assert_eq!(log_chunks(&log).len() as i64, chunks + 1);
    drop(c);
    drop(tp2);

    // A torn last chunk (a crash inside write(2)): cut back at start-up, backup kept.
    let before = std::fs::read(&log).unwrap_or_default();
    let mut torn = before.clone();
    let last = qtick::journal::chunk_bytes(&K::list(vec![
        K::sym("upd"),
        K::sym("trade"),
        trade_cols(&["IBM"], 7),
    ]))
    .unwrap_or_default();
    torn.extend_from_slice(&last[..last.len() / 2]);
    std::fs::write(&log, &torn).unwrap_or_else(|e| panic!("{e}"));
    let tp3 = Tp::start(&dir, &[], &[]);
    let mut c = Client::connect(tp3.port);
    assert_eq!(long(&c.q(".u.i")), chunks + 1);
    assert_eq!(std::fs::read(&log).unwrap_or_default(), before);
    let backup = PathBuf::from(format!("{}.bak", log.display()));
    assert_eq!(std::fs::read(&backup).unwrap_or_default(), torn);
    assert!(tp3.stderr().contains("corrupt log"), "{}", tp3.stderr());
    c.call(&upd("trade", trade_cols(&["IBM"], -2)))
        .0
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(log_chunks(&log).len() as i64, chunks + 2);
}

/// A subscriber that stops reading is cut off by the policy (over the bound at two
/// checks in a row) and logged; another subscriber keeps receiving everything.
#[test]
fn slow_subscriber_is_cut_off_and_others_carry_on() {
    let dir = temp_dir("slow");
    let tp = Tp::start(
        &dir,
        &[
            "--sub-limit",
            "256KB",
            "--sub-checks",
            "2",
            "--sub-interval",
            "100",
        ],
        &[],
    );
    let mut slow = Client::connect(tp.port);
    slow.q(".u.sub[`trade;`]");
    let mut good = Client::connect(tp.port);
    good.q(".u.sub[`trade;`]");
    let port = tp.port;
    // The good subscriber reads on its own thread.
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        while let Some((_, m)) = good.recv(Duration::from_secs(3)) {
            let s = upd_sizes(&[m], "trade");
            let done = s.contains(&-1);
            got.extend(s.into_iter().filter(|x| *x >= 0));
            if done {
                break;
            }
        }
        got
    });
    let mut feed = Client::connect(port);
    let syms = vec!["IBM"; 100];
    let mut n = 0;
    let start = Instant::now();
    let mut cut = false;
    while start.elapsed() < Duration::from_secs(20) {
        for _ in 0..50 {
            feed.send(&upd("trade", trade_cols(&syms, n)), MsgType::Async);
            n += 100;
        }
        let w = feed.q(".u.w`trade");
        if w.len() == 1 {
            cut = true;
            break;
        }
    }
    assert!(cut, "slow subscriber still subscribed; {}", tp.stderr());
    feed.call(&upd("trade", trade_cols(&["IBM"], -1)))
        .0
        .unwrap_or_else(|e| panic!("{e}"));
    let got = reader.join().unwrap_or_default();
    assert_eq!(
        got,
        (0..n).collect::<Vec<i32>>(),
        "the reading subscriber lost nothing"
    );
    let err = tp.stderr();
    assert!(err.contains("disconnecting"), "{err}");
}

/// At midnight on the test clock the tickerplant sends `.u.end` with the old date after
/// the old day's updates, opens the new day's log, and later updates go there.
#[test]
fn day_roll_at_midnight_sends_end_and_opens_a_new_log() {
    let dir = temp_dir("roll");
    let tp = Tp::start(&dir, &[], &[("QTICK_CLOCK_START", "23:59:59.000")]);
    let mut sub = Client::connect(tp.port);
    sub.q(".u.sub[`;`]");
    let mut feed = Client::connect(tp.port);
    let d0 = feed.q(".u.d");
    let l0 = feed.q(".u.L");
    feed.call(&upd("trade", trade_row("IBM", 1)))
        .0
        .unwrap_or_else(|e| panic!("{e}"));
    // The one-second timer rolls the day without any update.
    let start = Instant::now();
    let mut msgs = Vec::new();
    while start.elapsed() < Duration::from_secs(5) {
        if let Some((_, m)) = sub.recv(Duration::from_millis(200)) {
            let end = item(&m, 0).as_sym() == Some(Sym::from_text(".u.end"));
            msgs.push(m);
            if end {
                break;
            }
        }
    }
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_eq!(upd_sizes(&msgs[..1], "trade"), vec![1]);
    let end = &msgs[1];
    assert_eq!(item(end, 0).as_sym(), Some(Sym::from_text(".u.end")));
    assert_eq!(long_date(&item(end, 1)), long_date(&d0));
    assert_eq!(long_date(&feed.q(".u.d")), long_date(&d0) + 1);
    let l1 = feed.q(".u.L");
    assert_ne!(l0.as_sym(), l1.as_sym());
    assert_eq!(long(&feed.q(".u.i")), 0);
    feed.call(&upd("trade", trade_row("IBM", 2)))
        .0
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, after) = sub.call(&K::string(b"0".to_vec()));
    assert_eq!(upd_sizes(&after, "trade"), vec![2]);
    let path = |l: &K| {
        dir.join(
            l.as_sym()
                .map(|s| s.as_str()[3..].to_string())
                .unwrap_or_default(),
        )
    };
    assert_eq!(log_chunks(&path(&l0)).len(), 1);
    assert_eq!(log_chunks(&path(&l1)).len(), 1);
}

fn long_date(k: &K) -> i64 {
    match k {
        K::Atom(Atom {
            ty: Ty::Date,
            v: Scalar::I32(d),
        }) => *d as i64,
        _ => panic!("not a date: {k:?}"),
    }
}

/// Capability decides what a subscriber may be sent (spec/ipc.md §2.3): a capability 0
/// peer cannot read the timespan time column, so `.u.sub` refuses it with 'type; a
/// capability 1 peer takes timespans but not guids, so it may subscribe to trade but not
/// to a table with a guid column, and gets byte for byte the message a capability 3 peer
/// gets; when q code publishes a guid to it anyway, it is closed rather than sent bytes it
/// cannot read, and everyone else still gets the update.
#[test]
fn low_capability_subscribers_get_only_what_they_can_read() {
    let dir = temp_dir("cap");
    std::fs::create_dir_all(dir.join("tick")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("tick/cap.q"),
        "trade:([]time:`timespan$();sym:`g#`symbol$();price:`float$();size:`int$();side:`char$())\n\
         ids:([]time:`timespan$();sym:`g#`symbol$();id:`guid$())\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let tp = Tp::start_src(&dir, "cap", &[], &[]);
    let mut c0 = Client::connect_cap(tp.port, 0);
    let mut c1 = Client::connect_cap(tp.port, 1);
    let mut c3 = Client::connect_cap(tp.port, 3);
    let mut feed = Client::connect(tp.port);
    let sub =
        |c: &mut Client, t: &str| c.call(&K::string(format!(".u.sub[`{t};`]").into_bytes())).0;
    assert_eq!(sub(&mut c0, "trade").err().as_deref(), Some("type"));
    assert_eq!(sub(&mut c0, "").err().as_deref(), Some("type"));
    assert!(sub(&mut c1, "trade").is_ok());
    assert_eq!(sub(&mut c1, "ids").err().as_deref(), Some("type"));
    assert_eq!(sub(&mut c1, "").err().as_deref(), Some("type"));
    assert!(sub(&mut c3, "").is_ok());
    // c0 holds no subscription; c1 only trade.
    assert_eq!(feed.q("count each .u.w").len(), 2);
    assert_eq!(long(&feed.q("count .u.w`trade")), 2);
    assert_eq!(long(&feed.q("count .u.w`ids")), 1);

    feed.call(&upd("trade", trade_row("IBM", 7)))
        .0
        .unwrap_or_else(|e| panic!("{e}"));
    let one = c1.recv_raw(Duration::from_secs(5)).unwrap_or_default();
    let three = c3.recv_raw(Duration::from_secs(5)).unwrap_or_default();
    assert!(!one.is_empty() && one == three, "one encoding for both");
    let guid_row = K::list(vec![K::sym("IBM"), K::guid([9; 16])]);
    feed.call(&upd("ids", guid_row))
        .0
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, m) = c3
        .recv(Duration::from_secs(5))
        .unwrap_or_else(|| panic!("no ids upd"));
    assert_eq!(item(&m, 1).as_sym(), Some(Sym::from_text("ids")));

    // q code publishes a guid column to trade's subscribers.
    feed.q(".u.pub[`trade;([]time:enlist 0D;sym:enlist`IBM;g:enlist 0Ng)]");
    let (_, m) = c3
        .recv(Duration::from_secs(5))
        .unwrap_or_else(|| panic!("c3 lost it"));
    assert_eq!(item(&m, 1).as_sym(), Some(Sym::from_text("trade")));
    assert!(
        c1.recv_raw(Duration::from_secs(5)).is_none(),
        "c1 closed, sent nothing"
    );
    assert_eq!(long(&feed.q("count .u.w`trade")), 1);
    assert!(tp.stderr().contains("cannot carry"), "{}", tp.stderr());
    // c0's failed subscriptions left it connected and usable.
    assert_eq!(c0.q("1+1").as_i64(), Some(2));
}

/// Publishes held back for a burst never pass other traffic on the same handle: a
/// subscriber asking `.u.i` mid-burst has received exactly the first `.u.i` updates
/// when the answer arrives (zero-latency mode publishes each update as it logs it).
#[test]
fn a_reply_never_overtakes_updates_published_before_it() {
    let dir = temp_dir("order");
    let tp = Tp::start(&dir, &[], &[]);
    let mut sub = Client::connect(tp.port);
    sub.q(".u.sub[`trade;`]");
    let port = tp.port;
    let feed = std::thread::spawn(move || {
        let mut feed = Client::connect(port);
        for n in 0..3000 {
            feed.send(&upd("trade", trade_row("IBM", n)), MsgType::Async);
        }
        feed.call(&upd("trade", trade_row("IBM", 3000)))
            .0
            .unwrap_or_else(|e| panic!("{e}"));
    });
    let mut got: Vec<i32> = Vec::new();
    let mut checks = 0;
    while got.len() < 3001 {
        let (i, before) = sub.call(&K::string(b".u.i".to_vec()));
        got.extend(upd_sizes(&before, "trade"));
        let i = long(&i.unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(got.len() as i64, i, "updates received before the reply");
        checks += 1;
        if i == 3001 {
            break;
        }
    }
    feed.join().unwrap_or_else(|_| panic!("feed thread"));
    assert_eq!(got, (0..=3000).collect::<Vec<i32>>());
    assert!(checks > 1, "the replies did not interleave with the burst");
}
