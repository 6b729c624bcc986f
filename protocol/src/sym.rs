//! Interned symbols: q's sym pool.
//!
//! Every distinct symbol text lives once for the life of the process (as in q, the pool
//! only grows), so a [`Sym`] is one pointer: equality and hashing are integer work and
//! reading the text needs no lock. Ordering is by the bytes, as q sorts symbols.
//!
//! Each pooled entry also carries a dense id (the null symbol is 0, then 1, 2, ... in
//! interning order), so grouping or testing membership by symbol can index a plain array
//! instead of hashing.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// A pooled symbol: its text and its dense id.
struct Entry {
    bytes: &'static [u8],
    id: u32,
}

/// A symbol: a pointer into the process-wide pool. `Copy`, 8 bytes.
#[derive(Clone, Copy)]
pub struct Sym(&'static Entry);

static EMPTY: Entry = Entry { bytes: b"", id: 0 };

/// The next id to hand out (0 is the null symbol's).
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

impl Sym {
    /// The null symbol `` ` ``.
    pub const NULL: Sym = Sym(&EMPTY);

    /// Intern `bytes`, returning the one `Sym` for that text.
    pub fn new(bytes: &[u8]) -> Sym {
        if bytes.is_empty() {
            return Sym::NULL;
        }
        pool().intern(bytes)
    }

    /// Intern a `&str`.
    pub fn from_text(s: &str) -> Sym {
        Sym::new(s.as_bytes())
    }

    /// The symbol's bytes (q symbols are bytes, usually but not always UTF-8).
    #[inline]
    pub fn as_bytes(self) -> &'static [u8] {
        self.0.bytes
    }

    /// The text, with invalid UTF-8 replaced (for display and error messages).
    pub fn as_str(self) -> std::borrow::Cow<'static, str> {
        String::from_utf8_lossy(self.0.bytes)
    }

    #[inline]
    pub fn is_null(self) -> bool {
        self.0.id == 0
    }

    #[inline]
    pub fn len(self) -> usize {
        self.0.bytes.len()
    }

    #[inline]
    pub fn is_empty(self) -> bool {
        self.0.bytes.is_empty()
    }

    /// Identity of the pooled entry; stable for the life of the process.
    #[inline]
    pub fn addr(self) -> usize {
        self.0 as *const Entry as usize
    }

    /// The symbol's dense id: 0 for the null symbol, otherwise 1.. in interning order;
    /// always below [`id_bound`] at the time of the call.
    #[inline]
    pub fn id(self) -> u32 {
        self.0.id
    }
}

/// One more than the largest id handed out so far: an array this long can be indexed by
/// the id of any symbol that exists now.
pub fn id_bound() -> usize {
    NEXT_ID.load(Ordering::Acquire) as usize
}

impl Default for Sym {
    fn default() -> Sym {
        Sym::NULL
    }
}

impl PartialEq for Sym {
    #[inline]
    fn eq(&self, other: &Sym) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}
impl Eq for Sym {}

impl Hash for Sym {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.addr())
    }
}

impl PartialOrd for Sym {
    fn partial_cmp(&self, other: &Sym) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Sym {
    #[inline]
    fn cmp(&self, other: &Sym) -> std::cmp::Ordering {
        if self == other {
            std::cmp::Ordering::Equal
        } else {
            self.0.bytes.cmp(other.0.bytes)
        }
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}", self.as_str())
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

impl From<&str> for Sym {
    fn from(s: &str) -> Sym {
        Sym::from_text(s)
    }
}

/// FxHash-style hasher for the pool's byte keys: the pool is hit once per decoded
/// symbol, so SipHash's cost would show in decode benchmarks.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ w).wrapping_mul(SEED);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(SEED);
        }
        self.0 = h;
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(SEED);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(SEED);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(SEED);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Hash-map builder using [`FxHasher`]; handy for maps keyed by `Sym` or integers.
pub type FxBuild = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = HashMap<K, V, FxBuild>;

const SHARDS: usize = 16;

struct Pool {
    shards: [Mutex<HashMap<&'static [u8], Sym, FxBuild>>; SHARDS],
}

impl Pool {
    fn intern(&self, bytes: &[u8]) -> Sym {
        let mut h = FxHasher::default();
        h.write(bytes);
        let shard = (h.finish() >> 59) as usize % SHARDS;
        // A poisoned shard still holds a consistent map (inserts are single calls).
        let mut map = self.shards[shard].lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&s) = map.get(bytes) {
            return s;
        }
        let text: &'static [u8] = Box::leak(bytes.to_vec().into_boxed_slice());
        // Ids are taken under the shard's lock, once per new text, so they stay dense.
        let id = NEXT_ID.fetch_add(1, Ordering::AcqRel);
        let cell: &'static Entry = Box::leak(Box::new(Entry { bytes: text, id }));
        let s = Sym(cell);
        map.insert(text, s);
        s
    }
}

fn pool() -> &'static Pool {
    static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| Pool {
        shards: std::array::from_fn(|_| Mutex::new(HashMap::default())),
    })
}

/// Number of symbols interned so far (q's `.Q.w[]`'s `syms`).
pub fn pool_size() -> usize {
    pool()
        .shards
        .iter()
        .map(|s| s.lock().map(|m| m.len()).unwrap_or(0))
        .sum::<usize>()
        + 1
}

/// Bytes the pool holds for symbol texts, counting each text and its two pointers
/// (q's `.Q.w[]`'s `symw`).
pub fn pool_bytes() -> usize {
    pool()
        .shards
        .iter()
        .map(|s| {
            s.lock()
                .map(|m| {
                    m.keys()
                        .map(|k| k.len() + 2 * std::mem::size_of::<usize>())
                        .sum::<usize>()
                })
                .unwrap_or(0)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_identity() {
        let a = Sym::new(b"trade");
        let b = Sym::from_text("trade");
        assert_eq!(a, b);
        assert_eq!(a.addr(), b.addr());
        assert_ne!(a, Sym::new(b"quote"));
        assert_eq!(Sym::new(b""), Sym::NULL);
        assert!(Sym::NULL.is_null());
    }

    #[test]
    fn ids_are_dense_and_stable() {
        assert_eq!(Sym::NULL.id(), 0);
        let a = Sym::from_text("ids_are_dense_a");
        let b = Sym::from_text("ids_are_dense_b");
        assert_ne!(a.id(), b.id());
        assert!(a.id() > 0 && b.id() > 0);
        assert_eq!(Sym::from_text("ids_are_dense_a").id(), a.id());
        assert!((a.id().max(b.id()) as usize) < id_bound());
        // The bound counts every symbol ever interned, plus the null one.
        assert!(id_bound() >= pool_size());
        assert_eq!(std::mem::size_of::<Sym>(), 8);
    }

    #[test]
    fn ordering_is_by_text() {
        let mut v = [Sym::from("b"), Sym::from("a"), Sym::from("ab"), Sym::NULL];
        v.sort();
        let t: Vec<_> = v.iter().map(|s| s.as_str().into_owned()).collect();
        assert_eq!(t, ["", "a", "ab", "b"]);
    }
}
