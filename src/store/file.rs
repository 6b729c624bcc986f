//! One kdb+ data file (spec §3): what `` `:f set x `` writes and `get` reads back.
//!
//! The first bytes say the layout: `ff01` a serialized object (symbol lists such as `.d`
//! and `sym` are read to the end of the file, their header count being stale after
//! appends; a general list is read item by item to the end, as a tick log is), `fe20` a
//! mappable simple vector, `fd20` an enumeration or anymap with a 4096-byte header, `fe`
//! plus a domain name a pre-3.6 32-bit enumeration. Unattributed vectors take their length
//! from the file size (q appends without updating the count); attributed ones from the
//! header, since an index follows the data.
//!
//! Writing follows q 3.6+/4.x layouts with true counts. Attribute indexes are not written
//! (their layout is not public): `s#` keeps its flag, `u#`/`p#`/`g#` are dropped.

use super::zip;
use crate::lang::{QError, QResult};
use qipc::{Atom, Attr, Data, Enum, Guid, Storage, Sym, Ty, Vector, K};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the data of an `fd20` file starts, and where its secondary header sits.
const EXT_DATA: usize = 0x1000;
const EXT_SECONDARY: usize = 0xff0;
const EXT_NAME: usize = 0x10;
/// Type number of an anymap (mapped list) index file.
const ANYMAP: u8 = 77;
/// Type number of an enumeration.
const ENUM: u8 = 20;

fn bad(path: &Path) -> QError {
    QError::new(format!("{}. bad data file", path.display()))
}

/// Read a data file (decompressing it when compressed).
pub fn read(path: &Path) -> QResult<K> {
    let raw = super::read_bytes(path)?;
    let bytes = zip::unwrap(raw)?;
    decode(&bytes, path)
}

/// Decode the bytes of a data file. `path` locates companion files (an anymap's heap).
pub fn decode(b: &[u8], path: &Path) -> QResult<K> {
    match b {
        [0xff, 0x01, rest @ ..] => serialized(rest, path),
        [0xfe, 0x20, ..] => mappable(b, path),
        [0xfd, 0x20, ..] => extended(b, path),
        [0xfe, ..] if b.len() >= 24 => legacy_enum(b, path),
        // q: "Signals a type error if the file is not a kdb+ data file".
        _ => Err(QError::type_()),
    }
}

fn le_i64(b: &[u8], at: usize) -> Option<i64> {
    let s = b.get(at..at + 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(i64::from_le_bytes(a))
}

/// A NUL-terminated name within `b` (the whole slice when no NUL).
fn cstr(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// Items in a vector body: the header count for attributed vectors (an index follows the
/// data), else whatever the file holds.
fn item_count(attr: Attr, header: i64, available: usize, path: &Path) -> QResult<usize> {
    if attr == Attr::None {
        return Ok(available);
    }
    match usize::try_from(header) {
        Ok(n) if n <= available => Ok(n),
        _ => Err(bad(path)),
    }
}

/// Decode `n` little-endian items of `ty` from `b` (which holds at least `n * width`).
pub fn data_from_le(ty: Ty, b: &[u8], n: usize) -> Data {
    macro_rules! nums {
        ($v:ident, $t:ty, $w:expr) => {
            Data::$v(Arc::new(
                b[..n * $w]
                    .chunks_exact($w)
                    .map(|c| {
                        let mut a = [0u8; $w];
                        a.copy_from_slice(c);
                        <$t>::from_le_bytes(a)
                    })
                    .collect(),
            ))
        };
    }
    match ty.storage() {
        Storage::U8 => Data::U8(Arc::new(b[..n].to_vec())),
        Storage::Guid => Data::Guid(Arc::new(
            b[..n * 16]
                .chunks_exact(16)
                .map(|c| {
                    let mut g: Guid = [0; 16];
                    g.copy_from_slice(c);
                    g
                })
                .collect(),
        )),
        Storage::I16 => nums!(I16, i16, 2),
        Storage::I32 => nums!(I32, i32, 4),
        Storage::I64 => nums!(I64, i64, 8),
        Storage::F32 => nums!(F32, f32, 4),
        Storage::F64 => nums!(F64, f64, 8),
        // Symbols are never stored as fixed-width items; callers exclude them.
        Storage::Sym => Data::Sym(Arc::new(Vec::new())),
    }
}

/// The little-endian bytes of a vector's items.
pub fn data_to_le(d: &Data) -> Vec<u8> {
    macro_rules! nums {
        ($v:expr) => {
            $v.iter().flat_map(|x| x.to_le_bytes()).collect()
        };
    }
    match d {
        Data::U8(v) => v.as_ref().clone(),
        Data::Guid(v) => v.iter().flat_map(|g| g.iter().copied()).collect(),
        Data::I16(v) => nums!(v),
        Data::I32(v) => nums!(v),
        Data::I64(v) => nums!(v),
        Data::F32(v) => nums!(v),
        Data::F64(v) => nums!(v),
        Data::Sym(v) => v
            .iter()
            .flat_map(|s| s.as_bytes().iter().copied().chain(std::iter::once(0)))
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------
// Reading

/// `ff01` + an IPC object body.
fn serialized(p: &[u8], path: &Path) -> QResult<K> {
    match p.first() {
        // Symbol lists grow by appending names at the end without touching the count.
        Some(11) if p.len() >= 6 => {
            let attr = Attr::from_byte(p[1] & 0x7f).unwrap_or_default();
            let body = &p[6..];
            let mut syms = Vec::new();
            let mut rest = body;
            while !rest.is_empty() {
                let name = cstr(rest);
                syms.push(Sym::new(name));
                rest = rest.get(name.len() + 1..).unwrap_or(&[]);
            }
            Ok(K::syms(syms).with_attr(attr))
        }
        // A general list: items back to back to the end (a tick log never updates its count).
        Some(0) if p.len() >= 6 => {
            let mut items = Vec::new();
            let mut pos = 6;
            let limits = qipc::Limits::default();
            while pos < p.len() {
                let (k, used) =
                    qipc::decode_prefix(&p[pos..], true, &limits).map_err(|_| bad(path))?;
                items.push(k);
                pos += used;
            }
            Ok(K::list(items))
        }
        Some(_) => qipc::decode_payload(p, true, &qipc::Limits::default()).map_err(|_| bad(path)),
        None => Err(bad(path)),
    }
}

/// `fe20`: type, attribute, count, then the items.
fn mappable(b: &[u8], path: &Path) -> QResult<K> {
    if b.len() < 16 {
        return Err(bad(path));
    }
    let ty = Ty::from_code(b[2] as i8)
        .filter(|t| *t != Ty::Sym)
        .ok_or_else(|| bad(path))?;
    let attr = Attr::from_byte(b[3]).unwrap_or_default();
    let header = le_i64(b, 8).unwrap_or(0);
    let body = &b[16..];
    let n = item_count(attr, header, body.len() / ty.width(), path)?;
    Ok(K::Vector(Vector {
        ty,
        attr,
        data: data_from_le(ty, body, n),
    }))
}

/// `fd20`: a 4096-byte header (domain name at 0x10, secondary header at 0xff0).
fn extended(b: &[u8], path: &Path) -> QResult<K> {
    if b.len() < EXT_DATA || b[EXT_SECONDARY] != 0xfd {
        return Err(bad(path));
    }
    let sec = &b[EXT_SECONDARY..EXT_DATA];
    let (t, attr) = (sec[2], Attr::from_byte(sec[3]).unwrap_or_default());
    let header = le_i64(sec, 8).unwrap_or(0);
    let body = &b[EXT_DATA..];
    match t {
        ENUM => {
            let domain = Sym::new(cstr(&b[EXT_NAME..EXT_SECONDARY]));
            let n = item_count(attr, header, body.len() / 8, path)?;
            let idx = match data_from_le(Ty::Long, body, n) {
                Data::I64(v) => v,
                _ => Arc::new(Vec::new()),
            };
            Ok(K::Enum(Enum { domain, attr, idx }))
        }
        ANYMAP => anymap(body, path),
        _ => match Ty::from_code(t as i8).filter(|t| *t != Ty::Sym) {
            Some(ty) => {
                let n = item_count(attr, header, body.len() / ty.width(), path)?;
                Ok(K::Vector(Vector {
                    ty,
                    attr,
                    data: data_from_le(ty, body, n),
                }))
            }
            None => Err(QError::nyi()),
        },
    }
}

/// Pre-3.6: `fe`, domain name (10 bytes), attribute, count at 16, 32-bit indices at 24.
fn legacy_enum(b: &[u8], path: &Path) -> QResult<K> {
    let domain = Sym::new(cstr(&b[1..11]));
    let attr = Attr::from_byte(b[11]).unwrap_or_default();
    let header = le_i64(b, 16).unwrap_or(0);
    let body = &b[24..];
    let n = item_count(attr, header, body.len() / 4, path)?;
    let idx = body[..n * 4]
        .chunks_exact(4)
        .map(|c| {
            let v = i32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            if v == i32::MIN {
                i64::MIN
            } else {
                i64::from(v)
            }
        })
        .collect();
    Ok(K::Enum(Enum {
        domain,
        attr,
        idx: Arc::new(idx),
    }))
}

/// The path of a companion file: `col#` (anymap heap) or `col##` (its symbol domain).
pub fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// An anymap index (one 8-byte entry per item: offset into the heap `col#`, flag in the
/// top byte) resolved against its heap.
fn anymap(index: &[u8], path: &Path) -> QResult<K> {
    let heap_path = companion(path, "#");
    let heap = zip::unwrap(super::read_bytes(&heap_path)?)?;
    if heap.len() < EXT_DATA || !heap.starts_with(&[0xfd, 0x20]) {
        return Err(bad(&heap_path));
    }
    let data = &heap[EXT_DATA..];
    let dom_path = companion(path, "##");
    let domain: Option<Arc<Vec<Sym>>> = match std::fs::metadata(&dom_path) {
        Ok(_) => match read(&dom_path)? {
            K::Vector(Vector {
                data: Data::Sym(s), ..
            }) => Some(s),
            _ => return Err(bad(&dom_path)),
        },
        Err(_) => None,
    };
    let n = index.len() / 8;
    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        let e = le_i64(index, 8 * i).unwrap_or(0) as u64;
        let off = (e & 0x00ff_ffff_ffff_ffff) as usize;
        let item = match e >> 56 {
            1 => compact_item(data, off, domain.as_deref().map(Vec::as_slice)),
            0 => full_item(data, off, domain.as_deref().map(Vec::as_slice)),
            _ => None,
        };
        items.push(item.ok_or_else(|| bad(&heap_path))?);
    }
    Ok(K::list(items))
}

/// Enumeration indices as symbols of their domain (null for out-of-range).
fn de_enumerate(idx: &[u8], domain: &[Sym]) -> Vec<Sym> {
    idx.chunks_exact(8)
        .map(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            let i = i64::from_le_bytes(a);
            usize::try_from(i)
                .ok()
                .and_then(|i| domain.get(i).copied())
                .unwrap_or(Sym::NULL)
        })
        .collect()
}

/// An item in compact form: one byte `type + 127`, then a 1-byte count and the items
/// for a vector, or the raw value for an atom.
fn compact_item(data: &[u8], off: usize, domain: Option<&[Sym]>) -> Option<K> {
    let t = i16::from(*data.get(off)?) - 127;
    if t < 0 {
        if t == -i16::from(ENUM) {
            let b = data.get(off + 1..off + 9)?;
            return Some(K::sym(de_enumerate(b, domain?)[0]));
        }
        let ty = Ty::from_code(-t as i8).filter(|t| *t != Ty::Sym)?;
        let b = data.get(off + 1..off + 1 + ty.width())?;
        let d = data_from_le(ty, b, 1);
        return Some(K::Atom(Atom { ty, v: d.get(0) }));
    }
    let n = usize::from(*data.get(off + 1)?);
    vector_item(data, off + 2, t, Attr::None, n, domain)
}

/// An item in full form: a 16-byte header `fb 00 type attr refcount count`, then items.
fn full_item(data: &[u8], off: usize, domain: Option<&[Sym]>) -> Option<K> {
    let h = data.get(off..off + 16)?;
    if h[0] != 0xfb {
        return None;
    }
    let n = usize::try_from(le_i64(h, 8)?).ok()?;
    vector_item(
        data,
        off + 16,
        i16::from(h[2]),
        Attr::from_byte(h[3]).unwrap_or_default(),
        n,
        domain,
    )
}

fn vector_item(
    data: &[u8],
    at: usize,
    t: i16,
    attr: Attr,
    n: usize,
    domain: Option<&[Sym]>,
) -> Option<K> {
    if t == i16::from(ENUM) {
        let b = data.get(at..at.checked_add(n.checked_mul(8)?)?)?;
        return Some(K::syms(de_enumerate(b, domain?)).with_attr(attr));
    }
    let ty = Ty::from_code(i8::try_from(t).ok()?).filter(|t| *t != Ty::Sym)?;
    let b = data.get(at..at.checked_add(n.checked_mul(ty.width())?)?)?;
    Some(K::Vector(Vector {
        ty,
        attr,
        data: data_from_le(ty, b, n),
    }))
}

// ---------------------------------------------------------------------------------------
// Writing

/// The bytes `set` writes for one value: the file itself and, for an anymap, its heap.
pub struct Encoded {
    pub main: Vec<u8>,
    pub heap: Option<Vec<u8>>,
}

/// Encode a value as `set` lays it out. Enumerations must be resolved by the caller
/// everywhere except as the whole value (a top-level enumeration is written as one).
pub fn encode(x: &K) -> QResult<Encoded> {
    let main = match x {
        K::Vector(v) if v.ty != Ty::Sym => mappable_bytes(v),
        K::Enum(e) => enum_bytes(e),
        K::List(l) if !l.items.is_empty() && l.items.iter().all(is_mappable_item) => {
            let (index, heap) = anymap_bytes(&l.items);
            return Ok(Encoded {
                main: index,
                heap: Some(heap),
            });
        }
        _ => serialize(x)?,
    };
    Ok(Encoded { main, heap: None })
}

/// `ff01` then the IPC body of `x`.
pub fn serialize(x: &K) -> QResult<Vec<u8>> {
    let msg = qipc::to_bytes(x).map_err(QError::from)?;
    let mut out = Vec::with_capacity(msg.len() - 6);
    out.extend_from_slice(&[0xff, 0x01]);
    out.extend_from_slice(&msg[qipc::Header::SIZE..]);
    Ok(out)
}

/// The attribute byte written to disk: only `s#` needs no index.
fn disk_attr(a: Attr) -> u8 {
    match a {
        Attr::Sorted => Attr::Sorted as u8,
        _ => 0,
    }
}

fn mappable_bytes(v: &Vector) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + v.len() * v.ty.width());
    out.extend_from_slice(&[0xfe, 0x20, v.ty as u8, disk_attr(v.attr), 0, 0, 0, 0]);
    out.extend_from_slice(&(v.len() as i64).to_le_bytes());
    out.extend_from_slice(&data_to_le(&v.data));
    out
}

/// A 4096-byte extended header with `name` at 0x10 and the secondary header filled in.
fn ext_header(name: &[u8], kind: u8, t: u8, attr: u8, count: i64) -> Vec<u8> {
    let mut out = vec![0u8; EXT_DATA];
    out[0] = 0xfd;
    out[1] = 0x20;
    let name = &name[..name.len().min(EXT_SECONDARY - EXT_NAME - 1)];
    out[EXT_NAME..EXT_NAME + name.len()].copy_from_slice(name);
    out[EXT_SECONDARY] = 0xfd;
    out[EXT_SECONDARY + 1] = kind;
    out[EXT_SECONDARY + 2] = t;
    out[EXT_SECONDARY + 3] = attr;
    out[EXT_SECONDARY + 8..EXT_DATA].copy_from_slice(&count.to_le_bytes());
    out
}

fn enum_bytes(e: &Enum) -> Vec<u8> {
    let mut out = ext_header(
        e.domain.as_bytes(),
        0,
        ENUM,
        disk_attr(e.attr),
        e.idx.len() as i64,
    );
    out.reserve(e.idx.len() * 8);
    for i in e.idx.iter() {
        out.extend_from_slice(&i.to_le_bytes());
    }
    out
}

/// Items an anymap can hold: atoms and simple vectors of any type but symbol (symbols
/// would need a per-column domain file).
pub fn is_mappable_item(k: &K) -> bool {
    match k {
        K::Atom(a) => a.ty != Ty::Sym,
        K::Vector(v) => v.ty != Ty::Sym,
        _ => false,
    }
}

/// An anymap: the index file and its heap. Atoms go in compact form; vectors in full form
/// at 16-byte aligned offsets (the form q uses for vectors of any length).
fn anymap_bytes(items: &[K]) -> (Vec<u8>, Vec<u8>) {
    let mut index = ext_header(b"", 1, ANYMAP, 0, 0);
    let mut heap = ext_header(b"", 0, Ty::Byte as u8, 0, 0);
    let mut data: Vec<u8> = Vec::new();
    for k in items {
        match k {
            K::Atom(a) => {
                let entry = (1u64 << 56) | data.len() as u64;
                index.extend_from_slice(&entry.to_le_bytes());
                data.push((127 - a.ty as i16) as u8);
                let mut d = Data::with_capacity(a.ty.storage(), 1);
                crate::lang::value::push_scalar(&mut d, a.v);
                data.extend_from_slice(&data_to_le(&d));
            }
            K::Vector(v) => {
                while !data.len().is_multiple_of(16) {
                    data.push(0);
                }
                index.extend_from_slice(&(data.len() as u64).to_le_bytes());
                data.extend_from_slice(&[0xfb, 0, v.ty as u8, disk_attr(v.attr), 1, 0, 0, 0]);
                data.extend_from_slice(&(v.len() as i64).to_le_bytes());
                data.extend_from_slice(&data_to_le(&v.data));
            }
            // Callers pass only mappable items (see `is_mappable_item`).
            _ => {}
        }
    }
    heap.extend_from_slice(&data);
    (index, heap)
}

/// Bytes of a symbol-list file (`.d`, `sym`): `ff01`, type 11, the true count, names.
pub fn sym_list_bytes(syms: &[Sym]) -> Vec<u8> {
    let mut out = vec![0xff, 0x01, 11, 0];
    out.extend_from_slice(&(syms.len() as u32).to_le_bytes());
    for s in syms {
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }
    out
}

/// Write `x` to `path` as `set` does, compressed when `zip` says so; an anymap's heap
/// goes to `path#`.
pub fn write(path: &Path, x: &K, params: Option<zip::Params>) -> QResult<()> {
    let e = encode(x)?;
    let pack = |b: Vec<u8>| -> QResult<Vec<u8>> {
        match params {
            Some(p) if p.alg != 0 => zip::deflate(&b, p),
            _ => Ok(b),
        }
    };
    super::write_bytes(path, &pack(e.main)?)?;
    let heap_path = companion(path, "#");
    match e.heap {
        Some(h) => super::write_bytes(&heap_path, &pack(h)?)?,
        None => {
            // A stale heap from an earlier anymap would no longer match the file.
            let _ = std::fs::remove_file(&heap_path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("qtick-store-file-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn round(x: &K) -> K {
        let d = tmp("round");
        let p = d.join("f");
        write(&p, x, None).unwrap();
        read(&p).unwrap()
    }

    #[test]
    fn vectors_of_every_type_round_trip() {
        let cases = vec![
            K::bools(vec![true, false]),
            K::guids(vec![[7; 16]]),
            K::bytes(vec![1, 2, 255]),
            K::shorts(vec![1, i16::MIN]),
            K::ints(vec![3, 4]),
            K::longs(vec![5, i64::MIN, 7]),
            K::reals(vec![1.5]),
            K::floats(vec![2.25, f64::NAN]),
            K::string("hello"),
            K::i64s_of(Ty::Timestamp, vec![1, 2]),
            K::i32s_of(Ty::Date, vec![-1, 8000]),
            K::i32s_of(Ty::Time, vec![]),
        ];
        for x in cases {
            assert_eq!(round(&x), x, "{x:?}");
        }
    }

    #[test]
    fn layout_of_a_long_vector() {
        let e = encode(&K::longs(vec![10, 20, 30])).unwrap();
        assert_eq!(
            &e.main[..16],
            &[0xfe, 0x20, 7, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(e.main.len(), 16 + 24);
        assert!(e.heap.is_none());
    }

    #[test]
    fn symbols_dicts_tables_and_atoms_serialize() {
        let cases = vec![
            K::syms(["a", "bc", ""]),
            K::long(42),
            K::sym("x"),
            K::dict(K::syms(["a", "b"]), K::longs(vec![1, 2])),
            K::table(vec![Sym::from_text("a")], vec![K::longs(vec![1, 2])]),
            K::list(vec![K::long(1), K::sym("a")]),
            K::list(vec![]),
        ];
        for x in cases {
            assert_eq!(round(&x), x, "{x:?}");
        }
        assert_eq!(
            &encode(&K::list(vec![])).unwrap().main,
            &[0xff, 1, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn enumerations_and_anymaps_round_trip() {
        let e = K::Enum(Enum {
            domain: Sym::from_text("sym"),
            attr: Attr::None,
            idx: Arc::new(vec![0, 2, 1, i64::MIN]),
        });
        assert_eq!(round(&e), e);
        let nested = K::list(vec![
            K::string("abc"),
            K::char(b'x'),
            K::longs((0..30).collect()),
            K::long(4),
            K::string(""),
        ]);
        let d = tmp("anymap");
        let p = d.join("c");
        write(&p, &nested, None).unwrap();
        assert!(companion(&p, "#").exists());
        assert_eq!(read(&p).unwrap(), nested);
        // compressed too, heap included
        let z = zip::Params {
            lbs: 12,
            alg: 2,
            level: 6,
        };
        write(&p, &nested, Some(z)).unwrap();
        assert!(zip::is_zipped(&std::fs::read(companion(&p, "#")).unwrap()));
        assert_eq!(read(&p).unwrap(), nested);
    }

    #[test]
    fn appended_symbol_lists_and_stale_counts() {
        let d = tmp("stale");
        let p = d.join("sym");
        let mut b = sym_list_bytes(&[Sym::from_text("a")]);
        b.extend_from_slice(b"b\0c\0");
        std::fs::write(&p, &b).unwrap();
        assert_eq!(read(&p).unwrap(), K::syms(["a", "b", "c"]));
        // an unattributed vector appended after `set`: length from the file size
        let mut v = encode(&K::longs(vec![1, 2])).unwrap().main;
        v.extend_from_slice(&3i64.to_le_bytes());
        let q = d.join("v");
        std::fs::write(&q, &v).unwrap();
        assert_eq!(read(&q).unwrap(), K::longs(vec![1, 2, 3]));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let d = tmp("garbage");
        let p = d.join("g");
        let samples: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xfe, 0x20, 7],
            vec![0xfe, 0x20, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            vec![0xfe, 0x20, 7, 3, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0],
            vec![0xfd, 0x20, 0],
            vec![0xff, 0x01, 7, 0, 9, 0, 0, 0, 1],
            vec![0xff, 0x01, 0, 0, 0, 0, 0, 0, 7, 0],
            b"kxzipped-and-nothing-else".to_vec(),
            b"plain text".to_vec(),
        ];
        for s in samples {
            std::fs::write(&p, &s).unwrap();
            assert!(read(&p).is_err(), "{s:?}");
        }
        let mut ext = ext_header(b"", 1, ANYMAP, 0, 0);
        ext.extend_from_slice(&u64::MAX.to_le_bytes());
        std::fs::write(&p, &ext).unwrap();
        std::fs::write(companion(&p, "#"), ext_header(b"", 0, 4, 0, 0)).unwrap();
        assert!(read(&p).is_err());
    }
}
