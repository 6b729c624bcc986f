//! Socket side of a q process: the accept loops (TCP and the abstract Unix socket q
//! uses), the handshake, and one reader and one writer task per connection. Readers cut
//! the stream into messages and post them to the evaluation thread; writers drain a
//! per-handle queue whose size in bytes is what `.z.W` reports.

use super::{Conn, Event, Hub, Outgoing};
use bytes::BytesMut;
use qipc::codec::FrameCodec;
use qipc::handshake::{self, Hello};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::codec::Decoder;

/// How long a client has to send its hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// What we know of a peer before the handshake.
#[derive(Clone, Copy, Debug)]
pub struct Peer {
    /// IPv4 address as q's `.z.a` int (0 for Unix sockets and IPv6).
    pub addr: i32,
    /// On this machine (loopback or Unix socket): never compressed unless forced.
    pub local: bool,
}

/// Serve one accepted connection: handshake, then read messages until it closes.
pub async fn serve<S>(hub: Arc<Hub>, stream: S, fd: i32, peer: Peer)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
    let mut buf = BytesMut::with_capacity(256);
    let hello = match tokio::time::timeout(HELLO_TIMEOUT, read_hello(&mut rd, &mut buf)).await {
        Ok(Some(h)) => h,
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
    let (tx, rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    hub.register(
        fd,
        Conn {
            out: tx,
            queued: queued.clone(),
            user,
            addr: peer.addr,
            capability: cap,
            local: peer.local,
        },
    );
    tokio::spawn(writer(hub.clone(), fd, wr, rx, queued));
    hub.post(Event::Open { h: fd });
    reader(hub, fd, rd, buf).await;
}

/// Read the NUL-terminated hello (bounded in size).
async fn read_hello<R: AsyncRead + Unpin>(rd: &mut R, buf: &mut BytesMut) -> Option<Hello> {
    loop {
        match handshake::parse_hello(buf, handshake::DEFAULT_MAX_HELLO) {
            Ok(Some((h, used))) => {
                let _ = buf.split_to(used);
                return Some(h);
            }
            Ok(None) => {}
            Err(_) => return None,
        }
        let n = rd.read_buf(buf).await.ok()?;
        if n == 0 {
            return None;
        }
    }
}

/// Read framed messages and post them; on EOF, error or a malformed header, close.
pub async fn reader<R: AsyncRead + Unpin>(hub: Arc<Hub>, fd: i32, mut rd: R, mut buf: BytesMut) {
    let mut codec = FrameCodec {
        max_message: hub.cfg.max_message,
    };
    let idle = hub.cfg.idle_timeout;
    loop {
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => hub.post(Event::Msg { h: fd, frame }),
                Ok(None) => break,
                Err(e) => {
                    hub.log(&format!("handle {fd}: {e}; closing"));
                    hub.post(Event::Close { h: fd });
                    return;
                }
            }
        }
        let read = rd.read_buf(&mut buf);
        let n = match idle {
            Some(t) => match tokio::time::timeout(t, read).await {
                Ok(r) => r,
                Err(_) => {
                    hub.log(&format!("handle {fd}: idle timeout; closing"));
                    break;
                }
            },
            None => read.await,
        };
        match n {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    hub.post(Event::Close { h: fd });
}

/// Drain the handle's queue to the socket.
pub async fn writer<W: AsyncWrite + Unpin>(
    hub: Arc<Hub>,
    fd: i32,
    mut wr: W,
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    queued: Arc<AtomicUsize>,
) {
    while let Some(m) = rx.recv().await {
        match m {
            Outgoing::Bytes(b) => {
                let n = b.len();
                let r = wr.write_all(&b).await;
                queued.fetch_sub(n, Ordering::Relaxed);
                if r.is_err() {
                    break;
                }
            }
            Outgoing::Flush(done) => {
                let _ = wr.flush().await;
                let _ = done.send(());
            }
            Outgoing::Close => break,
        }
    }
    let _ = wr.shutdown().await;
    let _ = hub;
    let _ = fd;
}
