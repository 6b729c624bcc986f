//! Helpers on q values that every part of the interpreter needs: typed nulls and
//! infinities, taking a value apart into items and putting items back together with
//! q's rule that a list of same-typed atoms is a simple vector.

use qipc::{null, Atom, Attr, Data, Dict, Func, List, Scalar, Storage, Sym, Table, Ty, Vector, K};
use std::sync::Arc;

/// The null scalar of a storage class (`0N`, `0n`, `` ` ``, blank char, zero guid).
pub fn null_scalar(ty: Ty) -> Scalar {
    match ty.storage() {
        Storage::U8 => Scalar::U8(if ty == Ty::Char { b' ' } else { 0 }),
        Storage::Guid => Scalar::Guid([0; 16]),
        Storage::I16 => Scalar::I16(null::H),
        Storage::I32 => Scalar::I32(null::I),
        Storage::I64 => Scalar::I64(null::J),
        Storage::F32 => Scalar::F32(f32::from_bits(null::E_BITS)),
        Storage::F64 => Scalar::F64(f64::from_bits(null::F_BITS)),
        Storage::Sym => Scalar::Sym(Sym::NULL),
    }
}

/// The typed null atom of `ty`.
pub fn null_atom(ty: Ty) -> K {
    K::atom(ty, null_scalar(ty))
}

/// Positive infinity of a numeric or temporal type (`0W`, `0w`, `0Wd` ...), if it has one.
pub fn inf_scalar(ty: Ty) -> Option<Scalar> {
    Some(match ty.storage() {
        Storage::I16 => Scalar::I16(null::WH),
        Storage::I32 => Scalar::I32(null::WI),
        Storage::I64 => Scalar::I64(null::WJ),
        Storage::F32 => Scalar::F32(f32::INFINITY),
        Storage::F64 => Scalar::F64(f64::INFINITY),
        _ => return None,
    })
}

/// True when a scalar is its type's null.
pub fn scalar_is_null(ty: Ty, v: &Scalar) -> bool {
    match v {
        Scalar::U8(b) => ty == Ty::Char && *b == b' ',
        Scalar::Guid(g) => g.iter().all(|&b| b == 0),
        Scalar::I16(x) => *x == null::H,
        Scalar::I32(x) => *x == null::I,
        Scalar::I64(x) => *x == null::J,
        Scalar::F32(x) => x.is_nan(),
        Scalar::F64(x) => x.is_nan(),
        Scalar::Sym(s) => s.is_null(),
    }
}

/// True for a null atom of any simple type (`null x` on an atom).
pub fn atom_is_null(a: &Atom) -> bool {
    scalar_is_null(a.ty, &a.v)
}

/// An empty vector of `ty` (`` `long$() ``).
pub fn empty_vector(ty: Ty) -> K {
    K::Vector(Vector::new(ty, Data::with_capacity(ty.storage(), 0)))
}

/// The empty general list `()`.
pub fn empty_list() -> K {
    K::list(Vec::new())
}

/// Item `i` of a list-like value, or `None` when out of range or not indexable by position.
/// Table rows come back as dictionaries; dictionaries index their values.
pub fn item(k: &K, i: usize) -> Option<K> {
    match k {
        K::Vector(v) => (i < v.len()).then(|| K::Atom(v.at(i))),
        K::List(l) => l.items.get(i).cloned(),
        K::Enum(e) => e.idx.get(i).map(|&x| K::EnumAtom(e.domain, x)),
        K::Table(t) => (i < t.rows()).then(|| {
            let vals: Vec<K> = t
                .cols
                .iter()
                .map(|c| item(c, i).unwrap_or(K::NULL))
                .collect();
            K::dict(K::syms(t.names.iter().copied()), from_items(vals))
        }),
        K::Dict(d) => item(&d.vals, i),
        _ => None,
    }
}

/// All items of a list-like value as separate values (atoms stay one item).
pub fn items(k: &K) -> Vec<K> {
    match k {
        K::List(l) => l.items.as_ref().clone(),
        K::Vector(_) | K::Enum(_) | K::Table(_) | K::Dict(_) => {
            (0..k.len()).filter_map(|i| item(k, i)).collect()
        }
        _ => vec![k.clone()],
    }
}

/// Build a list from items with q's collapse rule: all atoms of one simple type make a
/// simple vector; dictionaries that all have the same symbol keys make a table (one row
/// each); anything else (including no items) is a general list.
pub fn from_items(items: Vec<K>) -> K {
    let ty = match items.first() {
        Some(K::Atom(a)) => a.ty,
        Some(K::Dict(_)) => return rows_to_table(items),
        // Enumerated atoms of one domain make an enumeration.
        Some(K::EnumAtom(d, _)) => {
            let d = *d;
            let idx: Option<Vec<i64>> = items
                .iter()
                .map(|x| match x {
                    K::EnumAtom(e, i) if *e == d => Some(*i),
                    _ => None,
                })
                .collect();
            return match idx {
                Some(idx) => K::Enum(qipc::Enum {
                    domain: d,
                    attr: Attr::None,
                    idx: Arc::new(idx),
                }),
                None => K::list(items),
            };
        }
        _ => return K::list(items),
    };
    if !items.iter().all(|x| matches!(x, K::Atom(a) if a.ty == ty)) {
        return K::list(items);
    }
    let mut data = Data::with_capacity(ty.storage(), items.len());
    for x in &items {
        if let K::Atom(a) = x {
            push_scalar(&mut data, a.v);
        }
    }
    K::Vector(Vector::new(ty, data))
}

/// The symbol keys of a dictionary that can be a table row.
fn row_keys(k: &K) -> Option<&Arc<Vec<Sym>>> {
    match k {
        K::Dict(d) => match &d.keys {
            K::Vector(Vector {
                ty: Ty::Sym,
                data: Data::Sym(s),
                ..
            }) if !s.is_empty() => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// A list of dictionaries as a table when every one has the same symbol keys in the
/// same order (q's rule for lists of conforming dictionaries), else a general list.
fn rows_to_table(rows: Vec<K>) -> K {
    let Some(names) = rows.first().and_then(row_keys) else {
        return K::list(rows);
    };
    if !rows
        .iter()
        .all(|r| row_keys(r).is_some_and(|k| Arc::ptr_eq(k, names) || k == names))
    {
        return K::list(rows);
    }
    let names = names.as_ref().clone();
    let cols = (0..names.len())
        .map(|c| {
            from_items(
                rows.iter()
                    .map(|r| match r {
                        K::Dict(d) => item(&d.vals, c).unwrap_or(K::NULL),
                        _ => K::NULL,
                    })
                    .collect(),
            )
        })
        .collect();
    K::table(names, cols)
}

/// Append a scalar to a buffer of the same storage class (mismatches are ignored; callers
/// check types first).
pub fn push_scalar(data: &mut Data, v: Scalar) {
    match (data, v) {
        (Data::U8(d), Scalar::U8(x)) => Arc::make_mut(d).push(x),
        (Data::Guid(d), Scalar::Guid(x)) => Arc::make_mut(d).push(x),
        (Data::I16(d), Scalar::I16(x)) => Arc::make_mut(d).push(x),
        (Data::I32(d), Scalar::I32(x)) => Arc::make_mut(d).push(x),
        (Data::I64(d), Scalar::I64(x)) => Arc::make_mut(d).push(x),
        (Data::F32(d), Scalar::F32(x)) => Arc::make_mut(d).push(x),
        (Data::F64(d), Scalar::F64(x)) => Arc::make_mut(d).push(x),
        (Data::Sym(d), Scalar::Sym(x)) => Arc::make_mut(d).push(x),
        _ => {}
    }
}

/// Append a buffer to one of the same storage class (mismatches are ignored; callers
/// check types first).
pub fn extend_data(dst: &mut Data, src: &Data) {
    match (dst, src) {
        (Data::U8(a), Data::U8(b)) => Arc::make_mut(a).extend_from_slice(b),
        (Data::Guid(a), Data::Guid(b)) => Arc::make_mut(a).extend_from_slice(b),
        (Data::I16(a), Data::I16(b)) => Arc::make_mut(a).extend_from_slice(b),
        (Data::I32(a), Data::I32(b)) => Arc::make_mut(a).extend_from_slice(b),
        (Data::I64(a), Data::I64(b)) => Arc::make_mut(a).extend_from_slice(b),
        (Data::F32(a), Data::F32(b)) => Arc::make_mut(a).extend_from_slice(b),
        (Data::F64(a), Data::F64(b)) => Arc::make_mut(a).extend_from_slice(b),
        (Data::Sym(a), Data::Sym(b)) => Arc::make_mut(a).extend_from_slice(b),
        _ => {}
    }
}

/// A general list of the given items (no collapse).
pub fn general(items: Vec<K>) -> K {
    K::List(List {
        attr: Attr::None,
        items: Arc::new(items),
    })
}

/// The dictionary behind a table (`flip t`): names to columns.
pub fn table_dict(t: &Table) -> K {
    K::dict(K::syms(t.names.iter().copied()), general(t.cols.clone()))
}

/// True for a keyed table (a dictionary of two tables).
pub fn is_keyed(d: &Dict) -> bool {
    matches!((&d.keys, &d.vals), (K::Table(_), K::Table(_)))
}

/// True when `k` can be applied (functions, and lists/dicts which q indexes by application).
pub fn is_function(k: &K) -> bool {
    matches!(k, K::Func(f) if !matches!(f, Func::Unary(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse() {
        let v = from_items(vec![K::long(1), K::long(2)]);
        assert_eq!(v, K::longs(vec![1, 2]));
        let g = from_items(vec![K::long(1), K::int(2)]);
        assert_eq!(g.ty(), 0);
        assert_eq!(from_items(vec![]).ty(), 0);
        assert_eq!(items(&K::longs(vec![3, 4]))[1], K::long(4));
    }

    #[test]
    fn dicts_collapse_to_table() {
        let row =
            |a: i64, b: &str| K::dict(K::syms(["a", "b"]), K::list(vec![K::long(a), K::sym(b)]));
        let t = from_items(vec![row(1, "x"), row(2, "y")]);
        assert_eq!(
            t,
            K::table(
                vec![Sym::from_text("a"), Sym::from_text("b")],
                vec![K::longs(vec![1, 2]), K::syms(["x", "y"])]
            )
        );
        // rows of a table come back as the same table
        assert_eq!(from_items(items(&t)), t);
        // different keys, or key order, stay a list of dictionaries
        let other = K::dict(K::syms(["b", "a"]), K::list(vec![K::sym("z"), K::long(3)]));
        assert_eq!(from_items(vec![row(1, "x"), other]).ty(), 0);
        let numeric = K::dict(K::longs(vec![1]), K::longs(vec![2]));
        assert_eq!(from_items(vec![numeric.clone(), numeric]).ty(), 0);
        // nested values make general columns
        let nested = |v: Vec<i64>| K::dict(K::syms(["a"]), K::list(vec![K::longs(v)]));
        let t = from_items(vec![nested(vec![1, 2]), nested(vec![3])]);
        assert_eq!(t.ty(), 98);
    }

    #[test]
    fn nulls() {
        assert!(matches!(null_atom(Ty::Long), K::Atom(a) if atom_is_null(&a)));
        assert!(matches!(null_atom(Ty::Float), K::Atom(a) if atom_is_null(&a)));
        assert!(!atom_is_null(&Atom {
            ty: Ty::Bool,
            v: Scalar::U8(0)
        }));
    }
}
