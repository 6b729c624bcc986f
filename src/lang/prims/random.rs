//! Random values: Roll (`n?y`), Deal (`-n?y`), Permute (`0N?y`) and `rand`.
//!
//! The generator state is the interpreter's seed (`\S`), passed in by the caller, so a
//! session is repeatable from startup as q's is; the sequence itself is our own
//! (xorshift64*), not q's, so the values differ from q's while the types, counts and
//! ranges follow ref/deal.md.

use super::list::{first, rows};
use crate::lang::value::item;
use crate::lang::{QError, QResult};
use qipc::sym::FxHashMap;
use qipc::{null, Atom, Data, Guid, Scalar, Sym, Ty, Vector, K};
use std::collections::HashSet;
use std::sync::Arc;

/// A random stream over the interpreter's seed.
pub struct Rng<'a>(pub &'a mut u64);

impl Rng<'_> {
    fn next(&mut self) -> u64 {
        // xorshift64*: the state must never be zero (the seed is forced odd).
        let mut x = *self.0 | 1;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n > 0), without modulo bias.
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let r = self.next();
            if r < zone {
                return r % n;
            }
        }
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn guid(&mut self) -> Guid {
        let mut g = [0u8; 16];
        g[..8].copy_from_slice(&self.next().to_le_bytes());
        g[8..].copy_from_slice(&self.next().to_le_bytes());
        g
    }
}

/// The letters of random symbols (`` n?`3 ``): 16 of them, 4 bits a character.
const SYM_CHARS: &[u8; 16] = b"abcdefghijklmnop";
/// What `n?" "` draws from (`.Q.a`).
const LOWER: &[u8; 26] = b"abcdefghijklmnopqrstuvwxyz";

/// `x?y` with an integer atom `x`: Roll for positive `x`, Deal for negative, Permute for
/// `0N`.
pub fn roll(x: &K, y: &K, rng: &mut Rng) -> QResult {
    let n = match x {
        K::Atom(Atom {
            ty: Ty::Short | Ty::Int | Ty::Long,
            ..
        }) => x.as_i64().ok_or_else(QError::type_)?,
        _ => return Err(QError::type_()),
    };
    if n == null::J {
        return permute(y, rng);
    }
    let deal = n < 0;
    let m = usize::try_from(n.unsigned_abs()).map_err(|_| QError::limit())?;
    super::list::alloc_check(m as u64)?;
    match y {
        K::Atom(a) => generate(m, deal, a, rng),
        K::EnumAtom(..) | K::Func(_) | K::Error(_) => Err(QError::type_()),
        _ => {
            let len = y.len();
            if deal && m > len || len == 0 && m > 0 {
                return Err(QError::length());
            }
            let idx = if deal {
                deal_indices(m, len as u64, rng)
            } else {
                (0..m).map(|_| rng.below(len as u64) as usize).collect()
            };
            rows(y, &idx)
        }
    }
}

/// `0N?y`: the items of `y` (or of `til y`) in random order.
fn permute(y: &K, rng: &mut Rng) -> QResult {
    match y {
        K::Atom(a) if matches!(a.ty, Ty::Short | Ty::Int | Ty::Long) => {
            let n = y.as_i64().ok_or_else(QError::type_)?;
            let n = usize::try_from(n).map_err(|_| QError::domain())?;
            super::list::alloc_check(n as u64)?;
            let idx = deal_indices(n, n as u64, rng);
            Ok(K::longs(idx.into_iter().map(|i| i as i64).collect()))
        }
        K::Atom(_) | K::EnumAtom(..) | K::Func(_) | K::Error(_) => Err(QError::type_()),
        _ => {
            let len = y.len();
            rows(y, &deal_indices(len, len as u64, rng))
        }
    }
}

/// `m` distinct indices below `n` in random order: a partial Fisher-Yates shuffle when
/// `m` is a good part of `n`, else rejection of repeats.
fn deal_indices(m: usize, n: u64, rng: &mut Rng) -> Vec<usize> {
    if (m as u64).saturating_mul(4) >= n {
        let mut all: Vec<usize> = (0..n as usize).collect();
        for i in 0..m {
            let j = i + rng.below((all.len() - i) as u64) as usize;
            all.swap(i, j);
        }
        all.truncate(m);
        return all;
    }
    let mut seen = HashSet::with_capacity(m);
    let mut out = Vec::with_capacity(m);
    while out.len() < m {
        let v = rng.below(n) as usize;
        if seen.insert(v) {
            out.push(v);
        }
    }
    out
}

/// `m` distinct draws from `draw` (for Deal over a generated range).
fn distinct<T: std::hash::Hash + Eq + Copy>(m: usize, mut draw: impl FnMut() -> T) -> Vec<T> {
    let mut seen: FxHashMap<T, ()> = FxHashMap::default();
    let mut out = Vec::with_capacity(m);
    while out.len() < m {
        let v = draw();
        if seen.insert(v, ()).is_none() {
            out.push(v);
        }
    }
    out
}

fn vector(ty: Ty, data: Data) -> QResult {
    Ok(K::Vector(Vector::new(ty, data)))
}

/// Roll or Deal of `m` values generated from an atom `y` (ref/deal.md "Generate").
fn generate(m: usize, deal: bool, y: &Atom, rng: &mut Rng) -> QResult {
    let ty = y.ty;
    match (ty, y.v) {
        (Ty::Short | Ty::Int | Ty::Long, _) => {
            let v = K::Atom(*y).as_i64().ok_or_else(QError::type_)?;
            integers(m, deal, ty, v, rng)
        }
        (Ty::Guid, Scalar::Guid(g)) if g == [0; 16] => {
            let v = if deal {
                distinct(m, || rng.guid())
            } else {
                (0..m).map(|_| rng.guid()).collect()
            };
            vector(ty, Data::Guid(Arc::new(v)))
        }
        (Ty::Sym, Scalar::Sym(s)) => symbols(m, deal, s, rng),
        _ if deal => Err(QError::type_()),
        (Ty::Bool, _) => vector(
            ty,
            Data::U8(Arc::new((0..m).map(|_| (rng.next() >> 63) as u8).collect())),
        ),
        (Ty::Byte, _) => vector(
            ty,
            Data::U8(Arc::new((0..m).map(|_| (rng.next() >> 56) as u8).collect())),
        ),
        (Ty::Char, Scalar::U8(b' ')) => vector(
            ty,
            Data::U8(Arc::new(
                (0..m).map(|_| LOWER[rng.below(26) as usize]).collect(),
            )),
        ),
        (_, Scalar::F64(f)) => vector(
            ty,
            Data::F64(Arc::new((0..m).map(|_| rng.unit() * f).collect())),
        ),
        (_, Scalar::F32(f)) => vector(
            ty,
            Data::F32(Arc::new(
                (0..m).map(|_| (rng.unit() * f as f64) as f32).collect(),
            )),
        ),
        // Temporal types held as integers roll `0..y` like integers.
        (_, Scalar::I32(v)) if ty.is_temporal() && v > 0 => integers(m, false, ty, v as i64, rng),
        (_, Scalar::I64(v)) if ty.is_temporal() && v > 0 => integers(m, false, ty, v, rng),
        (_, Scalar::I32(_) | Scalar::I64(_)) if ty.is_temporal() => Err(QError::domain()),
        _ => Err(QError::type_()),
    }
}

/// Integers of type `ty` in `0..y`, or over the whole type for `y = 0`.
fn integers(m: usize, deal: bool, ty: Ty, y: i64, rng: &mut Rng) -> QResult {
    if y < 0 {
        return Err(QError::domain());
    }
    if y == 0 && ty != Ty::Long && deal {
        return Err(QError::type_());
    }
    if deal && y > 0 && m as u64 > y as u64 {
        return Err(QError::length());
    }
    let v: Vec<i64> = if deal && y > 0 {
        deal_indices(m, y as u64, rng)
            .into_iter()
            .map(|i| i as i64)
            .collect()
    } else {
        let nul = match ty {
            Ty::Short => null::H as i64,
            Ty::Int => null::I as i64,
            _ => null::J,
        };
        let mut draw = || -> i64 {
            if y > 0 {
                return rng.below(y as u64) as i64;
            }
            // The whole range of the type, less its null.
            loop {
                let r = rng.next() as i64;
                let v = match ty {
                    Ty::Short => r as i16 as i64,
                    Ty::Int => r as i32 as i64,
                    _ => r,
                };
                if v != nul {
                    return v;
                }
            }
        };
        if deal {
            distinct(m, draw)
        } else {
            (0..m).map(|_| draw()).collect()
        }
    };
    let data = match ty.storage() {
        qipc::Storage::I16 => Data::I16(Arc::new(v.into_iter().map(|x| x as i16).collect())),
        qipc::Storage::I32 => Data::I32(Arc::new(v.into_iter().map(|x| x as i32).collect())),
        _ => Data::I64(Arc::new(v)),
    };
    vector(ty, data)
}

/// `` n?`k ``: symbols of `k` letters (1..8) from `a`..`p`.
fn symbols(m: usize, deal: bool, s: Sym, rng: &mut Rng) -> QResult {
    let text = s.as_str();
    let k: u32 = text.parse().map_err(|_| QError::type_())?;
    if !(1..=8).contains(&k) {
        return Err(QError::domain());
    }
    if deal && (m as u64) > 16u64.pow(k) {
        return Err(QError::length());
    }
    let mut draw = || -> u64 {
        let bits = rng.next();
        bits >> (64 - 4 * k)
    };
    let codes: Vec<u64> = if deal {
        distinct(m, draw)
    } else {
        (0..m).map(|_| draw()).collect()
    };
    let syms: Vec<Sym> = codes
        .into_iter()
        .map(|c| {
            let word: Vec<u8> = (0..k)
                .rev()
                .map(|i| SYM_CHARS[((c >> (4 * i)) & 15) as usize])
                .collect();
            Sym::new(&word)
        })
        .collect();
    Ok(K::syms(syms))
}

/// `rand x`: one random item of a list, or one value generated from an atom (`first 1?x`).
pub fn rand(x: &K, rng: &mut Rng) -> QResult {
    let r = roll(&K::long(1), x, rng)?;
    match x {
        K::Atom(_) => first(&r),
        _ => item(&r, 0).ok_or_else(QError::length),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::value::items;

    fn rng_state() -> u64 {
        0x2545_f491_4f6c_dd1d
    }

    #[test]
    fn roll_ranges_and_types() {
        let mut s = rng_state();
        let mut r = Rng(&mut s);
        let v = roll(&K::long(1000), &K::long(5), &mut r).unwrap();
        let xs: Vec<i64> = items(&v).iter().filter_map(K::as_i64).collect();
        assert_eq!(xs.len(), 1000);
        assert!(xs.iter().all(|&x| (0..5).contains(&x)));
        assert!((0..5).all(|d| xs.contains(&d)));
        assert_eq!(roll(&K::long(3), &K::int(7), &mut r).unwrap().ty(), 6);
        let f = roll(&K::long(50), &K::float(4.5), &mut r).unwrap();
        assert_eq!(f.ty(), 9);
        assert!(items(&f).iter().all(
            |x| matches!(x, K::Atom(Atom { v: Scalar::F64(v), .. }) if (0.0..4.5).contains(v))
        ));
        let b = roll(&K::long(20), &K::bool(false), &mut r).unwrap();
        assert_eq!((b.ty(), b.len()), (1, 20));
        let c = roll(&K::long(30), &K::char(b' '), &mut r).unwrap();
        assert!(c
            .as_string()
            .unwrap()
            .iter()
            .all(|c| c.is_ascii_lowercase()));
        let m = roll(&K::long(4), &K::i32_of(Ty::Month, 150), &mut r).unwrap();
        assert_eq!(m.ty(), 13);
        let syms = roll(&K::long(10), &K::sym("3"), &mut r).unwrap();
        assert!(items(&syms).iter().all(|s| {
            let t = s.as_sym().unwrap();
            t.as_str().len() == 3 && t.as_bytes().iter().all(|c| (b'a'..=b'p').contains(c))
        }));
        let picks = roll(&K::long(5), &K::syms(["a", "b", "c"]), &mut r).unwrap();
        assert_eq!((picks.ty(), picks.len()), (11, 5));
    }

    #[test]
    fn deal_and_permute() {
        let mut s = rng_state();
        let mut r = Rng(&mut s);
        let d = roll(&K::long(-10), &K::long(10), &mut r).unwrap();
        let mut xs: Vec<i64> = items(&d).iter().filter_map(K::as_i64).collect();
        xs.sort();
        assert_eq!(xs, (0..10).collect::<Vec<_>>());
        let d = roll(&K::long(-5), &K::long(1_000_000), &mut r).unwrap();
        let mut xs: Vec<i64> = items(&d).iter().filter_map(K::as_i64).collect();
        xs.sort();
        xs.dedup();
        assert_eq!(xs.len(), 5);
        let g = roll(&K::long(-1000), &K::guid([0; 16]), &mut r).unwrap();
        assert_eq!(g.len(), 1000);
        let p = roll(&K::long(null::J), &K::string("abc"), &mut r).unwrap();
        let mut cs = p.as_string().unwrap().to_vec();
        cs.sort();
        assert_eq!(cs, b"abc");
        let p = roll(&K::long(null::J), &K::long(4), &mut r).unwrap();
        assert_eq!(p.ty(), 7);
        assert_eq!(p.len(), 4);
        assert_eq!(
            roll(&K::long(-4), &K::syms(["a", "b"]), &mut r),
            Err(QError::length())
        );
        assert_eq!(
            roll(&K::long(-4), &K::float(1.0), &mut r),
            Err(QError::type_())
        );
        assert_eq!(
            roll(&K::float(2.0), &K::long(4), &mut r),
            Err(QError::type_())
        );
        assert_eq!(
            roll(&K::long(-11), &K::long(10), &mut r),
            Err(QError::length())
        );
    }

    #[test]
    fn through_the_interpreter() {
        use crate::lang::console::run_lines as q;
        assert_eq!(q(&["count 5?10"]), "5");
        assert_eq!(q(&["(asc -10?10)~asc -10?10"]), "1b");
        assert_eq!(q(&["asc 0N?`a`b`c"]), "`s#`a`b`c");
        // the other forms of ? still reach Find, enumeration and Vector Conditional
        assert_eq!(q(&["`a`b`c?`b"]), "1");
        assert_eq!(q(&["?[101b;1 2 3;4 5 6]"]), "1 5 3");
        assert_eq!(q(&["d:`a`c", "`d?`b", "d"]), "`a`c`b");
        // \S restarts the sequence
        assert_eq!(q(&["\\S 7", "a:5?100", "\\S 7", "a~5?100"]), "1b");
    }

    #[test]
    fn rand_items() {
        let mut s = rng_state();
        let mut r = Rng(&mut s);
        let x = rand(&K::long(10), &mut r).unwrap();
        assert!(matches!(x, K::Atom(Atom { ty: Ty::Long, .. })));
        let l = K::list(vec![K::string("ab"), K::long(1)]);
        let x = rand(&l, &mut r).unwrap();
        assert!(x == K::string("ab") || x == K::long(1));
        // the same seed gives the same values
        let (mut s1, mut s2) = (7u64, 7u64);
        assert_eq!(
            roll(&K::long(5), &K::long(100), &mut Rng(&mut s1)).unwrap(),
            roll(&K::long(5), &K::long(100), &mut Rng(&mut s2)).unwrap()
        );
    }
}
