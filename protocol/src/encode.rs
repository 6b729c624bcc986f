//! Serializer: [`K`] to little-endian message bytes, and `-22!` size accounting.
//!
//! The size of a message is computed first without serializing ([`serialized_len`], q's
//! `-22!`), so the output buffer is allocated once. Capability rules decide what may be
//! sent: guids need 3, timestamps and timespans 1, messages over 2 GB 5, vectors over
//! 2^31-1 items 6.

use crate::error::{Error, Result};
use crate::frame::{write_header, MsgType, MAX_MESSAGE};
use crate::k::*;
use crate::sym::Sym;

/// Total length of `-8!x` (header included) computed without serializing: q's `-22!x`.
/// Values that cannot be serialized (Rust-native functions) count as their error reply.
pub fn serialized_len(k: &K) -> u64 {
    8 + obj_len(k)
}

fn count_len(n: usize) -> u64 {
    if n as u64 >= 1 << 32 {
        9 + 1
    } else {
        4 + 1
    }
}

fn obj_len(k: &K) -> u64 {
    match k {
        K::Atom(a) => {
            1 + match a.v {
                Scalar::Sym(s) => s.len() as u64 + 1,
                _ => a.ty.width() as u64,
            }
        }
        K::Vector(v) => {
            let n = v.len();
            1 + count_len(n)
                + match &v.data {
                    Data::Sym(s) => s.iter().map(|s| s.len() as u64 + 1).sum(),
                    _ => (n * v.ty.width()) as u64,
                }
        }
        K::List(l) => 1 + count_len(l.items.len()) + l.items.iter().map(obj_len).sum::<u64>(),
        K::Dict(d) => 1 + obj_len(&d.keys) + obj_len(&d.vals),
        K::Table(t) => {
            // 62 attr 63 <names> <general list of columns>
            3 + 1
                + count_len(t.names.len())
                + t.names.iter().map(|s| s.len() as u64 + 1).sum::<u64>()
                + 1
                + count_len(t.cols.len())
                + t.cols.iter().map(obj_len).sum::<u64>()
        }
        // Enumerations travel as their symbols; the interpreter resolves them before
        // sending, so here they count as the index vector would.
        K::EnumAtom(..) => 9,
        K::Enum(e) => 1 + count_len(e.idx.len()) + 8 * e.idx.len() as u64,
        K::Func(f) => match f {
            Func::Lambda(l) => 1 + l.ctx.len() as u64 + 1 + 6 + l.text.len() as u64,
            Func::Unary(_) | Func::Binary(_) | Func::Iterator(_) => 2,
            Func::Projection(v) | Func::Composition(v) => 5 + v.iter().map(obj_len).sum::<u64>(),
            Func::Derived(_, f) => 1 + obj_len(f),
            Func::Native(n) => 2 + n.name().len() as u64,
        },
        K::Error(e) => 2 + e.len() as u64,
    }
}

/// Serialize `k` as a complete plain message of type `msg_type` for a peer of
/// capability `capability` (0..6).
pub fn encode_message(k: &K, msg_type: MsgType, capability: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    encode_message_into(k, msg_type, capability, &mut out)?;
    Ok(out)
}

/// [`encode_message`] appending to `out` (so a caller can reuse a buffer).
pub fn encode_message_into(
    k: &K,
    msg_type: MsgType,
    capability: u8,
    out: &mut Vec<u8>,
) -> Result<()> {
    let len = serialized_len(k);
    if len > MAX_MESSAGE {
        return Err(Error::Limit("message over 1 TB"));
    }
    if capability < 5 && len > i32::MAX as u64 {
        return Err(Error::Limit("message over 2 GB needs capability 5"));
    }
    let start = out.len();
    // 7 bytes of slack: a symbol vector's last name is written as a whole 8-byte word.
    out.reserve(len as usize + 7);
    out.extend_from_slice(&[0u8; 8]);
    let mut w = Writer { out, capability };
    match k {
        K::Error(e) => {
            w.out.push(0x80);
            w.out.extend_from_slice(e.as_bytes());
            w.out.push(0);
        }
        _ => w.object(k)?,
    }
    debug_assert_eq!((w.out.len() - start) as u64, len);
    write_header(&mut out[start..], msg_type, len);
    Ok(())
}

/// An error response (`'text`) as q sends it for a failed sync request.
pub fn encode_error(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(10 + text.len());
    out.extend_from_slice(&[0u8; 8]);
    out.push(0x80);
    out.extend_from_slice(text.as_bytes());
    out.push(0);
    let len = out.len() as u64;
    write_header(&mut out, MsgType::Response, len);
    out
}

/// `-8!x`: the async message bytes of `x` at capability 6.
pub fn to_bytes(k: &K) -> Result<Vec<u8>> {
    encode_message(k, MsgType::Async, 6)
}

/// Symbol vectors at least this long use the word cache in [`Writer::syms`].
const SYM_CACHE_MIN: usize = 128;
/// Names' worth of 8-byte room [`Writer::syms`] adds to the buffer at a time.
const SYM_ROOM: usize = 512;

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    capability: u8,
}

/// View a slice of plain numbers as its little-endian bytes.
macro_rules! put_slice {
    ($w:expr, $v:expr, $t:ty) => {{
        let v: &[$t] = $v;
        if cfg!(target_endian = "little") {
            // SAFETY: $t is a plain integer or float type with no padding; the byte view
            // covers exactly the slice's memory and lives no longer than the borrow.
            let b = unsafe {
                std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v))
            };
            $w.out.extend_from_slice(b);
        } else {
            for x in v {
                $w.out.extend_from_slice(&x.to_le_bytes());
            }
        }
    }};
}

impl Writer<'_> {
    /// A symbol vector's names, each followed by a NUL. Long vectors remember the names
    /// of up to 7 bytes as words (bytes then zeros, the NUL included), so each repeat is
    /// one 8-byte store instead of a variable-length copy; the zeros past the NUL land
    /// in room that the next name overwrites or that is cut off at the end.
    fn syms(&mut self, x: &[Sym]) {
        if x.len() < SYM_CACHE_MIN {
            for s in x {
                self.out.extend_from_slice(s.as_bytes());
                self.out.push(0);
            }
            return;
        }
        let mut cache = [(0usize, 0u64); 256];
        let mut p = self.out.len();
        for s in x {
            if self.out.len() < p + 8 {
                self.grow(p + 8);
            }
            let slot = &mut cache[(s.addr().wrapping_mul(0x9e37_79b9) >> 24) & 0xff];
            if slot.0 != s.addr() {
                let b = s.as_bytes();
                if b.len() >= 8 {
                    if self.out.len() < p + b.len() + 1 {
                        self.grow(p + b.len() + 1);
                    }
                    self.out[p..p + b.len()].copy_from_slice(b);
                    self.out[p + b.len()] = 0;
                    p += b.len() + 1;
                    continue;
                }
                *slot = (
                    s.addr(),
                    b.iter().rev().fold(0u64, |w, &c| w << 8 | u64::from(c)),
                );
            }
            let word = slot.1;
            // A name holds no NUL, so its length is the count of non-zero bytes.
            let len = (64usize - word.leading_zeros() as usize).div_ceil(8);
            self.out[p..p + 8].copy_from_slice(&word.to_le_bytes());
            p += len + 1;
        }
        self.out.truncate(p);
    }

    /// Make `out` at least `need` long (zero-filled) for [`Writer::syms`], adding a batch
    /// of room at once but not past the capacity reserved for the message, so the
    /// buffer is never reallocated for the room's sake.
    fn grow(&mut self, need: usize) {
        let room = (need + 8 * SYM_ROOM).min(self.out.capacity()).max(need);
        self.out.resize(room, 0);
    }

    fn count(&mut self, attr: Attr, n: usize) -> Result<()> {
        if n as u64 > i32::MAX as u64 && self.capability < 6 {
            return Err(Error::Limit(
                "vector over 2 billion items needs capability 6",
            ));
        }
        if n as u64 >= 1 << 32 {
            self.out.push(attr as u8 | 0x80);
            self.out.extend_from_slice(&(n as u64).to_le_bytes());
        } else {
            self.out.push(attr as u8);
            self.out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        Ok(())
    }

    fn check_ty(&self, ty: Ty) -> Result<()> {
        if ty.min_capability() > self.capability {
            return Err(Error::Type("type needs a higher capability"));
        }
        Ok(())
    }

    fn object(&mut self, k: &K) -> Result<()> {
        match k {
            K::Atom(a) => {
                self.check_ty(a.ty)?;
                self.out.push((-(a.ty as i8)) as u8);
                match a.v {
                    Scalar::U8(b) => self.out.push(b),
                    Scalar::Guid(g) => self.out.extend_from_slice(&g),
                    Scalar::I16(x) => self.out.extend_from_slice(&x.to_le_bytes()),
                    Scalar::I32(x) => self.out.extend_from_slice(&x.to_le_bytes()),
                    Scalar::I64(x) => self.out.extend_from_slice(&x.to_le_bytes()),
                    Scalar::F32(x) => self.out.extend_from_slice(&x.to_le_bytes()),
                    Scalar::F64(x) => self.out.extend_from_slice(&x.to_le_bytes()),
                    Scalar::Sym(s) => {
                        self.out.extend_from_slice(s.as_bytes());
                        self.out.push(0);
                    }
                }
            }
            K::Vector(v) => {
                self.check_ty(v.ty)?;
                self.out.push(v.ty as u8);
                self.count(v.attr, v.len())?;
                match &v.data {
                    Data::U8(x) => self.out.extend_from_slice(x),
                    Data::Guid(x) => {
                        for g in x.iter() {
                            self.out.extend_from_slice(g);
                        }
                    }
                    Data::I16(x) => put_slice!(self, x, i16),
                    Data::I32(x) => put_slice!(self, x, i32),
                    Data::I64(x) => put_slice!(self, x, i64),
                    Data::F32(x) => put_slice!(self, x, f32),
                    Data::F64(x) => put_slice!(self, x, f64),
                    Data::Sym(x) => self.syms(x),
                }
            }
            K::List(l) => {
                self.out.push(0);
                self.count(l.attr, l.items.len())?;
                for x in l.items.iter() {
                    self.object(x)?;
                }
            }
            K::Dict(d) => {
                self.out.push(if d.sorted { 127 } else { 99 });
                self.object(&d.keys)?;
                self.object(&d.vals)?;
            }
            K::Table(t) => {
                self.out.extend_from_slice(&[98, t.attr as u8, 99, 11]);
                self.count(Attr::None, t.names.len())?;
                for s in t.names.iter() {
                    self.out.extend_from_slice(s.as_bytes());
                    self.out.push(0);
                }
                self.out.push(0);
                self.count(Attr::None, t.cols.len())?;
                for c in &t.cols {
                    self.object(c)?;
                }
            }
            K::EnumAtom(..) | K::Enum(_) => {
                return Err(Error::Type(
                    "enumerations are resolved to symbols before sending",
                ))
            }
            K::Func(f) => match f {
                Func::Lambda(l) => {
                    self.out.push(100);
                    self.out.extend_from_slice(l.ctx.as_bytes());
                    self.out.push(0);
                    self.out.push(10);
                    self.count(Attr::None, l.text.len())?;
                    self.out.extend_from_slice(&l.text);
                }
                Func::Unary(c) => self.out.extend_from_slice(&[101, *c]),
                Func::Binary(c) => self.out.extend_from_slice(&[102, *c]),
                Func::Iterator(c) => self.out.extend_from_slice(&[103, *c]),
                Func::Projection(v) | Func::Composition(v) => {
                    self.out.push(if matches!(f, Func::Projection(_)) {
                        104
                    } else {
                        105
                    });
                    self.out.extend_from_slice(&(v.len() as u32).to_le_bytes());
                    for x in v.iter() {
                        self.object(x)?;
                    }
                }
                Func::Derived(t, x) => {
                    self.out.push(*t);
                    self.object(x)?;
                }
                Func::Native(_) => {
                    return Err(Error::Type("a native function cannot be serialized"))
                }
            },
            K::Error(_) => return Err(Error::Type("an error can only be a whole response")),
        }
        Ok(())
    }
}
