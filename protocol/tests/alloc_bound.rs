//! Memory a hostile message can claim: decoding a message that is refused part-way must
//! not have reserved memory for items that were never there. Runs in its own test binary
//! because it installs a counting global allocator.

use qipc::decode_message;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        System.dealloc(p, l)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// A message of `payload_len` payload bytes: `kind` with a count as large as the size
/// checks allow, then bytes that fail to decode as its first item (type 112, and no NUL for a symbol).
fn claim(kind: &[u8], per_item: usize, payload_len: usize) -> Vec<u8> {
    let n = ((payload_len - kind.len() - 5) / per_item) as u32;
    let mut m = vec![1, 0, 0, 0];
    m.extend_from_slice(&((payload_len + 8) as u32).to_le_bytes());
    m.extend_from_slice(kind);
    m.push(0);
    m.extend_from_slice(&n.to_le_bytes());
    m.resize(payload_len + 8, 112);
    m
}

#[test]
fn refused_counts_reserve_nothing_large() {
    const PAYLOAD: usize = 16 << 20;
    // General list (2 bytes per item at least) and symbol vector (1 byte per item).
    for (kind, per_item) in [(&[0u8][..], 2), (&[11u8][..], 1)] {
        let m = claim(kind, per_item, PAYLOAD);
        let base = LIVE.load(Ordering::Relaxed);
        PEAK.store(base, Ordering::Relaxed);
        let r = decode_message(&m);
        let peak = PEAK.load(Ordering::Relaxed) - base;
        assert!(r.is_err(), "type {}: {r:?}", kind[0]);
        assert!(
            peak < PAYLOAD / 4,
            "type {}: refusing a {PAYLOAD}-byte message reserved {peak} bytes",
            kind[0]
        );
    }
}
