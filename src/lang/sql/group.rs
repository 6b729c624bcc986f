//! Grouping for qSQL `by` phrases and `fby`: each row's dense group id (first-seen order),
//! the groups' order by key value, and the rows of each group laid out contiguously so a
//! column can be split into per-group slices with one gather.
//!
//! The key columns are factorized by `prims::table` (typed hash per column, ids combined
//! per row); nothing here evaluates q.

use crate::lang::prims::{list, table};
use crate::lang::value::from_items;
use crate::lang::{QError, QResult};
use qipc::{Data, Enum, List, Vector, K};
use std::cell::OnceCell;
use std::sync::Arc;

/// The groups of some rows.
pub struct Groups {
    /// Group id of each row, ids numbered in order of first appearance.
    pub gid: Vec<u32>,
    /// Number of groups.
    pub ng: usize,
    /// First row of each group.
    pub firsts: Vec<i64>,
    layout: OnceCell<Layout>,
}

/// Rows of each group, group after group.
struct Layout {
    /// `off[g]..off[g+1]` are group g's positions in `rows`.
    off: Vec<usize>,
    rows: Vec<i64>,
}

impl Groups {
    /// Group rows by the key columns (each a list of `n` items; at least one column).
    pub fn of_keys(keys: &[K], n: usize) -> QResult<Groups> {
        if keys.iter().any(|k| k.is_atom() || k.len() != n) {
            return Err(QError::length());
        }
        let refs: Vec<&K> = keys.iter().collect();
        let (gid, ng) = if n == 0 {
            (Vec::new(), 0)
        } else {
            table::group_ids(&refs)?
        };
        Ok(Groups::from_ids(gid, ng))
    }

    /// Groups from ids already dense and numbered in first-seen order.
    pub fn from_ids(gid: Vec<u32>, ng: usize) -> Groups {
        let mut firsts = vec![-1i64; ng];
        let mut seen = 0usize;
        for (r, &g) in gid.iter().enumerate() {
            if let Some(f) = firsts.get_mut(g as usize) {
                if *f < 0 {
                    *f = r as i64;
                    seen += 1;
                    if seen == ng {
                        break;
                    }
                }
            }
        }
        Groups {
            gid,
            ng,
            firsts,
            layout: OnceCell::new(),
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.gid.len()
    }

    /// Row count of each group.
    pub fn counts(&self) -> Vec<i64> {
        let mut c = vec![0i64; self.ng];
        for &g in &self.gid {
            if let Some(x) = c.get_mut(g as usize) {
                *x += 1;
            }
        }
        c
    }

    /// Last row of each group.
    pub fn lasts(&self) -> Vec<i64> {
        let mut last = vec![0i64; self.ng];
        for (r, &g) in self.gid.iter().enumerate() {
            if let Some(l) = last.get_mut(g as usize) {
                *l = r as i64;
            }
        }
        last
    }

    fn layout(&self) -> &Layout {
        self.layout.get_or_init(|| {
            let mut off = vec![0usize; self.ng + 1];
            for &g in &self.gid {
                if let Some(o) = off.get_mut(g as usize + 1) {
                    *o += 1;
                }
            }
            for i in 0..self.ng {
                off[i + 1] += off[i];
            }
            let mut pos = off.clone();
            let mut rows = vec![0i64; self.gid.len()];
            for (r, &g) in self.gid.iter().enumerate() {
                if let Some(p) = pos.get_mut(g as usize) {
                    if let Some(slot) = rows.get_mut(*p) {
                        *slot = r as i64;
                    }
                    *p += 1;
                }
            }
            Layout { off, rows }
        })
    }

    /// The rows of group `g`, in row order.
    pub fn members(&self, g: usize) -> &[i64] {
        let l = self.layout();
        match (l.off.get(g), l.off.get(g + 1)) {
            (Some(&a), Some(&b)) => &l.rows[a..b],
            _ => &[],
        }
    }

    /// Split a column (one item per row) into one value per group: the group's items.
    pub fn split(&self, col: &K) -> QResult<Vec<K>> {
        if col.is_atom() || col.len() != self.rows() {
            return Err(QError::length());
        }
        let l = self.layout();
        let laid = table::gather(col, &l.rows)?;
        Ok(l.off.windows(2).map(|w| slice(&laid, w[0], w[1])).collect())
    }

    /// Each group's value spread back to its rows (`vals` holds one item per group).
    pub fn spread(&self, vals: &K) -> QResult<K> {
        let idx: Vec<i64> = self.gid.iter().map(|&g| g as i64).collect();
        match vals {
            K::Vector(_) | K::Enum(_) | K::List(_) => table::gather(vals, &idx),
            _ => list::index(vals, &K::longs(idx)),
        }
    }

    /// Group ids in ascending order of their keys (the keys' items at each group's first
    /// row), the last key column minor. `grade` sorts one key column's values.
    pub fn sorted(
        &self,
        keys: &[K],
        grade: &mut dyn FnMut(&K) -> QResult<Vec<i64>>,
    ) -> QResult<Vec<usize>> {
        let mut order: Vec<usize> = (0..self.ng).collect();
        for k in keys.iter().rev() {
            let at: Vec<i64> = order.iter().map(|&g| self.firsts[g]).collect();
            let col = table::gather(k, &at)?;
            let idx = grade(&col)?;
            order = idx
                .iter()
                .map(|&j| usize::try_from(j).ok().and_then(|j| order.get(j).copied()))
                .collect::<Option<Vec<usize>>>()
                .ok_or_else(QError::length)?;
        }
        Ok(order)
    }
}

/// Items `a..b` of a list-like value (a copy of that stretch).
pub fn slice(k: &K, a: usize, b: usize) -> K {
    match k {
        K::Vector(v) => {
            let data = match &v.data {
                Data::U8(d) => Data::U8(Arc::new(d[a..b].to_vec())),
                Data::Guid(d) => Data::Guid(Arc::new(d[a..b].to_vec())),
                Data::I16(d) => Data::I16(Arc::new(d[a..b].to_vec())),
                Data::I32(d) => Data::I32(Arc::new(d[a..b].to_vec())),
                Data::I64(d) => Data::I64(Arc::new(d[a..b].to_vec())),
                Data::F32(d) => Data::F32(Arc::new(d[a..b].to_vec())),
                Data::F64(d) => Data::F64(Arc::new(d[a..b].to_vec())),
                Data::Sym(d) => Data::Sym(Arc::new(d[a..b].to_vec())),
            };
            K::Vector(Vector::new(v.ty, data))
        }
        K::Enum(e) => K::Enum(Enum {
            domain: e.domain,
            attr: qipc::Attr::None,
            idx: Arc::new(e.idx[a..b].to_vec()),
        }),
        K::List(l) => K::List(List {
            attr: qipc::Attr::None,
            items: Arc::new(l.items[a..b].to_vec()),
        }),
        other => {
            let idx: Vec<i64> = (a as i64..b as i64).collect();
            list::index(other, &K::longs(idx)).unwrap_or_else(|_| from_items(Vec::new()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qipc::Sym;

    #[test]
    fn ids_firsts_members() {
        let k = K::syms(["b", "a", "b", "c", "a"].map(Sym::from));
        let g = Groups::of_keys(std::slice::from_ref(&k), 5).unwrap();
        assert_eq!(g.ng, 3);
        assert_eq!(g.gid, vec![0, 1, 0, 2, 1]);
        assert_eq!(g.firsts, vec![0, 1, 3]);
        assert_eq!(g.lasts(), vec![2, 4, 3]);
        assert_eq!(g.members(0), &[0, 2]);
        assert_eq!(g.counts(), vec![2, 2, 1]);
        let parts = g.split(&K::longs(vec![10, 20, 30, 40, 50])).unwrap();
        assert_eq!(parts[1], K::longs(vec![20, 50]));
        let back = g.spread(&K::longs(vec![7, 8, 9])).unwrap();
        assert_eq!(back, K::longs(vec![7, 8, 7, 9, 8]));
        let mut grade = |c: &K| match list::iasc(c)? {
            K::Vector(v) => match v.data {
                Data::I64(d) => Ok(d.to_vec()),
                _ => Err(QError::type_()),
            },
            _ => Err(QError::type_()),
        };
        assert_eq!(g.sorted(&[k], &mut grade).unwrap(), vec![1, 0, 2]);
    }

    #[test]
    fn two_keys_and_bad_lengths() {
        let a = K::longs(vec![1, 1, 2, 2, 1]);
        let b = K::syms(["x", "y", "x", "x", "x"].map(Sym::from));
        let g = Groups::of_keys(&[a, b], 5).unwrap();
        assert_eq!(g.ng, 3);
        assert_eq!(g.gid, vec![0, 1, 2, 2, 0]);
        assert!(Groups::of_keys(&[K::longs(vec![1, 2])], 3).is_err());
        assert!(Groups::of_keys(&[K::long(1)], 1).is_err());
    }
}
