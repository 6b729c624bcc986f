//! One q process's port: the listener, the handshake and authentication, the message
//! loop, the `.z` handlers, and the client side (`hopen`, `h x`, `neg[h] x`).
//!
//! Like q, the process evaluates one message at a time on one thread (the thread that
//! calls [`run`]), in arrival order; socket I/O runs on tokio tasks around it and talks
//! to the evaluator through one event channel. Each handle has an outbound queue whose
//! size in bytes `.z.W` reports; a queue over the configured bound is logged and the
//! handle closed, so a stalled client cannot grow the process without limit.

pub mod auth;
pub mod conn;
pub mod http;
pub mod tls;

use crate::lang::console;
use crate::lang::error::{QError, QResult};
use crate::lang::eval::{Interp, Net};
use crate::lang::value::items;
use bytes::{Bytes, BytesMut};
use qipc::codec::Frame;
use qipc::{MsgType, Sym, Ty, K};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, Write};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc as smpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Settings of a listening process.
#[derive(Clone, Debug)]
pub struct Config {
    /// `-p`: `port`, `host:port`, or `0W`/`0` for an ephemeral port.
    pub listen: Option<String>,
    /// `-u`/`-U` password file.
    pub users_file: Option<String>,
    /// Largest message accepted from a peer.
    pub max_message: u64,
    /// Most connections at once.
    pub max_conns: usize,
    /// Close a connection idle this long.
    pub idle_timeout: Option<Duration>,
    /// Bytes queued on one handle past which one more message closes it (one message of
    /// any size is always accepted on an empty queue).
    pub max_queue: usize,
    /// Compress over loopback too (q never does; for tests of compression).
    pub compress_local: bool,
    /// Serve the abstract Unix socket `/tmp/kx.PORT` (QUDSPATH) as q does.
    pub unix_socket: bool,
    /// `-E`: plain, plain and TLS, or TLS only.
    pub tls_mode: tls::Mode,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: None,
            users_file: None,
            max_message: 1 << 34,
            max_conns: 4096,
            idle_timeout: None,
            max_queue: 128 << 20,
            compress_local: std::env::var("QTICK_COMPRESS_LOCAL").is_ok_and(|v| v == "1"),
            unix_socket: true,
            tls_mode: tls::Mode::Plain,
        }
    }
}

/// What the socket tasks tell the evaluation thread. Connection events carry the
/// connection's id as well as its handle: a handle number is an fd and comes back for a
/// later connection, so an event whose id is no longer the handle's is stale and dropped.
pub enum Event {
    Console(String),
    ConsoleEof,
    Open {
        h: i32,
        id: u64,
    },
    Msg {
        h: i32,
        id: u64,
        frame: Frame,
        /// Held while the message waits: its bytes count against the reader's budget.
        permit: tokio::sync::OwnedSemaphorePermit,
    },
    /// A header no message can have: `.z.bm` runs, then the handle closes.
    BadMsg {
        h: i32,
        id: u64,
        bytes: Bytes,
    },
    Close {
        h: i32,
        id: u64,
    },
    Auth {
        user: Vec<u8>,
        pass: Vec<u8>,
        reply: oneshot::Sender<bool>,
    },
    /// An HTTP request on the port: `.z.ph`/`.z.pp` or the default page.
    Http(http::Request),
}

/// A writer task's instructions.
pub enum Outgoing {
    Bytes(Bytes),
    /// Several messages in order, handed over with one channel operation (a cork's
    /// contents).
    Batch(Vec<Bytes>),
    Flush(oneshot::Sender<()>),
    Close,
}

/// One open handle.
pub struct Conn {
    /// Unique for the life of the process (handles are fds and get reused).
    pub id: u64,
    pub out: mpsc::UnboundedSender<Outgoing>,
    pub queued: Arc<AtomicUsize>,
    pub signals: Arc<conn::Signals>,
    pub user: Sym,
    pub addr: i32,
    pub capability: u8,
    pub local: bool,
    /// Cipher and protocol when the connection runs over TLS.
    pub tls: Option<tls::Info>,
    /// Messages held back by [`Hub::send_corked`] until the evaluation loop goes idle;
    /// counted in `queued` already.
    pub corked: Vec<Bytes>,
}

impl Conn {
    /// Hand what is corked to the writer, in order, ahead of anything sent after.
    fn uncork(&mut self) {
        match self.corked.len() {
            0 => {}
            1 => {
                if let Some(b) = self.corked.pop() {
                    let _ = self.out.send(Outgoing::Bytes(b));
                }
            }
            _ => {
                let _ = self
                    .out
                    .send(Outgoing::Batch(std::mem::take(&mut self.corked)));
            }
        }
    }
}

/// Corked bytes, all handles together, above which the cork is pulled at once.
const CORK_BYTES: usize = 256 << 10;
/// Corked sends (publishes) after which the cork is pulled even while events keep
/// coming, bounding the delay a burst adds.
const CORK_SENDS: usize = 64;

/// The process's network side, shared by the socket tasks and the evaluation thread.
pub struct Hub {
    pub rt: tokio::runtime::Runtime,
    tx: smpsc::Sender<Event>,
    rx: Mutex<smpsc::Receiver<Event>>,
    deferred: Mutex<VecDeque<Event>>,
    conns: Mutex<HashMap<i32, Conn>>,
    pub cfg: Config,
    users: Option<auth::Users>,
    /// Whether `.z.pw` is defined (the evaluator keeps this current).
    pub has_pw_hook: std::sync::atomic::AtomicBool,
    port: Mutex<i64>,
    next_id: AtomicU64,
    /// Present under `-E 1`/`-E 2`: the TLS side of the port.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Bytes and sends corked since the last uncork (touched on the evaluation thread).
    corked_bytes: AtomicUsize,
    corked_sends: AtomicUsize,
}

impl Hub {
    pub fn new(cfg: Config) -> std::io::Result<Arc<Hub>> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .thread_name("qtick-io")
            .build()?;
        let users = match &cfg.users_file {
            Some(p) => Some(auth::Users::load(p)?),
            None => None,
        };
        // Like q, a TLS port without a usable certificate is an error at startup, not at
        // the first client.
        let tls = match cfg.tls_mode {
            tls::Mode::Plain => None,
            m => {
                let sc = tls::server_config(&tls::Settings::from_env()).map_err(|e| {
                    let flag = if m == tls::Mode::Mixed { 1 } else { 2 };
                    std::io::Error::other(format!("-E {flag}: cannot serve TLS: {e}"))
                })?;
                Some(tokio_rustls::TlsAcceptor::from(sc))
            }
        };
        let (tx, rx) = smpsc::channel();
        Ok(Arc::new(Hub {
            rt,
            tx,
            rx: Mutex::new(rx),
            deferred: Mutex::new(VecDeque::new()),
            conns: Mutex::new(HashMap::new()),
            cfg,
            users,
            has_pw_hook: std::sync::atomic::AtomicBool::new(false),
            port: Mutex::new(0),
            next_id: AtomicU64::new(1),
            tls,
            corked_bytes: AtomicUsize::new(0),
            corked_sends: AtomicUsize::new(0),
        }))
    }

    pub fn post(&self, e: Event) {
        let _ = self.tx.send(e);
    }

    pub fn log(&self, msg: &str) {
        eprintln!("qtick: {msg}");
    }

    fn lock_conns(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Conn>> {
        self.conns.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn conn_count(&self) -> usize {
        self.lock_conns().len()
    }

    /// Add a handshaken connection under handle `h`; returns its id.
    pub fn register(&self, h: i32, mut c: Conn) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        c.id = id;
        self.lock_conns().insert(h, c);
        id
    }

    /// Add an accepted connection unless `max` are open already; its id, or None.
    pub fn register_within(&self, h: i32, mut c: Conn, max: usize) -> Option<u64> {
        let mut conns = self.lock_conns();
        if conns.len() >= max {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        c.id = id;
        conns.insert(h, c);
        Some(id)
    }

    /// Whether `id` is still the connection behind handle `h`.
    fn current(&self, h: i32, id: u64) -> bool {
        self.lock_conns().get(&h).is_some_and(|c| c.id == id)
    }

    /// `-u` file, then `.z.pw` on the evaluation thread.
    pub async fn authenticate(&self, hello: &qipc::handshake::Hello) -> bool {
        if let Some(u) = &self.users {
            if !u.check(&hello.user, &hello.password) {
                return false;
            }
        }
        if self.has_pw_hook.load(Ordering::Relaxed) {
            let (reply, rx) = oneshot::channel();
            self.post(Event::Auth {
                user: hello.user.clone(),
                pass: hello.password.clone(),
                reply,
            });
            return rx.await.unwrap_or(false);
        }
        true
    }

    /// Start listening as configured. Returns the bound port.
    pub fn listen(self: &Arc<Hub>) -> std::io::Result<u16> {
        let Some(spec) = self.cfg.listen.clone() else {
            return Ok(0);
        };
        let (host, port) = match spec.rsplit_once(':') {
            Some((h, p)) => (
                if h.is_empty() {
                    "0.0.0.0".to_string()
                } else {
                    h.to_string()
                },
                p.to_string(),
            ),
            None => ("0.0.0.0".to_string(), spec.clone()),
        };
        let port: u16 = if port == "0W" {
            0
        } else {
            port.parse()
                .map_err(|_| std::io::Error::other("bad port"))?
        };
        let std_listener = std::net::TcpListener::bind((host.as_str(), port))?;
        std_listener.set_nonblocking(true)?;
        let bound = std_listener.local_addr()?.port();
        *self.port.lock().unwrap_or_else(|e| e.into_inner()) = bound as i64;
        if std::env::var("QTICK_PRINT_PORT").is_ok_and(|v| v == "1") {
            // Tests start servers on `-p 0W` and learn the port from this line.
            let mut so = std::io::stdout().lock();
            let _ = writeln!(so, "{bound}");
            let _ = so.flush();
        }
        let hub = self.clone();
        self.rt.spawn(async move {
            let Ok(l) = tokio::net::TcpListener::from_std(std_listener) else {
                return;
            };
            loop {
                let (s, addr) = match l.accept().await {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of fds or similar: back off rather than spin.
                        hub.log(&format!("accept: {e}"));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = s.set_nodelay(true);
                let fd = s.as_raw_fd();
                let (a, local) = match addr.ip() {
                    std::net::IpAddr::V4(v4) => (u32::from(v4) as i32, v4.is_loopback()),
                    std::net::IpAddr::V6(v6) => (0, v6.is_loopback()),
                };
                tokio::spawn(conn::accept(
                    hub.clone(),
                    s,
                    fd,
                    conn::Peer {
                        addr: a,
                        local,
                        tls: None,
                    },
                ));
            }
        });
        // The Unix socket is plain; a TLS-only port must offer no plain way in.
        if self.cfg.unix_socket && self.cfg.tls_mode != tls::Mode::Only {
            let _ = self.listen_unix(bound);
        }
        Ok(bound)
    }

    /// The abstract Unix socket `<QUDSPATH or /tmp>/kx.<port>` (empty QUDSPATH disables it).
    fn listen_unix(self: &Arc<Hub>, port: u16) -> std::io::Result<()> {
        use std::os::linux::net::SocketAddrExt;
        let dir = match std::env::var("QUDSPATH") {
            Ok(d) if d.is_empty() => return Ok(()),
            Ok(d) => d,
            Err(_) => "/tmp".to_string(),
        };
        let name = format!("{dir}/kx.{port}");
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
        let l = std::os::unix::net::UnixListener::bind_addr(&addr)?;
        l.set_nonblocking(true)?;
        let hub = self.clone();
        self.rt.spawn(async move {
            let Ok(l) = tokio::net::UnixListener::from_std(l) else {
                return;
            };
            loop {
                let Ok((s, _)) = l.accept().await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let peer = conn::Peer {
                    addr: 0,
                    local: true,
                    tls: None,
                };
                if conn::over_limit(&hub, peer) {
                    continue;
                }
                let fd = s.as_raw_fd();
                tokio::spawn(conn::serve(hub.clone(), s, fd, peer));
            }
        });
        Ok(())
    }

    /// The next event: deferred ones first, then the channel (with a timeout for the timer).
    fn next_event(&self, timeout: Option<Duration>) -> Option<Event> {
        if let Some(e) = self
            .deferred
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
        {
            return Some(e);
        }
        let rx = self.rx.lock().unwrap_or_else(|e| e.into_inner());
        if self.corked_sends.load(Ordering::Relaxed) > 0 {
            // Nothing more to evaluate right now: what a burst published goes out.
            match rx.try_recv() {
                Ok(e) => return Some(e),
                Err(smpsc::TryRecvError::Empty) => self.uncork(),
                Err(smpsc::TryRecvError::Disconnected) => return None,
            }
        }
        match timeout {
            Some(t) => rx.recv_timeout(t).ok(),
            None => rx.recv().ok(),
        }
    }

    /// The first deferred event of connection `id` on handle `h`: a sync call on `h`
    /// must see what arrived on `h` while an earlier call on another handle was waiting,
    /// as q reads that handle's socket in order.
    fn take_deferred_for(&self, h: i32, id: u64) -> Option<Event> {
        let mut d = self.deferred.lock().unwrap_or_else(|e| e.into_inner());
        let at = d.iter().position(|e| {
            matches!(e,
                Event::Msg { h: hh, id: i, .. }
                | Event::Close { h: hh, id: i }
                | Event::BadMsg { h: hh, id: i, .. } if *hh == h && *i == id)
        })?;
        d.remove(at)
    }

    fn defer(&self, e: Event) {
        self.deferred
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(e);
    }

    /// Encode and queue a message on `h` with q's compression rule.
    pub fn send(&self, h: i32, msg_type: MsgType, k: &K) -> QResult<()> {
        let (cap, compress) = {
            let conns = self.lock_conns();
            let c = conns.get(&h).ok_or_else(|| QError::new(h.to_string()))?;
            (
                c.capability,
                c.capability >= 1 && (!c.local || self.cfg.compress_local),
            )
        };
        let bytes = match k {
            K::Error(e) if msg_type == MsgType::Response => qipc::encode_error(e),
            _ => qipc::encode_message(k, msg_type, cap)?,
        };
        let bytes = if compress {
            qipc::compress::compress(&bytes).unwrap_or(bytes)
        } else {
            bytes
        };
        self.send_bytes(h, Bytes::from(bytes))
    }

    /// Queue already-encoded bytes on `h` (one encoding can go to many handles). A peer
    /// that has left more than the bound unread loses its connection instead.
    pub fn send_bytes(&self, h: i32, b: Bytes) -> QResult<()> {
        let mut conns = self.lock_conns();
        let c = conns
            .get_mut(&h)
            .ok_or_else(|| QError::new(h.to_string()))?;
        c.uncork();
        let before = c.queued.load(Ordering::Relaxed);
        if before > self.cfg.max_queue {
            self.log(&format!(
                "handle {h}: {before} bytes unread, over the bound (--max-unread) of {} bytes; \
                 closing the handle",
                self.cfg.max_queue
            ));
            c.signals.kill.notify_one();
            c.signals.stop.notify_one();
            return Err(QError::new("close"));
        }
        c.queued.fetch_add(b.len(), Ordering::Relaxed);
        if c.out.send(Outgoing::Bytes(b)).is_err() {
            return Err(QError::new("close"));
        }
        Ok(())
    }

    /// Queue each `(handle; bytes)` under one lock, held back (corked) until the
    /// evaluation loop has nothing more to do, so a burst of publishes reaches each
    /// socket as one write; anything else sent to a handle goes after its corked bytes.
    /// Handles that are gone, or over the unread bound (closed as by `send_bytes`), are
    /// appended to `dead`.
    pub fn send_corked(&self, sends: &mut Vec<(i32, Bytes)>, dead: &mut Vec<i32>) {
        if sends.is_empty() {
            return;
        }
        let mut conns = self.lock_conns();
        let mut total = 0;
        for (h, b) in sends.drain(..) {
            let Some(c) = conns.get_mut(&h) else {
                dead.push(h);
                continue;
            };
            let before = c.queued.load(Ordering::Relaxed);
            if before > self.cfg.max_queue {
                self.log(&format!(
                    "handle {h}: {before} bytes unread, over the bound (--max-unread) of {} \
                     bytes; closing the handle",
                    self.cfg.max_queue
                ));
                c.signals.kill.notify_one();
                c.signals.stop.notify_one();
                dead.push(h);
                continue;
            }
            c.queued.fetch_add(b.len(), Ordering::Relaxed);
            total += b.len();
            c.corked.push(b);
        }
        let bytes = self.corked_bytes.fetch_add(total, Ordering::Relaxed) + total;
        let n = self.corked_sends.fetch_add(1, Ordering::Relaxed) + 1;
        if bytes >= CORK_BYTES || n >= CORK_SENDS {
            Self::uncork_all(&mut conns);
            self.corked_bytes.store(0, Ordering::Relaxed);
            self.corked_sends.store(0, Ordering::Relaxed);
        }
    }

    /// Hand every corked message to its writer.
    pub fn uncork(&self) {
        if self.corked_sends.load(Ordering::Relaxed) == 0 {
            return;
        }
        Self::uncork_all(&mut self.lock_conns());
        self.corked_bytes.store(0, Ordering::Relaxed);
        self.corked_sends.store(0, Ordering::Relaxed);
    }

    fn uncork_all(conns: &mut HashMap<i32, Conn>) {
        for c in conns.values_mut() {
            c.uncork();
        }
    }

    /// Close a handle from our side: stop reading, write what is queued, then shut the
    /// socket (given up after a grace period if the peer does not read it).
    pub fn shutdown(&self, h: i32) {
        if let Some(c) = self.lock_conns().get_mut(&h) {
            c.uncork();
            c.signals.stop.notify_one();
            let _ = c.out.send(Outgoing::Close);
            let signals = c.signals.clone();
            self.rt.spawn(async move {
                tokio::time::sleep(Duration::from_secs(10)).await;
                signals.kill.notify_one();
            });
        }
    }

    /// Bytes queued on `h` and not yet written (`.z.W` for one handle); None when closed.
    pub fn queued_bytes(&self, h: i32) -> Option<usize> {
        self.lock_conns()
            .get(&h)
            .map(|c| c.queued.load(Ordering::Relaxed))
    }

    /// The capability `h` negotiated at its handshake; None when it is not open.
    pub fn capability(&self, h: i32) -> Option<u8> {
        self.lock_conns().get(&h).map(|c| c.capability)
    }

    /// Whether q's rule compresses large messages to `h`: a peer on another machine (or
    /// any peer when `compress_local` is set) that negotiated capability 1 or more.
    pub fn compresses(&self, h: i32) -> bool {
        self.lock_conns()
            .get(&h)
            .is_some_and(|c| c.capability >= 1 && (!c.local || self.cfg.compress_local))
    }

    /// Cut `h` off now: what is queued is dropped unwritten and reading stops, so the
    /// close is posted and `.z.pc` runs as for any other disconnect.
    pub fn kill(&self, h: i32) {
        if let Some(c) = self.lock_conns().get_mut(&h) {
            for b in c.corked.drain(..) {
                c.queued.fetch_sub(b.len(), Ordering::Relaxed);
            }
            c.signals.kill.notify_one();
            c.signals.stop.notify_one();
        }
    }

    fn conn_info(&self, h: i32) -> Option<(Sym, i32)> {
        self.lock_conns().get(&h).map(|c| (c.user, c.addr))
    }

    /// Forget handle `h` if it is still connection `id`; returns what it was.
    fn remove_conn(&self, h: i32, id: u64) -> Option<Conn> {
        let mut conns = self.lock_conns();
        if conns.get(&h).is_some_and(|c| c.id == id) {
            conns.remove(&h)
        } else {
            None
        }
    }

    /// Forget handle `h` whatever connection it is (`hclose`).
    fn remove(&self, h: i32) -> Option<Conn> {
        self.lock_conns().remove(&h)
    }

    /// Connect to another q process (blocking; called on the evaluation thread).
    fn connect(self: &Arc<Hub>, target: &str, timeout_ms: u64) -> QResult<i64> {
        let t = parse_target(target)?;
        let timeout = if timeout_ms == 0 {
            Duration::from_secs(3600)
        } else {
            Duration::from_millis(timeout_ms)
        };
        let hub = self.clone();
        let hello = qipc::handshake::client_hello(&t.user, &t.pass, 6);
        self.rt.block_on(async move {
            let fut = async {
                match &t.addr {
                    Addr::Tcp(host, port) => {
                        let s = tokio::net::TcpStream::connect((host.as_str(), *port))
                            .await
                            .map_err(|_| QError::new("conn"))?;
                        let _ = s.set_nodelay(true);
                        let local = s.peer_addr().map(|a| a.ip().is_loopback()).unwrap_or(false);
                        let fd = s.as_raw_fd();
                        let (rd, wr) = tokio::io::split(s);
                        client_handshake(hub, rd, wr, fd, hello, local, None).await
                    }
                    Addr::Tls(host, port) => {
                        // TLS first, then the kdb+ handshake inside it, as q does.
                        let fail = |why: String| {
                            hub.log(&format!("hopen tcps://{host}:{port}: {why}"));
                            QError::new("conn")
                        };
                        let cfg = tls::client_config().map_err(fail)?;
                        let name = tls::server_name(host).map_err(fail)?;
                        let addr = if host == "localhost" {
                            "127.0.0.1"
                        } else {
                            host.as_str()
                        };
                        let s = tokio::net::TcpStream::connect((addr, *port))
                            .await
                            .map_err(|e| fail(e.to_string()))?;
                        let _ = s.set_nodelay(true);
                        let local = s.peer_addr().map(|a| a.ip().is_loopback()).unwrap_or(false);
                        let fd = s.as_raw_fd();
                        let t = tokio_rustls::TlsConnector::from(cfg)
                            .connect(name, s)
                            .await
                            .map_err(|e| fail(format!("TLS handshake failed: {e}")))?;
                        let info = tls::Info::of(t.get_ref().1);
                        let (rd, wr) = tokio::io::split(t);
                        client_handshake(hub.clone(), rd, wr, fd, hello, local, Some(info)).await
                    }
                    Addr::Unix(port) => {
                        use std::os::linux::net::SocketAddrExt;
                        let dir = std::env::var("QUDSPATH")
                            .ok()
                            .filter(|d| !d.is_empty())
                            .unwrap_or_else(|| "/tmp".into());
                        let name = format!("{dir}/kx.{port}");
                        let addr =
                            std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())
                                .map_err(|_| QError::new("conn"))?;
                        let s = std::os::unix::net::UnixStream::connect_addr(&addr)
                            .map_err(|_| QError::new("conn"))?;
                        s.set_nonblocking(true).map_err(|_| QError::new("conn"))?;
                        let s =
                            tokio::net::UnixStream::from_std(s).map_err(|_| QError::new("conn"))?;
                        let fd = s.as_raw_fd();
                        let (rd, wr) = tokio::io::split(s);
                        client_handshake(hub, rd, wr, fd, hello, true, None).await
                    }
                }
            };
            match tokio::time::timeout(timeout, fut).await {
                Ok(r) => r,
                Err(_) => Err(QError::new("timeout")),
            }
        })
    }
}

async fn client_handshake<R, W>(
    hub: Arc<Hub>,
    mut rd: R,
    mut wr: W,
    fd: i32,
    hello: Vec<u8>,
    local: bool,
    tls: Option<tls::Info>,
) -> QResult<i64>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
    W: tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    wr.write_all(&hello)
        .await
        .map_err(|_| QError::new("conn"))?;
    wr.flush().await.map_err(|_| QError::new("conn"))?;
    let mut b = [0u8; 1];
    match rd.read(&mut b).await {
        Ok(1) => {}
        _ => return Err(QError::new("access")),
    }
    // `.z.po` is for connections others open to us, so no Open event for this one.
    conn::start(
        hub,
        fd,
        rd,
        wr,
        BytesMut::with_capacity(4096),
        Sym::NULL,
        conn::Peer {
            addr: 0,
            local,
            tls,
        },
        b[0],
        false,
    );
    Ok(fd as i64)
}

enum Addr {
    Tcp(String, u16),
    /// `tcps://host:port`: the host as written, for the certificate's name.
    Tls(String, u16),
    Unix(u16),
}

struct Target {
    addr: Addr,
    user: String,
    pass: String,
}

/// `:host:port[:user:pass]`, `:unix://port`, `::port`, or a bare port.
fn parse_target(s: &str) -> QResult<Target> {
    let s = s.strip_prefix(':').unwrap_or(s);
    if let Some(rest) = s.strip_prefix("unix://") {
        let mut parts = rest.splitn(3, ':');
        let port = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| QError::new("conn"))?;
        return Ok(Target {
            addr: Addr::Unix(port),
            user: parts.next().unwrap_or("").to_string(),
            pass: parts.next().unwrap_or("").to_string(),
        });
    }
    if let Some(rest) = s.strip_prefix("tcps://") {
        let mut parts = rest.splitn(4, ':');
        let host = match parts.next() {
            Some("") | None => "localhost",
            Some(h) => h,
        };
        let port = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| QError::new("conn"))?;
        return Ok(Target {
            addr: Addr::Tls(host.to_string(), port),
            user: parts.next().unwrap_or("").to_string(),
            pass: parts.next().unwrap_or("").to_string(),
        });
    }
    if s.starts_with("unixs://") {
        // TLS over the Unix socket: our Unix socket is plain only.
        return Err(QError::nyi());
    }
    let mut parts = s.splitn(4, ':');
    let first = parts.next().unwrap_or("");
    let (host, port) = match parts.next() {
        Some(p) => (first, p),
        None => ("", first),
    };
    let host = if host.is_empty() || host == "localhost" {
        "127.0.0.1"
    } else {
        host
    };
    let port: u16 = port.parse().map_err(|_| QError::new("conn"))?;
    Ok(Target {
        addr: Addr::Tcp(host.to_string(), port),
        user: parts.next().unwrap_or("").to_string(),
        pass: parts.next().unwrap_or("").to_string(),
    })
}

/// The `Net` the interpreter calls for `hopen`, `h x`, `neg[h] x`.
pub struct HubNet(pub Arc<Hub>);

impl Net for HubNet {
    fn sync_call(&self, it: &mut Interp, h: i64, msg: &K) -> QResult {
        let hub = &self.0;
        let h = i32::try_from(h).map_err(|_| QError::new(h.to_string()))?;
        let id = hub
            .lock_conns()
            .get(&h)
            .map(|c| c.id)
            .ok_or_else(|| QError::new(h.to_string()))?;
        hub.send(h, MsgType::Sync, msg)?;
        // Like q, block on this handle alone: its requests (callbacks) are evaluated,
        // everything else waits its turn.
        loop {
            let ev = match hub.take_deferred_for(h, id) {
                Some(e) => e,
                None => {
                    // Nothing corked waits behind a call that may block for long.
                    hub.uncork();
                    let rx = hub.rx.lock().unwrap_or_else(|e| e.into_inner());
                    rx.recv().map_err(|_| QError::new("close"))?
                }
            };
            match ev {
                Event::Msg {
                    h: hh,
                    id: i,
                    frame,
                    permit,
                } if hh == h && i == id => {
                    if frame.header.msg_type == MsgType::Response {
                        drop(permit);
                        let (_, k) = decode(hub, &frame).map_err(|e| {
                            hub.shutdown(h);
                            QError::new(e)
                        })?;
                        return match k {
                            K::Error(e) => Err(QError::new(e.to_string())),
                            k => Ok(k),
                        };
                    }
                    process_msg(it, hub, hh, i, frame);
                    drop(permit);
                }
                Event::Close { h: hh, id: i } if hh == h && i == id => {
                    on_close(it, hub, hh, i);
                    return Err(QError::new("close"));
                }
                Event::BadMsg {
                    h: hh,
                    id: i,
                    bytes,
                } if hh == h && i == id => {
                    bad_msg(it, hub, hh, i, bytes);
                }
                Event::Auth { user, pass, reply } => auth_event(it, user, pass, reply),
                other => hub.defer(other),
            }
        }
    }

    fn async_send(&self, h: i64, msg: &K) -> QResult<()> {
        let h = i32::try_from(h).map_err(|_| QError::new(h.to_string()))?;
        self.0.send(h, MsgType::Async, msg)
    }

    fn flush(&self, h: i64) -> QResult<()> {
        let (tx, rx) = oneshot::channel();
        {
            let mut conns = self.0.lock_conns();
            let c = i32::try_from(h)
                .ok()
                .and_then(|h| conns.get_mut(&h))
                .ok_or_else(|| QError::new(h.to_string()))?;
            c.uncork();
            let _ = c.out.send(Outgoing::Flush(tx));
        }
        let _ = self.0.rt.block_on(rx);
        Ok(())
    }

    fn open(&self, _it: &mut Interp, target: &str, timeout_ms: u64) -> QResult<i64> {
        self.0.connect(target, timeout_ms)
    }

    /// `hclose`: what is queued is still written; `.z.pc` does not run.
    fn close(&self, h: i64) -> QResult<()> {
        let Ok(h) = i32::try_from(h) else {
            return Ok(());
        };
        self.0.shutdown(h);
        self.0.remove(h);
        Ok(())
    }

    fn queued(&self) -> K {
        let conns = self.0.lock_conns();
        let mut hs: Vec<(i32, i64)> = conns
            .iter()
            .map(|(h, c)| (*h, c.queued.load(Ordering::Relaxed) as i64))
            .collect();
        hs.sort();
        K::dict(
            K::ints(hs.iter().map(|x| x.0).collect()),
            K::longs(hs.iter().map(|x| x.1).collect()),
        )
    }

    fn is_open(&self, h: i64) -> bool {
        i32::try_from(h).is_ok_and(|h| self.0.lock_conns().contains_key(&h))
    }

    fn port(&self) -> i64 {
        *self.0.port.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn tls_info(&self, h: i64) -> Option<K> {
        let h = i32::try_from(h).ok()?;
        let info = self.0.lock_conns().get(&h)?.tls?;
        Some(K::dict(
            K::syms(vec![Sym::from_text("CIPHER"), Sym::from_text("PROTOCOL")]),
            K::syms(vec![
                Sym::from_text(info.cipher),
                Sym::from_text(info.protocol),
            ]),
        ))
    }
}

fn hook(it: &Interp, name: &str) -> Option<K> {
    it.globals.get(&Sym::from_text(name)).cloned()
}

/// Run a `.z` hook as handle `h` (`.z.w`, `.z.u`, `.z.a` set for its duration).
fn run_hook(it: &mut Interp, hub: &Hub, f: &K, h: i32, who: (Sym, i32), args: Vec<K>) -> QResult {
    let saved = (it.zw, it.zu, it.za);
    (it.zw, it.zu, it.za) = (h as i64, who.0, who.1);
    let r = crate::lang::builtins::q(it.apply(f, args));
    (it.zw, it.zu, it.za) = saved;
    if let Err(e) = &r {
        hub.log(&format!("handle {h}: hook failed: '{}", e.msg));
    }
    r
}

fn auth_event(it: &mut Interp, user: Vec<u8>, pass: Vec<u8>, reply: oneshot::Sender<bool>) {
    let ok = match hook(it, ".z.pw") {
        Some(f) => {
            let r = crate::lang::builtins::q(
                it.apply(&f, vec![K::sym(Sym::new(&user)), K::string(pass)]),
            );
            matches!(r, Ok(ref v) if crate::lang::eval::truthy(v).unwrap_or(false))
        }
        None => true,
    };
    let _ = reply.send(ok);
}

/// What q does with a message's value by default (`value x`): evaluate a string, apply a
/// list's first item (a function, or a name as symbol or string) to the rest.
pub fn default_eval(it: &mut Interp, x: K) -> QResult {
    if let K::List(l) = &x {
        if let Some(f) = l.items.first() {
            let f = match f {
                K::Vector(v) if v.ty == Ty::Char => {
                    let text = f.as_string().unwrap_or(&[]);
                    // A plain name (`".u.upd"`, the usual feed call) is looked up without
                    // running the parser on every message.
                    match plain_name(text) {
                        Some(n) => it
                            .get_global(n, it.ns)
                            .ok_or_else(|| QError::new(n.as_str().into_owned()))?,
                        None => it.eval_str(&String::from_utf8_lossy(text))?,
                    }
                }
                _ => f.clone(),
            };
            let args: Vec<K> = l.items[1..].to_vec();
            if matches!(f, K::Func(_)) || f.as_sym().is_some() {
                let args = if args.is_empty() { vec![K::NULL] } else { args };
                return crate::lang::builtins::q(it.apply(&f, args));
            }
        }
    }
    let v = it
        .builtins
        .get(&Sym::from_text("value"))
        .cloned()
        .ok_or_else(QError::nyi)?;
    crate::lang::builtins::q(it.apply(&v, vec![x]))
}

/// `text` as a name when it is nothing else: letters, digits, `_` and inner dots, not
/// starting with a digit or `_`, not ending with a dot.
fn plain_name(text: &[u8]) -> Option<Sym> {
    let first = *text.first()?;
    let ok = (first.is_ascii_alphabetic() || first == b'.')
        && text.last() != Some(&b'.')
        && text
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        && !text.windows(2).any(|w| w == b"..")
        // `.5` style numbers are not names
        && !(first == b'.' && text.get(1).is_some_and(|b| b.is_ascii_digit()));
    ok.then(|| Sym::new(text))
}

/// Decode a received message under the process's limits.
fn decode(hub: &Hub, frame: &Frame) -> Result<(qipc::Header, K), String> {
    qipc::decode_message_with(
        &frame.bytes,
        &qipc::Limits {
            max_depth: 512,
            max_message: hub.cfg.max_message,
        },
    )
    .map_err(|e| e.to_string())
}

/// A malformed message from `h`: `.z.bm[(h;bytes)]`, then the handle closes (its reader
/// stops and posts the close, which runs `.z.pc`).
fn bad_msg(it: &mut Interp, hub: &Arc<Hub>, h: i32, id: u64, bytes: Bytes) {
    if let Some(f) = hook(it, ".z.bm") {
        let who = hub.conn_info(h).unwrap_or((Sym::NULL, 0));
        let _ = run_hook(
            it,
            hub,
            &f,
            h,
            who,
            vec![K::list(vec![K::int(h), K::bytes(bytes.to_vec())])],
        );
    }
    if hub.current(h, id) {
        hub.shutdown(h);
    }
}

/// Evaluate one message from handle `h` (connection `id`).
pub fn process_msg(it: &mut Interp, hub: &Arc<Hub>, h: i32, id: u64, frame: Frame) {
    if !hub.current(h, id) {
        // Sent before the handle was closed from our side: q would never have read it.
        return;
    }
    let msg_type = frame.header.msg_type;
    let x = match decode(hub, &frame) {
        Ok((_, k)) => k,
        Err(e) => {
            hub.log(&format!("handle {h}: {e}; closing"));
            bad_msg(it, hub, h, id, Bytes::from(frame.bytes.to_vec()));
            return;
        }
    };
    drop(frame);
    if msg_type == MsgType::Response {
        return;
    }
    let who = hub.conn_info(h).unwrap_or((Sym::NULL, 0));
    let saved = (it.zw, it.zu, it.za);
    (it.zw, it.zu, it.za) = (h as i64, who.0, who.1);
    let handler = hook(
        it,
        if msg_type == MsgType::Sync {
            ".z.pg"
        } else {
            ".z.ps"
        },
    );
    let r = match handler {
        Some(f) => crate::lang::builtins::q(it.apply(&f, vec![x])),
        None => default_eval(it, x),
    };
    (it.zw, it.zu, it.za) = saved;
    match (msg_type, r) {
        (MsgType::Sync, Ok(v)) => {
            if let Err(e) = hub.send(h, MsgType::Response, &v) {
                let _ = hub.send(h, MsgType::Response, &K::error(e.msg.to_string()));
            }
        }
        (MsgType::Sync, Err(e)) => {
            let _ = hub.send(h, MsgType::Response, &K::error(e.msg.to_string()));
        }
        (_, Err(e)) => hub.log(&format!("handle {h}: async message failed: '{}", e.msg)),
        _ => {}
    }
}

fn on_open(it: &mut Interp, hub: &Arc<Hub>, h: i32, id: u64) {
    if !hub.current(h, id) {
        return;
    }
    if let Some(f) = hook(it, ".z.po") {
        let who = hub.conn_info(h).unwrap_or((Sym::NULL, 0));
        let _ = run_hook(it, hub, &f, h, who, vec![K::int(h)]);
    }
}

/// The peer went away (or we stopped reading after a close of ours): forget the handle
/// and run `.z.pc` unless `hclose` already forgot it.
fn on_close(it: &mut Interp, hub: &Arc<Hub>, h: i32, id: u64) {
    if let Some(c) = hub.remove_conn(h, id) {
        if let Some(f) = hook(it, ".z.pc") {
            let _ = run_hook(it, hub, &f, h, (c.user, c.addr), vec![K::int(h)]);
        }
        // Dropping `c` drops the writer's sender: the writer ends and the fd closes.
    }
}

/// The evaluation loop: console lines, messages, opens and closes, the timer.
pub fn run(it: &mut Interp, hub: &Arc<Hub>, console_input: bool) {
    if console_input {
        let h = hub.clone();
        std::thread::spawn(move || {
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                match line {
                    Ok(l) => h.post(Event::Console(l)),
                    Err(_) => break,
                }
            }
            h.post(Event::ConsoleEof);
        });
    }
    let mut pending = String::new();
    let mut next_tick = Instant::now() + Duration::from_millis(it.timer_ms);
    loop {
        hub.has_pw_hook.store(
            it.globals.contains_key(&Sym::from_text(".z.pw")),
            Ordering::Relaxed,
        );
        // The timer is checked before every wait, so a steady stream of messages cannot
        // starve `.z.ts`.
        if it.timer_ms > 0 && Instant::now() >= next_tick {
            next_tick = Instant::now() + Duration::from_millis(it.timer_ms);
            if let Some(f) = hook(it, ".z.ts") {
                let now = it.eval_str(".z.P");
                if let Err(e) = crate::lang::builtins::q(it.apply(&f, vec![now.unwrap_or(K::NULL)]))
                {
                    hub.log(&format!(".z.ts: '{}", e.msg));
                }
            }
        }
        let timeout =
            (it.timer_ms > 0).then(|| next_tick.saturating_duration_since(Instant::now()));
        let Some(ev) = hub.next_event(timeout) else {
            continue;
        };
        match ev {
            Event::Console(line) => {
                if !pending.is_empty() {
                    pending.push('\n');
                }
                pending.push_str(&line);
                if console::unbalanced(&pending) {
                    continue;
                }
                let input = std::mem::take(&mut pending);
                if input.trim() == "\\\\" {
                    break;
                }
                if input.trim().is_empty() {
                    continue;
                }
                let before = it.timer_ms;
                let out = console::eval_line(it, &input);
                if it.timer_ms != before {
                    next_tick = Instant::now() + Duration::from_millis(it.timer_ms);
                }
                let mut so = std::io::stdout().lock();
                match out {
                    Ok(Some(t)) => {
                        let _ = writeln!(so, "{t}");
                    }
                    Ok(None) => {}
                    Err(e) => {
                        let _ = writeln!(so, "{}", console::error_text(&e, &input));
                    }
                }
                let _ = so.flush();
            }
            Event::ConsoleEof => {
                if hub.cfg.listen.is_none() {
                    break;
                }
            }
            Event::Open { h, id } => on_open(it, hub, h, id),
            Event::Msg {
                h,
                id,
                frame,
                permit,
            } => {
                process_msg(it, hub, h, id, frame);
                drop(permit);
            }
            Event::BadMsg { h, id, bytes } => bad_msg(it, hub, h, id, bytes),
            Event::Close { h, id } => on_close(it, hub, h, id),
            Event::Auth { user, pass, reply } => auth_event(it, user, pass, reply),
            Event::Http(req) => http::answer(it, hub, req),
        }
    }
}

/// Interpret `hopen`'s argument: a symbol/string target, an int port, or `(target;timeout)`.
pub fn hopen_target(x: &K) -> QResult<(String, u64)> {
    if let Some(s) = x.as_sym() {
        return Ok((s.as_str().into_owned(), 0));
    }
    if let Some(s) = x.as_string() {
        return Ok((String::from_utf8_lossy(s).into_owned(), 0));
    }
    if let Some(p) = x.as_i64() {
        return Ok((format!(":localhost:{p}"), 0));
    }
    let parts = items(x);
    if let [t, ms] = parts.as_slice() {
        let (t, _) = hopen_target(t)?;
        return Ok((t, ms.as_i64().unwrap_or(0).max(0) as u64));
    }
    Err(QError::type_())
}
