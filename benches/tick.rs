//! Tickerplant benchmark: a feed, `qtick tp` and subscribers as separate processes, and
//! the same work on Redis Streams (XADD into a stream persisted with `appendfsync
//! everysec`, XREAD subscribers) in the same run.
//!
//! Run through `scripts/bench_tick.sh`, which builds, starts redis-server on a loopback
//! port and calls `cargo bench --bench tick`. This program is its own feed and
//! subscriber: the driver spawns it again with a role (`feed`, `sub`, `rfeed`, `rsub`).
//!
//! Each configuration runs two phases. Throughput: the feed sends N updates as fast as
//! it can (asynchronously, as feeds do), and each subscriber measures from the first
//! update's send time to its receipt of the last; the slowest subscriber's rate is
//! reported. Latency: the feed sends at a fixed rate and every subscriber records, per
//! update, its receive time minus the send time the feed wrote into the row (wall
//! clock, same machine); p50 is the mean of the subscribers' medians, p99 the worst
//! subscriber's.

use qipc::{MsgType, Sym, K};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Wall clock in nanoseconds (the feed's send stamp and the subscriber's receive time).
fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

const LAT_RATE: u64 = 2000;
const LAT_COUNT: usize = 2000;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = match a.as_slice() {
        ["feed", port, rows, n] => feed(port, rows, n),
        ["sub", port] => sub(port),
        ["rfeed", port, stream, rows, n] => redis_feed(port, stream, rows, n),
        ["rsub", port, stream] => redis_sub(port, stream),
        _ => driver(&a),
    };
    if let Err(e) = r {
        eprintln!("tick bench: {e}");
        std::process::exit(1);
    }
}

type Res<T = ()> = Result<T, String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

// ---- the kdb+ side --------------------------------------------------------------------

struct Ipc {
    s: TcpStream,
    /// Reads go through a 64 KB buffer, as the Redis client's do (and q's own): a
    /// subscriber handed a batch of updates reads it in a few syscalls, not two each.
    r: BufReader<TcpStream>,
    buf: Vec<u8>,
}

impl Ipc {
    fn connect(port: &str) -> Res<Ipc> {
        let mut s = TcpStream::connect(format!("127.0.0.1:{port}")).map_err(err)?;
        s.set_nodelay(true).map_err(err)?;
        s.write_all(&qipc::handshake::client_hello("", "", 3))
            .map_err(err)?;
        let mut cap = [0u8; 1];
        s.read_exact(&mut cap).map_err(err)?;
        let r = BufReader::with_capacity(1 << 16, s.try_clone().map_err(err)?);
        Ok(Ipc {
            s,
            r,
            buf: Vec::new(),
        })
    }

    fn send(&mut self, k: &K, t: MsgType) -> Res {
        self.buf.clear();
        qipc::encode_message_into(k, t, 3, &mut self.buf).map_err(err)?;
        self.s.write_all(&self.buf).map_err(err)
    }

    fn recv(&mut self) -> Res<(MsgType, K)> {
        let mut h = [0u8; 8];
        self.r.read_exact(&mut h).map_err(err)?;
        let len = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
        self.buf.clear();
        self.buf.extend_from_slice(&h);
        self.buf.resize(len.max(8), 0);
        self.r.read_exact(&mut self.buf[8..]).map_err(err)?;
        let (hd, k) = qipc::decode_message(&self.buf).map_err(err)?;
        Ok((hd.msg_type, k))
    }

    fn call(&mut self, k: &K) -> Res<K> {
        self.send(k, MsgType::Sync)?;
        loop {
            if let (MsgType::Response, v) = self.recv()? {
                return Ok(v);
            }
        }
    }
}

const SYMS: [&str; 4] = ["IBM", "MSFT", "AAPL", "GOOG"];

/// One update without its time column: `rows` trades whose price is the send stamp and
/// whose size is `tag` (-1 ends the throughput phase, -2 the latency phase).
fn update(rows: usize, stamp: i64, tag: i32, i: usize) -> K {
    let x = if rows == 1 {
        K::list(vec![
            K::sym(SYMS[i % 4]),
            K::float(stamp as f64),
            K::int(tag),
            K::char(b'B'),
        ])
    } else {
        K::list(vec![
            K::syms((0..rows).map(|r| SYMS[(i + r) % 4])),
            K::floats(vec![stamp as f64; rows]),
            K::ints(vec![tag; rows]),
            K::string(vec![b'B'; rows]),
        ])
    };
    K::list(vec![K::string(b".u.upd".to_vec()), K::sym("trade"), x])
}

/// Role `feed`: N updates as fast as possible, the end marker, then the latency phase
/// at a fixed rate, then its end marker.
fn feed(port: &str, rows: &str, n: &str) -> Res {
    let rows: usize = rows.parse().map_err(err)?;
    let n: usize = n.parse().map_err(err)?;
    let mut c = Ipc::connect(port)?;
    for i in 0..n {
        c.send(&update(rows, now_ns(), 0, i), MsgType::Async)?;
    }
    c.send(&update(rows, now_ns(), -1, 0), MsgType::Async)?;
    c.call(&K::string(b"0".to_vec()))?;
    std::thread::sleep(Duration::from_millis(300));
    pace(LAT_RATE, LAT_COUNT, |i| {
        c.send(&update(rows, now_ns(), 1, i), MsgType::Async)
    })?;
    c.send(&update(rows, now_ns(), -2, 0), MsgType::Async)?;
    c.call(&K::string(b"0".to_vec()))?;
    Ok(())
}

/// Call `f` `count` times at `rate` per second.
fn pace(rate: u64, count: usize, mut f: impl FnMut(usize) -> Res) -> Res {
    let start = Instant::now();
    let step = Duration::from_nanos(1_000_000_000 / rate);
    for i in 0..count {
        let due = start + step * i as u32;
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        f(i)?;
    }
    Ok(())
}

/// What one subscriber saw.
#[derive(Default)]
struct Seen {
    updates: u64,
    rows: u64,
    first_send: Option<i64>,
    last_recv: i64,
    lat: Vec<i64>,
}

impl Seen {
    fn line(&mut self) -> String {
        self.lat.sort_unstable();
        let pct = |p: f64| {
            if self.lat.is_empty() {
                0
            } else {
                self.lat[((self.lat.len() - 1) as f64 * p).round() as usize]
            }
        };
        format!(
            "{} {} {} {} {} {}",
            self.updates,
            self.rows,
            self.last_recv - self.first_send.unwrap_or(self.last_recv),
            pct(0.5),
            pct(0.99),
            self.lat.len()
        )
    }
}

/// Role `sub`: subscribe to trade, print `ready`, then count and time what arrives.
fn sub(port: &str) -> Res {
    let mut c = Ipc::connect(port)?;
    c.call(&K::string(b".u.sub[`trade;`]".to_vec()))?;
    println!("ready");
    std::io::stdout().flush().map_err(err)?;
    let (mut tput, mut lat) = (Seen::default(), Seen::default());
    let (price, size) = (Sym::from_text("price"), Sym::from_text("size"));
    let mut phase = 0i32;
    while phase < 2 {
        let (_, m) = c.recv()?;
        let recv = now_ns();
        let K::List(l) = &m else { continue };
        let Some(K::Table(t)) = l.items.get(2) else {
            continue;
        };
        let (Some(K::Vector(p)), Some(K::Vector(s))) = (t.col(price), t.col(size)) else {
            continue;
        };
        let (qipc::Data::F64(p), qipc::Data::I32(s)) = (&p.data, &s.data) else {
            continue;
        };
        // One sample per feed update: rows of one update share the send stamp.
        let mut last = f64::NAN;
        for (stamp, tag) in p.iter().zip(s.iter()) {
            if *tag < 0 {
                // -1 ends the throughput phase, -2 the latency phase (every row says so).
                phase = phase.max(-*tag);
                continue;
            }
            let seen = if phase == 0 { &mut tput } else { &mut lat };
            seen.rows += 1;
            if *stamp != last {
                last = *stamp;
                seen.updates += 1;
                seen.first_send.get_or_insert(*stamp as i64);
                seen.lat.push(recv - *stamp as i64);
            }
            seen.last_recv = recv;
        }
    }
    println!("{}", tput.line());
    println!("{}", lat.line());
    Ok(())
}

// ---- the Redis side ---------------------------------------------------------------------

/// A Redis connection speaking RESP2.
struct Resp {
    w: TcpStream,
    r: BufReader<TcpStream>,
}

/// A parsed RESP2 reply (the feed and subscribers look only at arrays and bulk strings).
#[allow(dead_code)]
enum Reply {
    Simple(Vec<u8>),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Resp {
    fn connect(port: &str) -> Res<Resp> {
        let w = TcpStream::connect(format!("127.0.0.1:{port}")).map_err(err)?;
        w.set_nodelay(true).map_err(err)?;
        let r = BufReader::with_capacity(1 << 16, w.try_clone().map_err(err)?);
        Ok(Resp { w, r })
    }

    fn command(args: &[&[u8]], out: &mut Vec<u8>) {
        out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
    }

    fn line(&mut self) -> Res<Vec<u8>> {
        let mut l = Vec::new();
        self.r.read_until(b'\n', &mut l).map_err(err)?;
        if l.len() < 3 {
            return Err("redis closed the connection".into());
        }
        l.truncate(l.len() - 2);
        Ok(l)
    }

    fn reply(&mut self) -> Res<Reply> {
        let l = self.line()?;
        let num = |b: &[u8]| -> Res<i64> {
            std::str::from_utf8(b)
                .map_err(err)?
                .parse::<i64>()
                .map_err(err)
        };
        match l.first() {
            Some(b'+') => Ok(Reply::Simple(l[1..].to_vec())),
            Some(b'-') => Err(format!("redis: {}", String::from_utf8_lossy(&l[1..]))),
            Some(b':') => Ok(Reply::Int(num(&l[1..])?)),
            Some(b'$') => {
                let n = num(&l[1..])?;
                if n < 0 {
                    return Ok(Reply::Bulk(None));
                }
                let mut b = vec![0u8; n as usize + 2];
                self.r.read_exact(&mut b).map_err(err)?;
                b.truncate(n as usize);
                Ok(Reply::Bulk(Some(b)))
            }
            Some(b'*') => {
                let n = num(&l[1..])?;
                if n < 0 {
                    return Ok(Reply::Array(None));
                }
                let mut v = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    v.push(self.reply()?);
                }
                Ok(Reply::Array(Some(v)))
            }
            _ => Err("bad RESP reply".into()),
        }
    }

    fn call(&mut self, args: &[&[u8]]) -> Res<Reply> {
        let mut b = Vec::new();
        Resp::command(args, &mut b);
        self.w.write_all(&b).map_err(err)?;
        self.reply()
    }
}

/// The same update as a packed record per row: stamp (i64), sym (8 bytes), price (f64),
/// size (i32), side (u8).
fn redis_rows(rows: usize, stamp: i64, tag: i32, i: usize) -> Vec<u8> {
    let mut b = Vec::with_capacity(rows * 29);
    for r in 0..rows {
        b.extend_from_slice(&stamp.to_le_bytes());
        let mut sym = [0u8; 8];
        let s = SYMS[(i + r) % 4].as_bytes();
        sym[..s.len()].copy_from_slice(s);
        b.extend_from_slice(&sym);
        b.extend_from_slice(&(stamp as f64).to_le_bytes());
        b.extend_from_slice(&tag.to_le_bytes());
        b.push(b'B');
    }
    b
}

/// Role `rfeed`: XADD each update (pipelined, replies drained on a thread, as an async
/// kdb+ feed does not wait), same phases as `feed`.
fn redis_feed(port: &str, stream: &str, rows: &str, n: &str) -> Res {
    let rows: usize = rows.parse().map_err(err)?;
    let n: usize = n.parse().map_err(err)?;
    let mut c = Resp::connect(port)?;
    let mut drain = Resp {
        w: c.w.try_clone().map_err(err)?,
        r: BufReader::new(c.w.try_clone().map_err(err)?),
    };
    let total = n + 1 + LAT_COUNT + 1;
    let drainer = std::thread::spawn(move || -> Res {
        for _ in 0..total {
            drain.reply()?;
        }
        Ok(())
    });
    let mut out = Vec::new();
    let mut xadd = |w: &mut TcpStream, rec: Vec<u8>| -> Res {
        out.clear();
        Resp::command(&[b"XADD", stream.as_bytes(), b"*", b"d", &rec], &mut out);
        w.write_all(&out).map_err(err)
    };
    for i in 0..n {
        xadd(&mut c.w, redis_rows(rows, now_ns(), 0, i))?;
    }
    xadd(&mut c.w, redis_rows(rows, now_ns(), -1, 0))?;
    std::thread::sleep(Duration::from_millis(300));
    let w = &mut c.w;
    pace(LAT_RATE, LAT_COUNT, |i| {
        xadd(w, redis_rows(rows, now_ns(), 1, i))
    })?;
    xadd(&mut c.w, redis_rows(rows, now_ns(), -2, 0))?;
    drainer.join().map_err(|_| "drain thread".to_string())?
}

/// Role `rsub`: XREAD BLOCK from the start of the (fresh) stream, same accounting as
/// `sub`.
fn redis_sub(port: &str, stream: &str) -> Res {
    let mut c = Resp::connect(port)?;
    let Reply::Simple(_) = c.call(&[b"PING"])? else {
        return Err("no PONG".into());
    };
    println!("ready");
    std::io::stdout().flush().map_err(err)?;
    let (mut tput, mut lat) = (Seen::default(), Seen::default());
    let mut last_id = b"0-0".to_vec();
    let mut phase = 0;
    while phase < 2 {
        let r = c.call(&[
            b"XREAD",
            b"COUNT",
            b"1000",
            b"BLOCK",
            b"0",
            b"STREAMS",
            stream.as_bytes(),
            &last_id,
        ])?;
        let recv = now_ns();
        let Reply::Array(Some(streams)) = r else {
            continue;
        };
        for s in streams {
            let Reply::Array(Some(mut kv)) = s else {
                continue;
            };
            let Some(Reply::Array(Some(entries))) = kv.pop() else {
                continue;
            };
            for e in entries {
                let Reply::Array(Some(mut e)) = e else {
                    continue;
                };
                let fields = e.pop();
                if let Some(Reply::Bulk(Some(id))) = e.pop() {
                    last_id = id;
                }
                let Some(Reply::Array(Some(mut f))) = fields else {
                    continue;
                };
                let Some(Reply::Bulk(Some(rec))) = f.pop() else {
                    continue;
                };
                let (Some(stamp), Some(tag)) = (rec.get(0..8), rec.get(24..28)) else {
                    continue;
                };
                let stamp = i64::from_le_bytes(stamp.try_into().map_err(err)?);
                let tag = i32::from_le_bytes(tag.try_into().map_err(err)?);
                if tag < 0 {
                    phase = phase.max(-tag);
                    continue;
                }
                let seen = if phase == 0 { &mut tput } else { &mut lat };
                seen.updates += 1;
                seen.rows += (rec.len() / 29) as u64;
                seen.first_send.get_or_insert(stamp);
                seen.lat.push(recv - stamp);
                seen.last_recv = recv;
            }
        }
    }
    println!("{}", tput.line());
    println!("{}", lat.line());
    Ok(())
}

// ---- the driver -------------------------------------------------------------------------

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawn this program in `role`, returning it and its stdout lines.
fn spawn_self(role: &[&str]) -> Res<(Proc, std::io::Lines<BufReader<std::process::ChildStdout>>)> {
    let exe = std::env::current_exe().map_err(err)?;
    let mut c = Command::new(exe)
        .args(role)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(err)?;
    let out = c.stdout.take().ok_or("no stdout")?;
    Ok((Proc(c), BufReader::new(out).lines()))
}

struct Row {
    system: String,
    mode: String,
    rows: usize,
    subs: usize,
    updates_s: f64,
    rows_s: f64,
    p50_us: f64,
    p99_us: f64,
    /// The server's CPU time (all threads, user + system) per update, both phases.
    cpu_us: f64,
}

/// One run's updates/s, rows/s, p50 µs, p99 µs and server CPU µs per update.
type Sample = [f64; 5];

impl Row {
    /// Each figure's median over the repeats (taken separately per column).
    fn median(system: &str, mode: &str, rows: usize, subs: usize, samples: &[Sample]) -> Row {
        let med = |i: usize| {
            let mut v: Vec<f64> = samples.iter().map(|s| s[i]).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            v.get(v.len() / 2).copied().unwrap_or(0.0)
        };
        Row {
            system: system.into(),
            mode: mode.into(),
            rows,
            subs,
            updates_s: med(0),
            rows_s: med(1),
            p50_us: med(2),
            p99_us: med(3),
            cpu_us: med(4),
        }
    }
}

/// CPU seconds (user + system) process `pid` has used, from /proc (USER_HZ is 100).
fn proc_cpu_s(pid: u32) -> Res<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(err)?;
    let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| -> Res<f64> {
        f.get(i)
            .ok_or("short /proc stat")?
            .parse::<f64>()
            .map_err(err)
    };
    // utime and stime are fields 14 and 15; `after` starts at field 3.
    Ok((tick(11)? + tick(12)?) / 100.0)
}

/// CPU seconds redis-server has used (`INFO cpu`: used_cpu_user + used_cpu_sys).
fn redis_cpu_s(c: &mut Resp) -> Res<f64> {
    let Reply::Bulk(Some(text)) = c.call(&[b"INFO", b"cpu"])? else {
        return Err("INFO cpu: no text".into());
    };
    let text = String::from_utf8_lossy(&text);
    let mut total = 0.0;
    for line in text.lines() {
        if let Some(v) = line
            .strip_prefix("used_cpu_user:")
            .or_else(|| line.strip_prefix("used_cpu_sys:"))
        {
            total += v.trim().parse::<f64>().map_err(err)?;
        }
    }
    Ok(total)
}

/// Start the subscribers and the feed, wait for all, and turn their lines into a row.
fn measure(
    sub_role: &[&str],
    feed_role: &[&str],
    subs: usize,
    n: usize,
) -> Res<(f64, f64, f64, f64)> {
    let mut ss = Vec::new();
    for _ in 0..subs {
        let (p, mut lines) = spawn_self(sub_role)?;
        match lines.next() {
            Some(Ok(l)) if l == "ready" => ss.push((p, lines)),
            other => return Err(format!("subscriber did not start: {other:?}")),
        }
    }
    let (mut f, _) = spawn_self(feed_role)?;
    let status = f.0.wait().map_err(err)?;
    if !status.success() {
        return Err(format!("feed failed: {status}"));
    }
    let (mut rate, mut rows_rate, mut p50s, mut p99) = (f64::MAX, f64::MAX, 0.0, 0.0f64);
    for (_p, mut lines) in ss {
        let mut next = || -> Res<Vec<i64>> {
            let l = lines.next().ok_or("subscriber ended early")?.map_err(err)?;
            l.split_whitespace()
                .map(|x| x.parse::<i64>().map_err(err))
                .collect()
        };
        let t = next()?;
        let l = next()?;
        let (updates, rows, span) = (t[0] as f64, t[1] as f64, (t[2].max(1)) as f64 / 1e9);
        if t[0] as usize != n {
            return Err(format!("a subscriber saw {} of {n} updates", t[0]));
        }
        rate = rate.min(updates / span);
        rows_rate = rows_rate.min(rows / span);
        p50s += l[3] as f64 / 1e3;
        p99 = p99.max(l[4] as f64 / 1e3);
    }
    Ok((rate, rows_rate, p50s / subs as f64, p99))
}

fn driver(a: &[&str]) -> Res {
    let qtick = std::env::var("QTICK_BIN")
        .unwrap_or_else(|_| format!("{}/target/release/qtick", env!("CARGO_MANIFEST_DIR")));
    // QTICK_BIN_BASELINE: an older build measured alongside, configuration by
    // configuration, so a before/after comparison shares the run's load.
    let mut bins = Vec::new();
    if let Some(b) = std::env::var("QTICK_BIN_BASELINE")
        .ok()
        .filter(|b| !b.is_empty())
    {
        bins.push((b, "qtick tp (baseline)"));
    }
    bins.push((qtick, "qtick tp"));
    let redis = std::env::var("REDIS_PORT").ok();
    let quick = a.contains(&"--quick");
    // `--reps N`: run every configuration N times and report each figure's median.
    let reps: usize = match a.iter().position(|x| *x == "--reps") {
        Some(i) => a
            .get(i + 1)
            .and_then(|x| x.parse().ok())
            .filter(|n| *n > 0)
            .ok_or("--reps wants a positive count")?,
        None => 1,
    };
    let n_for = |rows: usize| match (rows, quick) {
        (1, false) => 100_000,
        (1, true) => 20_000,
        (_, false) => 10_000,
        (_, true) => 2_000,
    };
    let mut out = Vec::new();
    let dir = std::env::temp_dir().join(format!("qtick-bench-{}", std::process::id()));
    // One run of `qtick tp` in a fresh directory: (updates/s, rows/s, p50, p99, CPU/update).
    let run_qtick = |qtick: &str, extra: &[&str], rows: usize, subs: usize| -> Res<Sample> {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(err)?;
        let mut tp = Command::new(qtick)
            .args(["tp", "sym", ".", "-p", "127.0.0.1:0W"])
            .args(extra)
            .current_dir(&dir)
            .env("QTICK_PRINT_PORT", "1")
            .env("QUDSPATH", "")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{qtick}: {e}"))?;
        let port = {
            let o = tp.stdout.take().ok_or("no stdout")?;
            let mut l = String::new();
            BufReader::new(o).read_line(&mut l).map_err(err)?;
            l.trim().to_string()
        };
        let pid = tp.id();
        let _tp = Proc(tp);
        let n = n_for(rows);
        let (ns, rs) = (n.to_string(), rows.to_string());
        let r = measure(&["sub", &port], &["feed", &port, &rs, &ns], subs, n)?;
        let cpu_us = proc_cpu_s(pid)? * 1e6 / (n + LAT_COUNT + 2) as f64;
        Ok([r.0, r.1, r.2, r.3, cpu_us])
    };
    for (mode, extra) in [("zero-latency", vec![]), ("-t 100", vec!["-t", "100"])] {
        for rows in [1usize, 100] {
            for subs in [1usize, 10] {
                let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); bins.len()];
                // Repeats interleave the builds, so a burst of load hits both alike.
                for _ in 0..reps {
                    for (b, (qtick, system)) in bins.iter().enumerate() {
                        let r = run_qtick(qtick, &extra, rows, subs)?;
                        eprintln!("{system} {mode} rows={rows} subs={subs}: {r:.1?}");
                        samples[b].push(r);
                    }
                }
                for (b, (_, system)) in bins.iter().enumerate() {
                    out.push(Row::median(system, mode, rows, subs, &samples[b]));
                }
            }
        }
    }
    if let Some(port) = &redis {
        for rows in [1usize, 100] {
            for subs in [1usize, 10] {
                let mut samples = Vec::new();
                for _ in 0..reps {
                    let stream = format!("tick-bench-{rows}-{subs}");
                    let mut c = Resp::connect(port)?;
                    c.call(&[b"DEL", stream.as_bytes()])?;
                    let n = n_for(rows);
                    let (ns, rs) = (n.to_string(), rows.to_string());
                    let cpu0 = redis_cpu_s(&mut c)?;
                    let r = measure(
                        &["rsub", port, &stream],
                        &["rfeed", port, &stream, &rs, &ns],
                        subs,
                        n,
                    )?;
                    let cpu_us = (redis_cpu_s(&mut c)? - cpu0) * 1e6 / (n + LAT_COUNT + 2) as f64;
                    c.call(&[b"DEL", stream.as_bytes()])?;
                    let r = [r.0, r.1, r.2, r.3, cpu_us];
                    eprintln!("redis rows={rows} subs={subs}: {r:.1?}");
                    samples.push(r);
                }
                out.push(Row::median(
                    "Redis Streams",
                    "XADD, appendfsync everysec",
                    rows,
                    subs,
                    &samples,
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "| system | mode | rows/update | subscribers | updates/s | rows/s | p50 latency | p99 latency | server CPU/update |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &out {
        println!(
            "| {} | {} | {} | {} | {:.0} | {:.0} | {} | {} | {:.1} µs |",
            r.system,
            r.mode,
            r.rows,
            r.subs,
            r.updates_s,
            r.rows_s,
            micros(r.p50_us),
            micros(r.p99_us),
            r.cpu_us
        );
    }
    if redis.is_some() {
        let base = bins.len() > 1;
        println!();
        print!("| rows/update | subscribers | qtick zero-latency ÷ Redis, updates/s | Redis p99 ÷ qtick p99 | qtick CPU/update ÷ Redis |");
        println!(
            "{}",
            if base {
                " qtick ÷ baseline, updates/s | qtick ÷ baseline, CPU/update |"
            } else {
                ""
            }
        );
        println!(
            "|---:|---:|---:|---:|---:|{}",
            if base { "---:|---:|" } else { "" }
        );
        for rows in [1usize, 100] {
            for subs in [1usize, 10] {
                let find = |sys: &str, mode: &str| {
                    out.iter().find(|r| {
                        r.system == sys
                            && r.mode.starts_with(mode)
                            && r.rows == rows
                            && r.subs == subs
                    })
                };
                if let (Some(q), Some(r)) =
                    (find("qtick tp", "zero"), find("Redis Streams", "XADD"))
                {
                    print!(
                        "| {rows} | {subs} | {:.2} | {:.2} | {:.2} |",
                        q.updates_s / r.updates_s,
                        r.p99_us / q.p99_us,
                        q.cpu_us / r.cpu_us
                    );
                    match find("qtick tp (baseline)", "zero") {
                        Some(b) => println!(
                            " {:.2} | {:.2} |",
                            q.updates_s / b.updates_s,
                            q.cpu_us / b.cpu_us
                        ),
                        None => println!(),
                    }
                }
            }
        }
    }
    Ok(())
}

fn micros(us: f64) -> String {
    if us >= 1000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}
