//! Deserializer: message bytes (either byte order) to [`K`].
//!
//! Input is hostile until parsed. Every count is checked against the bytes that remain
//! before anything is allocated, nesting depth is bounded, the object must end exactly
//! at the end of the message, and the structural rules of KX's validator apply (dictionary
//! and table shapes, boolean bytes, attributes). A numeric vector costs one copy.

use crate::compress;
use crate::error::{Error, Result};
use crate::frame::Header;
use crate::k::*;
use crate::sym::Sym;
use std::sync::Arc;

/// Highest primitive codes KX's validator accepts for types 101 (plus 255), 102 and 103
/// (checked with the C library in PyKX 4.2.0, tests/clients/test_pykx_codec.py); q refuses
/// other codes as `'badmsg`.
const MAX_UNARY: u8 = 44;
const MAX_OPERATOR: u8 = 36;
const MAX_ITERATOR: u8 = 5;

/// Bounds applied while decoding.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of lists, dictionaries and functions accepted.
    pub max_depth: u32,
    /// Largest message accepted, compressed or (after decompression) not.
    pub max_message: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 512,
            max_message: crate::frame::MAX_MESSAGE,
        }
    }
}

/// Decode a complete message (header included; compressed messages are decompressed).
pub fn decode_message(msg: &[u8]) -> Result<(Header, K)> {
    decode_message_with(msg, &Limits::default())
}

/// [`decode_message`] with explicit limits.
pub fn decode_message_with(msg: &[u8], limits: &Limits) -> Result<(Header, K)> {
    let h = Header::parse(msg)?;
    if h.len != msg.len() as u64 {
        return Err(Error::BadMsg(
            "length field does not match the message size",
        ));
    }
    if h.len > limits.max_message {
        return Err(Error::Limit("message larger than the configured maximum"));
    }
    if h.compressed != 0 {
        let plain = compress::decompress(msg, limits.max_message)
            .map_err(|_| Error::BadMsg("corrupt compressed message"))?;
        let k = decode_payload(&plain[Header::SIZE..], h.little, limits)?;
        return Ok((h, k));
    }
    let k = decode_payload(&msg[Header::SIZE..], h.little, limits)?;
    Ok((h, k))
}

/// Decode one object that must occupy all of `payload`.
pub fn decode_payload(payload: &[u8], little: bool, limits: &Limits) -> Result<K> {
    let mut r = Reader {
        buf: payload,
        pos: 0,
        little,
        depth: 0,
        max_depth: limits.max_depth,
    };
    if payload.first() == Some(&0x80) {
        // An error object is only valid as the whole payload.
        r.pos = 1;
        let text = r.cstr()?;
        r.finish()?;
        return Ok(K::Error(String::from_utf8_lossy(text).into()));
    }
    let k = r.object()?;
    r.finish()?;
    Ok(k)
}

/// Decode the one object at the start of `buf` and return it with the number of bytes it
/// took. Data files hold objects back to back with no length in front (a journal's items,
/// a serialized general list whose header count is stale), so the reader needs each end.
pub fn decode_prefix(buf: &[u8], little: bool, limits: &Limits) -> Result<(K, usize)> {
    let mut r = Reader {
        buf,
        pos: 0,
        little,
        depth: 0,
        max_depth: limits.max_depth,
    };
    let k = r.object()?;
    Ok((k, r.pos))
}

/// Most items reserved before they are decoded, for lists and symbol vectors. Their counts
/// are checked against the bytes left, but an item that takes 2 bytes on the wire (1 for a
/// symbol) takes 32 in memory (8), so reserving the whole claim would let a message that
/// fails at its first item reserve 16 times its size; past this the vector grows as items
/// actually decode. Fixed-width vectors need no cap: their bytes are all present first.
const MAX_PREALLOC: usize = 1 << 16;

/// Symbol vectors at least this long use [`SymCache`]; for shorter ones setting the
/// cache up costs more than it saves.
const SYM_CACHE_MIN: usize = 128;
const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Two-way set-associative cache from a short name (its bytes packed little-endian into a
/// word, so comparing names is comparing words) to its interned symbol. Key 0 is the
/// empty name, whose symbol is the null one, so the initial contents are valid entries.
struct SymCache {
    sets: [[(u64, Sym); 2]; 256],
}

impl SymCache {
    fn new() -> SymCache {
        SymCache {
            sets: [[(0, Sym::NULL); 2]; 256],
        }
    }

    /// The symbol for `text`, whose packed form is `key`.
    #[inline]
    fn get(&mut self, key: u64, text: &[u8]) -> Sym {
        let set = &mut self.sets[(key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize];
        if set[0].0 == key {
            return set[0].1;
        }
        if set[1].0 == key {
            set.swap(0, 1);
            return set[0].1;
        }
        let s = Sym::new(text);
        set[1] = set[0];
        set[0] = (key, s);
        s
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    little: bool,
    depth: u32,
    max_depth: u32,
}

macro_rules! read_num {
    ($name:ident, $t:ty, $n:expr) => {
        #[inline]
        fn $name(&mut self) -> Result<$t> {
            let b = self.take($n)?;
            let a: [u8; $n] = b.try_into().map_err(|_| Error::BadMsg("short read"))?;
            Ok(if self.little {
                <$t>::from_le_bytes(a)
            } else {
                <$t>::from_be_bytes(a)
            })
        }
    };
}

macro_rules! read_vec {
    ($name:ident, $t:ty, $n:expr) => {
        /// Read `n` items: one copy on a matching byte order, a swap otherwise.
        fn $name(&mut self, n: usize) -> Result<Vec<$t>> {
            let bytes = n.checked_mul($n).ok_or(Error::BadMsg("count overflows"))?;
            let src = self.take(bytes)?;
            let mut v: Vec<$t> = Vec::with_capacity(n);
            if self.little == cfg!(target_endian = "little") {
                // SAFETY: `src` holds exactly n * size_of::<$t>() bytes (checked by take), the
                // destination has capacity for n items, the regions cannot overlap, and every
                // bit pattern is a valid $t (plain integers and IEEE floats).
                unsafe {
                    std::ptr::copy_nonoverlapping(src.as_ptr(), v.as_mut_ptr() as *mut u8, bytes);
                    v.set_len(n);
                }
            } else {
                v.extend(src.chunks_exact($n).map(|c| {
                    let mut a = [0u8; $n];
                    a.copy_from_slice(c);
                    if self.little {
                        <$t>::from_le_bytes(a)
                    } else {
                        <$t>::from_be_bytes(a)
                    }
                }));
            }
            Ok(v)
        }
    };
}

impl<'a> Reader<'a> {
    #[inline]
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(Error::BadMsg("message shorter than its contents"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    #[inline]
    fn u8(&mut self) -> Result<u8> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or(Error::BadMsg("message shorter than its contents"))?;
        self.pos += 1;
        Ok(b)
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn finish(&self) -> Result<()> {
        if self.pos != self.buf.len() {
            return Err(Error::BadMsg("trailing bytes after the object"));
        }
        Ok(())
    }

    read_num!(i16, i16, 2);
    read_num!(i32, i32, 4);
    read_num!(u32, u32, 4);
    read_num!(i64, i64, 8);
    read_num!(u64, u64, 8);
    read_num!(f32, f32, 4);
    read_num!(f64, f64, 8);
    read_vec!(vec_i16, i16, 2);
    read_vec!(vec_i32, i32, 4);
    read_vec!(vec_i64, i64, 8);
    read_vec!(vec_f32, f32, 4);
    read_vec!(vec_f64, f64, 8);

    /// NUL-terminated bytes (symbols, lambda contexts, error texts).
    fn cstr(&mut self) -> Result<&'a [u8]> {
        let rest = &self.buf[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(Error::BadMsg("symbol without terminating NUL"))?;
        self.pos += n + 1;
        Ok(&rest[..n])
    }

    /// `n` symbols. Long vectors go through a small cache of recently seen names: a sym
    /// column usually repeats a few names, and for a name of up to 7 bytes the cache turns
    /// each repeat into one 8-byte load and one comparison instead of a NUL scan, a hash,
    /// a pool lock and a map lookup. Longer names, and the last few bytes of the message,
    /// take the plain path.
    fn syms(&mut self, n: usize) -> Result<Vec<Sym>> {
        let mut v = Vec::with_capacity(n.min(MAX_PREALLOC));
        if n < SYM_CACHE_MIN {
            for _ in 0..n {
                v.push(Sym::new(self.cstr()?));
            }
            return Ok(v);
        }
        let mut cache = SymCache::new();
        for _ in 0..n {
            let word = self
                .buf
                .get(self.pos..self.pos + 8)
                .map(|b| b.iter().rev().fold(0u64, |w, &x| w << 8 | u64::from(x)));
            let hit = word.and_then(|w| {
                // The lowest flagged byte of this classic test is exactly the first NUL.
                let zeros = w.wrapping_sub(LOW_BITS) & !w & HIGH_BITS;
                (zeros != 0).then(|| ((zeros.trailing_zeros() / 8) as usize, w))
            });
            match hit {
                Some((len, w)) => {
                    // len <= 7, so the mask keeps exactly the name's bytes. Names hold no
                    // NUL, so the masked word alone identifies the name.
                    let key = w & ((1u64 << (8 * len)) - 1);
                    let text = &self.buf[self.pos..self.pos + len];
                    v.push(cache.get(key, text));
                    self.pos += len + 1;
                }
                None => v.push(Sym::new(self.cstr()?)),
            }
        }
        Ok(v)
    }

    /// Attribute byte and count of a vector or general list. `min_item` is the fewest
    /// bytes one item can take, so a count the remaining bytes cannot hold is refused
    /// before any allocation.
    fn attr_count(&mut self, min_item: usize) -> Result<(Attr, usize)> {
        let a = self.u8()?;
        let attr = Attr::from_byte(a & 0x7f).ok_or(Error::BadMsg("unknown attribute"))?;
        let n = if a & 0x80 != 0 {
            self.u64()?
        } else {
            self.u32()? as u64
        };
        // A 4-byte count is read unsigned (capability 6 allows 2^31..2^32-1 items); q's
        // validator refuses the negative counts of older writers only by their size.
        let need = n.checked_mul(min_item.max(1) as u64);
        match need {
            Some(need) if need <= self.remaining() as u64 => Ok((attr, n as usize)),
            _ => Err(Error::BadMsg("count larger than the message")),
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(Error::Limit("nesting deeper than the configured maximum"));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<K> {
        let t = self.u8()? as i8;
        match t {
            -19..=-1 => self.atom(t),
            0 => {
                let (attr, n) = self.attr_count(2)?;
                self.enter()?;
                let mut items = Vec::with_capacity(n.min(MAX_PREALLOC));
                for _ in 0..n {
                    items.push(self.object()?);
                }
                self.depth -= 1;
                Ok(K::List(List {
                    attr,
                    items: Arc::new(items),
                }))
            }
            1..=19 => self.vector(t),
            98 => self.table(),
            99 | 127 => {
                self.enter()?;
                let keys = self.object()?;
                let vals = self.object()?;
                self.depth -= 1;
                if keys.len() != vals.len() || keys.is_atom() != vals.is_atom() {
                    return Err(Error::BadMsg("dictionary keys and values differ in count"));
                }
                Ok(K::Dict(Arc::new(Dict {
                    keys,
                    vals,
                    sorted: t == 127,
                })))
            }
            100 => {
                let ctx = Sym::new(self.cstr()?);
                if self.u8()? != 10 {
                    return Err(Error::BadMsg("lambda text is not a string"));
                }
                let (_, n) = self.attr_count(1)?;
                let text = self.take(n)?.to_vec();
                Ok(K::Func(Func::Lambda(Arc::new(Lambda::new(ctx, text)))))
            }
            101 => {
                let c = self.u8()?;
                if c > MAX_UNARY && c != 255 {
                    return Err(Error::BadMsg("unknown unary primitive code"));
                }
                Ok(K::Func(Func::Unary(c)))
            }
            102 => {
                let c = self.u8()?;
                if c > MAX_OPERATOR {
                    return Err(Error::BadMsg("unknown operator code"));
                }
                Ok(K::Func(Func::Binary(c)))
            }
            103 => {
                let c = self.u8()?;
                if c > MAX_ITERATOR {
                    return Err(Error::BadMsg("unknown iterator code"));
                }
                Ok(K::Func(Func::Iterator(c)))
            }
            104 | 105 => {
                let n = self.u32()? as u64;
                if n == 0 || n > self.remaining() as u64 / 2 {
                    return Err(Error::BadMsg("function count larger than the message"));
                }
                self.enter()?;
                let mut items = Vec::with_capacity((n as usize).min(MAX_PREALLOC));
                for _ in 0..n {
                    items.push(self.object()?);
                }
                self.depth -= 1;
                let items = Arc::new(items);
                Ok(K::Func(if t == 104 {
                    Func::Projection(items)
                } else {
                    Func::Composition(items)
                }))
            }
            106..=111 => {
                self.enter()?;
                let f = self.object()?;
                self.depth -= 1;
                Ok(K::Func(Func::Derived(t as u8, Arc::new(f))))
            }
            -128 => Err(Error::BadMsg("error object inside a message")),
            20..=76 | -76..=-20 => Err(Error::BadMsg("enumerations are not sent over IPC")),
            112 => Err(Error::BadMsg(
                "dynamic-load functions cannot be transferred",
            )),
            _ => Err(Error::BadMsg("unknown type")),
        }
    }

    fn atom(&mut self, t: i8) -> Result<K> {
        let ty = Ty::from_code(-t).ok_or(Error::BadMsg("unknown atom type"))?;
        let v = match ty.storage() {
            Storage::U8 => {
                let b = self.u8()?;
                if ty == Ty::Bool && b > 1 {
                    return Err(Error::BadMsg("boolean byte other than 0 or 1"));
                }
                Scalar::U8(b)
            }
            Storage::Guid => {
                let mut g = [0u8; 16];
                g.copy_from_slice(self.take(16)?);
                Scalar::Guid(g)
            }
            Storage::I16 => Scalar::I16(self.i16()?),
            Storage::I32 => Scalar::I32(self.i32()?),
            Storage::I64 => Scalar::I64(self.i64()?),
            Storage::F32 => Scalar::F32(self.f32()?),
            Storage::F64 => Scalar::F64(self.f64()?),
            Storage::Sym => Scalar::Sym(Sym::new(self.cstr()?)),
        };
        Ok(K::Atom(Atom { ty, v }))
    }

    fn vector(&mut self, t: i8) -> Result<K> {
        let ty = Ty::from_code(t).ok_or(Error::BadMsg("unknown vector type"))?;
        let width = match ty.storage() {
            Storage::Sym => 1,
            _ => ty.width(),
        };
        let (attr, n) = self.attr_count(width)?;
        let data = match ty.storage() {
            Storage::U8 => {
                let b = self.take(n)?;
                if ty == Ty::Bool && b.iter().any(|&x| x > 1) {
                    return Err(Error::BadMsg("boolean byte other than 0 or 1"));
                }
                Data::U8(Arc::new(b.to_vec()))
            }
            Storage::Guid => {
                let b = self.take(n * 16)?;
                Data::Guid(Arc::new(
                    b.chunks_exact(16)
                        .map(|c| {
                            let mut g = [0u8; 16];
                            g.copy_from_slice(c);
                            g
                        })
                        .collect(),
                ))
            }
            Storage::I16 => Data::I16(Arc::new(self.vec_i16(n)?)),
            Storage::I32 => Data::I32(Arc::new(self.vec_i32(n)?)),
            Storage::I64 => Data::I64(Arc::new(self.vec_i64(n)?)),
            Storage::F32 => Data::F32(Arc::new(self.vec_f32(n)?)),
            Storage::F64 => Data::F64(Arc::new(self.vec_f64(n)?)),
            Storage::Sym => Data::Sym(Arc::new(self.syms(n)?)),
        };
        Ok(K::Vector(Vector { ty, attr, data }))
    }

    fn table(&mut self) -> Result<K> {
        let a = self.u8()?;
        let attr = Attr::from_byte(a).ok_or(Error::BadMsg("unknown table attribute"))?;
        if self.u8()? != 99 {
            return Err(Error::BadMsg("table is not a flipped dictionary"));
        }
        self.enter()?;
        let names = match self.object()? {
            K::Vector(Vector {
                ty: Ty::Sym,
                data: Data::Sym(s),
                ..
            }) => s,
            _ => return Err(Error::BadMsg("table column names are not a symbol vector")),
        };
        let cols = match self.object()? {
            K::List(l) => Arc::try_unwrap(l.items).unwrap_or_else(|a| (*a).clone()),
            K::Atom(_) => return Err(Error::Nyi("splayed table reference over IPC")),
            _ => return Err(Error::BadMsg("table columns are not a general list")),
        };
        self.depth -= 1;
        if cols.len() != names.len() {
            return Err(Error::BadMsg("table names and columns differ in count"));
        }
        let rows = cols.first().map_or(0, K::len);
        if cols.iter().any(|c| c.is_atom() || c.len() != rows) {
            return Err(Error::BadMsg("table columns differ in length"));
        }
        Ok(K::Table(Arc::new(Table { attr, names, cols })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode_message_into, to_bytes, MsgType};

    fn func_msg(t: u8, c: u8) -> [u8; 10] {
        [1, 0, 0, 0, 10, 0, 0, 0, t, c]
    }

    #[test]
    fn primitive_codes_follow_kx_validator() {
        let accepts = |t, c| decode_message(&func_msg(t, c)).is_ok();
        assert!((0..=44).all(|c| accepts(101, c)) && accepts(101, 255));
        assert!(!accepts(101, 45) && !accepts(101, 254));
        assert!((0..=36).all(|c| accepts(102, c)));
        assert!(!accepts(102, 37) && !accepts(102, 255));
        assert!((0..=5).all(|c| accepts(103, c)));
        assert!(!accepts(103, 6));
    }

    /// The async message q would send for a symbol vector, built by hand.
    fn sym_message(names: &[Vec<u8>]) -> Vec<u8> {
        let mut m = vec![1, 0, 0, 0, 0, 0, 0, 0, 11, 0];
        m.extend((names.len() as u32).to_le_bytes());
        for n in names {
            m.extend(n);
            m.push(0);
        }
        let len = m.len() as u32;
        m[4..8].copy_from_slice(&len.to_le_bytes());
        m
    }

    /// Names of every length from 0 to 12 (the cached word path stops at 7), some with
    /// bytes above 0x7f, plus enough distinct ones to make the caches evict.
    fn names(distinct: usize, n: usize) -> Vec<Vec<u8>> {
        let pool: Vec<Vec<u8>> = (0..distinct)
            .map(|i| {
                let len = i % 13;
                (0..len)
                    .map(|j| match (i + j) % 5 {
                        0 => 0xe9,
                        _ => b'a' + ((i * 7 + j * 3) % 26) as u8,
                    })
                    .collect()
            })
            .collect();
        (0..n)
            .map(|i| pool[(i * 31 + i / 7) % distinct].clone())
            .collect()
    }

    fn syms_k(names: &[Vec<u8>]) -> K {
        K::syms(names.iter().map(|n| Sym::new(n)))
    }

    #[test]
    fn long_sym_vectors_encode_and_decode_exactly() {
        for (distinct, n) in [(13, 1000), (600, 5000), (3, 129), (40, 127)] {
            let names = names(distinct, n);
            let k = syms_k(&names);
            let want = sym_message(&names);
            assert_eq!(to_bytes(&k).expect("encode"), want, "{distinct} {n}");
            let back = decode_message(&want).expect("decode").1;
            assert_eq!(back, k, "{distinct} {n}");
        }
    }

    #[test]
    fn sym_columns_inside_a_table_and_after_other_bytes() {
        let a = names(17, 700);
        let b = names(400, 700);
        let t = K::table(
            vec![Sym::from("a"), Sym::from("b"), Sym::from("x")],
            vec![
                syms_k(&a),
                syms_k(&b),
                K::floats((0..700).map(f64::from).collect()),
            ],
        );
        let plain = to_bytes(&t).expect("encode");
        // Appending to a buffer that already holds bytes and has spare capacity.
        let mut out = b"prefix".to_vec();
        out.reserve(1 << 16);
        encode_message_into(&t, MsgType::Async, 6, &mut out).expect("encode");
        assert_eq!(&out[..6], b"prefix");
        assert_eq!(&out[6..], &plain[..]);
        assert_eq!(decode_message(&plain).expect("decode").1, t);
    }

    #[test]
    fn unterminated_names_in_long_vectors_are_errors() {
        let names = names(20, 300);
        let m = sym_message(&names);
        let payload = &m[8..];
        // Every cut inside the last 40 bytes leaves a name without its NUL, or too few.
        for cut in payload.len() - 40..payload.len() {
            let r = decode_payload(&payload[..cut], true, &Limits::default());
            assert!(r.is_err(), "cut {cut}");
        }
    }
}
