//! Tick logs (journals), byte-compatible with the files kdb+tick writes.
//!
//! Owns the file format (an 8-byte `ff01` general-list header, then one serialized
//! object per update with no length or separator, header count left at 0 as q leaves
//! it), the appending [`Journal`] a tickerplant writes through, the readers (`read`),
//! q's `-11!` and `.u.stream` (`q`), and the `qtick log` tools (`tool`). It does not
//! decide what is logged or when (that is the tickerplant's), and it never evaluates q
//! itself except through the interpreter handed to `-11!`.

pub mod q;
pub mod read;
pub mod scan;
pub mod tool;

pub use read::{count_valid, replay, Chunks, Extent, Next, ReplayError};

use qipc::K;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What `` `:log set () `` writes: magic `ff01`, type 0 (general list), attribute 0,
/// item count 0. q never updates the count as it appends.
pub const HEADER: [u8; 8] = [0xff, 0x01, 0, 0, 0, 0, 0, 0];

/// The chunk q appends for `h enlist x`: the IPC body of `x` (no message header, no
/// length). Encoded at capability 3 because log chunks carry 32-bit counts.
pub fn chunk_bytes(k: &K) -> qipc::Result<Vec<u8>> {
    let mut b = qipc::encode_message(k, qipc::MsgType::Async, 3)?;
    b.drain(..qipc::Header::SIZE);
    Ok(b)
}

/// When an append reaches the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Durability {
    /// `append` returns once write(2) has handed the bytes to the OS (they survive a crash
    /// of this process, not of the machine). Callers may [`Journal::sync`] per batch.
    #[default]
    Os,
    /// `append` also waits for fdatasync: each update survives a machine crash.
    Fsync,
}

/// A damaged log that [`Journal::create_or_open`] refuses to continue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Damaged(pub Extent);

impl std::fmt::Display for Damaged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "corrupt log: {} valid chunks in the first {} of {} bytes; truncate to length {} \
             (qtick log repair) and restart",
            self.0.chunks, self.0.valid_bytes, self.0.file_bytes, self.0.valid_bytes
        )
    }
}

impl std::error::Error for Damaged {}

/// An open tick log that updates are appended to.
///
/// The file is locked (advisory, exclusive) while open, so two tickerplants cannot
/// interleave chunks in one log. A failed write is cut back to the last whole chunk, so
/// the file stays valid for readers and for the next append.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    chunks: i64,
    bytes: u64,
    durability: Durability,
    /// Set when a failed write could not be undone: appending more would hide the damage.
    broken: bool,
}

impl Journal {
    /// Open the log at `path` to append, creating it with q's header if it does not exist
    /// (or is empty: a crash between creating and writing the header). An existing log is
    /// continued after its last chunk, with [`Journal::count`] = its chunks (`.u.i`/`.u.j`
    /// of a restarted tickerplant). A log with a bad tail is refused with an
    /// `InvalidData` error wrapping [`Damaged`]; only [`tool::repair`] cuts a tail.
    pub fn create_or_open(path: impl AsRef<Path>) -> io::Result<Journal> {
        let path = path.as_ref();
        let (file, created) = match OpenOptions::new().read(true).append(true).open(path) {
            Ok(f) => (f, false),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let f = OpenOptions::new()
                    .read(true)
                    .append(true)
                    .create_new(true)
                    .open(path)?;
                (f, true)
            }
            Err(e) => return Err(e),
        };
        lock(&file, path)?;
        let mut j = Journal {
            file,
            path: path.to_path_buf(),
            chunks: 0,
            bytes: 0,
            durability: Durability::default(),
            broken: false,
        };
        let len = j.file.metadata()?.len();
        if len == 0 {
            (&j.file).write_all(&HEADER)?;
            j.file.sync_all()?;
            if created {
                sync_dir(path)?;
            }
            j.bytes = HEADER.len() as u64;
            return Ok(j);
        }
        let x = Chunks::new(&j.file, len).extent()?;
        if !x.is_clean() {
            return Err(io::Error::new(io::ErrorKind::InvalidData, Damaged(x)));
        }
        j.chunks = x.chunks;
        j.bytes = x.file_bytes;
        Ok(j)
    }

    /// Choose when appends reach the disk (default [`Durability::Os`]).
    pub fn set_durability(&mut self, d: Durability) {
        self.durability = d;
    }

    /// Append one chunk: `payload` is one serialized object (an IPC message body, no
    /// header), e.g. `(`upd;t;x)`. When this returns Ok the bytes are in the file as far
    /// as any reader is concerned (and on disk under [`Durability::Fsync`]), so the update
    /// may be published. A payload whose structure is not exactly one object is refused
    /// without writing, so a caller's slicing mistake cannot leave a bad tail; its
    /// contents (boolean bytes, dictionary shapes) are trusted to the encoder.
    pub fn append(&mut self, payload: &[u8]) -> io::Result<()> {
        if scan::object_end(payload, payload.len() as u64) != Ok(payload.len()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "journal append: payload is not one serialized object",
            ));
        }
        self.write_chunk(payload)
    }

    /// Append the body of an uncompressed IPC message (`msg` with its 8-byte header, as
    /// encoded once for subscribers).
    pub fn append_message(&mut self, msg: &[u8]) -> io::Result<()> {
        let h = qipc::Header::parse(msg)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        if h.compressed != 0 || !h.little || h.len != msg.len() as u64 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "journal append: not a plain little-endian message",
            ));
        }
        self.append(&msg[qipc::Header::SIZE..])
    }

    /// Serialize `k` and append it (`h enlist k`).
    pub fn append_value(&mut self, k: &K) -> io::Result<()> {
        let b = chunk_bytes(k)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        self.write_chunk(&b)
    }

    fn write_chunk(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.broken {
            return Err(io::Error::other(format!(
                "{}: an earlier failed write could not be undone; run qtick log check",
                self.path.display()
            )));
        }
        if let Err(e) = (&self.file).write_all(bytes) {
            // A partial chunk would be a bad tail: cut back to the last whole one.
            if self.file.set_len(self.bytes).is_err() {
                self.broken = true;
            }
            return Err(e);
        }
        self.bytes += bytes.len() as u64;
        self.chunks += 1;
        if self.durability == Durability::Fsync {
            self.sync()?;
        }
        Ok(())
    }

    /// Wait until everything appended is on disk (fdatasync).
    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data().inspect_err(|_| {
            // After a failed fsync the kernel may have dropped the pages: what the file
            // holds is no longer known.
            self.broken = true;
        })
    }

    /// Chunks in the log (`.u.j`; `.u.i` in zero-latency mode).
    pub fn count(&self) -> i64 {
        self.chunks
    }

    /// Bytes in the log, header included.
    pub fn len(&self) -> u64 {
        self.bytes
    }

    /// True when the log holds no chunks.
    pub fn is_empty(&self) -> bool {
        self.chunks == 0
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open file's descriptor (a tickerplant shows it as `.u.l`, q's log handle).
    pub fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.file.as_raw_fd()
    }
}

/// Take the exclusive advisory lock that keeps two writers out of one log. A filesystem
/// without locks (some network mounts) is used unlocked rather than refused.
pub(crate) fn lock(file: &File, path: &Path) -> io::Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(io::Error::new(
            io::ErrorKind::WouldBlock,
            format!("{}: log is open for writing elsewhere", path.display()),
        )),
        Err(std::fs::TryLockError::Error(_)) => Ok(()),
    }
}

/// Make a new directory entry durable.
pub(crate) fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "qtick-journal-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).ok();
        d
    }

    fn upd(i: i64) -> K {
        K::list(vec![
            K::sym("upd"),
            K::sym("trade"),
            K::list(vec![K::longs(vec![i, i + 1]), K::syms(["a", "b"])]),
        ])
    }

    #[test]
    fn new_log_is_q_header_then_chunks() {
        let d = temp_dir("new");
        let p = d.join("sym2024.01.01");
        let mut j = Journal::create_or_open(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&p).unwrap_or_default(), HEADER);
        let mut want = HEADER.to_vec();
        for i in 0..3 {
            j.append_value(&upd(i)).unwrap_or_else(|e| panic!("{e}"));
            want.extend(chunk_bytes(&upd(i)).unwrap_or_default());
        }
        assert_eq!(j.count(), 3);
        assert_eq!(j.len(), want.len() as u64);
        drop(j);
        assert_eq!(std::fs::read(&p).unwrap_or_default(), want);
        let j = Journal::create_or_open(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((j.count(), j.len()), (3, want.len() as u64));
    }

    #[test]
    fn append_refuses_what_is_not_one_object() {
        let d = temp_dir("refuse");
        let p = d.join("log");
        let mut j = Journal::create_or_open(&p).unwrap_or_else(|e| panic!("{e}"));
        let c = chunk_bytes(&upd(1)).unwrap_or_default();
        assert!(j.append(&c[..c.len() - 1]).is_err());
        let mut two = c.clone();
        two.extend_from_slice(&c);
        assert!(j.append(&two).is_err());
        assert!(j.append(&[]).is_err());
        assert!(j.append(&c).is_ok());
        let msg = qipc::to_bytes(&upd(1)).unwrap_or_default();
        assert!(j.append_message(&msg).is_ok());
        assert_eq!(j.count(), 2);
        assert_eq!(
            count_valid(&p).map(|x| (x.chunks, x.is_clean())).ok(),
            Some((2, true))
        );
    }

    #[test]
    fn damaged_log_is_refused_and_a_second_writer_is_locked_out() {
        let d = temp_dir("damaged");
        let p = d.join("log");
        let mut j = Journal::create_or_open(&p).unwrap_or_else(|e| panic!("{e}"));
        j.append_value(&upd(1)).unwrap_or_else(|e| panic!("{e}"));
        let second = Journal::create_or_open(&p);
        assert_eq!(
            second.err().map(|e| e.kind()),
            Some(io::ErrorKind::WouldBlock)
        );
        drop(j);
        let mut b = std::fs::read(&p).unwrap_or_default();
        let good = b.len() as u64;
        b.extend_from_slice(&[0, 0, 3]);
        std::fs::write(&p, &b).unwrap_or_else(|e| panic!("{e}"));
        let e = Journal::create_or_open(&p)
            .err()
            .unwrap_or_else(|| panic!("opened a damaged log"));
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let dmg = e
            .get_ref()
            .and_then(|x| x.downcast_ref::<Damaged>())
            .copied();
        assert_eq!(dmg.map(|x| (x.0.chunks, x.0.valid_bytes)), Some((1, good)));
    }
}
