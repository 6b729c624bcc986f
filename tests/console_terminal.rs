//! The `qtick q` console on a terminal, as a person uses it: run under a pseudo-terminal
//! (util-linux `script`), typed at with line editing, history kept in a file, Ctrl-C (at
//! the prompt and while evaluating) and Ctrl-D, the `q)` prompt following `\d`, and the
//! port and timer still served while the prompt waits for input.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_qtick");

/// One `qtick q` on a pseudo-terminal: keys go in on stdin, the screen's bytes collect.
struct Term {
    child: Child,
    keys: ChildStdin,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Term {
    fn start(history: &Path, qargs: &str) -> Term {
        let cmd = format!("{BIN} q {qargs}");
        let mut child = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("QTICK_HISTORY", history)
            .env("QTICK_PRINT_PORT", "1")
            .env("TERM", "xterm")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the script utility (util-linux) runs qtick on a pty");
        let mut out = child.stdout.take().expect("piped stdout");
        let screen = Arc::new(Mutex::new(Vec::new()));
        let s = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                s.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let keys = child.stdin.take().expect("piped stdin");
        Term {
            child,
            keys,
            screen,
        }
    }

    /// What the screen showed so far, without terminal control sequences or `\r`.
    fn text(&self) -> String {
        let raw = String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned();
        let mut out = String::new();
        let mut it = raw.chars().peekable();
        while let Some(c) = it.next() {
            match c {
                '\x1b' => {
                    if it.peek() == Some(&'[') {
                        it.next();
                        for c in it.by_ref() {
                            if c.is_ascii_alphabetic() {
                                break;
                            }
                        }
                    }
                }
                '\r' => {}
                c => out.push(c),
            }
        }
        out
    }

    /// Wait until the screen shows `want` (after the first `from` bytes of text).
    fn wait_for(&self, from: usize, want: &str) -> usize {
        let t0 = Instant::now();
        loop {
            let t = self.text();
            if let Some(i) = t.get(from..).and_then(|s| s.find(want)) {
                return from + i + want.len();
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "screen never showed {want:?}; it shows:\n{t}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.keys.write_all(keys.as_bytes()).expect("type");
        self.keys.flush().expect("flush");
    }

    fn wait_exit(&mut self) {
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(30) {
            if self.child.try_wait().expect("wait").is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("the console did not exit; screen:\n{}", self.text());
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain (piped) client process evaluating `script`; what it printed.
fn client(script: &str) -> String {
    let mut c = Command::new(BIN)
        .arg("q")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start client");
    c.stdin
        .take()
        .expect("piped stdin")
        .write_all(script.as_bytes())
        .expect("write");
    let out = c.wait_with_output().expect("client output");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn terminal_console_edits_keeps_history_and_serves_while_waiting() {
    let dir = std::env::temp_dir().join(format!("qtick-term-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let hist = dir.join("history");
    let _ = std::fs::remove_file(&hist);

    let mut t = Term::start(&hist, "-p 127.0.0.1:0W -t 50");
    // The port line comes first, then the prompt.
    let at = t.wait_for(0, "q)");
    let port: u16 = t.text()[..at]
        .lines()
        .find_map(|l| l.trim().parse().ok())
        .expect("the port is printed before the prompt");

    t.type_keys("1+1\n");
    let at = t.wait_for(at, "1+1\n2\nq)");

    // A lambda over two lines: no prompt while it is open, then it is defined.
    t.type_keys("f:{[x]\n");
    let at = t.wait_for(at, "f:{[x]\n");
    t.type_keys(" x*2}\n");
    let at = t.wait_for(at, " x*2}\nq)");
    t.type_keys("f 21\n");
    let at = t.wait_for(at, "42\nq)");

    // Timer and port are served while the prompt waits for a key.
    t.type_keys(".z.ts:{ticks::ticks+1};ticks:0\n");
    let at = t.wait_for(at, "ticks:0\nq)");
    std::thread::sleep(Duration::from_millis(400));
    let got = client(&format!(
        "h:hopen {port}\n-1 \"sum=\",string h\"1+2\";\n-1 \"ticked=\",string 0<h\"ticks\";\n"
    ));
    assert!(got.contains("sum=3"), "client saw: {got}");
    assert!(got.contains("ticked=1"), "client saw: {got}");
    t.type_keys("\\t 0\n");
    let at = t.wait_for(at, "\\t 0\nq)");

    // The prompt names the namespace.
    t.type_keys("\\d .foo\n");
    let at = t.wait_for(at, "q.foo)");
    // Ctrl-C drops the line being typed: `abc` is never evaluated.
    t.type_keys("abc\x03");
    let at = t.wait_for(at, "abc\nq.foo)");
    t.type_keys("\\d .\n");
    let at = t.wait_for(at, "\\d .\nq)");
    // Ctrl-C also drops an open multi-line input.
    t.type_keys("g:{[x]\n");
    let at = t.wait_for(at, "g:{[x]\n");
    t.type_keys("\x03");
    let at = t.wait_for(at, "q)");
    // Ctrl-C while something runs stops it with 'stop, as in q; the process goes on.
    t.type_keys("while[1;1]\n");
    let at = t.wait_for(at, "while[1;1]\n");
    // A Ctrl-C that lands before the editor has left raw mode is only a key, so press
    // it again if the loop goes on. Keys typed right after a Ctrl-C are dropped (as a
    // terminal flushes input on Ctrl-C), so let it settle before typing on.
    let stopped = |t: &Term| t.text()[at..].contains("'stop");
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(300));
        t.type_keys("\x03");
        let t1 = Instant::now();
        while !stopped(&t) && t1.elapsed() < Duration::from_secs(3) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if stopped(&t) {
            break;
        }
    }
    assert!(
        stopped(&t),
        "Ctrl-C never stopped the loop; screen:\n{}",
        t.text()
    );
    std::thread::sleep(Duration::from_millis(300));
    let at = t.wait_for(at, "'stop\nq)");
    t.type_keys("7*6\n");
    let at = t.wait_for(at, "7*6\n42\nq)");
    assert!(!t.text().contains("'abc"), "screen:\n{}", t.text());
    // Ctrl-D leaves like `\\`.
    t.type_keys("\x04");
    t.wait_exit();
    let _ = at;

    let saved = std::fs::read_to_string(&hist).expect("history file written");
    assert!(saved.contains("f 21"), "history: {saved}");
    // The two-line lambda is one entry (rustyline writes its newline as `\n`); the
    // cancelled one is not kept.
    assert!(saved.contains("f:{[x]\\n x*2}"), "history: {saved}");
    assert!(!saved.contains("g:{[x]"), "history: {saved}");
    assert!(saved.contains("7*6"), "history: {saved}");

    // A new session recalls the last input with the up arrow.
    let mut t = Term::start(&hist, "");
    let at = t.wait_for(0, "q)");
    t.type_keys("\x1b[A");
    let at = t.wait_for(at, "7*6");
    t.type_keys("\n");
    t.wait_for(at, "42\nq)");
    t.type_keys("\\\\\n");
    t.wait_exit();
    // `\\` is not kept: recalled by mistake it would end the session.
    let saved = std::fs::read_to_string(&hist).expect("history file");
    assert!(!saved.lines().any(|l| l == r"\\\\"), "history: {saved}");

    // QTICK_HISTORY=off keeps no file.
    let mut t = Term::start(Path::new("off"), "");
    t.wait_for(0, "q)");
    t.type_keys("1+1\n\\\\\n");
    t.wait_exit();
    assert!(!Path::new("off").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
