//! qSQL benchmark, qtick's side: loads the trade and quote tables that
//! `benches/peers/qsql_peers.py` generated (raw little-endian columns, so no parsing is timed),
//! runs each q query in the interpreter (`Interp::eval_str`) several times and prints one JSON
//! line per query with every run's time; the last run's result is written back as raw columns
//! so the Python side can check that qtick, DuckDB and Polars answered the same.
//!
//! Not a criterion benchmark: the peers run in another process on the same data, and the
//! comparison (medians, ratios, result checks) is made by the Python script. Run it through
//! `scripts/bench-qsql.sh`; by hand:
//!
//!     cargo bench --bench qsql -- --data DIR --queries FILE [--runs N] [--out DIR] [--only NAME]

use qipc::{Data, Sym, Ty, K};
use qtick::lang::eval::Interp;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Nanoseconds from 1970.01.01 (numpy's epoch) to 2000.01.01 (q's).
const EPOCH_2000_NS: i64 = 946_684_800_000_000_000;

struct Args {
    data: PathBuf,
    queries: PathBuf,
    out: Option<PathBuf>,
    runs: usize,
    only: Option<String>,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut data = None;
    let mut queries = None;
    let mut out = None;
    let mut runs = 5;
    let mut only = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--data" => data = it.next().map(PathBuf::from),
            "--queries" => queries = it.next().map(PathBuf::from),
            "--out" => out = it.next().map(PathBuf::from),
            "--only" => only = it.next(),
            "--runs" => {
                runs = it
                    .next()
                    .and_then(|r| r.parse().ok())
                    .ok_or("--runs takes a count")?
            }
            // `cargo bench` passes --bench; filters meant for other benches are ignored.
            _ => {}
        }
    }
    match (data, queries) {
        (Some(data), Some(queries)) => Ok(Some(Args {
            data,
            queries,
            out,
            runs: runs.max(1),
            only,
        })),
        _ => Ok(None),
    }
}

fn read(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    let p = dir.join(name);
    std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))
}

fn le_i64(b: &[u8]) -> Vec<i64> {
    b.chunks_exact(8)
        .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect()
}

fn le_f64(b: &[u8]) -> Vec<f64> {
    le_i64(b)
        .into_iter()
        .map(|x| f64::from_bits(x as u64))
        .collect()
}

fn le_i32(b: &[u8]) -> Vec<i32> {
    b.chunks_exact(4)
        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// A symbol column from its codes into the symbol list.
fn sym_col(codes: &[i32], names: &[Sym]) -> Result<K, String> {
    let v = codes
        .iter()
        .map(|&c| {
            usize::try_from(c)
                .ok()
                .and_then(|c| names.get(c).copied())
                .ok_or_else(|| format!("symbol code {c} out of range"))
        })
        .collect::<Result<Vec<Sym>, String>>()?;
    Ok(K::syms(v))
}

/// Timestamps stored as nanoseconds since 1970 become q timestamps (since 2000).
fn stamp_col(unix_ns: Vec<i64>) -> K {
    K::i64s_of(
        Ty::Timestamp,
        unix_ns.into_iter().map(|t| t - EPOCH_2000_NS).collect(),
    )
}

/// `trade` (time sym price size) and `quote` (time sym bid ask), set as globals.
fn load(it: &mut Interp, dir: &Path) -> Result<(usize, usize), String> {
    let names: Vec<Sym> = String::from_utf8(read(dir, "syms.txt")?)
        .map_err(|e| format!("syms.txt: {e}"))?
        .lines()
        .map(Sym::from_text)
        .collect();
    let trade = K::table(
        ["time", "sym", "price", "size"]
            .into_iter()
            .map(Sym::from_text)
            .collect(),
        vec![
            stamp_col(le_i64(&read(dir, "trade.time.i64")?)),
            sym_col(&le_i32(&read(dir, "trade.sym.i32")?), &names)?,
            K::floats(le_f64(&read(dir, "trade.price.f64")?)),
            K::longs(le_i64(&read(dir, "trade.size.i64")?)),
        ],
    );
    let quote = K::table(
        ["time", "sym", "bid", "ask"]
            .into_iter()
            .map(Sym::from_text)
            .collect(),
        vec![
            stamp_col(le_i64(&read(dir, "quote.time.i64")?)),
            sym_col(&le_i32(&read(dir, "quote.sym.i32")?), &names)?,
            K::floats(le_f64(&read(dir, "quote.bid.f64")?)),
            K::floats(le_f64(&read(dir, "quote.ask.f64")?)),
        ],
    );
    for t in [&trade, &quote] {
        let K::Table(tb) = t else {
            return Err("K::table did not build a table".into());
        };
        if tb.cols.iter().any(|c| c.len() != tb.rows()) {
            return Err("column files of unequal length".into());
        }
    }
    let (nt, nq) = (trade.len(), quote.len());
    it.set_global(Sym::from_text("trade"), Sym::NULL, trade);
    it.set_global(Sym::from_text("quote"), Sym::NULL, quote);
    Ok((nt, nq))
}

/// `name<TAB>q expression` lines; blank lines and `#` comments skipped.
fn read_queries(p: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.split_once('\t')
                .map(|(n, q)| (n.to_string(), q.to_string()))
                .ok_or_else(|| format!("query line without a tab: {l}"))
        })
        .collect()
}

/// A keyed table's key and value columns side by side; a table as it is.
fn flat_columns(r: &K) -> Result<Vec<(Sym, K)>, String> {
    match r {
        K::Table(t) => Ok(t
            .names
            .iter()
            .copied()
            .zip(t.cols.iter().cloned())
            .collect()),
        K::Dict(d) => {
            let mut cols = flat_columns(&d.keys)?;
            cols.extend(flat_columns(&d.vals)?);
            Ok(cols)
        }
        other => Err(format!("result of type {} is not a table", other.ty())),
    }
}

/// Writes each result column as `<query>.<column>.<kind>`: raw little-endian numbers
/// (timestamps back on numpy's epoch) or one symbol per line.
fn dump(dir: &Path, query: &str, r: &K) -> Result<Vec<String>, String> {
    let mut files = Vec::new();
    for (name, col) in flat_columns(r)? {
        let K::Vector(v) = &col else {
            return Err(format!("{query}: column {name} is not a simple vector"));
        };
        let (kind, bytes): (&str, Vec<u8>) = match (&v.data, v.ty) {
            (Data::I64(x), Ty::Timestamp) => (
                "i64",
                x.iter()
                    .flat_map(|t| (t + EPOCH_2000_NS).to_le_bytes())
                    .collect(),
            ),
            (Data::I64(x), _) => ("i64", x.iter().flat_map(|t| t.to_le_bytes()).collect()),
            (Data::I32(x), _) => ("i32", x.iter().flat_map(|t| t.to_le_bytes()).collect()),
            (Data::F64(x), _) => ("f64", x.iter().flat_map(|t| t.to_le_bytes()).collect()),
            (Data::Sym(x), _) => (
                "sym",
                x.iter()
                    .flat_map(|s| {
                        let mut b = s.as_bytes().to_vec();
                        b.push(b'\n');
                        b
                    })
                    .collect(),
            ),
            _ => {
                return Err(format!(
                    "{query}: column {name} of type {} not dumped",
                    col.ty()
                ))
            }
        };
        let file = format!("{query}.{name}.{kind}");
        let p = dir.join(&file);
        std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
        files.push(file);
    }
    Ok(files)
}

/// CPU time this thread has run, in seconds (the kernel's scheduler accounting, in
/// nanoseconds); `None` where /proc does not offer it. Large kernels also run on worker
/// threads, whose time this leaves out: it is the calling thread's share only.
fn thread_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn run(a: Args) -> Result<(), String> {
    // The memory settings `qtick q` starts with (freed blocks kept for reuse, as q does), so
    // the queries run as they do in the q process.
    qtick::memory::keep_freed_memory();
    let mut it = Interp::new();
    let t0 = Instant::now();
    let (nt, nq) = load(&mut it, &a.data)?;
    eprintln!(
        "qtick: loaded {nt} trades, {nq} quotes in {:.1}s",
        t0.elapsed().as_secs_f64()
    );
    if let Some(o) = &a.out {
        std::fs::create_dir_all(o).map_err(|e| format!("{}: {e}", o.display()))?;
    }
    for (name, q) in read_queries(&a.queries)? {
        if a.only.as_ref().is_some_and(|o| o != &name) {
            continue;
        }
        let mut times = Vec::with_capacity(a.runs);
        let mut cpu = Vec::with_capacity(a.runs);
        let mut last = None;
        for _ in 0..a.runs {
            // The previous result is dropped before the clock starts, as the peers free theirs.
            drop(last.take());
            let c = thread_cpu();
            let t = Instant::now();
            let r = it.eval_str(&q);
            times.push(t.elapsed().as_secs_f64());
            if let (Some(c0), Some(c1)) = (c, thread_cpu()) {
                cpu.push(c1 - c0);
            }
            match r {
                Ok(r) => last = Some(r),
                Err(e) => {
                    // A query qtick cannot answer yet is reported, and the others still run.
                    println!(
                        "{{\"query\":{},\"error\":{}}}",
                        json_str(&name),
                        json_str(&e.to_string())
                    );
                    break;
                }
            }
        }
        if last.is_none() {
            continue;
        }
        let files = match (&a.out, &last) {
            (Some(o), Some(r)) => dump(o, &name, r)?,
            _ => Vec::new(),
        };
        let rows = last.as_ref().map_or(0, K::len);
        println!(
            "{{\"query\":{},\"times\":{:?},\"cpu\":{:?},\"rows\":{rows},\"files\":{}}}",
            json_str(&name),
            times,
            cpu,
            serde_json::Value::from(files)
        );
    }
    Ok(())
}

fn main() {
    match parse_args() {
        Ok(Some(a)) => {
            if let Err(e) = run(a) {
                eprintln!("qsql bench: {e}");
                std::process::exit(1);
            }
        }
        Ok(None) => eprintln!(
            "qsql bench: needs --data DIR --queries FILE; run scripts/bench-qsql.sh, which \
             generates the data and compares qtick with DuckDB and Polars"
        ),
        Err(e) => {
            eprintln!("qsql bench: {e}");
            std::process::exit(2);
        }
    }
}
