//! IPC throughput of a `qtick q -p` process against the loopback limit, as ratios.
//!
//! * sync: round trips per second of a small query (`"1+1"`) against a plain echo server on
//!   the same kind of socket (TCP loopback, one client, one message in flight);
//! * async: messages per second one publisher gets evaluated (`(`upd;`t;rows)`, then a sync
//!   chaser) against a plain reader that only frames the same bytes.
//!
//! Run with `cargo bench --bench ipc` (release build); the README reports the ratios.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_qtick");

fn header(msg_type: u8, len: usize) -> [u8; 8] {
    let l = (len as u32).to_le_bytes();
    [1, msg_type, 0, 0, l[0], l[1], l[2], l[3]]
}

/// A sync message holding q text.
fn char_msg(text: &str, msg_type: u8) -> Vec<u8> {
    let mut body = vec![10u8, 0];
    body.extend_from_slice(&(text.len() as u32).to_le_bytes());
    body.extend_from_slice(text.as_bytes());
    let mut m = header(msg_type, 8 + body.len()).to_vec();
    m.extend_from_slice(&body);
    m
}

/// An async `(`upd;`t;(longs;floats))` message with `rows` rows, built by hand.
fn upd_msg(rows: usize) -> Vec<u8> {
    let mut b = vec![0u8, 0];
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&[0xf5]);
    b.extend_from_slice(b"upd\0");
    b.extend_from_slice(&[0xf5]);
    b.extend_from_slice(b"t\0");
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&2u32.to_le_bytes());
    b.extend_from_slice(&[7, 0]);
    b.extend_from_slice(&(rows as u32).to_le_bytes());
    for i in 0..rows as i64 {
        b.extend_from_slice(&i.to_le_bytes());
    }
    b.extend_from_slice(&[9, 0]);
    b.extend_from_slice(&(rows as u32).to_le_bytes());
    for i in 0..rows {
        b.extend_from_slice(&(i as f64 * 0.5).to_le_bytes());
    }
    let mut m = header(0, 8 + b.len()).to_vec();
    m.extend_from_slice(&b);
    m
}

fn read_msg(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.resize(8, 0);
    s.read_exact(&mut buf[..8])?;
    let n = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
    buf.resize(n, 0);
    s.read_exact(&mut buf[8..])
}

fn handshake(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    s.write_all(&[3, 0]).expect("hello");
    let mut cap = [0u8; 1];
    s.read_exact(&mut cap).expect("capability");
    s
}

/// A plain server on the same socket type: echo each framed message (`echo`), or read
/// them and answer only sync ones with a one-byte-payload response.
fn plain_server(echo: bool) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = l.accept() else { return };
        let _ = s.set_nodelay(true);
        let mut hello = [0u8; 2];
        if s.read_exact(&mut hello).is_err() || s.write_all(&[3]).is_err() {
            return;
        }
        let mut buf = Vec::new();
        let ack = [1u8, 2, 0, 0, 10, 0, 0, 0, 0xff, 0];
        while read_msg(&mut s, &mut buf).is_ok() {
            let reply: &[u8] = if echo {
                &buf
            } else if buf[1] == 1 {
                &ack
            } else {
                continue;
            };
            if s.write_all(reply).is_err() {
                return;
            }
        }
    });
    port
}

/// Round trips per second of `msg` (sync) over `s` during about `secs` seconds.
fn round_trips(s: &mut TcpStream, msg: &[u8], secs: f64) -> f64 {
    let mut buf = Vec::new();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < secs {
        for _ in 0..100 {
            s.write_all(msg).expect("write");
            read_msg(s, &mut buf).expect("read");
        }
        n += 100;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Messages per second: `count` async messages then a sync chaser, answered.
fn publish(s: &mut TcpStream, msg: &[u8], count: usize, chaser: &[u8]) -> f64 {
    let mut buf = Vec::new();
    let start = Instant::now();
    for _ in 0..count {
        s.write_all(msg).expect("write");
    }
    s.write_all(chaser).expect("chaser");
    read_msg(s, &mut buf).expect("answer");
    count as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let mut q = Command::new(BIN)
        .args(["q", "-p", "127.0.0.1:0W"])
        .env("QTICK_PRINT_PORT", "1")
        .env("QUDSPATH", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start qtick q");
    let mut out = q.stdout.take().expect("stdout");
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while out.read_exact(&mut b).is_ok() && b[0] != b'\n' {
        line.push(b[0]);
    }
    let port: u16 = String::from_utf8_lossy(&line).trim().parse().expect("port");
    let mut qs = handshake(port);
    // define the handler the publisher calls
    let mut buf = Vec::new();
    qs.write_all(&char_msg("n:0; upd:{[t;x] n::n+1}; 0", 1))
        .expect("setup");
    read_msg(&mut qs, &mut buf).expect("setup answer");

    let small = char_msg("1+1", 1);
    let secs = 2.0;
    let echo_port = plain_server(true);
    let mut es = handshake(echo_port);
    round_trips(&mut es, &small, 0.3); // warm up
    round_trips(&mut qs, &small, 0.3);
    let echo_rate = round_trips(&mut es, &small, secs);
    let q_rate = round_trips(&mut qs, &small, secs);
    println!(
        "sync round trips/s: qtick {:.0}, plain echo {:.0}, ratio {:.2}",
        q_rate,
        echo_rate,
        q_rate / echo_rate
    );

    for rows in [1usize, 100] {
        let msg = upd_msg(rows);
        let count = if rows == 1 { 200_000 } else { 50_000 };
        let chaser = char_msg("n", 1);
        let sink_port = plain_server(false);
        let mut ss = handshake(sink_port);
        publish(&mut ss, &msg, count / 10, &chaser);
        let sink_rate = publish(&mut ss, &msg, count, &chaser);
        publish(&mut qs, &msg, count / 10, &chaser);
        let q_rate = publish(&mut qs, &msg, count, &chaser);
        println!(
            "async upd messages/s ({rows} rows, {} bytes): qtick {:.0}, plain reader {:.0}, ratio {:.2}",
            msg.len(),
            q_rate,
            sink_rate,
            q_rate / sink_rate
        );
    }
    let _ = q.kill();
    let _ = q.wait();
    std::thread::sleep(Duration::from_millis(10));
}
