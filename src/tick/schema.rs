//! The tickerplant's tables and what a feed may send into them.
//!
//! Owns [`Schema`] (a published table's column names and types, taken from the empty
//! table the schema script defines) and [`normalize`], which turns the `x` of
//! `.u.upd[t;x]` — one row, a list of columns, or a table, with or without the leading
//! time column — into the stamped form tick.q logs and the columns it publishes, checking
//! counts and types so a bad update is refused before anything is logged or sent.

use crate::lang::error::{QError, QResult};
use qipc::{Atom, Attr, Data, Scalar, Sym, Ty, Vector, K};
use std::sync::Arc;

/// What a column of the schema holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColTy {
    /// A simple vector of this type.
    Typed(Ty),
    /// A general list (`()` in the schema: strings and other nested values).
    General,
}

/// One published table.
#[derive(Clone, Debug)]
pub struct Schema {
    pub name: Sym,
    pub names: Arc<Vec<Sym>>,
    pub types: Vec<ColTy>,
    /// The empty table with `g#` on `sym`, as `.u.sub` returns it.
    pub empty: K,
}

fn time_sym() -> (Sym, Sym) {
    (Sym::from_text("time"), Sym::from_text("sym"))
}

impl Schema {
    /// The schema of the global table `name` (value `v`). tick.q's rule: `time` and `sym`
    /// are the first two columns (`'timesym` otherwise).
    pub fn from_table(name: Sym, v: &K) -> QResult<Schema> {
        let t = match v {
            K::Table(t) => t,
            // A keyed table passes tick.q's check only through `value`; not supported.
            K::Dict(_) => return Err(QError::nyi()),
            _ => return Err(QError::type_()),
        };
        let (time, sym) = time_sym();
        if t.names.len() < 2 || t.names[0] != time || t.names[1] != sym {
            return Err(QError::new("timesym"));
        }
        let types = t
            .cols
            .iter()
            .map(|c| match c {
                K::Vector(v) => ColTy::Typed(v.ty),
                _ => ColTy::General,
            })
            .collect();
        let cols = t
            .cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let e = empty_like(c);
                if i == 1 {
                    e.with_attr(Attr::Grouped)
                } else {
                    e
                }
            })
            .collect();
        Ok(Schema {
            name,
            names: t.names.clone(),
            types,
            empty: K::Table(Arc::new(qipc::Table {
                attr: Attr::None,
                names: t.names.clone(),
                cols,
            })),
        })
    }

    pub fn width(&self) -> usize {
        self.names.len()
    }
}

/// `0#c`: an empty column of the same kind.
pub fn empty_like(c: &K) -> K {
    match c {
        K::Vector(v) => K::Vector(Vector::new(v.ty, Data::with_capacity(v.ty.storage(), 0))),
        _ => K::list(vec![]),
    }
}

/// An update after stamping and checking.
#[derive(Debug)]
pub struct Update {
    /// The columns of the table subscribers get, one per schema column (a single row is
    /// made into one-item columns).
    pub cols: Vec<K>,
    /// Rows in the update.
    pub rows: usize,
    /// True when `x` was one row (tick.q's `0>type first x`): the log holds the row.
    pub single: bool,
    /// Whether the time column was added here (tick.q stamps when `first first x` is not
    /// a timespan).
    pub stamped: bool,
}

impl Update {
    /// `x` as tick.q logs it, `(`upd;t;x)`'s third item: the stamped row, or the stamped
    /// list of columns (never a table).
    pub fn logged_x(&self) -> K {
        if self.single {
            K::list(self.cols.iter().map(first_item).collect())
        } else {
            K::list(self.cols.clone())
        }
    }

    /// The table subscribers get.
    pub fn table(&self, s: &Schema) -> K {
        K::Table(Arc::new(qipc::Table {
            attr: Attr::None,
            names: s.names.clone(),
            cols: self.cols.clone(),
        }))
    }
}

/// Item 0 of a one-item column (the row value it was made from).
fn first_item(c: &K) -> K {
    match c {
        K::Vector(v) if !v.is_empty() => K::Atom(v.at(0)),
        K::List(l) => l.items.first().cloned().unwrap_or_else(|| K::list(vec![])),
        other => other.clone(),
    }
}

/// Whether tick.q would see `first first x` as a timespan atom.
fn has_time(items: &[K], single: bool) -> bool {
    match items.first() {
        Some(K::Atom(a)) if single => a.ty == Ty::Timespan,
        // `first` of an empty timespan vector is 0Nn, still a timespan.
        Some(K::Vector(v)) => v.ty == Ty::Timespan,
        Some(K::List(l)) => matches!(l.items.first(), Some(K::Atom(a)) if a.ty == Ty::Timespan),
        _ => false,
    }
}

/// A one-item vector holding `a`.
fn atom_vector(a: &Atom) -> K {
    let mut d = Data::with_capacity(a.ty.storage(), 1);
    crate::lang::value::push_scalar(&mut d, a.v);
    K::Vector(Vector::new(a.ty, d))
}

/// Stamp and check `x` against `s`. `stamp` is the local time of day (ns) to prepend
/// when the feed left the time column out.
pub fn normalize(s: &Schema, x: &K, stamp: i64) -> QResult<Update> {
    let (items, from_table): (Vec<K>, bool) = match x {
        K::List(l) => (l.items.to_vec(), false),
        // A simple vector can only be one row (a row of one type, e.g. all symbols).
        K::Vector(v) => ((0..v.len()).map(|i| K::Atom(v.at(i))).collect(), false),
        K::Table(t) => {
            let full = t.names.as_slice() == s.names.as_slice();
            let no_time = t.names.as_slice() == &s.names[1..];
            if !full && !no_time {
                return Err(QError::mismatch());
            }
            (t.cols.clone(), true)
        }
        _ => return Err(QError::type_()),
    };
    if items.is_empty() {
        return Err(QError::length());
    }
    let single = !from_table && items[0].is_atom();
    let has = has_time(&items, single);
    let mut items = items;
    let stamped = !has;
    if stamped {
        let t = if single {
            K::i64_of(Ty::Timespan, stamp)
        } else {
            K::Vector(Vector::new(
                Ty::Timespan,
                Data::I64(Arc::new(vec![stamp; items[0].len()])),
            ))
        };
        items.insert(0, t);
    }
    if items.len() != s.width() {
        return Err(QError::length());
    }
    if single {
        let cols = items
            .iter()
            .zip(&s.types)
            .map(|(v, ty)| match (v, ty) {
                (K::Atom(a), ColTy::Typed(t)) if a.ty == *t => Ok(atom_vector(a)),
                (_, ColTy::Typed(_)) => Err(QError::type_()),
                (_, ColTy::General) => Ok(K::list(vec![v.clone()])),
            })
            .collect::<QResult<Vec<K>>>()?;
        return Ok(Update {
            cols,
            rows: 1,
            single: true,
            stamped,
        });
    }
    let rows = items[0].len();
    for (v, ty) in items.iter().zip(&s.types) {
        if v.is_atom() || v.len() != rows {
            return Err(QError::length());
        }
        match (v, ty) {
            (K::Vector(vv), ColTy::Typed(t)) if vv.ty == *t => {}
            (K::Vector(_) | K::List(_), ColTy::General) => {}
            _ => return Err(QError::type_()),
        }
    }
    Ok(Update {
        cols: items,
        rows,
        single: false,
        stamped,
    })
}

/// Whether tick.q would find a time column already in the feed's `x` (`first first x`
/// is a timespan), so no stamp and, in batch mode, no day check before the update.
pub fn has_time_column(x: &K) -> bool {
    match x {
        K::List(l) => {
            let single = l.items.first().is_some_and(|f| f.is_atom());
            has_time(&l.items, single)
        }
        K::Vector(v) => v.ty == Ty::Timespan,
        K::Table(t) => matches!(t.cols.first(), Some(K::Vector(v)) if v.ty == Ty::Timespan),
        _ => false,
    }
}

/// Whether [`append`] would take `u` into `t`.
pub fn append_check(t: &K, u: &Update) -> QResult<()> {
    let K::Table(tab) = t else {
        return Err(QError::type_());
    };
    if tab.cols.len() != u.cols.len() {
        return Err(QError::length());
    }
    for (c, x) in tab.cols.iter().zip(&u.cols) {
        let ok = match (c, x) {
            (K::Vector(a), K::Vector(b)) => a.ty == b.ty,
            (K::List(_), _) => true,
            _ => false,
        };
        if !ok {
            return Err(QError::type_());
        }
    }
    Ok(())
}

/// Append the columns of `u` to the table `t` (same schema), in place when `t`'s
/// buffers are not shared: the batch-mode buffer (tick.q's `t insert x`). Nothing
/// changes when the check fails.
pub fn append(t: &mut K, u: &Update) -> QResult<()> {
    append_check(t, u)?;
    let K::Table(tab) = t else {
        return Err(QError::type_());
    };
    let tab = Arc::make_mut(tab);
    for (c, x) in tab.cols.iter_mut().zip(&u.cols) {
        match (c, x) {
            (K::Vector(a), K::Vector(b)) => crate::lang::value::extend_data(&mut a.data, &b.data),
            (K::List(l), x) => {
                let items = Arc::make_mut(&mut l.items);
                items.extend(crate::lang::value::items(x));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The `sym` values of an update's second column (empty for a general column).
pub fn syms(col: &K) -> &[Sym] {
    match col {
        K::Vector(Vector {
            data: Data::Sym(s), ..
        }) => s,
        _ => &[],
    }
}

/// A symbol atom, for building replies.
pub fn sym_atom(s: Sym) -> K {
    K::Atom(Atom {
        ty: Ty::Sym,
        v: Scalar::Sym(s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade() -> Schema {
        let t = K::table(
            ["time", "sym", "price", "size", "side"]
                .iter()
                .map(|s| Sym::from_text(s))
                .collect(),
            vec![
                K::i64s_of(Ty::Timespan, vec![]),
                K::syms(Vec::<Sym>::new()),
                K::floats(vec![]),
                K::ints(vec![]),
                K::vector(Ty::Char, Data::U8(Arc::new(vec![]))),
            ],
        );
        Schema::from_table(Sym::from_text("trade"), &t).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn schema_needs_time_and_sym_first_and_puts_g_on_sym() {
        let s = trade();
        let K::Table(e) = &s.empty else {
            panic!("not a table")
        };
        assert_eq!(e.cols[1].attr(), Attr::Grouped);
        assert_eq!(e.rows(), 0);
        let bad = K::table(
            vec![Sym::from_text("sym"), Sym::from_text("time")],
            vec![K::syms(Vec::<Sym>::new()), K::i64s_of(Ty::Timespan, vec![])],
        );
        assert_eq!(
            Schema::from_table(Sym::from_text("x"), &bad).err(),
            Some(QError::new("timesym"))
        );
    }

    #[test]
    fn single_row_without_time_is_stamped() {
        let s = trade();
        let x = K::list(vec![
            K::sym("IBM"),
            K::float(1.5),
            K::int(100),
            K::char(b'B'),
        ]);
        let u = normalize(&s, &x, 42).unwrap_or_else(|e| panic!("{e}"));
        assert!(u.single && u.stamped);
        assert_eq!(u.rows, 1);
        assert_eq!(u.cols.len(), 5);
        let lx = u.logged_x();
        assert_eq!(lx.len(), 5);
        assert_eq!(
            crate::lang::value::item(&lx, 0).and_then(|t| match t {
                K::Atom(Atom {
                    ty: Ty::Timespan,
                    v: Scalar::I64(n),
                }) => Some(n),
                _ => None,
            }),
            Some(42)
        );
    }

    #[test]
    fn columns_with_time_are_kept() {
        let s = trade();
        let x = K::list(vec![
            K::i64s_of(Ty::Timespan, vec![1, 2]),
            K::syms(["a", "b"]),
            K::floats(vec![1.0, 2.0]),
            K::ints(vec![1, 2]),
            K::string(b"BS".to_vec()),
        ]);
        let u = normalize(&s, &x, 42).unwrap_or_else(|e| panic!("{e}"));
        assert!(!u.single && !u.stamped);
        assert_eq!(u.rows, 2);
    }

    #[test]
    fn wrong_types_counts_and_shapes_are_refused() {
        let s = trade();
        let long_size = K::list(vec![
            K::sym("IBM"),
            K::float(1.5),
            K::long(100),
            K::char(b'B'),
        ]);
        assert_eq!(normalize(&s, &long_size, 0).err(), Some(QError::type_()));
        let short = K::list(vec![K::sym("IBM"), K::float(1.5)]);
        assert_eq!(normalize(&s, &short, 0).err(), Some(QError::length()));
        let ragged = K::list(vec![
            K::syms(["a", "b"]),
            K::floats(vec![1.0]),
            K::ints(vec![1, 2]),
            K::string(b"BS".to_vec()),
        ]);
        assert_eq!(normalize(&s, &ragged, 0).err(), Some(QError::length()));
        assert_eq!(normalize(&s, &K::long(3), 0).err(), Some(QError::type_()));
        assert_eq!(
            normalize(&s, &K::list(vec![]), 0).err(),
            Some(QError::length())
        );
        // A timestamp first column is not a timespan: tick.q stamps, and the count is off.
        let ts = K::list(vec![
            K::i64_of(Ty::Timestamp, 1),
            K::sym("IBM"),
            K::float(1.5),
            K::int(100),
            K::char(b'B'),
        ]);
        assert_eq!(normalize(&s, &ts, 0).err(), Some(QError::length()));
    }

    #[test]
    fn tables_are_taken_by_column_name() {
        let s = trade();
        let t = K::table(
            s.names[1..].to_vec(),
            vec![
                K::syms(["a"]),
                K::floats(vec![1.0]),
                K::ints(vec![1]),
                K::string(b"B".to_vec()),
            ],
        );
        let u = normalize(&s, &t, 7).unwrap_or_else(|e| panic!("{e}"));
        assert!(u.stamped && !u.single && u.rows == 1);
        let other = K::table(vec![Sym::from_text("a")], vec![K::longs(vec![1])]);
        assert_eq!(normalize(&s, &other, 7).err(), Some(QError::mismatch()));
    }

    #[test]
    fn append_extends_in_place_and_refuses_other_types() {
        let s = trade();
        let mut buf = s.empty.clone();
        let x = K::list(vec![
            K::sym("IBM"),
            K::float(1.5),
            K::int(100),
            K::char(b'B'),
        ]);
        let u = normalize(&s, &x, 1).unwrap_or_else(|e| panic!("{e}"));
        append(&mut buf, &u).unwrap_or_else(|e| panic!("{e}"));
        append(&mut buf, &u).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(buf.len(), 2);
        let K::Table(t) = &buf else { panic!() };
        assert_eq!(t.cols[1].attr(), Attr::Grouped);
        let mut odd = K::table(
            s.names.to_vec(),
            vec![
                K::longs(vec![]),
                K::syms(Vec::<Sym>::new()),
                K::floats(vec![]),
                K::ints(vec![]),
                K::string(vec![]),
            ],
        );
        assert_eq!(append(&mut odd, &u).err(), Some(QError::type_()));
        assert_eq!(odd.len(), 0);
    }
}
