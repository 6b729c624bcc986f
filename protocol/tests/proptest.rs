//! Property tests for the codec over generated values of every type and shape: encode and
//! decode are inverse, `-22!` agrees with the encoder, both byte orders decode alike,
//! compression round-trips, and no input — random, truncated or mutated — makes the
//! decoder, the decompressor, the framer or the handshake parser panic.
//!
//! 256 cases per property by default; `PROPTEST_CASES=10000 cargo test -p qipc --test
//! proptest` runs longer.

use bytes::BytesMut;
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseResult;
use qipc::codec::FrameCodec;
use qipc::compress::{compress, compress_any, decompress};
use qipc::handshake::{client_hello, parse_hello};
use qipc::*;
use std::sync::Arc;
use tokio_util::codec::Decoder;

/// Large enough for anything generated here; small enough that a bad size claim is refused.
const MAX_PLAIN: u64 = 1 << 26;

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

fn sym() -> BoxedStrategy<Sym> {
    prop_oneof![
        4 => select(vec!["", "a", "b", "sym", "time", "price", "trade", ".u.upd", "x"])
            .prop_map(Sym::from_text),
        2 => "[a-zA-Z_.][a-zA-Z0-9_.]{0,10}".prop_map(|s| Sym::from_text(&s)),
        1 => vec(1u8..=255, 0..8).prop_map(|b| Sym::new(&b)),
    ]
    .boxed()
}

fn attr() -> impl Strategy<Value = Attr> {
    prop_oneof![
        4 => Just(Attr::None),
        1 => select(vec![Attr::Sorted, Attr::Unique, Attr::Parted, Attr::Grouped]),
    ]
}

fn i16v() -> impl Strategy<Value = i16> {
    prop_oneof![
        1 => select(vec![null::H, null::WH, -null::WH, 0]),
        4 => any::<i16>(),
    ]
}

fn i32v() -> impl Strategy<Value = i32> {
    prop_oneof![
        1 => select(vec![null::I, null::WI, -null::WI, 0]),
        4 => any::<i32>(),
    ]
}

fn i64v() -> impl Strategy<Value = i64> {
    prop_oneof![
        1 => select(vec![null::J, null::WJ, -null::WJ, 0]),
        4 => any::<i64>(),
    ]
}

/// Nulls, infinities, q's NaN, NaNs with other payloads and signs, and ordinary values.
fn f32v() -> impl Strategy<Value = f32> {
    prop_oneof![
        1 => select(vec![
            f32::from_bits(null::E_BITS),
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
            0.0,
        ]),
        1 => (any::<u32>(), any::<bool>())
            .prop_map(|(p, neg)| f32::from_bits(0x7f80_0001 | (p & 0x007f_ffff) | ((neg as u32) << 31))),
        1 => any::<u32>().prop_map(f32::from_bits),
        3 => any::<f32>(),
    ]
}

fn f64v() -> impl Strategy<Value = f64> {
    prop_oneof![
        1 => select(vec![
            f64::from_bits(null::F_BITS),
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            0.0,
        ]),
        1 => (any::<u64>(), any::<bool>()).prop_map(|(p, neg)| {
            f64::from_bits(0x7ff0_0000_0000_0001 | (p & 0x000f_ffff_ffff_ffff) | ((neg as u64) << 63))
        }),
        1 => any::<u64>().prop_map(f64::from_bits),
        3 => any::<f64>(),
    ]
}

fn u8_of(ty: Ty) -> BoxedStrategy<u8> {
    match ty {
        Ty::Bool => (0u8..=1).boxed(),
        Ty::Char => prop_oneof![2 => 0x20u8..0x7f, 1 => any::<u8>()].boxed(),
        _ => any::<u8>().boxed(),
    }
}

fn scalar_of(ty: Ty) -> BoxedStrategy<Scalar> {
    match ty.storage() {
        Storage::U8 => u8_of(ty).prop_map(Scalar::U8).boxed(),
        Storage::Guid => prop_oneof![1 => Just([0u8; 16]), 4 => any::<[u8; 16]>()]
            .prop_map(Scalar::Guid)
            .boxed(),
        Storage::I16 => i16v().prop_map(Scalar::I16).boxed(),
        Storage::I32 => i32v().prop_map(Scalar::I32).boxed(),
        Storage::I64 => i64v().prop_map(Scalar::I64).boxed(),
        Storage::F32 => f32v().prop_map(Scalar::F32).boxed(),
        Storage::F64 => f64v().prop_map(Scalar::F64).boxed(),
        Storage::Sym => sym().prop_map(Scalar::Sym).boxed(),
    }
}

fn any_ty() -> impl Strategy<Value = Ty> {
    select(Ty::ALL.to_vec())
}

fn atom() -> impl Strategy<Value = K> {
    any_ty().prop_flat_map(|ty| scalar_of(ty).prop_map(move |v| K::atom(ty, v)))
}

/// The items of a `ty` vector with a length drawn from `len`.
fn data_of(ty: Ty, len: std::ops::Range<usize>) -> BoxedStrategy<Data> {
    match ty.storage() {
        Storage::U8 => vec(u8_of(ty), len)
            .prop_map(|v| Data::U8(Arc::new(v)))
            .boxed(),
        Storage::Guid => vec(any::<[u8; 16]>(), len)
            .prop_map(|v| Data::Guid(Arc::new(v)))
            .boxed(),
        Storage::I16 => vec(i16v(), len)
            .prop_map(|v| Data::I16(Arc::new(v)))
            .boxed(),
        Storage::I32 => vec(i32v(), len)
            .prop_map(|v| Data::I32(Arc::new(v)))
            .boxed(),
        Storage::I64 => vec(i64v(), len)
            .prop_map(|v| Data::I64(Arc::new(v)))
            .boxed(),
        Storage::F32 => vec(f32v(), len)
            .prop_map(|v| Data::F32(Arc::new(v)))
            .boxed(),
        Storage::F64 => vec(f64v(), len)
            .prop_map(|v| Data::F64(Arc::new(v)))
            .boxed(),
        Storage::Sym => vec(sym(), len).prop_map(|v| Data::Sym(Arc::new(v))).boxed(),
    }
}

fn vector_len(len: std::ops::Range<usize>) -> BoxedStrategy<K> {
    (any_ty(), attr())
        .prop_flat_map(move |(ty, attr)| {
            data_of(ty, len.clone()).prop_map(move |data| K::Vector(Vector { ty, attr, data }))
        })
        .boxed()
}

fn vector() -> BoxedStrategy<K> {
    vector_len(0..24)
}

fn list_of(items: Vec<K>, attr: Attr) -> K {
    K::List(List {
        attr,
        items: Arc::new(items),
    })
}

fn lambda() -> BoxedStrategy<K> {
    let text = prop_oneof![
        3 => "\\{\\[?[a-z;]{0,6}\\]?[a-z0-9+*%,#;: ]{0,24}\\}".prop_map(String::into_bytes),
        1 => vec(any::<u8>(), 0..32),
    ];
    (sym(), text)
        .prop_map(|(ctx, text)| K::Func(Func::Lambda(Arc::new(Lambda::new(ctx, text)))))
        .boxed()
}

/// Functions that need no recursion: lambdas and primitives by code (101 0 is `::`).
fn func_leaf() -> BoxedStrategy<K> {
    prop_oneof![
        2 => lambda(),
        // Codes KX's validator accepts: unary 0..=44 and 255.
        1 => prop_oneof![0u8..=44, Just(255u8)].prop_map(|c| K::Func(Func::Unary(c))),
        1 => (0u8..=36).prop_map(|c| K::Func(Func::Binary(c))),
        1 => (0u8..=5).prop_map(|c| K::Func(Func::Iterator(c))),
    ]
    .boxed()
}

/// A column or a dictionary side of exactly `n` items: a typed vector or a general list.
fn items_len(inner: BoxedStrategy<K>, n: usize) -> BoxedStrategy<K> {
    prop_oneof![
        2 => vector_len(n..n + 1),
        1 => (vec(inner, n..=n), attr()).prop_map(|(v, a)| list_of(v, a)),
    ]
    .boxed()
}

fn table(inner: BoxedStrategy<K>, rows: usize) -> BoxedStrategy<K> {
    (
        btree_set("[a-z][a-z0-9]{0,5}", 1..5),
        select(vec![Attr::None, Attr::None, Attr::Sorted]),
    )
        .prop_flat_map(move |(names, attr)| {
            let names: Vec<Sym> = names.iter().map(|s| Sym::from_text(s)).collect();
            let cols = vec(items_len(inner.clone(), rows), names.len()..=names.len());
            cols.prop_map(move |cols| {
                K::Table(Arc::new(Table {
                    attr,
                    names: Arc::new(names.clone()),
                    cols,
                }))
            })
        })
        .boxed()
}

fn dict(inner: BoxedStrategy<K>) -> BoxedStrategy<K> {
    let general = (0usize..6, any::<bool>())
        .prop_flat_map(move |(n, sorted)| {
            (items_len(inner.clone(), n), items_len(inner.clone(), n))
                .prop_map(move |(keys, vals)| K::Dict(Arc::new(Dict { keys, vals, sorted })))
        })
        .boxed();
    // q's sorted dictionary: `s#` keys, in ascending order, type 127.
    let sorted = btree_set(-1000i64..1000, 0..8)
        .prop_flat_map(|keys| {
            let n = keys.len();
            let keys = K::longs(keys.into_iter().collect()).with_attr(Attr::Sorted);
            vector_len(n..n + 1).prop_map(move |vals| {
                K::Dict(Arc::new(Dict {
                    keys: keys.clone(),
                    vals,
                    sorted: true,
                }))
            })
        })
        .boxed();
    let atoms = (atom(), atom()).prop_map(|(keys, vals)| {
        K::Dict(Arc::new(Dict {
            keys,
            vals,
            sorted: false,
        }))
    });
    prop_oneof![3 => general, 2 => sorted, 1 => atoms].boxed()
}

fn keyed_table(inner: BoxedStrategy<K>) -> BoxedStrategy<K> {
    (0usize..5, any::<bool>())
        .prop_flat_map(move |(rows, sorted)| {
            (table(inner.clone(), rows), table(inner.clone(), rows))
                .prop_map(move |(keys, vals)| K::Dict(Arc::new(Dict { keys, vals, sorted })))
        })
        .boxed()
}

fn func(inner: BoxedStrategy<K>) -> BoxedStrategy<K> {
    let f = prop_oneof![3 => func_leaf(), 1 => inner.clone()].boxed();
    // A projection's elided arguments are `::`.
    let arg = prop_oneof![3 => inner.clone(), 1 => Just(K::NULL)];
    let projection = (func_leaf(), vec(arg, 1..4)).prop_map(|(f, args)| {
        let mut items = vec![f];
        items.extend(args);
        K::Func(Func::Projection(Arc::new(items)))
    });
    let composition = vec(f.clone(), 2..4).prop_map(|fs| K::Func(Func::Composition(Arc::new(fs))));
    let derived = (106u8..=111, f).prop_map(|(t, f)| K::Func(Func::Derived(t, Arc::new(f))));
    prop_oneof![projection, composition, derived].boxed()
}

/// Any value that can be a message payload, nested up to four levels.
fn value() -> BoxedStrategy<K> {
    let leaf = prop_oneof![3 => atom(), 3 => vector(), 1 => func_leaf()];
    leaf.prop_recursive(4, 64, 6, |inner| {
        let inner = inner.boxed();
        prop_oneof![
            3 => (vec(inner.clone(), 0..6), attr()).prop_map(|(v, a)| list_of(v, a)),
            2 => dict(inner.clone()),
            2 => (0usize..6).prop_flat_map({
                let inner = inner.clone();
                move |rows| table(inner.clone(), rows)
            }),
            1 => keyed_table(inner.clone()),
            2 => func(inner),
        ]
    })
    .boxed()
}

/// Values large and repetitive enough for q's compressor to accept.
fn compressible() -> BoxedStrategy<K> {
    prop_oneof![
        (-3i64..3, 300usize..1500).prop_map(|(x, n)| K::longs(vec![x; n])),
        vec(0i32..4, 600..2000).prop_map(K::ints),
        vec(select(vec!["AAPL", "MSFT", "IBM", ""]), 300..1200).prop_map(K::syms),
        ("[a-c]{1,6}", 300usize..800).prop_map(|(s, n)| K::string(s.repeat(n))),
        (vec(0.0f64..4.0, 1..4), 200usize..600).prop_map(|(p, n)| {
            let v: Vec<f64> = p.iter().copied().cycle().take(n * p.len()).collect();
            K::floats(v)
        }),
        (vec(atom(), 1..8), 40usize..200).prop_map(|(p, n)| {
            let items: Vec<K> = p.iter().cloned().cycle().take(n * p.len()).collect();
            list_of(items, Attr::None)
        }),
    ]
    .boxed()
}

/// A message built from runs and literals: compressible, and not necessarily a valid value.
fn run_bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![
            (any::<u8>(), 1usize..300).prop_map(|(b, n)| vec![b; n]),
            vec(any::<u8>(), 1..12),
            (vec(any::<u8>(), 2..6), 2usize..40).prop_map(|(p, n)| p.repeat(n)),
        ],
        1..40,
    )
    .prop_map(|parts| parts.concat())
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn enc(k: &K) -> Vec<u8> {
    to_bytes(k).expect("every generated value is serializable at capability 6")
}

/// A plain message around `payload`, in the given byte order.
fn message(payload: &[u8], little: bool, msg_type: u8) -> Vec<u8> {
    let len = (payload.len() + 8) as u32;
    let mut m = vec![little as u8, msg_type, 0, 0];
    m.extend_from_slice(&if little {
        len.to_le_bytes()
    } else {
        len.to_be_bytes()
    });
    m.extend_from_slice(payload);
    m
}

/// An independent big-endian writer (no shared code with the encoder), so the decoder's
/// big-endian path is checked against the value and not against itself.
fn be_message(k: &K) -> Vec<u8> {
    let mut payload = Vec::new();
    match k {
        K::Error(e) => {
            payload.push(0x80);
            payload.extend_from_slice(e.as_bytes());
            payload.push(0);
        }
        _ => be_obj(k, &mut payload),
    }
    message(&payload, false, 0)
}

fn be_scalar(v: Scalar, out: &mut Vec<u8>) {
    match v {
        Scalar::U8(b) => out.push(b),
        Scalar::Guid(g) => out.extend_from_slice(&g),
        Scalar::I16(x) => out.extend_from_slice(&x.to_be_bytes()),
        Scalar::I32(x) => out.extend_from_slice(&x.to_be_bytes()),
        Scalar::I64(x) => out.extend_from_slice(&x.to_be_bytes()),
        Scalar::F32(x) => out.extend_from_slice(&x.to_bits().to_be_bytes()),
        Scalar::F64(x) => out.extend_from_slice(&x.to_bits().to_be_bytes()),
        Scalar::Sym(s) => {
            out.extend_from_slice(s.as_bytes());
            out.push(0);
        }
    }
}

fn be_count(attr: Attr, n: usize, out: &mut Vec<u8>) {
    out.push(attr as u8);
    out.extend_from_slice(&(n as u32).to_be_bytes());
}

fn be_obj(k: &K, out: &mut Vec<u8>) {
    match k {
        K::Atom(a) => {
            out.push(a.ty.code().wrapping_neg() as u8);
            be_scalar(a.v, out);
        }
        K::Vector(v) => {
            out.push(v.ty as u8);
            be_count(v.attr, v.len(), out);
            for i in 0..v.len() {
                be_scalar(v.data.get(i), out);
            }
        }
        K::List(l) => {
            out.push(0);
            be_count(l.attr, l.items.len(), out);
            for x in l.items.iter() {
                be_obj(x, out);
            }
        }
        K::Dict(d) => {
            out.push(if d.sorted { 127 } else { 99 });
            be_obj(&d.keys, out);
            be_obj(&d.vals, out);
        }
        K::Table(t) => {
            out.extend_from_slice(&[98, t.attr as u8, 99]);
            be_obj(&K::syms(t.names.iter().copied()), out);
            be_obj(&list_of(t.cols.clone(), Attr::None), out);
        }
        K::Func(f) => match f {
            Func::Lambda(l) => {
                out.push(100);
                out.extend_from_slice(l.ctx.as_bytes());
                out.push(0);
                be_obj(&K::string(l.text.clone()), out);
            }
            Func::Unary(c) => out.extend_from_slice(&[101, *c]),
            Func::Binary(c) => out.extend_from_slice(&[102, *c]),
            Func::Iterator(c) => out.extend_from_slice(&[103, *c]),
            Func::Projection(v) | Func::Composition(v) => {
                out.push(if matches!(f, Func::Projection(_)) {
                    104
                } else {
                    105
                });
                out.extend_from_slice(&(v.len() as u32).to_be_bytes());
                for x in v.iter() {
                    be_obj(x, out);
                }
            }
            Func::Derived(t, x) => {
                out.push(*t);
                be_obj(x, out);
            }
            Func::Native(_) => panic!("not generated"),
        },
        K::EnumAtom(..) | K::Enum(_) | K::Error(_) => panic!("not generated"),
    }
}

/// The 64-bit-length compressed form (header byte 2 = 2) of a 32-bit compressed message.
fn widen_compressed(c: &[u8]) -> Vec<u8> {
    let little = c[0] == 1;
    let get = |b: &[u8]| {
        let w = [b[0], b[1], b[2], b[3]];
        if little {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        }
    };
    let total = get(&c[8..12]) as u64;
    let len = (c.len() + 4) as u32;
    let mut w = vec![c[0], c[1], 2, 0];
    w.extend_from_slice(&if little {
        len.to_le_bytes()
    } else {
        len.to_be_bytes()
    });
    w.extend_from_slice(&if little {
        total.to_le_bytes()
    } else {
        total.to_be_bytes()
    });
    w.extend_from_slice(&c[12..]);
    w
}

/// Point the header's length field at the message's actual size (both byte orders).
fn fix_len(m: &mut [u8]) {
    if m.len() < 8 {
        return;
    }
    let n = m.len() as u32;
    let b = if m[0] == 0 {
        n.to_be_bytes()
    } else {
        n.to_le_bytes()
    };
    m[3] = 0;
    m[4..8].copy_from_slice(&b);
}

#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Xor(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        3 => (any::<usize>(), 1u8..=255).prop_map(|(i, b)| Edit::Xor(i, b)),
        1 => (any::<usize>(), vec(any::<u8>(), 1..9)).prop_map(|(i, b)| Edit::Insert(i, b)),
        1 => (any::<usize>(), 1usize..9).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(m: &mut Vec<u8>, e: &Edit) {
    let n = m.len();
    if n == 0 {
        return;
    }
    match e {
        Edit::Set(i, b) => m[i % n] = *b,
        Edit::Xor(i, b) => m[i % n] ^= *b,
        Edit::Insert(i, b) => {
            let at = i % (n + 1);
            m.splice(at..at, b.iter().copied());
        }
        Edit::Delete(i, k) => {
            let at = i % n;
            m.drain(at..(at + k).min(n));
        }
        Edit::Truncate(i) => m.truncate(i % n),
    }
}

/// Decode anything; whenever it decodes, re-encoding and decoding again gives the same value.
fn check_decodes_or_refuses(m: &[u8]) -> TestCaseResult {
    if let Ok((_, k)) = decode_message(m) {
        let again = encode_message(&k, MsgType::Async, 6)
            .map_err(|e| TestCaseError::fail(format!("decoded value does not encode: {e}")))?;
        prop_assert_eq!(again.len() as u64, serialized_len(&k));
        let (_, back) = decode_message(&again)
            .map_err(|e| TestCaseError::fail(format!("re-encoded value does not decode: {e}")))?;
        prop_assert_eq!(back, k);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

proptest! {
    #[test]
    fn roundtrip_len_and_byte_stability(k in value(), msg_type in 0u8..3) {
        let ty = MsgType::from_byte(msg_type).expect("0..3 are message types");
        let bytes = encode_message(&k, ty, 6).expect("serializable");
        prop_assert_eq!(bytes.len() as u64, serialized_len(&k));
        let (h, back) = decode_message(&bytes).expect("own encoding decodes");
        prop_assert_eq!(h.msg_type, ty);
        prop_assert!(h.little);
        prop_assert_eq!(&back, &k);
        // Byte-stable: attributes, NaN payloads and symbol bytes all survive.
        prop_assert_eq!(encode_message(&back, ty, 6).expect("serializable"), bytes);
    }

    #[test]
    fn error_objects_roundtrip(text in "[a-z. ]{0,20}") {
        let m = encode_error(&text);
        let (h, k) = decode_message(&m).expect("error reply decodes");
        prop_assert_eq!(h.msg_type, MsgType::Response);
        prop_assert_eq!(&k, &K::error(text.as_str()));
        prop_assert_eq!(be_message(&k).len(), m.len());
        prop_assert_eq!(decode_message(&be_message(&k)).expect("decodes").1, k);
    }

    #[test]
    fn big_endian_decodes_like_little(k in value()) {
        let le = enc(&k);
        let be = be_message(&k);
        prop_assert_eq!(be.len(), le.len());
        let (h, from_be) = decode_message(&be).expect("big-endian form decodes");
        prop_assert!(!h.little);
        prop_assert_eq!(&from_be, &k);
        // Decoding normalises to little-endian output, byte for byte the same as q's.
        prop_assert_eq!(enc(&from_be), le);
    }

    #[test]
    fn simple_vectors_big_endian(v in vector_len(0..200)) {
        let (_, a) = decode_message(&enc(&v)).expect("little-endian decodes");
        let (_, b) = decode_message(&be_message(&v)).expect("big-endian decodes");
        prop_assert_eq!(&a, &v);
        prop_assert_eq!(&b, &v);
        prop_assert_eq!(a.attr(), v.attr());
        prop_assert_eq!(b.attr(), v.attr());
    }

    #[test]
    fn compress_roundtrip(k in prop_oneof![2 => compressible(), 1 => value()], little in any::<bool>()) {
        let plain = if little { enc(&k) } else { be_message(&k) };
        for c in [compress(&plain), compress_any(&plain)].into_iter().flatten() {
            prop_assert_eq!(c[2], 1);
            prop_assert!(c.len() <= plain.len() / 2);
            prop_assert_eq!(decompress(&c, MAX_PLAIN).expect("decompresses"), plain.clone());
            prop_assert_eq!(decompress(&widen_compressed(&c), MAX_PLAIN).expect("decompresses"),
                plain.clone());
            let (h, back) = decode_message(&c).expect("compressed message decodes");
            prop_assert_eq!(h.compressed, 1);
            prop_assert_eq!(&back, &k);
        }
    }

    #[test]
    fn compress_any_bytes(payload in run_bytes(), little in any::<bool>(), ty in 0u8..3) {
        let plain = message(&payload, little, ty);
        if let Some(c) = compress_any(&plain) {
            prop_assert!(c.len() <= plain.len() / 2);
            prop_assert_eq!(decompress(&c, MAX_PLAIN).expect("decompresses"), plain.clone());
            prop_assert_eq!(decompress(&widen_compressed(&c), MAX_PLAIN).expect("decompresses"),
                plain.clone());
            // A limit below the declared size refuses; exactly the size accepts.
            prop_assert!(decompress(&c, plain.len() as u64 - 1).is_err());
            prop_assert!(decompress(&c, plain.len() as u64).is_ok());
        }
    }

    #[test]
    fn random_bytes_never_panic(b in vec(any::<u8>(), 0..300)) {
        check_decodes_or_refuses(&b)?;
        let _ = decompress(&b, MAX_PLAIN);
        let _ = parse_hello(&b, 64);
        let mut codec = FrameCodec { max_message: 1 << 16 };
        let mut buf = BytesMut::from(&b[..]);
        while let Ok(Some(_)) = codec.decode(&mut buf) {}
    }

    #[test]
    fn random_payloads_never_panic(
        payload in vec(any::<u8>(), 0..300),
        little in any::<bool>(),
        compressed in 0u8..3,
    ) {
        let mut m = message(&payload, little, 1);
        m[2] = compressed;
        check_decodes_or_refuses(&m)?;
        let _ = decompress(&m, MAX_PLAIN);
    }

    #[test]
    fn mutated_messages_never_panic(
        k in value(),
        little in any::<bool>(),
        edits in vec(edit(), 1..5),
        keep_len in any::<bool>(),
    ) {
        let mut m = if little { enc(&k) } else { be_message(&k) };
        for e in &edits {
            apply(&mut m, e);
        }
        if !keep_len {
            fix_len(&mut m);
        }
        check_decodes_or_refuses(&m)?;
    }

    #[test]
    fn mutated_compressed_never_panic(
        k in compressible(),
        edits in vec(edit(), 1..5),
        keep_len in any::<bool>(),
        wide in any::<bool>(),
    ) {
        let plain = enc(&k);
        let Some(mut c) = compress(&plain) else { return Ok(()) };
        if wide {
            c = widen_compressed(&c);
        }
        for e in &edits {
            apply(&mut c, e);
        }
        if !keep_len {
            fix_len(&mut c);
        }
        check_decodes_or_refuses(&c)?;
        if let Ok(out) = decompress(&c, MAX_PLAIN) {
            prop_assert!(out.len() >= 8);
            prop_assert_eq!(out[2], 0);
        }
    }

    #[test]
    fn truncations_are_refused(k in value(), cut in any::<usize>()) {
        let m = enc(&k);
        let keep = cut % m.len();
        // Cut short with the length field fixed up: the object no longer fits.
        let mut t = m[..keep].to_vec();
        fix_len(&mut t);
        prop_assert!(decode_message(&t).is_err());
        // Cut short with the original length field: the size check refuses it.
        prop_assert!(decode_message(&m[..keep]).is_err());
    }

    #[test]
    fn frames_from_any_chunking(
        ks in vec(value(), 1..5),
        cuts in vec(1usize..64, 1..40),
    ) {
        let msgs: Vec<Vec<u8>> = ks.iter().map(enc).collect();
        let stream = msgs.concat();
        let mut codec = FrameCodec::default();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        let mut pos = 0;
        let mut i = 0;
        while pos < stream.len() {
            let n = cuts[i % cuts.len()].min(stream.len() - pos);
            i += 1;
            buf.extend_from_slice(&stream[pos..pos + n]);
            pos += n;
            while let Some(f) = codec.decode(&mut buf).expect("valid stream") {
                got.push(f.bytes.to_vec());
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(got, msgs);
    }

    #[test]
    fn hello_roundtrip(
        user in "[a-zA-Z0-9_.]{0,12}",
        password in "[ -~]{0,12}",
        cap in 0u8..=6,
        tail in vec(any::<u8>(), 0..8),
    ) {
        let mut b = client_hello(&user, &password, cap);
        let used = b.len();
        let (h, n) = parse_hello(&b, 64).expect("valid").expect("complete");
        prop_assert_eq!(n, used);
        prop_assert_eq!(h.user, user.as_bytes());
        prop_assert_eq!(h.password, password.as_bytes());
        prop_assert_eq!(h.capability, cap);
        // Every strict prefix without the NUL asks for more bytes.
        for cut in 0..used - 1 {
            if !b[..cut].contains(&0) {
                prop_assert_eq!(parse_hello(&b[..cut], 64), Ok(None));
            }
        }
        b.extend_from_slice(&tail);
        let _ = parse_hello(&b, 64);
    }
}
