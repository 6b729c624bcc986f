//! Reading tick logs: the chunk iterator every reader shares (`-11!`, `qtick log`,
//! start-up counting), and the whole-file answers built on it.
//!
//! A chunk is valid when it is one complete object that `qipc::decode_payload` accepts;
//! the first chunk that is not ends the valid part of the file (q's "bad tail"),
//! whatever follows it. Memory is bounded by the largest chunk, never the file.

use super::scan::{object_end, Stop};
use super::HEADER;
use qipc::{Limits, K};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// How much of a log is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extent {
    /// Complete chunks from the start of the file.
    pub chunks: i64,
    /// Offset just past the last complete chunk (the 8-byte header included); 0 when the
    /// header itself is missing or wrong.
    pub valid_bytes: u64,
    /// Size of the file.
    pub file_bytes: u64,
}

impl Extent {
    /// True when the valid part is the whole file (a file without a whole header never is).
    pub fn is_clean(&self) -> bool {
        self.valid_bytes == self.file_bytes && self.valid_bytes >= HEADER.len() as u64
    }
}

/// One step of a [`Chunks`] walk.
#[derive(Debug)]
pub enum Next {
    /// A complete chunk: its value, where it starts in the file and its length.
    Chunk { value: K, offset: u64, len: usize },
    /// The file ends cleanly after the last chunk.
    End,
    /// Bytes follow the last valid chunk that do not form one (or the header is wrong).
    BadTail,
}

/// Smallest read from the source.
const READ_BLOCK: usize = 1 << 16;

/// The chunks of a log, in order, from any byte source.
pub struct Chunks<R> {
    src: R,
    buf: Vec<u8>,
    /// First unconsumed byte of `buf`.
    start: usize,
    /// File offset of `buf[0]`.
    base: u64,
    /// Bytes in the source, when known (regular files); u64::MAX for pipes.
    limit: u64,
    eof: bool,
    header_read: bool,
    chunks: i64,
    /// Set once the walk has ended (cleanly or not) so later calls repeat the answer.
    done: Option<bool>,
    limits: Limits,
}

impl Chunks<File> {
    /// Open a log file. A regular file's size bounds every chunk; anything else (a named
    /// pipe) is read to its end.
    pub fn open(path: &Path) -> io::Result<Chunks<File>> {
        let f = File::open(path)?;
        let md = f.metadata()?;
        let limit = if md.is_file() { md.len() } else { u64::MAX };
        Ok(Chunks::new(f, limit))
    }
}

impl<R: Read> Chunks<R> {
    /// Walk `src`, which holds `limit` bytes (u64::MAX when unknown).
    pub fn new(src: R, limit: u64) -> Chunks<R> {
        Chunks {
            src,
            buf: Vec::new(),
            start: 0,
            base: 0,
            limit,
            eof: false,
            header_read: false,
            chunks: 0,
            done: None,
            limits: Limits {
                max_depth: 512,
                max_message: u64::MAX,
            },
        }
    }

    /// Walk the chunks of a log from file offset `offset` (past the header), `src` being
    /// positioned there, in a source of `limit` bytes in all.
    pub fn resume(src: R, offset: u64, limit: u64) -> Chunks<R> {
        let mut c = Chunks::new(src, limit);
        c.base = offset;
        c.header_read = true;
        c
    }

    /// Complete chunks returned so far.
    pub fn count(&self) -> i64 {
        self.chunks
    }

    /// Offset just past the last complete chunk returned (the header once it is read).
    pub fn position(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Size of the source when known.
    pub fn limit(&self) -> Option<u64> {
        (self.limit != u64::MAX).then_some(self.limit)
    }

    /// The bytes of the chunk last returned by [`Chunks::next_chunk`].
    pub fn last_bytes(&self, len: usize) -> &[u8] {
        self.buf
            .get(self.start.saturating_sub(len)..self.start)
            .unwrap_or(&[])
    }

    /// Make at least `want` unconsumed bytes available, or reach the end of the source.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.base += self.start as u64;
            self.start = 0;
        }
        while !self.eof && self.buf.len() - self.start < want {
            let need = want - (self.buf.len() - self.start);
            let room = need.max(READ_BLOCK);
            let room = match self.limit {
                u64::MAX => room,
                l => {
                    // The size at open is the end: bytes a writer appends later are not read.
                    let left = l.saturating_sub(self.base + self.buf.len() as u64);
                    if left == 0 {
                        self.eof = true;
                        break;
                    }
                    room.min(usize::try_from(left).unwrap_or(usize::MAX))
                }
            };
            let old = self.buf.len();
            self.buf.resize(old + room, 0);
            match self.src.read(&mut self.buf[old..]) {
                Ok(0) => {
                    self.buf.truncate(old);
                    self.eof = true;
                }
                Ok(n) => self.buf.truncate(old + n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.buf.truncate(old),
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    fn end(&mut self, clean: bool) -> Next {
        self.done = Some(clean);
        if clean {
            Next::End
        } else {
            Next::BadTail
        }
    }

    /// The next chunk, the clean end, or the bad tail.
    pub fn next_chunk(&mut self) -> io::Result<Next> {
        if let Some(clean) = self.done {
            return Ok(if clean { Next::End } else { Next::BadTail });
        }
        if !self.header_read {
            self.fill(HEADER.len())?;
            let h = &self.buf[self.start..];
            // Magic ff01, then a general list (type 0, any attribute); q leaves the item
            // count at 0 and readers ignore it.
            if h.len() < HEADER.len() || h[..3] != HEADER[..3] || h[3] > 4 {
                return Ok(self.end(false));
            }
            self.start += HEADER.len();
            self.header_read = true;
        }
        let mut want = READ_BLOCK;
        loop {
            self.fill(want)?;
            let avail = &self.buf[self.start..];
            if avail.is_empty() && self.eof {
                return Ok(self.end(true));
            }
            let limit = match self.limit {
                u64::MAX if self.eof => avail.len() as u64,
                u64::MAX => u64::MAX,
                l => l.saturating_sub(self.position()),
            };
            match object_end(avail, limit) {
                Ok(n) => {
                    let value = match qipc::decode_payload(&avail[..n], true, &self.limits) {
                        Ok(K::Error(_)) | Err(_) => return Ok(self.end(false)),
                        Ok(v) => v,
                    };
                    let offset = self.position();
                    self.start += n;
                    self.chunks += 1;
                    return Ok(Next::Chunk {
                        value,
                        offset,
                        len: n,
                    });
                }
                Err(Stop::Bad) => return Ok(self.end(false)),
                Err(Stop::Short) if self.eof => return Ok(self.end(false)),
                Err(Stop::Short) => want = avail.len().saturating_mul(2).max(READ_BLOCK),
            }
        }
    }

    /// Walk to the end: how much of the source is valid.
    pub fn extent(mut self) -> io::Result<Extent> {
        while let Next::Chunk { .. } = self.next_chunk()? {}
        let valid_bytes = if self.header_read { self.position() } else { 0 };
        let file_bytes = match self.limit {
            u64::MAX => {
                // A pipe: what was read is all there is.
                self.base + self.buf.len() as u64
            }
            l => l,
        };
        Ok(Extent {
            chunks: self.chunks,
            valid_bytes,
            file_bytes,
        })
    }
}

/// `-11!(-2;x)`: count the valid chunks of a log without evaluating them.
pub fn count_valid(path: &Path) -> io::Result<Extent> {
    Chunks::open(path)?.extent()
}

/// Why a replay stopped early.
#[derive(Debug)]
pub enum ReplayError<E> {
    Io(io::Error),
    /// The file has a bad tail before the requested chunks were all replayed; the chunks
    /// before it were handed to the callback.
    BadTail(Extent),
    /// The callback refused a chunk (replay stops there, as q's does on an error).
    Stopped(E),
}

impl<E: std::fmt::Display> std::fmt::Display for ReplayError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayError::Io(e) => write!(f, "{e}"),
            ReplayError::BadTail(x) => write!(
                f,
                "badtail: {} valid chunks in the first {} of {} bytes",
                x.chunks, x.valid_bytes, x.file_bytes
            ),
            ReplayError::Stopped(e) => write!(f, "{e}"),
        }
    }
}

/// Hand the first `n` chunks of the log at `path` (all when None) to `f`, in order;
/// returns how many were handed over. A bad tail met before `n` chunks is an error
/// (q's `'badtail`); one beyond the `n`th chunk is never read.
pub fn replay<E>(
    path: &Path,
    n: Option<i64>,
    mut f: impl FnMut(K) -> Result<(), E>,
) -> Result<i64, ReplayError<E>> {
    let mut c = Chunks::open(path).map_err(ReplayError::Io)?;
    let n = n.unwrap_or(i64::MAX);
    while c.count() < n {
        match c.next_chunk().map_err(ReplayError::Io)? {
            Next::Chunk { value, .. } => f(value).map_err(ReplayError::Stopped)?,
            Next::End => break,
            Next::BadTail => {
                return Err(ReplayError::BadTail(c.extent().map_err(ReplayError::Io)?))
            }
        }
    }
    Ok(c.count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(chunks: &[K]) -> Vec<u8> {
        let mut b = HEADER.to_vec();
        for k in chunks {
            b.extend_from_slice(&super::super::chunk_bytes(k).unwrap_or_default());
        }
        b
    }

    fn sample() -> Vec<K> {
        (0..50)
            .map(|i| {
                K::list(vec![
                    K::sym("upd"),
                    K::sym(if i % 2 == 0 { "trade" } else { "quote" }),
                    K::list(vec![K::longs(vec![i; (i as usize) * 4]), K::syms(["a"])]),
                ])
            })
            .collect()
    }

    fn extent_of(b: &[u8], known: bool) -> Extent {
        let limit = if known { b.len() as u64 } else { u64::MAX };
        Chunks::new(b, limit).extent().unwrap_or(Extent {
            chunks: -1,
            valid_bytes: 0,
            file_bytes: 0,
        })
    }

    #[test]
    fn clean_log_counts_every_chunk() {
        let ks = sample();
        let b = log_of(&ks);
        for known in [true, false] {
            let x = extent_of(&b, known);
            assert_eq!(x.chunks, 50);
            assert!(x.is_clean());
        }
        let mut c = Chunks::new(&b[..], b.len() as u64);
        let mut got = Vec::new();
        while let Ok(Next::Chunk { value, .. }) = c.next_chunk() {
            got.push(value);
        }
        assert_eq!(got, ks);
    }

    #[test]
    fn every_truncation_reports_the_last_whole_chunk() {
        let ks = sample();
        let ends = ends_of(&ks);
        let b = log_of(&ks);
        // Every cut inside the first chunks, and a sample of the rest.
        let cuts = (0..600).chain((600..b.len()).step_by(61));
        for cut in cuts {
            let whole = ends.iter().filter(|&&e| e <= cut).count();
            for known in [true, false] {
                let x = extent_of(&b[..cut], known);
                if cut < HEADER.len() {
                    assert_eq!((x.chunks, x.valid_bytes), (0, 0), "cut {cut}");
                } else {
                    assert_eq!(x.chunks as usize, whole - 1, "cut {cut}");
                    assert_eq!(x.valid_bytes as usize, ends[whole - 1], "cut {cut}");
                    assert_eq!(x.is_clean(), ends.contains(&cut), "cut {cut}");
                }
            }
        }
    }

    /// Chunk ends (file offsets) of `log_of(ks)`.
    fn ends_of(ks: &[K]) -> Vec<usize> {
        let mut ends = vec![HEADER.len()];
        for k in ks {
            let len = super::super::chunk_bytes(k).map_or(0, |c| c.len());
            ends.push(ends[ends.len() - 1] + len);
        }
        ends
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
            header in proptest::prelude::any::<bool>(),
        ) {
            let mut b = if header { HEADER.to_vec() } else { Vec::new() };
            b.extend(body);
            let known = extent_of(&b, true);
            let piped = extent_of(&b, false);
            proptest::prop_assert_eq!(known, piped);
            proptest::prop_assert!(known.valid_bytes <= known.file_bytes);
            proptest::prop_assert_eq!(known.file_bytes, b.len() as u64);
        }

        #[test]
        fn damage_keeps_every_chunk_before_it(
            at in proptest::prelude::any::<proptest::sample::Index>(),
            byte in proptest::prelude::any::<u8>(),
            cut in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let ks: Vec<K> = sample().into_iter().take(12).collect();
            let ends = ends_of(&ks);
            let mut b = log_of(&ks);
            let at = at.index(b.len());
            b[at] = byte;
            let cut = cut.index(b.len() + 1);
            b.truncate(cut);
            let x = extent_of(&b, true);
            // Every chunk that ends before the damage and the cut is still counted.
            let intact = ends.iter().filter(|&&e| e <= at.min(cut) && e > HEADER.len()).count();
            if at >= HEADER.len() {
                proptest::prop_assert!(x.chunks as usize >= intact);
            }
            proptest::prop_assert!(x.valid_bytes as usize <= cut);
            proptest::prop_assert_eq!(x, extent_of(&b, false));
            let replayed = replay_bytes(&b);
            proptest::prop_assert_eq!(replayed, x.chunks);
        }
    }

    /// Chunks a replay of `b` hands over before it stops.
    fn replay_bytes(b: &[u8]) -> i64 {
        let mut c = Chunks::new(b, b.len() as u64);
        while let Ok(Next::Chunk { .. }) = c.next_chunk() {}
        c.count()
    }

    #[test]
    fn a_wrong_header_is_a_bad_tail_at_zero() {
        let mut b = log_of(&sample());
        b[0] = 0xfe;
        let x = extent_of(&b, true);
        assert_eq!(
            (x.chunks, x.valid_bytes, x.file_bytes),
            (0, 0, b.len() as u64)
        );
        let x = extent_of(&[], true);
        assert_eq!((x.chunks, x.valid_bytes, x.is_clean()), (0, 0, false));
    }
}
