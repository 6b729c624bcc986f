//! Subscriptions (`.u.w`) and the wire side of publishing.
//!
//! Owns the per-table ordered list of `(handle; syms)` entries with u.q's rules (`.u.sub`
//! replaces, `.u.add` merges with `union`, `.u.del` drops, the null symbol atom means
//! every row), and turns one update into as few encodings as possible: one message for
//! the subscribers that take every row, one per distinct symbol filter, none for a
//! filter that selects no row. It does not send anything itself.

use super::schema::{self, Schema};
use crate::lang::error::{QError, QResult};
use bytes::Bytes;
use qipc::sym::FxHashMap;
use qipc::{MsgType, Sym, Ty, K};
use std::sync::Arc;

/// The symbols a subscriber asked for.
#[derive(Debug, PartialEq)]
pub struct Filter {
    /// As `.u.w` shows them (`union` order).
    pub syms: Vec<Sym>,
    /// The same, for lookups.
    set: FxHashMap<Sym, ()>,
    /// The y value shown in `.u.w` (an atom stays an atom).
    shown: KeyShape,
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum KeyShape {
    Atom,
    List,
}

impl Filter {
    fn new(syms: Vec<Sym>, shown: KeyShape) -> Filter {
        let set = syms.iter().map(|s| (*s, ())).collect();
        Filter { syms, set, shown }
    }

    pub fn matches(&self, s: Sym) -> bool {
        self.set.contains_key(&s)
    }

    fn q(&self) -> K {
        match (self.shown, self.syms.as_slice()) {
            (KeyShape::Atom, [s]) => schema::sym_atom(*s),
            _ => K::syms(self.syms.clone()),
        }
    }
}

/// One `(handle; syms)` entry; `filter` None is the null symbol (every row).
#[derive(Debug, Clone)]
pub struct Sub {
    pub h: i32,
    pub filter: Option<Arc<Filter>>,
    pub peer: Peer,
}

/// What the subscriber's connection can take, fixed at its handshake: looked up once at
/// subscription so a publish takes no lock per subscriber.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peer {
    /// The capability negotiated at the handshake (types it can read, compression).
    pub capability: u8,
    /// Whether q's rule compresses large messages to it (a remote peer).
    pub compress: bool,
}

impl Default for Peer {
    /// The console (handle 0) and anything not on the network: every type, no
    /// compression.
    fn default() -> Peer {
        Peer {
            capability: 3,
            compress: false,
        }
    }
}

/// The lowest capability that can carry `k`: 3 with a guid anywhere, 1 with a timestamp
/// or timespan, else 0 (spec/ipc.md §2.3; q refuses to serialize below it with 'type).
pub fn needs_capability(k: &K) -> u8 {
    match k {
        K::Atom(a) => a.ty.min_capability(),
        K::Vector(v) => v.ty.min_capability(),
        K::List(l) => l.items.iter().map(needs_capability).max().unwrap_or(0),
        K::Table(t) => t.cols.iter().map(needs_capability).max().unwrap_or(0),
        K::Dict(d) => needs_capability(&d.keys).max(needs_capability(&d.vals)),
        _ => 0,
    }
}

/// What `y` in `.u.sub[x;y]` asks for: None for every row (`` ` ``).
pub fn parse_filter(y: &K) -> QResult<Option<Filter>> {
    match y {
        K::Atom(_) => match y.as_sym() {
            Some(s) if s.is_null() => Ok(None),
            Some(s) => Ok(Some(Filter::new(vec![s], KeyShape::Atom))),
            None => Err(QError::type_()),
        },
        K::Vector(v) if v.ty == Ty::Sym => {
            Ok(Some(Filter::new(schema::syms(y).to_vec(), KeyShape::List)))
        }
        // `()`: subscribed to nothing.
        K::List(l) if l.items.is_empty() => Ok(Some(Filter::new(vec![], KeyShape::List))),
        _ => Err(QError::type_()),
    }
}

/// `.u.w`: subscriptions per table, in `.u.t` order.
#[derive(Debug, Default)]
pub struct Subs {
    pub per_table: Vec<Vec<Sub>>,
}

impl Subs {
    pub fn new(tables: usize) -> Subs {
        Subs {
            per_table: vec![Vec::new(); tables],
        }
    }

    /// `.u.del[x;y]`: drop handle `h`'s entry for table `ti`. True if there was one.
    pub fn del(&mut self, ti: usize, h: i32) -> bool {
        let Some(w) = self.per_table.get_mut(ti) else {
            return false;
        };
        match w.iter().position(|s| s.h == h) {
            Some(i) => {
                w.remove(i);
                true
            }
            None => false,
        }
    }

    /// `.z.pc`: drop `h` everywhere. True if it had any entry.
    pub fn del_all(&mut self, h: i32) -> bool {
        let mut any = false;
        for ti in 0..self.per_table.len() {
            any |= self.del(ti, h);
        }
        any
    }

    /// `.u.add[x;y]` for handle `h`: merge with `union` into an existing entry, else
    /// append one. Filters equal to another subscriber's are shared, so a publish
    /// encodes each distinct filter once.
    pub fn add(&mut self, ti: usize, h: i32, f: Option<Filter>, peer: Peer) {
        let Some(w) = self.per_table.get_mut(ti) else {
            return;
        };
        let merged = match w.iter().find(|s| s.h == h) {
            None => f,
            Some(old) => {
                // `union` of the old y and the new one; the null atom takes part as a
                // literal null symbol once it is merged into a list.
                let mut syms: Vec<Sym> = match &old.filter {
                    None => vec![Sym::NULL],
                    Some(o) => o.syms.clone(),
                };
                let new: Vec<Sym> = match &f {
                    None => vec![Sym::NULL],
                    Some(n) => n.syms.clone(),
                };
                let mut seen: FxHashMap<Sym, ()> = FxHashMap::default();
                syms.retain(|s| seen.insert(*s, ()).is_none());
                for s in new {
                    if seen.insert(s, ()).is_none() {
                        syms.push(s);
                    }
                }
                Some(Filter::new(syms, KeyShape::List))
            }
        };
        let shared = merged.map(|m| {
            w.iter()
                .filter_map(|s| s.filter.as_ref())
                .find(|x| x.syms == m.syms && x.shown == m.shown)
                .cloned()
                .unwrap_or_else(|| Arc::new(m))
        });
        match w.iter_mut().find(|s| s.h == h) {
            Some(s) => s.filter = shared,
            None => w.push(Sub {
                h,
                filter: shared,
                peer,
            }),
        }
    }

    /// Every handle subscribed to anything, first appearance first (`union/[w[;;0]]`).
    pub fn handles(&self) -> Vec<i32> {
        let mut out: Vec<i32> = Vec::new();
        for w in &self.per_table {
            for s in w {
                if !out.contains(&s.h) {
                    out.push(s.h);
                }
            }
        }
        out
    }

    /// `.u.w` as q shows it: table names to lists of `(handle;syms)`.
    pub fn q(&self, names: &[Sym]) -> K {
        let vals = self
            .per_table
            .iter()
            .map(|w| {
                K::list(
                    w.iter()
                        .map(|s| {
                            K::list(vec![
                                K::int(s.h),
                                s.filter
                                    .as_ref()
                                    .map_or_else(|| schema::sym_atom(Sym::NULL), |f| f.q()),
                            ])
                        })
                        .collect(),
                )
            })
            .collect();
        K::dict(K::syms(names.to_vec()), K::list(vals))
    }
}

/// The message `(`upd;t;x)` subscribers get, encoded once.
pub fn upd_message(t: Sym, table: K) -> QResult<Vec<u8>> {
    let msg = K::list(vec![K::sym("upd"), schema::sym_atom(t), table]);
    let mut out = Vec::new();
    // Capability 3: timespans, timestamps and guids, 32-bit counts (what q sends).
    qipc::encode_message_into(&msg, MsgType::Async, 3, &mut out)?;
    Ok(out)
}

/// Rows of `table` whose `sym` is in `f` (`.u.sel`); None when every row matches.
pub fn select(table: &K, f: &Filter) -> QResult<Option<K>> {
    let K::Table(t) = table else {
        return Err(QError::type_());
    };
    let col = t.col(Sym::from_text("sym")).ok_or_else(QError::type_)?;
    let idx: Vec<i64> = match col {
        K::Vector(v) if v.ty == Ty::Sym => schema::syms(col)
            .iter()
            .enumerate()
            .filter(|(_, s)| f.matches(**s))
            .map(|(i, _)| i as i64)
            .collect(),
        // A sym column of another shape (a general list) matches nothing by symbol.
        _ => Vec::new(),
    };
    if idx.len() == t.rows() {
        return Ok(None);
    }
    let rows = crate::lang::prims::list::index(table, &K::longs(idx))?;
    Ok(Some(rows))
}

/// The encodings of one publish: the full message and, per distinct filter, the
/// filtered one (None when the filter selects no row).
pub struct Encodings {
    pub full: Bytes,
    full_rows: usize,
    filtered: Vec<(usize, Option<Bytes>)>,
    compressed: Vec<(usize, Bytes)>,
}

impl Encodings {
    pub fn new(full: Vec<u8>, rows: usize) -> Encodings {
        Encodings {
            full: Bytes::from(full),
            full_rows: rows,
            filtered: Vec::new(),
            compressed: Vec::new(),
        }
    }

    /// The bytes for a subscriber with filter `f`, encoding on first use.
    pub fn for_filter(
        &mut self,
        s: &Schema,
        table: &K,
        f: Option<&Arc<Filter>>,
    ) -> QResult<Option<Bytes>> {
        let Some(f) = f else {
            return Ok((self.full_rows > 0).then(|| self.full.clone()));
        };
        let key = Arc::as_ptr(f) as usize;
        if let Some((_, b)) = self.filtered.iter().find(|(k, _)| *k == key) {
            return Ok(b.clone());
        }
        let b = match select(table, f)? {
            None => (self.full_rows > 0).then(|| self.full.clone()),
            Some(rows) if rows.is_empty() => None,
            Some(rows) => Some(Bytes::from(upd_message(s.name, rows)?)),
        };
        self.filtered.push((key, b.clone()));
        Ok(b)
    }

    /// `b` as q would send it to a remote peer: compressed when that pays (cached).
    pub fn compressed(&mut self, b: &Bytes) -> Bytes {
        let key = b.as_ptr() as usize;
        if let Some((_, c)) = self.compressed.iter().find(|(k, _)| *k == key) {
            return c.clone();
        }
        let c = qipc::compress::compress(b).map_or_else(|| b.clone(), Bytes::from);
        self.compressed.push((key, c.clone()));
        c
    }
}

/// Byte layout of an encoded `(`upd;t;table)` message, for cutting the log chunk out of
/// it: everything up to the table, and where the table's column list starts.
fn layout(t: Sym, names: &[Sym]) -> (usize, usize) {
    // header 8, list header 6, `upd` atom 5, `t` atom 2+len
    let prefix = 8 + 6 + 5 + 2 + t.len();
    // table 0x62, attr, dict 0x63, then the names: sym vector header 6 + each name + NUL
    let names_len: usize = 6 + names.iter().map(|n| n.len() + 1).sum::<usize>();
    (prefix, prefix + 3 + names_len)
}

/// The log chunk tick.q writes for this update, `(`upd;t;x)` with x the stamped list
/// (not the table), cut from the subscribers' encoding `msg` instead of encoding again:
/// the prefix is shared, a list of columns is the table's column list, and a row's
/// atoms are its one-item columns without their vector headers.
pub fn log_chunk(
    msg: &[u8],
    t: Sym,
    names: &[Sym],
    cols: &[K],
    single: bool,
    out: &mut Vec<u8>,
) -> QResult<()> {
    let (prefix, cols_at) = layout(t, names);
    let bad = || QError::new("badmsg");
    out.clear();
    out.extend_from_slice(msg.get(qipc::Header::SIZE..prefix).ok_or_else(bad)?);
    let tail = msg.get(cols_at..).ok_or_else(bad)?;
    if !single {
        out.extend_from_slice(tail);
        return Ok(());
    }
    // General list header of the row, then each column's only item.
    out.extend_from_slice(tail.get(..6).ok_or_else(bad)?);
    let mut at = 6usize;
    for c in cols {
        // serialized_len counts the 8-byte message header too.
        let len = qipc::serialized_len(c) as usize - qipc::Header::SIZE;
        let enc = tail.get(at..at + len).ok_or_else(bad)?;
        match c {
            // type byte t, attr, count(4), item -> atom type -t, item
            K::Vector(v) => {
                out.push((-(v.ty as i8)) as u8);
                out.extend_from_slice(enc.get(6..).ok_or_else(bad)?);
            }
            // general list of one: its item's own encoding
            _ => out.extend_from_slice(enc.get(6..).ok_or_else(bad)?),
        }
        at += len;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tick::schema::normalize;
    use qipc::Data;

    fn schema(cols: Vec<(&str, K)>) -> Schema {
        let (names, cols): (Vec<Sym>, Vec<K>) = cols
            .into_iter()
            .map(|(n, c)| (Sym::from_text(n), c))
            .unzip();
        Schema::from_table(Sym::from_text("tab"), &K::table(names, cols))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn every_type_schema() -> Schema {
        schema(vec![
            ("time", K::i64s_of(Ty::Timespan, vec![])),
            ("sym", K::syms(Vec::<Sym>::new())),
            ("b", K::bools(vec![])),
            ("g", K::guids(vec![])),
            ("x", K::bytes(vec![])),
            ("h", K::shorts(vec![])),
            ("i", K::ints(vec![])),
            ("j", K::longs(vec![])),
            ("e", K::reals(vec![])),
            ("f", K::floats(vec![])),
            ("c", K::vector(Ty::Char, Data::U8(Arc::new(vec![])))),
            ("p", K::i64s_of(Ty::Timestamp, vec![])),
            ("d", K::i32s_of(Ty::Date, vec![])),
            ("s", K::list(vec![])),
        ])
    }

    fn row() -> K {
        K::list(vec![
            K::sym("IBM"),
            K::bool(true),
            K::guid([7; 16]),
            K::byte(9),
            K::short(-3),
            K::int(100),
            K::long(1 << 40),
            K::real(1.5),
            K::float(2.25),
            K::char(b'Z'),
            K::i64_of(Ty::Timestamp, 12345),
            K::i32_of(Ty::Date, 9000),
            K::string(b"a string".to_vec()),
        ])
    }

    /// The chunk cut from the subscribers' message is byte for byte what encoding
    /// `(`upd;t;x)` gives, for rows and for columns.
    #[test]
    fn log_chunk_cut_from_the_message_equals_a_fresh_encoding() {
        let s = every_type_schema();
        let cols = K::list(vec![
            K::syms(["a", "b"]),
            K::bools(vec![true, false]),
            K::guids(vec![[1; 16], [2; 16]]),
            K::bytes(vec![1, 2]),
            K::shorts(vec![1, 2]),
            K::ints(vec![1, 2]),
            K::longs(vec![1, 2]),
            K::reals(vec![1.0, 2.0]),
            K::floats(vec![1.0, 2.0]),
            K::string(b"xy".to_vec()),
            K::i64s_of(Ty::Timestamp, vec![1, 2]),
            K::i32s_of(Ty::Date, vec![1, 2]),
            K::list(vec![K::string(b"one".to_vec()), K::string(b"".to_vec())]),
        ]);
        for x in [row(), cols] {
            let u = normalize(&s, &x, 999).unwrap_or_else(|e| panic!("{e}"));
            let msg = upd_message(s.name, u.table(&s)).unwrap_or_else(|e| panic!("{e}"));
            let mut got = Vec::new();
            log_chunk(&msg, s.name, &s.names, &u.cols, u.single, &mut got)
                .unwrap_or_else(|e| panic!("{e}"));
            let want = crate::journal::chunk_bytes(&K::list(vec![
                K::sym("upd"),
                schema::sym_atom(s.name),
                u.logged_x(),
            ]))
            .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got, want, "single={}", u.single);
        }
    }

    #[test]
    fn sub_replaces_add_merges_with_union_del_drops() {
        let mut w = Subs::new(2);
        let f = |y: K| parse_filter(&y).unwrap_or_else(|e| panic!("{e}"));
        w.add(0, 5, f(K::syms(["a", "b"])), Peer::default());
        w.add(0, 6, f(schema::sym_atom(Sym::NULL)), Peer::default());
        w.add(0, 5, f(K::syms(["b", "c"])), Peer::default());
        let syms: Vec<String> = w.per_table[0][0]
            .filter
            .as_ref()
            .map(|x| x.syms.iter().map(|s| s.as_str().into_owned()).collect())
            .unwrap_or_default();
        assert_eq!(syms, ["a", "b", "c"]);
        // merging the null atom into a list keeps it as a literal null symbol
        w.add(0, 6, f(K::syms(["z"])), Peer::default());
        let g = w.per_table[0][1].filter.clone();
        assert_eq!(
            g.map(|x| x.syms.clone()),
            Some(vec![Sym::NULL, Sym::from_text("z")])
        );
        w.add(1, 7, None, Peer::default());
        assert_eq!(w.handles(), vec![5, 6, 7]);
        assert!(w.del(0, 5));
        assert!(!w.del(0, 5));
        assert!(w.del_all(7));
        assert_eq!(w.handles(), vec![6]);
        assert!(parse_filter(&K::long(1)).is_err());
    }

    #[test]
    fn equal_filters_share_one_encoding_and_empty_selections_send_nothing() {
        let s = schema(vec![
            ("time", K::i64s_of(Ty::Timespan, vec![])),
            ("sym", K::syms(Vec::<Sym>::new())),
            ("v", K::longs(vec![])),
        ]);
        let mut w = Subs::new(1);
        for h in [5, 6] {
            w.add(
                0,
                h,
                parse_filter(&K::syms(["b"])).unwrap_or_default(),
                Peer::default(),
            );
        }
        w.add(
            0,
            7,
            parse_filter(&K::syms(["zz"])).unwrap_or_default(),
            Peer::default(),
        );
        let a = w.per_table[0][0].filter.clone();
        let b = w.per_table[0][1].filter.clone();
        assert!(matches!((&a, &b), (Some(a), Some(b)) if Arc::ptr_eq(a, b)));
        let table = K::table(
            s.names.to_vec(),
            vec![
                K::i64s_of(Ty::Timespan, vec![1, 2, 3]),
                K::syms(["a", "b", "b"]),
                K::longs(vec![1, 2, 3]),
            ],
        );
        let mut enc = Encodings::new(upd_message(s.name, table.clone()).unwrap_or_default(), 3);
        let one = enc.for_filter(&s, &table, a.as_ref()).unwrap_or_default();
        let two = enc.for_filter(&s, &table, b.as_ref()).unwrap_or_default();
        let (Some(one), Some(two)) = (one, two) else {
            panic!("nothing to send")
        };
        assert_eq!(one.as_ptr(), two.as_ptr());
        let k = qipc::from_bytes(&one).unwrap_or_else(|e| panic!("{e}"));
        let t = crate::lang::value::item(&k, 2).unwrap_or(K::NULL);
        assert_eq!(t.len(), 2);
        let none = w.per_table[0][2].filter.clone();
        assert!(enc
            .for_filter(&s, &table, none.as_ref())
            .unwrap_or_default()
            .is_none());
    }
}
