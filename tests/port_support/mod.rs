//! Starting `qtick q` processes with flags and environment for the port tests (TLS and
//! the port's limits): a listening server whose stdout and stderr lines arrive on
//! channels, and a one-shot client process.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_qtick");

/// The TLS settings a test must not inherit from the machine.
const SSL_VARS: &[&str] = &[
    "SSL_CERT_FILE",
    "SSL_KEY_FILE",
    "SSL_CA_CERT_FILE",
    "SSL_CA_CERT_PATH",
    "SSL_VERIFY_CLIENT",
    "SSL_VERIFY_SERVER",
];

pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(BIN);
    c.arg("q").args(args).env("QUDSPATH", "");
    for v in SSL_VARS {
        c.env_remove(v).env_remove(format!("KX_{v}"));
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn lines_of(r: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

/// A listening process on an ephemeral loopback port.
pub struct Server {
    child: Child,
    stdin: ChildStdin,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
    pub port: u16,
}

impl Server {
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut all = vec!["-p", "127.0.0.1:0W"];
        all.extend_from_slice(args);
        let mut child = command(&all, env)
            .env("QTICK_PRINT_PORT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start qtick q");
        let out = lines_of(child.stdout.take().expect("piped stdout"));
        let err = lines_of(child.stderr.take().expect("piped stderr"));
        let port = match out.recv_timeout(Duration::from_secs(60)) {
            Ok(l) => l.trim().parse().expect("a port number"),
            Err(_) => {
                let e: Vec<String> = err.try_iter().collect();
                panic!("the server printed no port; stderr: {e:?}");
            }
        };
        let stdin = child.stdin.take().expect("piped stdin");
        Server {
            child,
            stdin,
            out,
            err,
            port,
        }
    }

    /// Type q code at the server's console.
    pub fn console(&mut self, text: &str) {
        writeln!(self.stdin, "{text}").expect("write");
        self.stdin.flush().expect("flush");
    }

    /// Evaluate `expr` at the console and return what `-3!` makes of it.
    pub fn eval(&mut self, expr: &str) -> String {
        self.console(&format!("-1 \"=> \",-3!{expr};"));
        loop {
            let l = self
                .out
                .recv_timeout(Duration::from_secs(30))
                .expect("an answer");
            if let Some(rest) = l.strip_prefix("=> ") {
                return rest.to_string();
            }
        }
    }

    /// Wait for a stderr line containing `what`; returns it.
    pub fn log_line(&self, what: &str, within: Duration) -> Option<String> {
        let end = Instant::now() + within;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.err.recv_timeout(left) {
                Ok(l) if l.contains(what) => return Some(l),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run a process with no port of its own over `script`: its exit success, stdout and
/// stderr.
pub fn run(args: &[&str], env: &[(&str, &str)], script: &str) -> (bool, String, String) {
    let mut child = command(args, env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qtick q");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(script.as_bytes()).expect("write script");
    drop(stdin);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the process finishes")
        .expect("its output");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A scratch directory removed when dropped.
pub struct Scratch(pub std::path::PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("qtick-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("scratch dir");
        Scratch(d)
    }

    pub fn path(&self, f: &str) -> String {
        self.0.join(f).to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A raw kdb+ client: connect and handshake (capability 3).
pub fn raw_connect(port: u16) -> std::io::Result<std::net::TcpStream> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.write_all(b"\x03\x00")?;
    let mut cap = [0u8; 1];
    match s.read(&mut cap)? {
        1 => Ok(s),
        _ => Err(std::io::Error::other("handshake refused")),
    }
}

/// A message carrying q text (a char vector): sync when `sync`.
pub fn text_msg(text: &str, sync: bool) -> Vec<u8> {
    let body_len = 6 + text.len();
    let total = (8 + body_len) as u32;
    let mut m = vec![1, u8::from(sync), 0, 0];
    m.extend_from_slice(&total.to_le_bytes());
    m.extend_from_slice(&[10, 0]);
    m.extend_from_slice(&(text.len() as u32).to_le_bytes());
    m.extend_from_slice(text.as_bytes());
    m
}

/// Read one whole message (header included).
pub fn read_msg(s: &mut std::net::TcpStream) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = [0u8; 8];
    s.read_exact(&mut head)?;
    let n = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
    let mut m = head.to_vec();
    m.resize(n.max(8), 0);
    s.read_exact(&mut m[8..])?;
    Ok(m)
}

/// The long atom a response holds.
pub fn long_of(m: &[u8]) -> Option<i64> {
    (m.len() == 17 && m[8] == 0xf9).then(|| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&m[9..17]);
        i64::from_le_bytes(b)
    })
}

/// Whether the peer has closed: a read returns EOF or an error (reset) within `within`.
pub fn closed_within(s: &mut std::net::TcpStream, within: Duration) -> bool {
    use std::io::Read;
    let _ = s.set_read_timeout(Some(within));
    let mut b = [0u8; 4096];
    loop {
        match s.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return false
            }
            Err(_) => return true,
        }
    }
}
