//! q's IPC message compression (spec `ipc.md` §7): a compressor that reproduces q's and
//! c.java's bytes exactly, including their "not worth it" verdicts, and a decompressor for
//! untrusted input (header byte 2 = 1, or 2 for the 64-bit-length variant of §3.4) that
//! bounds-checks every token. Framing and value decoding live elsewhere.

use std::fmt;

/// Every IPC message starts with this many header bytes; table positions count them too.
const HEADER: usize = 8;
/// q compresses only messages (header included) longer than this (§7.6).
const MIN_COMPRESS: usize = 2000;
/// Bytes of compressed stream one group can take: a control byte and 8 two-byte references.
const MAX_GROUP_IN: usize = 17;
/// Longest back-reference: `n + 2` with `n` a byte.
const MAX_MATCH: usize = 257;
/// Output one group can produce at most.
const MAX_GROUP_OUT: usize = 8 * MAX_MATCH;
/// Largest total a header can state: byte 3 holds bits 32..39 (§3.4).
const MAX_TOTAL: u64 = (1 << 40) - 1;
/// Shared detail text, so a stream cut short reads the same whether the up-front size
/// bound or the decoding loop notices it.
const TRUNCATED: &str = "stream ends before output is complete";
const EMPTY_SLOT: &str = "reference to an empty table slot";
const PAST_END: &str = "reference runs past the declared length";

/// Why a compressed message was refused. q itself answers all of these with `'badmsg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecompressError {
    /// Fewer bytes than the compressed header needs.
    TooShort,
    /// Byte order not 0/1, compression byte not 1/2, length field not the actual size, or
    /// a declared uncompressed size below the 8-byte header.
    BadHeader,
    /// Declared uncompressed size is above the caller's limit (or cannot be allocated).
    TooLarge { declared: u64, max: u64 },
    /// The stream does not decode to exactly the declared size.
    Corrupt(&'static str),
}

impl fmt::Display for DecompressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort => f.write_str("badmsg (compressed message too short)"),
            Self::BadHeader => f.write_str("badmsg (bad compressed message header)"),
            Self::TooLarge { declared, max } => write!(
                f,
                "badmsg (uncompressed length {declared} exceeds limit {max})"
            ),
            Self::Corrupt(detail) => write!(f, "badmsg ({detail})"),
        }
    }
}

impl std::error::Error for DecompressError {}

/// Compress a complete uncompressed IPC message (8-byte header + payload) exactly as q does.
///
/// Returns `None` when q would send it uncompressed: total length <= 2000, or the compressor
/// gives up because the output would not stay under half the input. The result is the full
/// compressed message: header byte 2 = 1, bytes 4..8 the compressed total, bytes 8..12 the
/// uncompressed total, both in the byte order of header byte 0.
#[must_use]
pub fn compress(msg: &[u8]) -> Option<Vec<u8>> {
    if msg.len() <= MIN_COMPRESS {
        return None;
    }
    compress_any(msg)
}

/// [`compress`] without the > 2000 bytes rule; still gives up when the output would not stay
/// under half. Also `None` for a header byte 0 other than 0/1 and for messages of 4 GiB or
/// more (the 32-bit layout cannot state their length; q does not compress those either).
#[must_use]
pub fn compress_any(msg: &[u8]) -> Option<Vec<u8>> {
    let total = msg.len();
    let little = little_endian(*msg.first()?)?;
    let total32 = u32::try_from(total).ok()?;
    let cap = total / 2;
    // The first group-start check (`d > cap - 17` with d = 12) fails for such sizes anyway;
    // testing here also keeps tiny inputs away from the header writes below.
    if cap < 12 + MAX_GROUP_IN {
        return None;
    }
    let mut out = vec![0u8; cap];
    out[..4].copy_from_slice(&msg[..4]);
    out[2] = 1;
    out[8..12].copy_from_slice(&put32(total32, little));
    let len = compress_stream(msg, &mut out)?;
    out.truncate(len);
    // len <= cap < 2^31, so the cast is lossless.
    out[4..8].copy_from_slice(&put32(len as u32, little));
    Some(out)
}

/// The LZ loop of §7.4, writing from offset 12 of `out` (whose length is the give-up size).
/// Returns the compressed total length, or `None` when the output would not fit.
///
/// Two copies of the loop share the work: [`lz_groups`] with `PREDICT` off for any
/// input, and with it on for regular input (a numeric column, where every reference has
/// the same length). They produce the same bytes; see [`lz_groups`] for why the second
/// is faster on such input and slower elsewhere.
fn compress_stream(m: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut z = Lz {
        // Absolute positions (>= 8); 0 marks an empty slot. u32 keeps the table in 1 KiB
        // and t < 2^32 is guaranteed by the caller.
        table: [0; 257],
        s: HEADER,
        d: 12,
        pending: 0,
        pending_key: NO_PENDING,
        guess: NO_GUESS,
    };
    loop {
        for predict in [false, true] {
            let end = if predict {
                lz_groups::<true>(m, out, &mut z)
            } else {
                lz_groups::<false>(m, out, &mut z)
            };
            match end {
                GroupsEnd::Done => return Some(z.d),
                GroupsEnd::GaveUp => return None,
                GroupsEnd::Switch => {}
            }
        }
    }
}

/// State of the LZ loop carried between runs of groups.
struct Lz {
    table: [u32; 257],
    s: usize,
    d: usize,
    /// A literal's pair is registered one token late, after the next lookup (§7.4).
    pending: u32,
    pending_key: usize,
    /// The reference length (less 2) that the predicting loop expects.
    guess: usize,
}

const NO_GUESS: usize = usize::MAX;
/// The table's spare slot, written when no literal waits for registration.
const NO_PENDING: usize = 256;
/// Groups in a row ending in references of one length before prediction starts.
const CONFIDENT: u32 = 4;

enum GroupsEnd {
    Done,
    GaveUp,
    /// Input regularity changed: run the other copy of the loop.
    Switch,
}

/// Runs groups (a control byte and up to 8 tokens each) until the input ends, the output
/// would pass the give-up size, or the input's regularity changes.
///
/// Without `PREDICT` it watches the length of each group's last token when that is a
/// reference, and returns `Switch` after `CONFIDENT` groups in a row agree. With
/// `PREDICT`, the position after a reference is taken from the expected length when the
/// real one agrees. The real length needs the table lookup and two loads before the next
/// token can start; the expected one is already in a register, so the CPU runs ahead on
/// the (correctly predicted) branch: `til 1000000` compresses about a third faster. A
/// wrong guess costs a branch miss, so the first group with a different length returns
/// `Switch`. The output is the same either way.
#[inline(always)]
fn lz_groups<const PREDICT: bool>(m: &[u8], out: &mut [u8], z: &mut Lz) -> GroupsEnd {
    let t = m.len();
    let cap = out.len();
    let table = &mut z.table;
    let (mut s, mut d) = (z.s, z.d);
    let (mut pending, mut pending_key) = (z.pending, z.pending_key);
    let guess = z.guess;
    let mut streak = 0u32;
    let end = loop {
        if s >= t {
            break GroupsEnd::Done;
        }
        // The give-up test happens only here, where a worst-case group must still fit.
        if d + MAX_GROUP_IN > cap {
            break GroupsEnd::GaveUp;
        }
        let ctrl_pos = d;
        d += 1;
        let mut ctrl = 0u8;
        let mut missed = false;
        for bit in 0..8 {
            if s >= t {
                break;
            }
            let mut literal = true;
            let mut key = 0u8;
            let mut cand = 0usize;
            // The last two bytes are always literals, with key 0.
            if s + 3 <= t {
                key = m[s] ^ m[s + 1];
                cand = table[usize::from(key)] as usize;
                // Equal keys and equal first bytes imply equal second bytes.
                literal = cand == 0 || m[s] != m[cand];
            }
            // Unconditional: with nothing pending this writes the spare slot.
            table[pending_key] = pending;
            pending_key = NO_PENDING;
            if literal {
                pending_key = usize::from(key);
                pending = s as u32;
                out[d] = m[s];
                d += 1;
                s += 1;
            } else {
                table[usize::from(key)] = s as u32;
                ctrl |= 1 << bit;
                let start = s + 2;
                let limit = (start + MAX_MATCH - 2).min(t);
                // cand < s, so the candidate side is never shorter than the current side.
                let extra = if start + 8 <= limit {
                    // Most references are short: settle them with one word compare.
                    let x = load8(&m[cand + 2..]) ^ load8(&m[start..]);
                    if x != 0 {
                        (x.trailing_zeros() / 8) as usize
                    } else {
                        8 + common_prefix(&m[cand + 10..], &m[start + 8..limit])
                    }
                } else {
                    common_prefix(&m[cand + 2..], &m[start..limit])
                };
                if PREDICT && extra == guess {
                    // black_box hides that the two are equal here, which would let the
                    // compiler use `extra` and undo the point.
                    s = start + std::hint::black_box(guess);
                } else {
                    s = start + extra;
                    missed = PREDICT;
                }
                out[d] = key;
                out[d + 1] = extra as u8;
                d += 2;
            }
        }
        out[ctrl_pos] = ctrl;
        if PREDICT {
            if missed {
                z.guess = NO_GUESS;
                break GroupsEnd::Switch;
            }
        } else {
            let last = if ctrl & 0x80 != 0 {
                usize::from(out[d - 1])
            } else {
                NO_GUESS
            };
            streak = if last == z.guess && last != NO_GUESS {
                streak + 1
            } else {
                0
            };
            z.guess = last;
            if streak >= CONFIDENT {
                break GroupsEnd::Switch;
            }
        }
    };
    (z.s, z.d) = (s, d);
    (z.pending, z.pending_key) = (pending, pending_key);
    end
}

/// Length of the common prefix of `a` and `b`, at most `b.len()`; eight bytes per step
/// because long runs are what compressible q data is made of.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut i = 0;
    while i + 8 <= n {
        let x = load8(&a[i..]) ^ load8(&b[i..]);
        if x != 0 {
            return i + (x.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

fn load8(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// Decompress a complete compressed message (header byte 2 = 1, or 2 for the 64-bit variant
/// whose uncompressed length takes 8 bytes at offset 8 and whose stream starts at 16; that
/// layout comes from third-party clients only, spec §3.4).
///
/// Returns the full uncompressed message with header byte 2 set to 0 and the length
/// (bytes 4..8, plus byte 3 at 4 GiB and above) rewritten to the uncompressed total.
/// `max_len` bounds the declared uncompressed total; nothing larger is ever allocated.
///
/// Bytes after the point where the output is complete are ignored, as q's decoder stops
/// there without looking further; the header's length field must still equal `msg.len()`
/// (KX's validator rejects a mismatch).
///
/// # Errors
/// [`DecompressError`] when the header is malformed, the declared size is below 8 or
/// above `max_len`, or the stream does not decode to exactly the declared size (ends
/// early, references an empty table slot, or would write past the end).
pub fn decompress(msg: &[u8], max_len: u64) -> Result<Vec<u8>, DecompressError> {
    let mut out = Vec::new();
    decompress_into(msg, max_len, &mut out)?;
    Ok(out)
}

/// [`decompress`] into a caller-provided buffer, so a server can reuse it. `out` is
/// replaced; on error it is left empty (its capacity is kept).
///
/// # Errors
/// As [`decompress`].
pub fn decompress_into(msg: &[u8], max_len: u64, out: &mut Vec<u8>) -> Result<(), DecompressError> {
    out.clear();
    let h = parse_header(msg, max_len)?;
    out.try_reserve_exact(h.total)
        .map_err(|_| DecompressError::TooLarge {
            declared: h.total as u64,
            max: max_len,
        })?;
    out.resize(h.total, 0);
    out[..4].copy_from_slice(&msg[..4]);
    out[2] = 0;
    // total <= 2^40 - 1: bits 32..39 go to byte 3, the rest to the 32-bit field.
    let total = h.total as u64;
    out[3] = (total >> 32) as u8;
    out[4..8].copy_from_slice(&put32(total as u32, h.little));
    let result = expand(&msg[h.stream..], out);
    if result.is_err() {
        out.clear();
    }
    result
}

struct Header {
    little: bool,
    /// Offset of the compressed stream in the message.
    stream: usize,
    /// Declared uncompressed total, header included.
    total: usize,
}

fn parse_header(msg: &[u8], max_len: u64) -> Result<Header, DecompressError> {
    if msg.len() < HEADER {
        return Err(DecompressError::TooShort);
    }
    let little = little_endian(msg[0]).ok_or(DecompressError::BadHeader)?;
    let stream = match msg[2] {
        1 => 12,
        2 => 16,
        _ => return Err(DecompressError::BadHeader),
    };
    if msg.len() < stream {
        return Err(DecompressError::TooShort);
    }
    let stated = (u64::from(msg[3]) << 32) | u64::from(get32(&msg[4..8], little));
    if stated != msg.len() as u64 {
        return Err(DecompressError::BadHeader);
    }
    let declared = if stream == 12 {
        u64::from(get32(&msg[8..12], little))
    } else {
        let mut w = [0u8; 8];
        w.copy_from_slice(&msg[8..16]);
        if little {
            u64::from_le_bytes(w)
        } else {
            u64::from_be_bytes(w)
        }
    };
    if declared < HEADER as u64 {
        return Err(DecompressError::BadHeader);
    }
    let max = max_len.min(MAX_TOTAL);
    if declared > max {
        return Err(DecompressError::TooLarge { declared, max });
    }
    let total = usize::try_from(declared).map_err(|_| DecompressError::TooLarge {
        declared,
        max: usize::MAX as u64,
    })?;
    // Refuse before allocating when even all-maximal references could not fill the
    // declared size: a 30-byte message must not make us reserve gigabytes.
    let most = (msg.len() - stream)
        .div_ceil(MAX_GROUP_IN)
        .saturating_mul(MAX_GROUP_OUT);
    if total - HEADER > most {
        return Err(DecompressError::Corrupt(TRUNCATED));
    }
    Ok(Header {
        little,
        stream,
        total,
    })
}

/// The decoding loop of §7.3. `u` has the declared length and its header already written;
/// fills `u[8..]` from stream `c`.
///
/// Invariant that makes the references safe: every table entry is a position `p` whose
/// pair `u[p], u[p+1]` was complete when registered, so `p + 2 <= s` for the current `s`.
/// A reference therefore always reads already-written output at distance >= 2, and only
/// "slot empty" and "would write past the end" need checking.
fn expand(c: &[u8], u: &mut [u8]) -> Result<(), DecompressError> {
    let n = u.len();
    let mut o = Expand {
        u,
        table: [0usize; 256],
        s: HEADER,
        pending: false,
        last: 0,
    };
    let mut d = 0;
    while o.s < n {
        let Some(&ctrl) = c.get(d) else {
            return Err(DecompressError::Corrupt(TRUNCATED));
        };
        d += 1;
        // Fast path: a whole group whose input is present and whose output cannot reach
        // the end, so no per-token stream or end-of-output checks are needed.
        if d + 16 <= c.len() && o.s + MAX_GROUP_OUT <= n {
            let g = &c[d..d + 16];
            let mut i = 0;
            for bit in 0..8 {
                if ctrl & (1 << bit) == 0 {
                    o.literal(g[i]);
                    i += 1;
                } else {
                    o.reference::<false>(usize::from(g[i]), usize::from(g[i + 1]) + 2)?;
                    i += 2;
                }
            }
            d += i;
            continue;
        }
        for bit in 0..8 {
            if o.s >= n {
                break;
            }
            if ctrl & (1 << bit) == 0 {
                let Some(&b) = c.get(d) else {
                    return Err(DecompressError::Corrupt(TRUNCATED));
                };
                d += 1;
                o.literal(b);
            } else {
                let (Some(&h), Some(&len)) = (c.get(d), c.get(d + 1)) else {
                    return Err(DecompressError::Corrupt(TRUNCATED));
                };
                d += 2;
                o.reference::<true>(usize::from(h), usize::from(len) + 2)?;
            }
        }
    }
    Ok(())
}

/// The output side of [`expand`]: what has been written and the table of pair positions.
/// One literal and one reference step serve both of `expand`'s paths; they inline, so
/// the state stays in registers.
struct Expand<'a> {
    u: &'a mut [u8],
    table: [usize; 256],
    /// The next output position.
    s: usize,
    /// Position s-1 waits for its pair to be registered after a literal; the last byte of
    /// a reference is never registered.
    pending: bool,
    /// The byte at s-1 whenever `pending` holds: always a literal, so it is kept here
    /// rather than read back from `u`. Reading it back right after a reference's wide
    /// store defeats store-to-load forwarding (the load spans two stores), which made
    /// numeric columns (a literal then a 7-byte reference per long) decode at half speed.
    last: u8,
}

impl Expand<'_> {
    /// Write literal byte `b` at `s` (the caller made sure `s` is in range).
    #[inline(always)]
    fn literal(&mut self, b: u8) {
        if self.pending {
            self.table[usize::from(self.last ^ b)] = self.s - 1;
        }
        self.u[self.s] = b;
        self.last = b;
        self.s += 1;
        self.pending = true;
    }

    /// Copy `len` bytes from the position in slot `h`. `BOUNDED` checks that the copy
    /// ends inside the output; without it the caller guarantees that.
    #[inline(always)]
    fn reference<const BOUNDED: bool>(
        &mut self,
        h: usize,
        len: usize,
    ) -> Result<(), DecompressError> {
        let s = self.s;
        let src = self.table[h];
        if src == 0 {
            return Err(DecompressError::Corrupt(EMPTY_SLOT));
        }
        if BOUNDED && len > self.u.len() - s {
            return Err(DecompressError::Corrupt(PAST_END));
        }
        // u[s] once copied; read from the source before the copy's store.
        let first = self.u[src];
        copy_match(self.u, src, s, len);
        if self.pending {
            self.table[usize::from(self.last ^ first)] = s - 1;
        }
        // The copied pair equals the pair at src, whose key is h.
        self.table[h] = s;
        self.s = s + len;
        self.pending = false;
        Ok(())
    }
}

/// `u[s + k] = u[src + k]` for k in 0..len, in increasing k, so that a source overlapping
/// the destination repeats its pattern (a distance-2 reference makes a run). Requires
/// `src < s` and `s + len <= u.len()`.
#[inline(always)]
fn copy_match(u: &mut [u8], src: usize, s: usize, len: usize) {
    let dist = s - src;
    if dist >= len {
        if len <= 16 {
            copy_short(u, src, s, len);
        } else {
            u.copy_within(src..src + len, s);
        }
    } else if len <= 16 {
        for k in 0..len {
            u[s + k] = u[src + k];
        }
    } else {
        // The output is the dist-byte pattern at src repeated; copying from src in
        // doubling chunks keeps every chunk's source already written.
        let mut done = 0;
        while done < len {
            let chunk = (len - done).min(dist + done);
            u.copy_within(src..src + chunk, s + done);
            done += chunk;
        }
    }
}

/// Non-overlapping copy of 2..=16 bytes as two possibly overlapping fixed-size moves.
/// Exact-length stores matter: q data repeats the previous element, so the next
/// reference often reads exactly what this one wrote, and a load that spans several
/// earlier stores (as a fixed 16-byte over-copy would) misses store forwarding.
#[inline(always)]
fn copy_short(u: &mut [u8], src: usize, dst: usize, len: usize) {
    if len >= 8 {
        let a = load8(&u[src..]);
        let b = load8(&u[src + len - 8..]);
        u[dst..dst + 8].copy_from_slice(&a.to_le_bytes());
        u[dst + len - 8..dst + len].copy_from_slice(&b.to_le_bytes());
    } else if len >= 4 {
        let a = load4(&u[src..]);
        let b = load4(&u[src + len - 4..]);
        u[dst..dst + 4].copy_from_slice(&a);
        u[dst + len - 4..dst + len].copy_from_slice(&b);
    } else {
        let (a, b, c) = (u[src], u[src + 1], u[src + len - 1]);
        u[dst] = a;
        u[dst + 1] = b;
        u[dst + len - 1] = c;
    }
}

fn load4(b: &[u8]) -> [u8; 4] {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    w
}

fn little_endian(b: u8) -> Option<bool> {
    match b {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

fn get32(b: &[u8], little: bool) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    if little {
        u32::from_le_bytes(w)
    } else {
        u32::from_be_bytes(w)
    }
}

fn put32(v: u32, little: bool) -> [u8; 4] {
    if little {
        v.to_le_bytes()
    } else {
        v.to_be_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const VECTORS: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/ipc/vectors.jsonl"
    );
    const Q_REFERENCE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/ipc/q_reference.jsonl"
    );
    const MALFORMED: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/vectors/ipc/malformed.jsonl"
    );
    const BIG: u64 = 1 << 32;

    fn records(path: &str) -> Vec<Value> {
        let text = std::fs::read_to_string(path).expect("read vector file");
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        let digit = |c: u8| match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("bad hex digit {c}"),
        };
        assert!(s.len().is_multiple_of(2), "odd hex length");
        s.as_bytes()
            .chunks(2)
            .map(|p| digit(p[0]) << 4 | digit(p[1]))
            .collect()
    }

    /// (id, uncompressed, compressed-or-None) for every record of vectors.jsonl.
    fn vectors() -> Vec<(String, Vec<u8>, Option<Vec<u8>>)> {
        records(VECTORS)
            .iter()
            .map(|r| {
                let id = r["id"].as_str().expect("id").to_string();
                let plain = unhex(r["uncompressed_hex"].as_str().expect("hex"));
                let comp = r["compressed_hex"].as_str().map(unhex);
                (id, plain, comp)
            })
            .collect()
    }

    /// The compressed messages of the vector files, for the corruption tests.
    fn compressed_samples() -> Vec<Vec<u8>> {
        vectors().into_iter().filter_map(|(_, _, c)| c).collect()
    }

    fn set_len(msg: &mut [u8], len: usize) {
        let little = msg[0] == 1;
        msg[4..8].copy_from_slice(&put32(len as u32, little));
    }

    /// Small deterministic PRNG (xorshift64*), enough to pick offsets and bytes.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn vectors_compress_byte_exact() {
        let (mut some, mut none) = (0, 0);
        for (id, plain, comp) in vectors() {
            assert_eq!(compress(&plain), comp, "compress {id}");
            match comp {
                Some(_) => some += 1,
                None => none += 1,
            }
        }
        assert_eq!(some, 13, "compressed vectors");
        assert_eq!(some + none, 190, "vectors");
    }

    #[test]
    fn vectors_decompress_byte_exact() {
        let mut n = 0;
        for (id, plain, comp) in vectors() {
            let Some(comp) = comp else { continue };
            assert_eq!(comp[2], 1, "{id}");
            assert_eq!(decompress(&comp, BIG).as_deref(), Ok(&plain[..]), "{id}");
            n += 1;
        }
        assert_eq!(n, 13);
    }

    #[test]
    fn byte_order_changes_compressibility() {
        let v = vectors();
        let find = |id: &str| v.iter().find(|r| r.0 == id).expect(id);
        assert!(compress(&find("le/big/til1000").1).is_some());
        assert!(compress(&find("be/big/til1000").1).is_none());
        assert_eq!(
            compress(&find("le/big/til1000").1).map(|c| c.len()),
            Some(3276)
        );
        // The size threshold counts the header: 2000 bytes never, 2001 may.
        assert_eq!(find("le/big/zeros_1986").1.len(), 2000);
        assert!(compress(&find("le/big/zeros_1986").1).is_none());
        assert!(compress_any(&find("le/big/zeros_1986").1).is_some());
    }

    #[test]
    fn compress_any_round_trips_every_vector() {
        let mut n = 0;
        for (id, plain, _) in vectors() {
            if let Some(c) = compress_any(&plain) {
                assert!(c.len() <= plain.len() / 2, "{id}");
                assert_eq!(decompress(&c, BIG).as_deref(), Ok(&plain[..]), "{id}");
                n += 1;
            }
        }
        assert!(n > 13);
    }

    #[test]
    fn q_produced_compressed_messages() {
        let mut n = 0;
        for r in records(Q_REFERENCE) {
            let id = r["id"].as_str().expect("id");
            if !id.contains("compress") {
                continue;
            }
            let comp = unhex(r["hex"].as_str().expect("hex"));
            let plain = decompress(&comp, BIG).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(plain.len(), get32(&comp[8..12], true) as usize, "{id}");
            assert_eq!(&plain[..4], &[1, 0, 0, 0], "{id}");
            assert_eq!(compress(&plain), Some(comp), "{id}");
            n += 1;
        }
        assert_eq!(n, 3);
    }

    #[test]
    fn malformed_compression_verdicts() {
        let mut n = 0;
        for r in records(MALFORMED) {
            if r["category"] != "compression" {
                continue;
            }
            let id = r["id"].as_str().expect("id");
            let msg = unhex(r["hex"].as_str().expect("hex"));
            let verdict = r["kx_libe_verdict"].as_str().expect("verdict");
            let got = decompress(&msg, BIG);
            if verdict.starts_with("accepted") {
                let plain = got.unwrap_or_else(|e| panic!("{id}: {e}"));
                assert_eq!(compress(&plain), Some(msg), "{id}");
            } else {
                assert!(got.is_err(), "{id} must be rejected");
            }
            n += 1;
        }
        assert_eq!(n, 4);
    }

    /// Spec §7.5, built by hand rather than taken from the vector files.
    #[test]
    fn worked_example_2000_booleans() {
        let mut plain = vec![1, 0, 0, 0, 0xde, 0x07, 0, 0, 1, 0, 0xd0, 0x07, 0, 0];
        plain.resize(2014, 1);
        let mut want = vec![1, 0, 1, 0, 0x26, 0, 0, 0, 0xde, 0x07, 0, 0];
        want.extend([0x00, 0x01, 0x00, 0xd0, 0x07, 0x00, 0x00, 0x01, 0x01, 0xff]);
        for _ in 0..7 {
            want.extend([0x00, 0xff]);
        }
        want.extend([0x00, 0xc5]);
        assert_eq!(want.len(), 38);
        assert_eq!(compress(&plain).as_deref(), Some(&want[..]));
        assert_eq!(decompress(&want, BIG), Ok(plain));
    }

    #[test]
    fn truncated_streams_are_errors() {
        let mut n = 0;
        for comp in compressed_samples() {
            // Every cut of the small ones; for the long ones a stride plus the whole tail,
            // which keeps the debug-build test fast.
            let step = if comp.len() <= 2_000 { 1 } else { 97 };
            let tail = comp.len().saturating_sub(40);
            let cuts = (0..comp.len()).filter(|&c| c % step == 0 || c >= tail);
            for cut in cuts {
                let mut m = comp[..cut].to_vec();
                assert!(decompress(&m, BIG).is_err(), "cut {cut}");
                if cut >= 8 {
                    // Length field fixed up, so only the stream itself is short.
                    set_len(&mut m, cut);
                    assert!(decompress(&m, BIG).is_err(), "cut {cut} fixed");
                }
                n += 1;
            }
        }
        assert!(n > 2_000);
    }

    #[test]
    fn random_corruption_never_panics() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut out = Vec::new();
        for comp in compressed_samples() {
            // Fewer rounds for the big one: each round may decode ~800 KB.
            let rounds = if comp.len() <= 8_000 { 300 } else { 30 };
            for _ in 0..rounds {
                let mut m = comp.clone();
                for _ in 0..1 + rng.below(4) {
                    // Mostly the stream; sometimes the uncompressed-length field.
                    let at = if rng.below(8) == 0 {
                        8 + rng.below(4)
                    } else {
                        12 + rng.below(m.len() - 12)
                    };
                    m[at] = rng.next() as u8;
                }
                match decompress_into(&m, 1 << 24, &mut out) {
                    Ok(()) => assert_eq!(out.len(), get32(&m[8..12], m[0] == 1) as usize),
                    Err(_) => assert!(out.is_empty()),
                }
            }
        }
    }

    #[test]
    fn declared_size_over_limit_is_refused_before_allocating() {
        let comp = compressed_samples().remove(0);
        let declared = u64::from(get32(&comp[8..12], comp[0] == 1));
        let mut out = Vec::new();
        assert_eq!(
            decompress_into(&comp, declared - 1, &mut out),
            Err(DecompressError::TooLarge {
                declared,
                max: declared - 1
            })
        );
        assert_eq!(out.capacity(), 0);
        assert!(decompress_into(&comp, declared, &mut out).is_ok());

        // A 4 GiB claim backed by a few bytes fails without reserving anything, even
        // with no caller limit.
        let mut tiny = vec![
            1, 0, 1, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0xff,
        ];
        let len = tiny.len();
        set_len(&mut tiny, len);
        let mut out = Vec::new();
        assert_eq!(
            decompress_into(&tiny, u64::MAX, &mut out),
            Err(DecompressError::Corrupt(TRUNCATED))
        );
        assert_eq!(out.capacity(), 0);
    }

    #[test]
    fn header_checks() {
        let comp = compressed_samples().remove(0);
        let err = |m: &[u8]| decompress(m, BIG).err();
        assert_eq!(err(&comp[..7]), Some(DecompressError::TooShort));
        let mut m = comp.clone();
        m[0] = 2;
        assert_eq!(err(&m), Some(DecompressError::BadHeader));
        let mut m = comp.clone();
        m[2] = 0;
        assert_eq!(err(&m), Some(DecompressError::BadHeader));
        let mut m = comp.clone();
        m[3] = 1;
        assert_eq!(err(&m), Some(DecompressError::BadHeader));
        let mut m = comp.clone();
        let little = m[0] == 1;
        m[8..12].copy_from_slice(&put32(7, little));
        assert_eq!(err(&m), Some(DecompressError::BadHeader));
        assert_eq!(
            DecompressError::Corrupt("x").to_string(),
            "badmsg (x)".to_string()
        );
    }

    #[test]
    fn trailing_bytes_after_complete_output_are_ignored() {
        for (id, plain, comp) in vectors() {
            let Some(mut m) = comp else { continue };
            m.extend([0xff, 0x00, 0x13]);
            let len = m.len();
            set_len(&mut m, len);
            assert_eq!(decompress(&m, BIG).as_deref(), Ok(&plain[..]), "{id}");
        }
    }

    #[test]
    fn sixty_four_bit_length_variant() {
        for (id, plain, comp) in vectors() {
            let Some(comp) = comp else { continue };
            let little = comp[0] == 1;
            let total = plain.len() as u64;
            let mut m = comp[..8].to_vec();
            m[2] = 2;
            m.extend(if little {
                total.to_le_bytes()
            } else {
                total.to_be_bytes()
            });
            m.extend(&comp[12..]);
            let len = m.len();
            set_len(&mut m, len);
            assert_eq!(decompress(&m, BIG).as_deref(), Ok(&plain[..]), "{id}");
        }
    }

    /// §7.4 written as plainly as possible: one token at a time, byte-by-byte match
    /// extension, no give-up test (the caller compares against `compress_any` only where
    /// that succeeded). The fast loop must produce exactly these bytes.
    fn reference_stream(m: &[u8]) -> Vec<u8> {
        let t = m.len();
        let mut out = Vec::new();
        let mut table = [0usize; 256];
        let (mut s, mut pending, mut pending_key) = (HEADER, 0usize, 0u8);
        while s < t {
            let ctrl_pos = out.len();
            out.push(0);
            for bit in 0..8 {
                if s >= t {
                    break;
                }
                let (mut literal, mut key, mut cand) = (true, 0u8, 0usize);
                if s + 3 <= t {
                    key = m[s] ^ m[s + 1];
                    cand = table[usize::from(key)];
                    literal = cand == 0 || m[s] != m[cand];
                }
                if pending != 0 {
                    table[usize::from(pending_key)] = pending;
                    pending = 0;
                }
                if literal {
                    (pending, pending_key) = (s, key);
                    out.push(m[s]);
                    s += 1;
                } else {
                    table[usize::from(key)] = s;
                    out[ctrl_pos] |= 1 << bit;
                    let mut extra = 0;
                    while extra < 255
                        && s + 2 + extra < t
                        && m[cand + 2 + extra] == m[s + 2 + extra]
                    {
                        extra += 1;
                    }
                    out.extend([key, extra as u8]);
                    s += 2 + extra;
                }
            }
        }
        out
    }

    #[test]
    fn fast_loop_matches_the_plain_algorithm() {
        let mut rng = Rng(7);
        let mut checked = 0;
        for round in 0..60 {
            // Stretches of numeric columns (where the loop starts predicting reference
            // lengths), noise, runs and repeats, so it switches in and out of prediction.
            let mut m = vec![1, 0, 0, 0, 0, 0, 0, 0];
            let len = 2_000 + rng.below(60_000);
            while m.len() < len {
                match rng.below(5) {
                    0 => {
                        let base = rng.next() >> (rng.below(64) as u32);
                        let step = 1 + rng.below(3) as u64;
                        for i in 0..rng.below(400) as u64 {
                            m.extend(base.wrapping_add(i * step).to_le_bytes());
                        }
                    }
                    1 => {
                        for _ in 0..rng.below(300) {
                            m.push(rng.next() as u8);
                        }
                    }
                    2 => {
                        let b = rng.next() as u8;
                        m.extend(std::iter::repeat_n(b, rng.below(700)));
                    }
                    _ if m.len() > 8 => {
                        let from = 8 + rng.below(m.len() - 8);
                        let k = rng.below(300).min(m.len() - from);
                        let copy = m[from..from + k].to_vec();
                        m.extend(copy);
                    }
                    _ => m.push(0),
                }
            }
            m.truncate(len);
            set_len(&mut m, len);
            let Some(c) = compress_any(&m) else { continue };
            assert_eq!(&c[12..], &reference_stream(&m)[..], "round {round}");
            checked += 1;
        }
        assert!(checked > 30, "{checked}");
    }

    #[test]
    fn buffer_reuse_and_random_round_trips() {
        let mut rng = Rng(42);
        let mut out = Vec::with_capacity(64);
        for round in 0..200 {
            // Runs, repeats at varied distances and noise, so references of every
            // length and overlap occur.
            let len = 8 + rng.below(20_000);
            let mut m = vec![1, (round % 3) as u8, 0, 0, 0, 0, 0, 0];
            while m.len() < len {
                match rng.below(4) {
                    0 => m.push(rng.next() as u8),
                    1 => {
                        let b = rng.next() as u8;
                        let k = rng.below(600);
                        m.extend(std::iter::repeat_n(b, k));
                    }
                    _ if m.len() > 10 => {
                        let from = 8 + rng.below(m.len() - 8);
                        let k = rng.below(300);
                        for i in 0..k {
                            let b = m[from + i];
                            m.push(b);
                        }
                    }
                    _ => m.push(0),
                }
            }
            m.truncate(len);
            set_len(&mut m, len);
            if let Some(c) = compress_any(&m) {
                decompress_into(&c, BIG, &mut out).expect("round trip");
                assert_eq!(out, m, "round {round}");
            }
        }
    }
}
