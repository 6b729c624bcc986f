//! Reads every file q wrote in `../shared/fixtures/` (HDBs and the DolphinDB sample) and
//! checks it against the independent decoder's `EXPECTED.txt`: layout, type, domain and
//! length; then loads the HDBs whole.

use super::{file, splay};
use qipc::{Data, Sym, Ty, Vector, K};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

/// The number after `key` in `s` (`header count 184` -> 184).
fn num_after(s: &str, key: &str) -> Option<usize> {
    let i = s.find(key)? + key.len();
    let t = s[i..].trim_start();
    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    t[..end].parse().ok()
}

fn attributed(desc: &str) -> bool {
    [" s# ", " u# ", " p# ", " g# "]
        .iter()
        .any(|a| desc.contains(a))
}

/// Check one decoded value against the description the probe printed for it.
fn check(path: &Path, k: &K, desc: &str) {
    let desc = match desc.find("-> ") {
        Some(i) if desc.starts_with("kxzipped") => &desc[i + 3..],
        _ => desc,
    };
    let ctx = format!("{}: {desc}", path.display());
    if desc.starts_with("ff01 symbol vector") {
        let n = num_after(desc, ";").unwrap_or(usize::MAX);
        match k {
            K::Vector(Vector {
                data: Data::Sym(s), ..
            }) => {
                assert_eq!(s.len(), n, "{ctx}");
                let first = desc
                    .split("first ['")
                    .nth(1)
                    .and_then(|r| r.split('\'').next());
                assert_eq!(
                    s.first().map(|x| x.as_str().into_owned()).as_deref(),
                    first,
                    "{ctx}"
                );
            }
            _ => panic!("{ctx}: got {k:?}"),
        }
    } else if let Some(rest) = desc.strip_prefix("fe20 vector type ") {
        let t = num_after(rest, "").unwrap_or(0) as i16;
        let n = if attributed(desc) {
            num_after(desc, "header count")
        } else {
            num_after(desc, "width =")
        }
        .unwrap_or(usize::MAX);
        assert_eq!((k.ty(), k.len()), (t, n), "{ctx}");
    } else if desc.starts_with("fd20 enum") || desc.starts_with("pre-3.6 32-bit enum") {
        let domain = desc
            .split("domain \"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("");
        let n = if attributed(desc) {
            num_after(desc, "header count")
        } else if desc.starts_with("fd20") {
            num_after(desc, "body/8 =")
        } else {
            num_after(desc, "/4 =")
        }
        .unwrap_or(usize::MAX);
        match k {
            K::Enum(e) => {
                assert_eq!(e.domain, Sym::from_text(domain), "{ctx}");
                assert_eq!(e.idx.len(), n, "{ctx}");
                assert_eq!(e.attr != qipc::Attr::None, attributed(desc), "{ctx}");
            }
            _ => panic!("{ctx}: got {k:?}"),
        }
    } else if desc.starts_with("fd20 anymap") {
        let n = num_after(desc, "index file:").unwrap_or(usize::MAX);
        assert_eq!((k.ty(), k.len()), (0, n), "{ctx}");
    } else if desc.starts_with("fd20 byte heap") {
        let n = num_after(desc, "file):").unwrap_or(usize::MAX);
        assert_eq!((k.ty(), k.len()), (4, n), "{ctx}");
    } else if let Some(rest) = desc.strip_prefix("ff01 serialized object type ") {
        let t = num_after(rest, "").unwrap_or(0) as i16;
        assert_eq!(k.ty(), t, "{ctx}");
    } else {
        panic!("{ctx}: layout not covered by this test");
    }
}

#[test]
fn every_fixture_file_decodes_as_expected() {
    let root = fixtures();
    let mut checked = 0;
    for dir in [
        "hdb-sircsimbok-kdb4",
        "hdb-jmckevitt-kdb3",
        "hdb-lukebrit27-kdb3",
        "dolphindb-kdb-sample",
    ] {
        let expected = std::fs::read_to_string(root.join(dir).join("EXPECTED.txt")).unwrap();
        for line in expected.lines() {
            let Some((path, desc)) = line.split_once(" (") else {
                continue;
            };
            let Some((_, desc)) = desc.split_once("): ") else {
                continue;
            };
            let p = root.join(path);
            let k = file::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            check(&p, &k, desc);
            checked += 1;
        }
    }
    assert!(checked > 250, "only {checked} files checked");
}

fn sym_at(domain: &[Sym], k: &K, row: usize) -> Sym {
    match k {
        K::Enum(e) => domain[e.idx[row] as usize],
        _ => panic!("not an enumeration: {k:?}"),
    }
}

#[test]
fn hdbs_load_whole() {
    let root = fixtures();
    // q 4.x `.Q.hdpf` output: one date, trade and quote, p# sym sorted by symbol text.
    let db = splay::load_dir(&root.join("hdb-sircsimbok-kdb4/hdb")).unwrap();
    let sym = match &db.vars[..] {
        [(
            n,
            K::Vector(Vector {
                data: Data::Sym(s), ..
            }),
        )] if n.as_bytes() == b"sym" => s.clone(),
        v => panic!("vars {:?}", v.iter().map(|x| x.0).collect::<Vec<_>>()),
    };
    assert_eq!(sym.len(), 6);
    let p = db.parted.unwrap();
    assert_eq!(p.field.as_bytes(), b"date");
    assert_eq!(
        p.values,
        K::i32s_of(Ty::Date, vec![splay::date(2024, 1, 29)])
    );
    let names: Vec<String> = p.tables.iter().map(|t| t.0.as_str().into_owned()).collect();
    assert_eq!(names, ["quote", "trade"]);
    let (_, trade, counts) = &p.tables[1];
    assert_eq!(counts, &vec![184]);
    let K::Table(t) = trade else { panic!() };
    let cols: Vec<String> = t.names.iter().map(|n| n.as_str().into_owned()).collect();
    assert_eq!(
        cols,
        ["date", "sym", "time", "price", "size", "stop", "cond", "ex"]
    );
    assert_eq!(t.rows(), 184);
    let ty: Vec<i16> = t.cols.iter().map(K::ty).collect();
    assert_eq!(ty, [14, 20, 16, 9, 7, 1, 10, 10]);
    assert_eq!(sym_at(&sym, &t.cols[1], 0).as_bytes(), b"AAPL");
    assert_eq!(sym_at(&sym, &t.cols[1], 183).as_bytes(), b"TSLA");

    // 3.x, three dates with 32-bit enumerations; agg only in the last partition.
    let db = splay::load_dir(&root.join("hdb-jmckevitt-kdb3/hdb")).unwrap();
    let p = db.parted.unwrap();
    assert_eq!(p.values.len(), 3);
    let names: Vec<String> = p.tables.iter().map(|t| t.0.as_str().into_owned()).collect();
    assert_eq!(names, ["agg", "quote", "trade"]);
    for (_, t, counts) in &p.tables {
        assert_eq!(t.len() as i64, counts.iter().sum::<i64>());
    }
    let trade = &p.tables[2];
    assert_eq!(trade.2, vec![2, 2, 48]);

    // 3.x with q-IPC-compressed columns and appended (stale-count) partitions.
    let db = splay::load_dir(&root.join("hdb-lukebrit27-kdb3/hdb")).unwrap();
    let p = db.parted.unwrap();
    let trade = p
        .tables
        .iter()
        .find(|t| t.0.as_bytes() == b"Trade")
        .unwrap();
    assert_eq!(trade.2, vec![144, 144, 78, 144]);
    let K::Table(t) = &trade.1 else { panic!() };
    let ty: Vec<i16> = t.cols.iter().map(K::ty).collect();
    assert_eq!(ty, [14, 12, 20, 9, 7]);
}

#[test]
fn splayed_tables_with_nested_and_compressed_columns() {
    let root = fixtures().join("dolphindb-kdb-sample");
    for d in ["charArrayVector", "compressCharArrayVector"] {
        let t = splay::read_splay(&root.join(d)).unwrap();
        let K::Table(t) = &t else { panic!() };
        assert_eq!(t.rows(), 2000);
        assert_eq!(t.cols[0].ty(), 6);
        assert_eq!(t.cols[1].ty(), 0);
    }
    let t = splay::read_splay(&root.join("intArrayVector")).unwrap();
    let K::Table(t) = &t else { panic!() };
    let d = crate::lang::value::items(&t.cols[0]);
    assert_eq!(d[0], K::longs(vec![1, 2, 3]));
    assert_eq!(d[1], K::long(4));
    assert_eq!(d[3].len(), 30);
    let lh = crate::lang::value::items(&t.cols[1]);
    assert_eq!(lh[0], K::string("abc"));
    assert_eq!(lh[1], K::char(b'c'));
    assert_eq!(lh[3], K::string("dolphindb"));
    let t = splay::read_splay(&root.join("allDataTypes/splayedTable")).unwrap();
    assert_eq!(t.len(), 2000);
}
