//! A generated sweep of q values of every type and shape, for checking our codec against
//! independent kdb+ implementations.
//!
//! `qtick ipc sweep` prints these values as `-8!` bytes so KX's own C library (through PyKX,
//! `tests/clients/`) can read them back; Rust tests reuse the same list for round trips.
//! Covered: atoms of all 18 simple types with nulls, infinities and extremes; empty, one-item
//! and many-item vectors of every type; attributes; general lists; dictionaries (sorted too);
//! tables, keyed tables and sorted tables laid out as q lays them out; functions 100..111;
//! error responses; and large values that q's compression takes. This module only builds
//! values: encoding stays in `qipc`.

use crate::lang::display::type_name;
use qipc::{null, Attr, Data, Dict, Func, Guid, Lambda, List, Storage, Sym, Table, Ty, K};
use std::ops::{Add, Neg, Sub};
use std::sync::Arc;

/// One value of the sweep under a unique, descriptive name (`atom/long/null`).
pub struct Case {
    pub name: String,
    pub value: K,
}

/// Unary primitive codes in the sweep. KX's C validator accepts 0..44 and 255 (the names
/// behind most codes are undocumented, spec Q7; `0` is the generic null `::`, `15` is
/// `not`), but its serializer crashes on 42..44, so those are left out.
pub const UNARY_CODES: [std::ops::RangeInclusive<u8>; 2] = [0..=41, 255..=255];
/// Operator codes in the sweep: `: + - * % & | ^ = < > $ , # _ ~ ! ? @ .` are 0..19, then
/// named built-ins (`28` is `insert`). KX's validator accepts 0..36; its serializer crashes
/// on 35 and 36.
pub const BINARY_CODES: std::ops::RangeInclusive<u8> = 0..=34;
/// Iterator codes KX's C validator accepts (the six iterators).
pub const ITERATOR_CODES: std::ops::RangeInclusive<u8> = 0..=5;

/// The whole sweep, in a fixed order with unique names.
pub fn sweep() -> Vec<Case> {
    let mut s = Sweep(Vec::new());
    s.atoms_and_vectors();
    s.attributes();
    s.lists();
    s.dicts();
    s.tables();
    s.functions();
    s.errors();
    s.large();
    s.0
}

/// KX's C library has no interpreter: its deserializer turns every lambda into the char
/// vector of its source text (the context is dropped). This is the value it hands back for
/// `k`, or `None` when `k` holds no lambda.
pub fn lambdas_as_text(k: &K) -> Option<K> {
    fn many(items: &[K]) -> Option<Vec<K>> {
        let changed: Vec<Option<K>> = items.iter().map(lambdas_as_text).collect();
        if changed.iter().all(Option::is_none) {
            return None;
        }
        Some(
            changed
                .into_iter()
                .zip(items)
                .map(|(c, orig)| c.unwrap_or_else(|| orig.clone()))
                .collect(),
        )
    }
    match k {
        K::Func(Func::Lambda(l)) => Some(K::string(l.text.clone())),
        K::Func(Func::Projection(v)) => many(v).map(|v| K::Func(Func::Projection(Arc::new(v)))),
        K::Func(Func::Composition(v)) => many(v).map(|v| K::Func(Func::Composition(Arc::new(v)))),
        K::Func(Func::Derived(t, f)) => {
            lambdas_as_text(f).map(|f| K::Func(Func::Derived(*t, Arc::new(f))))
        }
        K::List(l) => many(&l.items).map(|v| {
            K::List(List {
                attr: l.attr,
                items: Arc::new(v),
            })
        }),
        K::Dict(d) => {
            let (k2, v2) = (lambdas_as_text(&d.keys), lambdas_as_text(&d.vals));
            if k2.is_none() && v2.is_none() {
                return None;
            }
            Some(K::Dict(Arc::new(Dict {
                keys: k2.unwrap_or_else(|| d.keys.clone()),
                vals: v2.unwrap_or_else(|| d.vals.clone()),
                sorted: d.sorted,
            })))
        }
        K::Table(t) => many(&t.cols).map(|cols| {
            K::Table(Arc::new(Table {
                attr: t.attr,
                names: t.names.clone(),
                cols,
            }))
        }),
        _ => None,
    }
}

struct Sweep(Vec<Case>);

impl Sweep {
    fn add(&mut self, name: impl Into<String>, value: K) {
        self.0.push(Case {
            name: name.into(),
            value,
        });
    }

    fn atoms_and_vectors(&mut self) {
        for ty in Ty::ALL {
            let tn = type_name(ty);
            let (labels, many) = samples(ty);
            for (i, label) in labels.iter().enumerate() {
                self.add(format!("atom/{tn}/{label}"), at(&many, i));
            }
            self.add(format!("vector/{tn}/empty"), take(&many, 0));
            self.add(format!("vector/{tn}/one"), take(&many, 1));
            self.add(format!("vector/{tn}/null_only"), pick(&many, &[1]));
            self.add(format!("vector/{tn}/many"), many.clone());
            self.add(format!("vector/{tn}/repeated_40"), take(&many, 40));
        }
        self.add("vector/char/utf8", K::string("héllo wörld ✓ 日本語"));
        self.add(
            "vector/char/latin1",
            K::string(vec![b'c', b'a', b'f', 0xe9]),
        );
        self.add(
            "vector/char/all_bytes",
            K::string((0..=255u8).collect::<Vec<_>>()),
        );
        self.add(
            "vector/char/control",
            K::string("tab\there\nnew\r\0nul\"q\\"),
        );
        self.add("vector/symbol/empties", K::syms(["", "", ""]));
        self.add(
            "vector/symbol/non_ascii",
            K::vector(
                Ty::Sym,
                Data::Sym(Arc::new(vec![
                    Sym::from_text("日本"),
                    Sym::new(&[0xff, 0xfe, 0x80]),
                    Sym::from_text("é"),
                    Sym::NULL,
                ])),
            ),
        );
    }

    fn attributes(&mut self) {
        let sets: [(Attr, &str, &[i64], &[i64]); 4] = [
            (Attr::Sorted, "s", &[1, 2, 2, 3, 5], &[0, 0, 1]),
            (Attr::Unique, "u", &[3, 1, 4, 5, 9], &[1, 0]),
            (Attr::Parted, "p", &[2, 2, 1, 1, 3], &[1, 1, 0]),
            (Attr::Grouped, "g", &[3, 1, 3, 2, 1], &[1, 0, 1]),
        ];
        for ty in Ty::ALL {
            for (attr, letter, xs, bools) in sets {
                let xs = if ty == Ty::Bool { bools } else { xs };
                self.add(
                    format!("attr/{letter}#/{}", type_name(ty)),
                    from_ints(ty, xs).with_attr(attr),
                );
            }
        }
        for (attr, letter) in [(Attr::Sorted, "s"), (Attr::Unique, "u")] {
            self.add(
                format!("attr/{letter}#/long_empty"),
                K::longs(vec![]).with_attr(attr),
            );
            self.add(
                format!("attr/{letter}#/symbol_empty"),
                K::syms(Vec::<&str>::new()).with_attr(attr),
            );
        }
        self.add(
            "attr/s#/long_1000",
            K::longs((0..1000).collect()).with_attr(Attr::Sorted),
        );
        self.add(
            "attr/g#/symbol_200",
            from_ints(Ty::Sym, &(0..200).map(|i| i % 7).collect::<Vec<_>>())
                .with_attr(Attr::Grouped),
        );
    }

    fn lists(&mut self) {
        let typical: Vec<K> = Ty::ALL.iter().map(|&t| at(&samples(t).1, 0)).collect();
        let vectors: Vec<K> = Ty::ALL.iter().map(|&t| samples(t).1).collect();
        self.add("list/empty", K::list(vec![]));
        self.add(
            "list/mixed",
            K::list(vec![
                K::long(1),
                K::sym("bcd"),
                K::string("0bc"),
                K::real(5.5),
            ]),
        );
        self.add("list/one_atom_of_each_type", K::list(typical.clone()));
        self.add("list/one_vector_of_each_type", K::list(vectors));
        self.add(
            "list/strings",
            K::list(
                ["quick", "brown", "fox", "", "a lazy"]
                    .map(K::string)
                    .into(),
            ),
        );
        self.add(
            "list/strings_and_char_atom",
            K::list(vec![K::string("one"), K::string("two"), K::char(b'3')]),
        );
        self.add("list/enlist_string", K::list(vec![K::string("abc")]));
        self.add(
            "list/nested",
            K::list(vec![
                K::longs(vec![1, 2]),
                K::list(vec![
                    K::long(3),
                    K::sym("b"),
                    K::list(vec![K::float(4.5), K::string("c")]),
                ]),
                K::list(vec![]),
            ]),
        );
        let mut deep = K::long(1);
        for _ in 0..40 {
            deep = K::list(vec![deep]);
        }
        self.add("list/deep_40", deep);
        self.add("list/generic_nulls", K::list(vec![K::NULL, K::NULL]));
        self.add(
            "list/with_generic_null",
            K::list(vec![K::long(42), K::NULL, K::sym("foo")]),
        );
        self.add("list/uniform_longs", K::list(vec![K::long(1), K::long(2)]));
        self.add(
            "list/empties",
            K::list(vec![
                K::list(vec![]),
                K::longs(vec![]),
                K::syms(Vec::<&str>::new()),
                K::string(""),
                K::dict(K::list(vec![]), K::list(vec![])),
            ]),
        );
        self.add(
            "list/of_dicts",
            K::list(vec![
                sym_dict(&["a", "b"], K::longs(vec![1, 2])),
                sym_dict(&["c"], K::list(vec![K::string("x")])),
            ]),
        );
        self.add(
            "list/of_tables",
            K::list(vec![small_table(), K::dict(small_table(), small_table())]),
        );
        self.add(
            "list/of_functions",
            K::list(vec![
                K::lambda("{x+y}"),
                K::Func(Func::Binary(1)),
                K::Func(Func::Derived(107, Arc::new(K::Func(Func::Binary(1))))),
            ]),
        );
        self.add(
            "list/every_kind",
            K::list(
                typical
                    .into_iter()
                    .chain([
                        K::list(vec![]),
                        sym_dict(&["a"], K::longs(vec![1])),
                        small_table(),
                        K::NULL,
                    ])
                    .collect(),
            ),
        );
    }

    fn dicts(&mut self) {
        self.add("dict/empty", K::dict(K::list(vec![]), K::list(vec![])));
        self.add(
            "dict/empty_typed",
            K::dict(K::syms(Vec::<&str>::new()), K::longs(vec![])),
        );
        self.add("dict/one", sym_dict(&["a"], K::longs(vec![1])));
        self.add("dict/sym_long", sym_dict(&["a", "b"], K::longs(vec![1, 2])));
        self.add("dict/sym_int", sym_dict(&["a", "b"], K::ints(vec![2, 3])));
        self.add(
            "dict/sym_mixed",
            sym_dict(&["x", "y"], K::list(vec![K::sym("a"), K::long(2)])),
        );
        self.add(
            "dict/long_sym",
            K::dict(K::longs(vec![1, 2]), K::syms(["abc", "cdefgh"])),
        );
        self.add(
            "dict/int_keys",
            K::dict(K::ints(vec![10, 20, null::I]), K::string("abc")),
        );
        self.add(
            "dict/list_keys",
            K::dict(
                K::list(vec![K::longs(vec![0, 1]), K::longs(vec![2, 3])]),
                K::syms(["first", "second"]),
            ),
        );
        self.add(
            "dict/mixed_keys",
            K::dict(
                K::list(vec![
                    K::long(1),
                    K::short(2),
                    K::float(3.234),
                    K::char(b'4'),
                ]),
                K::list(vec![
                    K::sym("one"),
                    K::longs(vec![2, 3]),
                    K::string("456"),
                    K::list(vec![K::long(7), K::longs(vec![8, 9])]),
                ]),
            ),
        );
        self.add(
            "dict/nested",
            sym_dict(
                &["A", "B", "C"],
                K::list(vec![
                    K::list(vec![K::long(1), K::float(3.234), K::long(3)]),
                    sym_dict(&["x", "y"], K::list(vec![K::sym("a"), K::long(2)])),
                    K::real(5.5),
                ]),
            ),
        );
        self.add(
            "dict/of_tables",
            sym_dict(&["a", "b"], K::list(vec![small_table(), small_table()])),
        );
        self.add(
            "dict/of_functions",
            sym_dict(
                &["f", "g"],
                K::list(vec![K::lambda("{x*2}"), K::Func(Func::Unary(15))]),
            ),
        );
        self.add(
            "dict/sym_to_every_atom",
            K::dict(
                K::syms(Ty::ALL.map(type_name)),
                K::list(Ty::ALL.iter().map(|&t| at(&samples(t).1, 0)).collect()),
            ),
        );
        for ty in Ty::ALL {
            let keys = samples(ty).1;
            let n = keys.len() as i64;
            self.add(
                format!("dict/keys_{}", type_name(ty)),
                K::dict(keys, K::longs((0..n).collect())),
            );
        }
        let sorted = |keys: K, vals: K| {
            K::Dict(Arc::new(Dict {
                keys: keys.with_attr(Attr::Sorted),
                vals,
                sorted: true,
            }))
        };
        self.add(
            "sorted_dict/sym_int",
            sorted(K::syms(["a", "b"]), K::ints(vec![2, 3])),
        );
        self.add(
            "sorted_dict/long_sym",
            sorted(K::longs(vec![1, 2, 3]), K::syms(["a", "b", "c"])),
        );
        self.add(
            "sorted_dict/empty",
            sorted(K::syms(Vec::<&str>::new()), K::longs(vec![])),
        );
    }

    fn tables(&mut self) {
        let names: Vec<Sym> = Ty::ALL.iter().map(|&t| Sym::from(type_name(t))).collect();
        let cols = |rows: usize| -> Vec<K> {
            Ty::ALL.iter().map(|&t| take(&samples(t).1, rows)).collect()
        };
        self.add("table/all_types", K::table(names.clone(), cols(4)));
        self.add("table/all_types_one_row", K::table(names.clone(), cols(1)));
        self.add("table/all_types_empty", K::table(names.clone(), cols(0)));
        self.add(
            "table/nested_columns",
            K::table(
                vec!["s".into(), "strings".into(), "longs".into(), "mixed".into()],
                vec![
                    K::syms(["a", "b", "c"]),
                    K::list(vec![K::string("Arthur"), K::string(""), K::string("Zé")]),
                    K::list(vec![
                        K::longs(vec![1, 2]),
                        K::longs(vec![]),
                        K::longs(vec![3]),
                    ]),
                    K::list(vec![K::long(1), K::sym("x"), K::string("str")]),
                ],
            ),
        );
        self.add(
            "table/empty_with_list_column",
            K::table(
                vec!["a".into(), "b".into()],
                vec![K::longs(vec![]), K::list(vec![])],
            ),
        );
        self.add("table/docs_2i_3i", small_table());
        self.add(
            "table/column_attributes",
            K::table(
                vec!["g".into(), "s".into(), "p".into(), "u".into()],
                vec![
                    from_ints(Ty::Sym, &[3, 1, 3, 2, 1]).with_attr(Attr::Grouped),
                    from_ints(Ty::Time, &[1, 2, 2, 3, 5]).with_attr(Attr::Sorted),
                    from_ints(Ty::Date, &[2, 2, 1, 1, 3]).with_attr(Attr::Parted),
                    from_ints(Ty::Long, &[3, 1, 4, 5, 9]).with_attr(Attr::Unique),
                ],
            ),
        );
        // `s#` on a table: table attribute 1 and `p#` on the first column (spec §4.2).
        let sorted_table = |names: Vec<Sym>, mut cols: Vec<K>| {
            if let Some(c) = cols.first_mut() {
                *c = c.clone().with_attr(Attr::Parted);
            }
            K::table(names, cols).with_attr(Attr::Sorted)
        };
        self.add(
            "sorted_table/docs_2i_3i",
            sorted_table(
                vec!["a".into(), "b".into()],
                vec![K::ints(vec![2]), K::ints(vec![3])],
            ),
        );
        self.add(
            "sorted_table/sym_long",
            sorted_table(
                vec!["s".into(), "v".into()],
                vec![K::syms(["a", "a", "b", "c"]), K::longs(vec![4, 3, 2, 1])],
            ),
        );
        let keyed = |key: K, val: K| K::dict(key, val);
        self.add(
            "keyed/docs_2i_3i",
            keyed(
                K::table(vec!["a".into()], vec![K::ints(vec![2])]),
                K::table(vec!["b".into()], vec![K::ints(vec![3])]),
            ),
        );
        self.add(
            "keyed/eid_pos_dates",
            keyed(
                K::table(vec!["eid".into()], vec![K::longs(vec![1001, 1002, 1003])]),
                K::table(
                    vec!["pos".into(), "dates".into()],
                    vec![
                        K::syms(["d1", "d2", "d3"]),
                        K::i32s_of(Ty::Date, vec![366, 121, null::I]),
                    ],
                ),
            ),
        );
        self.add(
            "keyed/two_keys",
            keyed(
                K::table(
                    vec!["sym".into(), "date".into()],
                    vec![
                        K::syms(["a", "b", "a"]),
                        K::i32s_of(Ty::Date, vec![1, 1, 2]),
                    ],
                ),
                K::table(
                    vec!["px".into(), "n".into()],
                    vec![K::floats(vec![1.5, 2.5, f64::NAN]), K::ints(vec![1, 2, 3])],
                ),
            ),
        );
        self.add(
            "keyed/all_value_types",
            keyed(
                K::table(vec!["k".into()], vec![K::longs(vec![1, 2, 3, 4])]),
                K::table(names.clone(), cols(4)),
            ),
        );
        self.add(
            "keyed/empty",
            keyed(
                K::table(vec!["k".into()], vec![K::syms(Vec::<&str>::new())]),
                K::table(vec!["v".into()], vec![K::floats(vec![])]),
            ),
        );
        // `s#` on a keyed table: type 127 and table attribute 1 on the key table; the key
        // column itself carries no attribute (docs `-8!`s#([a:enlist 2i]b:enlist 3i)`).
        let sorted_keyed = |key: K, val: K| {
            K::Dict(Arc::new(Dict {
                keys: key.with_attr(Attr::Sorted),
                vals: val,
                sorted: true,
            }))
        };
        self.add(
            "sorted_keyed/docs_2i_3i",
            sorted_keyed(
                K::table(vec!["a".into()], vec![K::ints(vec![2])]),
                K::table(vec!["b".into()], vec![K::ints(vec![3])]),
            ),
        );
        self.add(
            "sorted_keyed/sym",
            sorted_keyed(
                K::table(vec!["s".into()], vec![K::syms(["a", "b", "c"])]),
                K::table(vec!["v".into()], vec![K::longs(vec![3, 2, 1])]),
            ),
        );
    }

    fn functions(&mut self) {
        let plus = || K::Func(Func::Binary(1));
        self.add("lambda/x_plus_y", K::lambda("{x+y}"));
        self.add("lambda/params", K::lambda("{[a;b] a*b}"));
        self.add("lambda/empty_body", K::lambda("{}"));
        self.add(
            "lambda/multiline",
            K::lambda("{[t]\n  r:select from t;\n  / comment\n  r}"),
        );
        self.add("lambda/utf8", K::lambda("{x,\"é✓\"}"));
        self.add(
            "lambda/in_context_d",
            K::Func(Func::Lambda(Arc::new(Lambda::new(Sym::from("d"), "{x+y}")))),
        );
        self.add(
            "lambda/in_context_u",
            K::Func(Func::Lambda(Arc::new(Lambda::new(
                Sym::from("u"),
                "{[t;x].u.w[t]}",
            )))),
        );
        for c in UNARY_CODES.into_iter().flatten() {
            self.add(format!("unary/{c}"), K::Func(Func::Unary(c)));
        }
        for c in BINARY_CODES {
            self.add(format!("binary/{c}"), K::Func(Func::Binary(c)));
        }
        for c in ITERATOR_CODES {
            self.add(format!("iterator/{c}"), K::Func(Func::Iterator(c)));
        }
        let proj = |items: Vec<K>| K::Func(Func::Projection(Arc::new(items)));
        let comp = |items: Vec<K>| K::Func(Func::Composition(Arc::new(items)));
        self.add(
            "projection/lambda_3",
            proj(vec![K::lambda("{x+y}"), K::long(3)]),
        );
        self.add(
            "projection/lambda_two_args",
            proj(vec![K::lambda("{x+y+z}"), K::long(1), K::syms(["a", "b"])]),
        );
        self.add("projection/plus_1", proj(vec![plus(), K::long(1)]));
        self.add(
            "projection/insert_1",
            proj(vec![K::Func(Func::Binary(28)), K::long(1)]),
        );
        self.add(
            "projection/table_arg",
            proj(vec![K::Func(Func::Binary(28)), K::sym("t"), small_table()]),
        );
        self.add(
            "composition/any",
            comp(vec![
                K::Func(Func::Unary(28)),
                proj(vec![K::Func(Func::Binary(11)), K::char(b'b')]),
            ]),
        );
        self.add(
            "composition/lambdas",
            comp(vec![K::lambda("{x+1}"), K::lambda("{x*2}")]),
        );
        self.add(
            "composition/three",
            comp(vec![
                K::Func(Func::Unary(2)),
                K::lambda("{x*2}"),
                proj(vec![plus(), K::long(1)]),
            ]),
        );
        for t in 106..=111u8 {
            self.add(
                format!("derived/{t}/plus"),
                K::Func(Func::Derived(t, Arc::new(plus()))),
            );
            self.add(
                format!("derived/{t}/lambda"),
                K::Func(Func::Derived(t, Arc::new(K::lambda("{x,y}")))),
            );
        }
        self.add(
            "derived/raze",
            K::Func(Func::Derived(107, Arc::new(K::Func(Func::Binary(12))))),
        );
        self.add(
            "derived/prev",
            K::Func(Func::Derived(109, Arc::new(K::Func(Func::Binary(0))))),
        );
        self.add(
            "derived/of_projection",
            K::Func(Func::Derived(106, Arc::new(proj(vec![plus(), K::long(1)])))),
        );
        self.add(
            "derived/nested_each_over",
            K::Func(Func::Derived(
                106,
                Arc::new(K::Func(Func::Derived(107, Arc::new(plus())))),
            )),
        );
    }

    fn errors(&mut self) {
        for text in [
            "type",
            "length",
            "rank",
            "badmsg",
            "nyi",
            "my error text",
            "é✓",
        ] {
            self.add(format!("error/{text}"), K::error(text));
        }
        self.add("error/empty", K::error(""));
    }

    fn large(&mut self) {
        self.add("big/til_1000", K::longs((0..1000).collect()));
        self.add("big/bool_2000", K::bools(vec![true; 2000]));
        self.add("big/sym_q_1000", K::syms(vec!["q"; 1000]));
        self.add(
            "big/table_q_1000",
            K::table(vec!["q".into()], vec![K::syms(vec!["q"; 1000])]),
        );
        self.add(
            "big/table_a_b_c_200",
            K::table(
                vec!["a".into(), "b".into(), "c".into()],
                vec![
                    K::longs((0..200).collect()),
                    K::longs((25..225).collect()),
                    K::syms(vec!["a"; 200]),
                ],
            ),
        );
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let n = 3000;
        let syms = ["AAPL", "MSFT", "IBM", "GOOG", "KX"];
        let mut px = 100.0f64;
        let (mut sym, mut time, mut price, mut size) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            sym.push(syms[(rng.next() % syms.len() as u64) as usize]);
            time.push(34_200_000_000_000i64 + i as i64 * 1_000_000 + (rng.next() % 1000) as i64);
            px += ((rng.next() % 21) as f64 - 10.0) / 100.0;
            price.push((px * 100.0).round() / 100.0);
            size.push(((rng.next() % 50) as i32 + 1) * 100);
        }
        self.add(
            "big/trade_3000",
            K::table(
                vec!["time".into(), "sym".into(), "price".into(), "size".into()],
                vec![
                    K::i64s_of(Ty::Timespan, time),
                    K::syms(sym),
                    K::floats(price),
                    K::ints(size),
                ],
            ),
        );
        self.add(
            "big/random_bytes_4000",
            K::bytes((0..4000).map(|_| rng.next() as u8).collect()),
        );
        self.add(
            "big/text_6000",
            K::string(
                "the quick brown fox jumps over the lazy dog; "
                    .repeat(134)
                    .into_bytes(),
            ),
        );
        // Twenty updates per second share a timestamp, as batched feeds stamp them.
        self.add(
            "big/timestamps_2000",
            K::i64s_of(
                Ty::Timestamp,
                (0..2000)
                    .map(|i| 820_000_000_000_000_000 + i / 20 * 1_000_000_000)
                    .collect(),
            ),
        );
        self.add(
            "big/strings_500",
            K::list(
                (0..500)
                    .map(|i| K::string(format!("order-{:05}", i % 37)))
                    .collect(),
            ),
        );
    }
}

/// A small deterministic generator for the large values (xorshift64).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn small_table() -> K {
    K::table(
        vec!["a".into(), "b".into()],
        vec![K::ints(vec![2]), K::ints(vec![3])],
    )
}

fn sym_dict(keys: &[&str], vals: K) -> K {
    K::dict(K::syms(keys.iter().copied()), vals)
}

/// The labelled values of an integer type: `typical`, its null, both infinities, 0, 1,
/// -1, the largest and smallest finite values, then the type's own `extra` ones.
fn int_samples<T>(
    typical: T,
    null: T,
    inf: T,
    extra: &[(&'static str, T)],
) -> (Vec<&'static str>, Vec<T>)
where
    T: Copy + From<i8> + Neg<Output = T> + Add<Output = T> + Sub<Output = T>,
{
    let one = T::from(1);
    let mut labels = vec![
        "typical", "null", "inf", "ninf", "zero", "one", "neg_one", "max", "min",
    ];
    let mut v = vec![
        typical,
        null,
        inf,
        -inf,
        T::from(0),
        one,
        -one,
        inf - one,
        -inf + one,
    ];
    for &(l, x) in extra {
        labels.push(l);
        v.push(x);
    }
    (labels, v)
}

/// The labels of a float type's samples, the last one (`last`) its own.
fn float_labels(last: &'static str) -> Vec<&'static str> {
    vec![
        "typical",
        "null",
        "inf",
        "ninf",
        "zero",
        "neg_zero",
        "max",
        "min",
        "tiny",
        "subnormal",
        "nan_negative",
        last,
    ]
}

/// Labels and a vector of the interesting values of one type. Item 0 is an ordinary
/// value and item 1 the type's null (booleans and bytes have none: their zero stands in).
fn samples(ty: Ty) -> (Vec<&'static str>, K) {
    match ty {
        Ty::Bool => (vec!["true", "false"], K::bools(vec![true, false])),
        Ty::Byte => (
            vec!["x2a", "x00", "x01", "x7f", "x80", "xff"],
            K::bytes(vec![0x2a, 0, 1, 0x7f, 0x80, 0xff]),
        ),
        Ty::Char => (
            vec![
                "a", "blank", "nul", "newline", "x7f", "x80", "e_acute", "xff", "quote",
            ],
            K::string(vec![b'a', b' ', 0, b'\n', 0x7f, 0x80, 0xe9, 0xff, b'"']),
        ),
        Ty::Guid => {
            let mut seq: Guid = [0; 16];
            for (i, b) in seq.iter_mut().enumerate() {
                *b = i as u8;
            }
            (
                vec!["typical", "null", "all_ff", "sequence"],
                K::guids(vec![
                    [
                        0x8c, 0x68, 0x0a, 0x01, 0x5a, 0x49, 0x5a, 0xab, 0x5a, 0x65, 0xd4, 0xbf,
                        0xdd, 0xb6, 0xa6, 0x61,
                    ],
                    [0; 16],
                    [0xff; 16],
                    seq,
                ]),
            )
        }
        Ty::Short => {
            let (labels, v) = int_samples(-234, null::H, null::WH, &[]);
            (labels, K::shorts(v))
        }
        Ty::Int | Ty::Month | Ty::Date | Ty::Minute | Ty::Second | Ty::Time => {
            let (typical, extra): (i32, &[(&'static str, i32)]) = match ty {
                Ty::Month => (
                    12,
                    &[("y1999m12", -1), ("y9999m12", 95999), ("y0001m01", -23988)],
                ),
                Ty::Date => (
                    366,
                    &[
                        ("y1970", -10957),
                        ("y9999_12_31", 2921939),
                        ("y0001_01_01", -730119),
                    ],
                ),
                Ty::Minute => (721, &[("m23_59", 1439)]),
                Ty::Second => (43500, &[("s23_59_59", 86399)]),
                Ty::Time => (43499123, &[("t23_59_59_999", 86399999)]),
                _ => (42, &[]),
            };
            let (labels, v) = int_samples(typical, null::I, null::WI, extra);
            (labels, K::i32s_of(ty, v))
        }
        Ty::Long | Ty::Timestamp | Ty::Timespan => {
            let (typical, extra): (i64, &[(&'static str, i64)]) = match ty {
                Ty::Timestamp => (
                    279_417_600_000_000,
                    &[
                        ("y1970", -946_684_800_000_000_000),
                        ("y2262", 8_000_000_000_000_000_000),
                    ],
                ),
                Ty::Timespan => (20_217_600_000_000, &[("d1", 86_400_000_000_000)]),
                _ => (89_421_099_511_627_575, &[]),
            };
            let (labels, v) = int_samples(typical, null::J, null::WJ, extra);
            (labels, K::i64s_of(ty, v))
        }
        Ty::Real => (
            float_labels("pi"),
            K::reals(vec![
                5.5,
                f32::from_bits(null::E_BITS),
                f32::INFINITY,
                f32::NEG_INFINITY,
                0.0,
                -0.0,
                f32::MAX,
                f32::MIN,
                f32::MIN_POSITIVE,
                f32::from_bits(1),
                f32::from_bits(0xffc0_0000),
                std::f32::consts::PI,
            ]),
        ),
        Ty::Float | Ty::Datetime => (
            float_labels("neg"),
            K::vector(
                ty,
                Data::F64(Arc::new(vec![
                    3.234,
                    f64::from_bits(null::F_BITS),
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    0.0,
                    -0.0,
                    f64::MAX,
                    f64::MIN,
                    f64::MIN_POSITIVE,
                    f64::from_bits(1),
                    f64::from_bits(0xfff8_0000_0000_0000),
                    -1.5,
                ])),
            ),
        ),
        Ty::Sym => {
            let long = "s".repeat(300);
            (
                vec![
                    "abc", "null", "one_char", "spaces", "dotted", "utf8", "not_utf8", "long",
                ],
                K::vector(
                    Ty::Sym,
                    Data::Sym(Arc::new(vec![
                        Sym::from("abc"),
                        Sym::NULL,
                        Sym::from("a"),
                        Sym::from("a b c"),
                        Sym::from(".u.upd"),
                        Sym::from("héllo_日本"),
                        Sym::new(&[0xff, 0xfe, 0x80]),
                        Sym::from(long.as_str()),
                    ])),
                ),
            )
        }
    }
}

/// Item `i` of a simple vector as an atom.
fn at(v: &K, i: usize) -> K {
    match v {
        K::Vector(v) => K::Atom(v.at(i)),
        other => other.clone(),
    }
}

/// The first `n` items of `v`, cycling when `n` exceeds its length (q's `n#v`).
fn take(v: &K, n: usize) -> K {
    let len = v.len().max(1);
    pick(v, &(0..n).map(|i| i % len).collect::<Vec<_>>())
}

/// Items at `idx` of a simple vector (q's `v idx`); indices must be in range.
fn pick(v: &K, idx: &[usize]) -> K {
    let K::Vector(v) = v else {
        return v.clone();
    };
    fn sel<T: Copy>(x: &[T], idx: &[usize]) -> Vec<T> {
        idx.iter().map(|&i| x[i]).collect()
    }
    let data = match &v.data {
        Data::U8(x) => Data::U8(Arc::new(sel(x, idx))),
        Data::Guid(x) => Data::Guid(Arc::new(sel(x, idx))),
        Data::I16(x) => Data::I16(Arc::new(sel(x, idx))),
        Data::I32(x) => Data::I32(Arc::new(sel(x, idx))),
        Data::I64(x) => Data::I64(Arc::new(sel(x, idx))),
        Data::F32(x) => Data::F32(Arc::new(sel(x, idx))),
        Data::F64(x) => Data::F64(Arc::new(sel(x, idx))),
        Data::Sym(x) => Data::Sym(Arc::new(sel(x, idx))),
    };
    K::vector(v.ty, data)
}

/// A vector of type `ty` whose items order exactly as the small non-negative integers `xs`
/// do, so sorted, unique and parted claims made about `xs` hold for the result.
fn from_ints(ty: Ty, xs: &[i64]) -> K {
    let data = match ty.storage() {
        Storage::U8 => Data::U8(Arc::new(
            xs.iter()
                .map(|&x| match ty {
                    Ty::Bool => (x & 1) as u8,
                    Ty::Char => b'a' + (x % 26) as u8,
                    _ => x as u8,
                })
                .collect(),
        )),
        Storage::Guid => Data::Guid(Arc::new(
            xs.iter()
                .map(|&x| {
                    let mut g = [0u8; 16];
                    g[8..].copy_from_slice(&(x as u64).to_be_bytes());
                    g
                })
                .collect(),
        )),
        Storage::I16 => Data::I16(Arc::new(xs.iter().map(|&x| x as i16).collect())),
        Storage::I32 => Data::I32(Arc::new(xs.iter().map(|&x| x as i32).collect())),
        Storage::I64 => Data::I64(Arc::new(xs.to_vec())),
        Storage::F32 => Data::F32(Arc::new(xs.iter().map(|&x| x as f32 + 0.25).collect())),
        Storage::F64 => Data::F64(Arc::new(xs.iter().map(|&x| x as f64 + 0.25).collect())),
        Storage::Sym => Data::Sym(Arc::new(
            xs.iter()
                .map(|&x| Sym::from_text(&format!("s{x:04}")))
                .collect(),
        )),
    };
    K::vector(ty, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qipc::{compress, decode_message, encode_message, serialized_len, to_bytes, MsgType};
    use std::collections::HashSet;

    fn encode(k: &K) -> Vec<u8> {
        let mt = if matches!(k, K::Error(_)) {
            MsgType::Response
        } else {
            MsgType::Async
        };
        encode_message(k, mt, 6).expect("every sweep value serializes at capability 6")
    }

    #[test]
    fn names_are_unique_and_every_type_is_covered() {
        let cases = sweep();
        let mut names = HashSet::new();
        for c in &cases {
            assert!(names.insert(c.name.as_str()), "duplicate name {}", c.name);
        }
        let types: HashSet<i16> = cases.iter().map(|c| c.value.wire_type()).collect();
        let mut want: Vec<i16> = vec![0, 98, 99, 127, -128];
        want.extend((100..=111).collect::<Vec<_>>());
        for t in Ty::ALL {
            want.push(t.code() as i16);
            want.push(-(t.code() as i16));
        }
        for t in want {
            assert!(types.contains(&t), "no value of type {t}");
        }
        for a in [Attr::Sorted, Attr::Unique, Attr::Parted, Attr::Grouped] {
            assert!(cases.iter().any(|c| c.value.attr() == a), "no {a:?} value");
        }
    }

    #[test]
    fn every_value_round_trips_byte_for_byte() {
        for c in sweep() {
            let bytes = encode(&c.value);
            assert_eq!(
                serialized_len(&c.value),
                bytes.len() as u64,
                "{}: -22!",
                c.name
            );
            let (_, back) = decode_message(&bytes).unwrap_or_else(|e| panic!("{}: {e}", c.name));
            assert_eq!(back, c.value, "{}: value", c.name);
            assert_eq!(encode(&back), bytes, "{}: re-encoding", c.name);
        }
    }

    #[test]
    fn large_values_compress_and_come_back() {
        let mut compressed = 0;
        for c in sweep().iter().filter(|c| c.name.starts_with("big/")) {
            let plain = to_bytes(&c.value).expect("serializes");
            assert!(plain.len() > 2000, "{} is too small to compress", c.name);
            if let Some(z) = compress::compress(&plain) {
                compressed += 1;
                assert!(z.len() < plain.len() / 2, "{}", c.name);
                let (h, back) = decode_message(&z).unwrap_or_else(|e| panic!("{}: {e}", c.name));
                assert_eq!(h.compressed, 1);
                assert_eq!(back, c.value, "{}", c.name);
            } else {
                // Noise does not compress, and neither does tick data with random-walk
                // prices: it fails the "under half the size" rule.
                assert!(
                    ["big/random_bytes_4000", "big/trade_3000"].contains(&c.name.as_str()),
                    "{} did not compress",
                    c.name
                );
            }
        }
        assert!(compressed >= 8, "only {compressed} large values compressed");
    }

    #[test]
    fn lambdas_become_their_text() {
        let k = K::Func(Func::Projection(Arc::new(vec![
            K::lambda("{x+y}"),
            K::long(3),
        ])));
        let t = lambdas_as_text(&k).expect("holds a lambda");
        let K::Func(Func::Projection(items)) = t else {
            panic!("still a projection")
        };
        assert_eq!(items[0], K::string("{x+y}"));
        assert_eq!(items[1], K::long(3));
        assert!(lambdas_as_text(&K::long(1)).is_none());
    }
}
