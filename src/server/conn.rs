//! Socket side of a q process: the accept loops (TCP and the abstract Unix socket q
//! uses), the handshake, and one reader and one writer task per connection. Readers cut
//! the stream into messages and post them to the evaluation thread; writers drain a
//! per-handle queue whose size in bytes is what `.z.W` reports.
//!
//! A connection's socket stays open until the evaluation thread has removed its handle
//! (the writer holds its half until then), so the kernel cannot hand the same fd — our
//! handle number — to a new connection while events of the old one are still queued.

use super::{http, Conn, Event, Hub, Outgoing};
use bytes::{Bytes, BytesMut};
use qipc::codec::FrameCodec;
use qipc::handshake::{self, Hello};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
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
}

/// The signals a connection's tasks listen for besides their socket.
#[derive(Default)]
pub struct Signals {
    /// Stop reading (the handle was closed from our side).
    pub stop: Notify,
    /// Drop the outbound queue unwritten and close (the peer stopped reading).
    pub kill: Notify,
}

/// Serve one accepted connection: handshake, then read messages until it closes.
pub async fn serve<S>(hub: Arc<Hub>, stream: S, fd: i32, peer: Peer)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
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
    if hub.conn_count() >= hub.cfg.max_conns {
        hub.log("connection limit reached; refusing");
        return;
    }
    let cap = hello.reply(qipc::handshake::MAX_CAPABILITY);
    if wr.write_all(&[cap]).await.is_err() {
        return;
    }
    let user = qipc::Sym::new(&hello.user);
    start(hub, fd, rd, wr, buf, user, peer, cap, true);
}

/// Register a handshaken connection and start its reader and writer; `announce` posts
/// the open for `.z.po` (connections others opened to us).
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
    announce: bool,
) where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let signals = Arc::new(Signals::default());
    let id = hub.register(
        fd,
        Conn {
            id: 0,
            out: tx,
            queued: queued.clone(),
            signals: signals.clone(),
            user,
            addr: peer.addr,
            capability,
            local: peer.local,
            corked: Vec::new(),
        },
    );
    if announce {
        hub.post(Event::Open { h: fd, id });
    }
    tokio::spawn(writer(wr, rx, queued, signals.clone()));
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
                    hub.log(&format!("handle {h}: {e}; closing"));
                    let head = buf.split_to(buf.len().min(64)).freeze();
                    hub.post(Event::BadMsg { h, id, bytes: head });
                    break 'conn;
                }
            }
        }
        let read = rd.read_buf(&mut buf);
        let n = tokio::select! {
            n = async {
                match idle {
                    Some(t) => tokio::time::timeout(t, read).await.ok(),
                    None => Some(read.await),
                }
            } => n,
            _ = signals.stop.notified() => break,
        };
        match n {
            None => {
                hub.log(&format!("handle {h}: idle timeout; closing"));
                break;
            }
            Some(Ok(0)) | Some(Err(_)) => break,
            Some(Ok(_)) => {}
        }
    }
    hub.post(Event::Close { h, id });
}

/// Drain the handle's queue to the socket until the handle is removed (its sender
/// dropped). A `Close` instruction shuts our side after what was queued; a kill stops
/// writing at once. Either way the half (and so the fd) is kept until the removal.
pub async fn writer<W: AsyncWrite + Unpin>(
    mut wr: W,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    queued: Arc<AtomicUsize>,
    signals: Arc<Signals>,
) {
    let mut batch: Vec<Bytes> = Vec::new();
    let mut open = true;
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
        queued.fetch_sub(chunk.len(), Ordering::Relaxed);
        i += n;
    }
    for b in &batch[i..] {
        queued.fetch_sub(b.len(), Ordering::Relaxed);
    }
    batch.clear();
    ok
}
