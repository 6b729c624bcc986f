//! `qtick log check|repair|cat|stats FILE`: operator tools over tick logs.
//!
//! Each tool writes its report to the writer it is given (stdout from the CLI) and
//! shows a percentage on stderr while walking a large file from a terminal. `repair`
//! is the only code in qtick that shortens a log, and it keeps a full copy first.

use super::read::{Chunks, Extent, Next};
use super::HEADER;
use crate::lang::display;
use qipc::{Sym, K};
use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Files smaller than this are walked without a progress display.
const PROGRESS_FROM: u64 = 32 << 20;

/// A percentage on stderr, redrawn when it changes; silent off a terminal.
struct Progress {
    total: u64,
    shown: Option<u64>,
    on: bool,
}

impl Progress {
    fn new(total: Option<u64>) -> Progress {
        let total = total.unwrap_or(0);
        Progress {
            total,
            shown: None,
            on: total >= PROGRESS_FROM && io::stderr().is_terminal(),
        }
    }

    fn at(&mut self, pos: u64) {
        if !self.on {
            return;
        }
        let pct = pos.saturating_mul(100) / self.total.max(1);
        if self.shown != Some(pct) {
            self.shown = Some(pct);
            eprint!("\r{pct:3}%");
        }
    }

    fn done(&mut self) {
        if self.on && self.shown.is_some() {
            eprint!("\r    \r");
        }
    }
}

/// Walk a whole log, reporting progress.
fn walk(path: &Path, mut each: impl FnMut(&K, u64, usize) -> io::Result<()>) -> io::Result<Extent> {
    let mut c = Chunks::open(path)?;
    let mut p = Progress::new(c.limit());
    loop {
        match c.next_chunk() {
            Ok(Next::Chunk { value, offset, len }) => {
                p.at(offset + len as u64);
                each(&value, offset, len)?;
            }
            Ok(Next::End | Next::BadTail) => break,
            Err(e) => {
                p.done();
                return Err(e);
            }
        }
    }
    p.done();
    c.extent()
}

/// One line describing a log's state.
pub fn describe(path: &Path, x: &Extent) -> String {
    if x.is_clean() {
        format!(
            "{}: {} chunks, {} bytes, clean; -11!(-2;x) is {}",
            path.display(),
            x.chunks,
            x.file_bytes,
            x.chunks
        )
    } else if x.valid_bytes < HEADER.len() as u64 {
        format!(
            "{}: not a tick log (no ff01 list header), {} bytes; -11!(-2;x) is 0 0",
            path.display(),
            x.file_bytes
        )
    } else {
        format!(
            "{}: BAD TAIL: {} valid chunks in the first {} of {} bytes ({} bytes after the last \
             valid chunk); -11!(-2;x) is {} {}",
            path.display(),
            x.chunks,
            x.valid_bytes,
            x.file_bytes,
            x.file_bytes - x.valid_bytes,
            x.chunks,
            x.valid_bytes
        )
    }
}

/// `qtick log check`: report the valid chunks and bytes; Ok(true) when the log is clean.
pub fn check(path: &Path, out: &mut dyn Write) -> io::Result<bool> {
    let x = walk(path, |_, _, _| Ok(()))?;
    writeln!(out, "{}", describe(path, &x))?;
    Ok(x.is_clean())
}

/// What [`repair`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct Repaired {
    pub before: Extent,
    /// The full copy of the damaged file; None when nothing needed repair.
    pub backup: Option<PathBuf>,
}

/// A backup name that does not exist yet: `FILE.bak`, else `FILE.bak.<unix seconds>[.n]`.
fn backup_name(path: &Path) -> PathBuf {
    let mut base = path.as_os_str().to_owned();
    base.push(".bak");
    let first = PathBuf::from(&base);
    if !first.exists() {
        return first;
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    base.push(format!(".{secs}"));
    let mut name = PathBuf::from(&base);
    let mut n = 1;
    while name.exists() {
        let mut b = base.clone();
        b.push(format!(".{n}"));
        name = PathBuf::from(b);
        n += 1;
    }
    name
}

/// `qtick log repair`: cut a damaged log back to its last valid chunk (rewrite the header
/// if even that is damaged), after copying the whole file to a backup. Refuses a log that
/// a tickerplant holds open.
pub fn repair(path: &Path) -> io::Result<Repaired> {
    let f = OpenOptions::new().read(true).write(true).open(path)?;
    super::lock(&f, path)?;
    let before = walk(path, |_, _, _| Ok(()))?;
    if before.is_clean() {
        return Ok(Repaired {
            before,
            backup: None,
        });
    }
    let backup = backup_name(path);
    std::fs::copy(path, &backup)?;
    std::fs::File::open(&backup)?.sync_all()?;
    if before.valid_bytes < HEADER.len() as u64 {
        f.set_len(0)?;
        (&f).write_all(&HEADER)?;
    } else {
        f.set_len(before.valid_bytes)?;
    }
    f.sync_all()?;
    Ok(Repaired {
        before,
        backup: Some(backup),
    })
}

/// What [`salvage`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct Salvaged {
    pub before: Extent,
    /// Chunks in the salvaged log.
    pub kept: i64,
    /// Byte ranges `[from, to)` of the original that were dropped.
    pub dropped: Vec<(u64, u64)>,
    /// The original file, renamed; None when nothing needed repair.
    pub backup: Option<PathBuf>,
}

/// Whether `w` (at least 7 bytes) looks like the start of a `(`name;...)` chunk: a general
/// list of 2 to 64 items whose first item is a symbol atom.
fn chunk_start(w: &[u8]) -> bool {
    match w {
        [0, attr, n0, n1, n2, n3, 0xf5, ..] => {
            let n = u32::from_le_bytes([*n0, *n1, *n2, *n3]);
            *attr <= 4 && (2..=64).contains(&n)
        }
        _ => false,
    }
}

/// The first offset in `(from, limit)` where a whole `(`name;...)` chunk starts.
fn next_chunk_start(f: &std::fs::File, from: u64, limit: u64) -> io::Result<Option<u64>> {
    use std::io::{Read, Seek, SeekFrom};
    const WINDOW: usize = 1 << 20;
    let mut at = from + 1;
    let mut buf = vec![0u8; WINDOW];
    let mut src = f;
    while at < limit {
        src.seek(SeekFrom::Start(at))?;
        let want = usize::try_from(limit - at)
            .unwrap_or(usize::MAX)
            .min(WINDOW);
        let mut got = 0;
        while got < want {
            match src.read(&mut buf[got..want])? {
                0 => break,
                n => got += n,
            }
        }
        let w = &buf[..got];
        for i in 0..got {
            if !chunk_start(&w[i..]) {
                continue;
            }
            let off = at + i as u64;
            src.seek(SeekFrom::Start(off))?;
            let mut c = Chunks::resume(src, off, limit);
            if let Next::Chunk {
                value: K::List(_), ..
            } = c.next_chunk()?
            {
                return Ok(Some(off));
            }
        }
        // Windows overlap by the 7 bytes a start test reads.
        if got < 8 {
            break;
        }
        at += (got - 7) as u64;
    }
    Ok(None)
}

/// `qtick log repair --salvage`: like [`repair`], but instead of dropping everything
/// after the first bad chunk, skip each damaged region and keep the chunks after it
/// (chunks are recognised as `(`name;...)` lists, the shape of every tick update). The
/// salvaged log is written beside the original, which is then renamed to the backup.
pub fn salvage(path: &Path) -> io::Result<Salvaged> {
    let f = OpenOptions::new().read(true).write(true).open(path)?;
    super::lock(&f, path)?;
    let before = walk(path, |_, _, _| Ok(()))?;
    if before.is_clean() {
        return Ok(Salvaged {
            before,
            kept: before.chunks,
            dropped: Vec::new(),
            backup: None,
        });
    }
    let limit = before.file_bytes;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".salvage");
    let tmp = PathBuf::from(tmp);
    // Left by an interrupted salvage: the original is still intact, so start again.
    let _ = std::fs::remove_file(&tmp);
    let mut out = io::BufWriter::new(OpenOptions::new().write(true).create_new(true).open(&tmp)?);
    out.write_all(&HEADER)?;
    let mut kept = 0;
    let mut pos = HEADER.len() as u64;
    if before.valid_bytes >= pos {
        let mut c = Chunks::open(path)?;
        while let Next::Chunk { len, .. } = c.next_chunk()? {
            out.write_all(c.last_bytes(len))?;
            kept += 1;
        }
        pos = c.position();
    } else {
        pos = 0;
    }
    let mut dropped = Vec::new();
    let mut src = &f;
    loop {
        let Some(start) = next_chunk_start(src, pos, limit)? else {
            dropped.push((pos, limit));
            break;
        };
        dropped.push((pos, start));
        use std::io::Seek;
        src.seek(io::SeekFrom::Start(start))?;
        let mut c = Chunks::resume(src, start, limit);
        let clean = loop {
            match c.next_chunk()? {
                Next::Chunk { len, .. } => {
                    out.write_all(c.last_bytes(len))?;
                    kept += 1;
                }
                Next::End => break true,
                Next::BadTail => break false,
            }
        };
        pos = c.position();
        if clean {
            break;
        }
    }
    let out = out.into_inner().map_err(|e| e.into_error())?;
    out.sync_all()?;
    let backup = backup_name(path);
    std::fs::rename(path, &backup)?;
    std::fs::rename(&tmp, path)?;
    super::sync_dir(path)?;
    Ok(Salvaged {
        before,
        kept,
        dropped,
        backup: Some(backup),
    })
}

/// `qtick log cat`: each chunk as q text, one per line (optionally only the first
/// `limit`, optionally prefixed by its number, offset and length). Ok(false) when the log
/// ends in a bad tail.
pub fn cat(
    path: &Path,
    limit: Option<u64>,
    offsets: bool,
    out: &mut dyn Write,
) -> io::Result<bool> {
    let opts = display::Opts::default();
    let mut c = Chunks::open(path)?;
    let limit = limit.unwrap_or(u64::MAX);
    while (c.count() as u64) < limit {
        match c.next_chunk()? {
            Next::Chunk { value, offset, len } => {
                if offsets {
                    write!(out, "{} @{offset}+{len}: ", c.count() - 1)?;
                }
                writeln!(out, "{}", display::inline(&value, &opts))?;
            }
            Next::End => break,
            Next::BadTail => {
                eprintln!("{}", describe(path, &c.extent()?));
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// `qtick log append`: evaluate each q expression in a fresh interpreter and append its
/// value as one chunk (`h enlist value`), creating the log with q's header when it does
/// not exist. Returns the log's chunk count afterwards. Nothing is appended for an
/// expression that fails; the error names the expression.
pub fn append_exprs(path: &Path, exprs: impl IntoIterator<Item = String>) -> io::Result<i64> {
    let mut it = crate::lang::eval::Interp::new();
    let mut j = super::Journal::create_or_open(path)?;
    for e in exprs {
        if e.trim().is_empty() {
            continue;
        }
        let v = it
            .eval_str(&e)
            .map_err(|err| io::Error::new(io::ErrorKind::InvalidInput, format!("{e}: {err}")))?;
        j.append_value(&v)?;
    }
    Ok(j.count())
}

/// Messages and rows per table, and chunks of other shapes by their first item.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// table -> (messages, rows) for `(`upd;table;data)` chunks.
    pub tables: BTreeMap<String, (u64, u64)>,
    /// Other chunks by the name of their function (or a description of their shape).
    pub other: BTreeMap<String, u64>,
    pub extent: Option<Extent>,
}

/// Rows in an update's data as `upd`/`insert` sees them: a table's rows; a list of
/// columns' length; one row for a list of atoms, a simple vector, or a dictionary.
pub fn rows_of(x: &K) -> u64 {
    match x {
        K::Table(t) => t.rows() as u64,
        K::List(l) => match l.items.first() {
            Some(first) if !first.is_atom() => first.len() as u64,
            Some(_) => 1,
            None => 0,
        },
        K::Dict(d) if !matches!(d.keys, K::Table(_)) => 1,
        K::Dict(d) => d.keys.len() as u64,
        _ => 1,
    }
}

fn tally(s: &mut Stats, chunk: &K) {
    if let K::List(l) = chunk {
        if let [f, t, x] = l.items.as_slice() {
            if f.as_sym() == Some(Sym::from_text("upd")) {
                if let Some(t) = t.as_sym() {
                    let e = s.tables.entry(t.as_str().into_owned()).or_default();
                    e.0 += 1;
                    e.1 += rows_of(x);
                    return;
                }
            }
        }
        if let Some(f) = l.items.first().and_then(K::as_sym) {
            *s.other.entry(format!("`{}", f.as_str())).or_default() += 1;
            return;
        }
    }
    *s.other.entry(format!("type {}h", chunk.ty())).or_default() += 1;
}

/// `qtick log stats`: gather [`Stats`] over the whole log.
pub fn stats(path: &Path) -> io::Result<Stats> {
    let mut s = Stats::default();
    let x = walk(path, |k, _, _| {
        tally(&mut s, k);
        Ok(())
    })?;
    s.extent = Some(x);
    Ok(s)
}

/// Print [`Stats`] as a small table.
pub fn print_stats(path: &Path, s: &Stats, out: &mut dyn Write) -> io::Result<()> {
    if let Some(x) = &s.extent {
        writeln!(out, "{}", describe(path, x))?;
    }
    let w = s.tables.keys().map(String::len).max().unwrap_or(0).max(5);
    writeln!(out, "{:<w$}  {:>10}  {:>12}", "table", "messages", "rows")?;
    let (mut m, mut r) = (0, 0);
    for (t, (msgs, rows)) in &s.tables {
        writeln!(out, "{t:<w$}  {msgs:>10}  {rows:>12}")?;
        m += msgs;
        r += rows;
    }
    writeln!(out, "{:<w$}  {m:>10}  {r:>12}", "total")?;
    for (what, n) in &s.other {
        writeln!(out, "other chunks {what}: {n}")?;
    }
    Ok(())
}
