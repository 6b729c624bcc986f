//! Socket side of a q process: the accept loops (TCP and the abstract Unix socket q
//! uses), the handshake, and one reader and one writer task per connection. Readers cut
//! the stream into messages and post them to the evaluation thread; writers drain a
//! per-handle queue whose size in bytes is what `.z.W` reports.
//!
//! A connection's socket stays open until the evaluation thread has removed its handle
//! (the writer holds its half until then), so the kernel cannot hand the same fd — our
//! handle number — to a new connection while events of the old one are still queued.

use super::{http, tls, Conn, Event, Hub, Outgoing};
use bytes::{Bytes, BytesMut};
use qipc::codec::FrameCodec;
use qipc::handshake::{self, Hello};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio_util::codec::Decoder;

/// How long a client has to send its hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes of one connection's messages that may wait for the evaluation thread. Past this
/// the reader stops reading, so TCP pushes back on a client that sends faster than we
/// evaluate, as it does against q's single-threaded loop.
const IN_FLIGHT: usize = 64 << 20;

/// Small messages queued together are written with one system call.
const BATCH_BYTES: usize = 256 << 10;

/// What we know of a peer before the handshake.
#[derive(Clone, Copy, Debug)]
pub struct Peer {
    /// IPv4 address as q's `.z.a` int (0 for Unix sockets and IPv6).
    pub addr: i32,
    /// On this machine (loopback or Unix socket): never compressed unless forced.
    pub local: bool,
    /// The session's cipher and protocol when the connection runs over TLS (`.z.e`).
    pub tls: Option<tls::Info>,
}

/// The signals a connection's tasks listen for besides their socket.
#[derive(Default)]
pub struct Signals {
    /// Stop reading (the handle was closed from our side).
    pub stop: Notify,
    /// Drop the outbound queue unwritten and close (the peer stopped reading).
    pub kill: Notify,
    /// When bytes last moved either way (ms on [`clock_ms`]'s clock), for the idle timeout.
    pub active: AtomicU64,
}

impl Signals {
    pub fn new() -> Signals {
        let s = Signals::default();
        s.touch();
        s
    }

    /// Note traffic now.
    pub fn touch(&self) {
        self.active.store(clock_ms(), Ordering::Relaxed);
    }

    /// How long since traffic last moved.
    fn quiet_for(&self) -> Duration {
        Duration::from_millis(clock_ms().saturating_sub(self.active.load(Ordering::Relaxed)))
    }
}

/// Milliseconds since the first call: a monotonic clock cheap enough to read per read.
fn clock_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// Take one accepted TCP connection: refuse it past the connection limit, then under
/// `-E 1`/`-E 2` look at its first byte and run TLS first when it opens a TLS handshake
/// (a plain client on a `-E 2` port is closed), then serve it.
pub async fn accept(hub: Arc<Hub>, s: tokio::net::TcpStream, fd: i32, peer: Peer) {
    if over_limit(&hub, peer) {
        return;
    }
    let Some(acceptor) = hub.tls.clone() else {
        serve(hub, s, fd, peer).await;
        return;
    };
    let mut first = [0u8; 1];
    match tokio::time::timeout(HELLO_TIMEOUT, s.peek(&mut first)).await {
        Ok(Ok(1)) => {}
        _ => return,
    }
    if first[0] != tls::HANDSHAKE_RECORD {
        if hub.cfg.tls_mode == tls::Mode::Only {
            hub.log(&format!(
                "plain connection from {} refused: this port is TLS only (-E 2)",
                show_addr(peer.addr)
            ));
            return;
        }
        serve(hub, s, fd, peer).await;
        return;
    }
    match tokio::time::timeout(HELLO_TIMEOUT, acceptor.accept(s)).await {
        Ok(Ok(t)) => {
            let info = tls::Info::of(t.get_ref().1);
            serve(
                hub,
                t,
                fd,
                Peer {
                    tls: Some(info),
                    ..peer
                },
            )
            .await;
        }
        Ok(Err(e)) => hub.log(&format!(
            "TLS handshake with {} failed: {e}",
            show_addr(peer.addr)
        )),
        Err(_) => hub.log(&format!(
            "TLS handshake with {} timed out",
            show_addr(peer.addr)
        )),
    }
}

/// Whether the port is at its connection limit (`--max-conns`); logs the refusal.
pub fn over_limit(hub: &Hub, peer: Peer) -> bool {
    let open = hub.conn_count();
    if open < hub.cfg.max_conns {
        return false;
    }
    hub.log(&format!(
        "connection from {} refused: {open} connections open, the limit (--max-conns) is {}",
        show_addr(peer.addr),
        hub.cfg.max_conns
    ));
    true
}

/// An IPv4 address as `.z.a` holds it, dotted.
fn show_addr(a: i32) -> String {
    std::net::Ipv4Addr::from(a as u32).to_string()
}

/// Serve one accepted connection: handshake, then read messages until it closes.
pub async fn serve<S>(hub: Arc<Hub>, stream: S, fd: i32, peer: Peer)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut rd, wr) = tokio::io::split(stream);
    let mut buf = BytesMut::with_capacity(256);
    let first = tokio::time::timeout(HELLO_TIMEOUT, read_hello(&mut rd, &mut buf)).await;
    let hello = match first {
        Ok(Opening::Ipc(h)) => h,
        Ok(Opening::Http) => {
            http::serve(hub, rd, wr, buf, peer).await;
            return;
        }
        _ => return,
    };
    if !hub.authenticate(&hello).await {
        hub.log(&format!(
            "access refused for user '{}'",
            String::from_utf8_lossy(&hello.user)
        ));
        return;
    }
    let cap = hello.reply(qipc::handshake::MAX_CAPABILITY);
    let user = qipc::Sym::new(&hello.user);
    start(hub, fd, rd, wr, buf, user, peer, cap, true);
}

/// Register a handshaken connection and start its reader and writer. `accepted` is for
/// connections others opened to us: the place is taken under the connection limit
/// (checked and taken at once, so concurrent handshakes cannot overshoot it), the writer
/// sends the handshake's reply byte first, and the open is posted for `.z.po`.
#[allow(clippy::too_many_arguments)]
pub fn start<R, W>(
    hub: Arc<Hub>,
    fd: i32,
    rd: R,
    wr: W,
    buf: BytesMut,
    user: qipc::Sym,
    peer: Peer,
    capability: u8,
    accepted: bool,
) where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let signals = Arc::new(Signals::new());
    let conn = Conn {
        id: 0,
        out: tx,
        queued: queued.clone(),
        signals: signals.clone(),
        user,
        addr: peer.addr,
        capability,
        local: peer.local,
        tls: peer.tls,
        corked: Vec::new(),
    };
    let id = if accepted {
        let Some(id) = hub.register_within(fd, conn, hub.cfg.max_conns) else {
            hub.log(&format!(
                "connection from {} refused after its handshake: the limit (--max-conns) \
                 of {} was reached meanwhile",
                show_addr(peer.addr),
                hub.cfg.max_conns
            ));
            return;
        };
        hub.post(Event::Open { h: fd, id });
        id
    } else {
        hub.register(fd, conn)
    };
    let reply = accepted.then_some(capability);
    tokio::spawn(writer(wr, rx, queued, signals.clone(), reply));
    tokio::spawn(reader(hub, fd, id, rd, buf, signals));
}

enum Opening {
    Ipc(Hello),
    Http,
    Refused,
}

/// Read the NUL-terminated hello (bounded in size), or notice an HTTP request.
async fn read_hello<R: AsyncRead + Unpin>(rd: &mut R, buf: &mut BytesMut) -> Opening {
    loop {
        if http::looks_like_http(buf) {
            return Opening::Http;
        }
        match handshake::parse_hello(buf, handshake::DEFAULT_MAX_HELLO) {
            Ok(Some((h, used))) => {
                let _ = buf.split_to(used);
                return Opening::Ipc(h);
            }
            Ok(None) => {}
            Err(_) => return Opening::Refused,
        }
        match rd.read_buf(buf).await {
            Ok(0) | Err(_) => return Opening::Refused,
            Ok(_) => {}
        }
    }
}

/// Read framed messages and post them; on EOF, error, a malformed header or a stop
/// signal, post the close.
pub async fn reader<R: AsyncRead + Unpin>(
    hub: Arc<Hub>,
    h: i32,
    id: u64,
    mut rd: R,
    mut buf: BytesMut,
    signals: Arc<Signals>,
) {
    let mut codec = FrameCodec {
        max_message: hub.cfg.max_message,
    };
    let idle = hub.cfg.idle_timeout;
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    'conn: loop {
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => {
                    // IN_FLIGHT fits in u32, so the cast is exact.
                    let n = frame.bytes.len().clamp(1, IN_FLIGHT) as u32;
                    let permit = tokio::select! {
                        p = in_flight.clone().acquire_many_owned(n) => match p {
                            Ok(p) => p,
                            Err(_) => break 'conn,
                        },
                        _ = signals.stop.notified() => break 'conn,
                    };
                    hub.post(Event::Msg {
                        h,
                        id,
                        frame,
                        permit,
                    });
                }
                Ok(None) => break,
                Err(e) => {
                    match qipc::Header::parse(&buf[..buf.len().min(8)]) {
                        Ok(head) if head.len > hub.cfg.max_message => hub.log(&format!(
                            "handle {h}: a message of {} bytes is over the limit \
                             (--max-message) of {} bytes; closing",
                            head.len, hub.cfg.max_message
                        )),
                        _ => hub.log(&format!("handle {h}: {e}; closing")),
                    }
                    let head = buf.split_to(buf.len().min(64)).freeze();
                    hub.post(Event::BadMsg { h, id, bytes: head });
                    break 'conn;
                }
            }
        }
        let n = tokio::select! {
            n = read_or_idle(&mut rd, &mut buf, idle, &signals, &in_flight) => n,
            _ = signals.stop.notified() => break,
        };
        match n {
            None => {
                hub.log(&format!(
                    "handle {h}: no traffic for {}s, the idle timeout (--idle-timeout); closing",
                    idle.map_or(0, |t| t.as_secs())
                ));
                break;
            }
            Some(Ok(0)) | Some(Err(_)) => break,
            Some(Ok(_)) => signals.touch(),
        }
    }
    hub.post(Event::Close { h, id });
}

/// Read more of the stream, or None once nothing has moved either way for `idle`. A
/// connection with a message still waiting for the evaluation thread is not idle: its
/// peer is waiting on us.
async fn read_or_idle<R: AsyncRead + Unpin>(
    rd: &mut R,
    buf: &mut BytesMut,
    idle: Option<Duration>,
    signals: &Signals,
    in_flight: &Semaphore,
) -> Option<std::io::Result<usize>> {
    let Some(limit) = idle else {
        return Some(rd.read_buf(buf).await);
    };
    loop {
        if in_flight.available_permits() < IN_FLIGHT {
            signals.touch();
        }
        let quiet = signals.quiet_for();
        if quiet >= limit {
            return None;
        }
        // Cancelling a pending read loses nothing: no bytes were taken from the stream.
        if let Ok(r) = tokio::time::timeout(limit - quiet, rd.read_buf(buf)).await {
            return Some(r);
        }
    }
}

/// Write the handshake's `reply` byte when there is one, then drain the handle's queue to
/// the socket until the handle is removed (its sender dropped). A `Close` instruction shuts our side after what was queued; a kill stops
/// writing at once. Either way the half (and so the fd) is kept until the removal.
pub async fn writer<W: AsyncWrite + Unpin>(
    mut wr: W,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    queued: Arc<AtomicUsize>,
    signals: Arc<Signals>,
    reply: Option<u8>,
) {
    let mut batch: Vec<Bytes> = Vec::new();
    // A TLS stream holds written bytes until flushed (a plain socket's flush does nothing).
    let mut open = match reply {
        Some(cap) => wr.write_all(&[cap]).await.is_ok() && wr.flush().await.is_ok(),
        None => true,
    };
    loop {
        let first = tokio::select! {
            m = rx.recv() => m,
            _ = signals.kill.notified() => {
                open = false;
                continue;
            }
        };
        let Some(mut m) = first else { break };
        loop {
            match m {
                Outgoing::Bytes(b) => batch.push(b),
                Outgoing::Batch(v) => batch.extend(v),
                Outgoing::Flush(done) => {
                    open = open && write_batch(&mut wr, &mut batch, &queued, &signals).await;
                    if open {
                        let _ = wr.flush().await;
                    }
                    let _ = done.send(());
                }
                Outgoing::Close => {
                    if open && write_batch(&mut wr, &mut batch, &queued, &signals).await {
                        let _ = wr.shutdown().await;
                    }
                    open = false;
                }
            }
            match rx.try_recv() {
                Ok(next) => {
                    if batch.len() >= 1024 {
                        open = open && write_batch(&mut wr, &mut batch, &queued, &signals).await;
                    }
                    m = next;
                }
                Err(_) => break,
            }
        }
        if open {
            open = write_batch(&mut wr, &mut batch, &queued, &signals).await;
        } else {
            discard(&mut batch, &queued);
        }
    }
    discard(&mut batch, &queued);
}

fn discard(batch: &mut Vec<Bytes>, queued: &AtomicUsize) {
    for b in batch.drain(..) {
        queued.fetch_sub(b.len(), Ordering::Relaxed);
    }
}

/// Write the batch (small messages coalesced), returning false when the socket failed
/// or the connection was killed. The queue size drops as bytes leave.
async fn write_batch<W: AsyncWrite + Unpin>(
    wr: &mut W,
    batch: &mut Vec<Bytes>,
    queued: &AtomicUsize,
    signals: &Signals,
) -> bool {
    let mut ok = true;
    let mut i = 0;
    while i < batch.len() && ok {
        // Coalesce a run of small messages into one buffer.
        let mut j = i;
        let mut total = 0;
        while j < batch.len() && total + batch[j].len() <= BATCH_BYTES {
            total += batch[j].len();
            j += 1;
        }
        let (chunk, n): (Bytes, usize) = if j > i + 1 {
            let mut v = BytesMut::with_capacity(total);
            for b in &batch[i..j] {
                v.extend_from_slice(b);
            }
            (v.freeze(), j - i)
        } else {
            (batch[i].clone(), 1)
        };
        ok = tokio::select! {
            r = wr.write_all(&chunk) => r.is_ok(),
            _ = signals.kill.notified() => false,
        };
        signals.touch();
        queued.fetch_sub(chunk.len(), Ordering::Relaxed);
        i += n;
    }
    for b in &batch[i..] {
        queued.fetch_sub(b.len(), Ordering::Relaxed);
    }
    batch.clear();
    // TLS keeps the last records in its buffer until flushed; a plain socket has none.
    ok && tokio::select! {
        r = wr.flush() => r.is_ok(),
        _ = signals.kill.notified() => false,
    }
}
