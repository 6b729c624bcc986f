//! Tables on disk (spec §1, §4, §7): a splayed table is a directory with one file per
//! column and `.d` giving the column order; symbol columns are enumerations whose domain
//! (usually `sym`) is a symbol-list file further up. A partitioned database is a root
//! holding the domain files and one directory per partition value (date, month, year or
//! int), each holding splayed tables; a segmented one lists its roots in `par.txt`.
//!
//! Loading here is eager: a partitioned table comes back as one in-memory table with the
//! partition column first, which every query primitive already understands.

use super::file;
use super::zip;
use crate::lang::literal::{days_from_civil, parse_date};
use crate::lang::{QError, QResult};
use qipc::{Attr, Data, Enum, Sym, Table, Ty, Vector, K};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The column order of a splayed table.
pub fn read_d(dir: &Path) -> QResult<Vec<Sym>> {
    match file::read(&dir.join(".d"))? {
        K::Vector(Vector {
            data: Data::Sym(s), ..
        }) => Ok(s.as_ref().clone()),
        _ => Err(QError::type_()),
    }
}

/// True when `dir` holds a splayed table.
pub fn is_splay(dir: &Path) -> bool {
    dir.join(".d").is_file()
}

/// Read a splayed table: every column named in `.d`, all of one length.
pub fn read_splay(dir: &Path) -> QResult<K> {
    let names = read_d(dir)?;
    let mut cols = Vec::with_capacity(names.len());
    for n in &names {
        cols.push(file::read(&dir.join(&*n.as_str()))?);
    }
    let rows = cols.first().map_or(0, K::len);
    if cols.iter().any(|c| c.len() != rows || c.is_atom()) {
        return Err(QError::length());
    }
    Ok(K::table(names, cols))
}

/// Write a splayed table: one file per column, then `.d`. Symbol columns must already be
/// enumerated (q's rule); `zip` gives compression per column (`` ` `` for `.d`).
pub fn write_splay(dir: &Path, t: &Table, zip: &dyn Fn(Sym) -> Option<zip::Params>) -> QResult<()> {
    for c in &t.cols {
        match c {
            K::Vector(v) if v.ty == Ty::Sym => return Err(QError::type_()),
            K::Vector(_) | K::Enum(_) | K::List(_) => {}
            _ => return Err(QError::type_()),
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| super::os_error(dir, &e))?;
    for (n, c) in t.names.iter().zip(t.cols.iter()) {
        if n.is_null() || n.as_bytes().contains(&b'/') {
            return Err(QError::new("name"));
        }
        file::write(&dir.join(&*n.as_str()), c, zip(*n))?;
    }
    let d = file::sym_list_bytes(&t.names);
    let d = match zip(Sym::NULL) {
        Some(p) if p.alg != 0 => zip::deflate(&d, p)?,
        _ => d,
    };
    super::write_bytes(&dir.join(".d"), &d)
}

/// The symbols of a domain file, or none when it does not exist.
pub fn read_domain(path: &Path) -> QResult<Option<Vec<Sym>>> {
    if !path.exists() {
        return Ok(None);
    }
    match file::read(path)? {
        K::Vector(Vector {
            data: Data::Sym(s), ..
        }) => Ok(Some(s.as_ref().clone())),
        _ => Err(QError::type_()),
    }
}

/// Extend the domain file `path` with `new` names (appended at the end, as q's enum extend
/// does; a new file gets the true count). Compressed domains cannot grow.
pub fn append_domain(path: &Path, existing: usize, new: &[Sym]) -> QResult<()> {
    if new.is_empty() && path.exists() {
        return Ok(());
    }
    if existing == 0 && !path.exists() {
        return super::write_bytes(path, &file::sym_list_bytes(new));
    }
    let head = super::read_bytes(path)?;
    if zip::is_zipped(&head) {
        return Err(QError::new("no append to zipped enums"));
    }
    let mut tail = Vec::new();
    for s in new {
        tail.extend_from_slice(s.as_bytes());
        tail.push(0);
    }
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| super::os_error(path, &e))?;
    f.write_all(&tail).map_err(|e| super::os_error(path, &e))
}

/// A partition directory name's value: date `2024.01.29`, month `2024.01`, year `2024`
/// or int `123`.
pub fn partition_value(name: &str) -> Option<(Sym, K)> {
    let b = name.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if b.len() == 10 && b[4] == b'.' && b[7] == b'.' {
        return parse_date(name).map(|d| (Sym::from_text("date"), K::i32_of(Ty::Date, d)));
    }
    if b.len() == 7 && b[4] == b'.' && digits(&b[..4]) && digits(&b[5..]) {
        let y: i64 = name[..4].parse().ok()?;
        let m: i64 = name[5..].parse().ok()?;
        if !(1..=12).contains(&m) {
            return None;
        }
        return Some((
            Sym::from_text("month"),
            K::i32_of(Ty::Month, ((y - 2000) * 12 + m - 1) as i32),
        ));
    }
    if digits(b) {
        let v: i64 = name.parse().ok()?;
        if b.len() == 4 {
            return Some((Sym::from_text("year"), K::int(v as i32)));
        }
        return Some((Sym::from_text("int"), K::long(v)));
    }
    None
}

/// What loading a database directory found.
#[derive(Default)]
pub struct Db {
    /// Variables: serialized files and splayed tables at the root, in name order.
    pub vars: Vec<(Sym, K)>,
    /// Scripts at the root (`*.q`, `*.k`), for the caller to run.
    pub scripts: Vec<PathBuf>,
    pub parted: Option<Parted>,
}

/// The partitioned part of a database.
pub struct Parted {
    /// `date`, `month`, `year` or `int`.
    pub field: Sym,
    /// Partition values in order (a vector of the field's type).
    pub values: K,
    /// The root each partition was found in (`.Q.PD`).
    pub roots: Vec<PathBuf>,
    /// Segment roots (`.Q.P`) and the partitions in each (`.Q.D`).
    pub segments: Vec<(PathBuf, K)>,
    /// Partitioned tables with all partitions concatenated, partition column first,
    /// and the row count of each partition (`.Q.pn`).
    pub tables: Vec<(Sym, K, Vec<i64>)>,
}

fn entries(dir: &Path) -> QResult<Vec<String>> {
    let rd = std::fs::read_dir(dir).map_err(|e| super::os_error(dir, &e))?;
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// Load what a directory holds, as `\l dir` does.
pub fn load_dir(root: &Path) -> QResult<Db> {
    let mut db = Db::default();
    let mut parts: Vec<(K, Sym, PathBuf, String)> = Vec::new();
    let mut segments: Vec<PathBuf> = Vec::new();
    for name in entries(root)? {
        // Hidden files and names ending in `$` are not part of the database.
        if name.starts_with('.') || name.ends_with('$') {
            continue;
        }
        let path = root.join(&name);
        if name == "par.txt" {
            let text = std::fs::read_to_string(&path).map_err(|e| super::os_error(&path, &e))?;
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let p = PathBuf::from(line);
                segments.push(if p.is_absolute() { p } else { root.join(p) });
            }
            continue;
        }
        if path.is_dir() {
            if let Some((field, v)) = partition_value(&name) {
                parts.push((v, field, root.to_path_buf(), name));
            } else if is_splay(&path) {
                db.vars.push((Sym::from_text(&name), read_splay(&path)?));
            }
            continue;
        }
        if name.ends_with(".q") || name.ends_with(".k") {
            db.scripts.push(path);
            continue;
        }
        if name.contains('.') {
            continue;
        }
        db.vars.push((Sym::from_text(&name), file::read(&path)?));
    }
    let mut seg_parts: Vec<(PathBuf, Vec<K>)> = Vec::new();
    for seg in &segments {
        let mut here = Vec::new();
        for name in entries(seg)? {
            let path = seg.join(&name);
            if path.is_dir() {
                if let Some((field, v)) = partition_value(&name) {
                    here.push(v.clone());
                    parts.push((v, field, seg.clone(), name));
                }
            }
        }
        seg_parts.push((seg.clone(), here));
    }
    if !parts.is_empty() {
        db.parted = Some(partitioned(parts, seg_parts, root)?);
    }
    Ok(db)
}

/// Sort key of a partition value (all are integers underneath).
fn part_key(v: &K) -> i64 {
    match v {
        K::Atom(a) => match a.v {
            qipc::Scalar::I32(x) => i64::from(x),
            qipc::Scalar::I64(x) => x,
            _ => 0,
        },
        _ => 0,
    }
}

fn partitioned(
    mut parts: Vec<(K, Sym, PathBuf, String)>,
    seg_parts: Vec<(PathBuf, Vec<K>)>,
    root: &Path,
) -> QResult<Parted> {
    let field = parts[0].1;
    if parts.iter().any(|p| p.1 != field) {
        return Err(QError::new("part"));
    }
    parts.sort_by_key(|p| part_key(&p.0));
    // The most recent partition defines the tables and their columns.
    let last = parts.last().map(|p| p.2.join(&p.3)).unwrap_or_default();
    let mut names: Vec<String> = entries(&last)?
        .into_iter()
        .filter(|n| is_splay(&last.join(n)))
        .collect();
    names.sort();
    let values = crate::lang::value::from_items(parts.iter().map(|p| p.0.clone()).collect());
    let mut tables = Vec::new();
    for tn in &names {
        let schema = read_splay(&last.join(tn))?;
        let mut pieces: Vec<K> = Vec::with_capacity(parts.len());
        let mut counts = Vec::with_capacity(parts.len());
        for (v, _, base, pname) in &parts {
            let dir = base.join(pname).join(tn);
            let t = if is_splay(&dir) {
                read_splay(&dir)?
            } else {
                empty_like(&schema)
            };
            counts.push(t.len() as i64);
            pieces.push(with_partition_column(field, v, t)?);
        }
        let mut order = vec![field];
        if let K::Table(s) = &schema {
            order.extend(s.names.iter().copied());
        }
        tables.push((Sym::from_text(tn), concat_tables(&pieces, &order)?, counts));
    }
    let roots = parts.iter().map(|p| p.2.clone()).collect();
    let segments = if seg_parts.is_empty() {
        vec![(root.to_path_buf(), values.clone())]
    } else {
        seg_parts
            .into_iter()
            .map(|(p, mut vs)| {
                vs.sort_by_key(part_key);
                (p, crate::lang::value::from_items(vs))
            })
            .collect()
    };
    Ok(Parted {
        field,
        values,
        roots,
        segments,
        tables,
    })
}

/// A table with the same columns and no rows.
fn empty_like(t: &K) -> K {
    match t {
        K::Table(t) => K::table(
            t.names.as_ref().clone(),
            t.cols.iter().map(|c| slice(c, 0, 0)).collect(),
        ),
        _ => t.clone(),
    }
}

fn slice(c: &K, lo: usize, hi: usize) -> K {
    match c {
        K::Vector(v) => {
            let d = match &v.data {
                Data::U8(x) => Data::U8(Arc::new(x[lo..hi].to_vec())),
                Data::Guid(x) => Data::Guid(Arc::new(x[lo..hi].to_vec())),
                Data::I16(x) => Data::I16(Arc::new(x[lo..hi].to_vec())),
                Data::I32(x) => Data::I32(Arc::new(x[lo..hi].to_vec())),
                Data::I64(x) => Data::I64(Arc::new(x[lo..hi].to_vec())),
                Data::F32(x) => Data::F32(Arc::new(x[lo..hi].to_vec())),
                Data::F64(x) => Data::F64(Arc::new(x[lo..hi].to_vec())),
                Data::Sym(x) => Data::Sym(Arc::new(x[lo..hi].to_vec())),
            };
            K::Vector(Vector::new(v.ty, d))
        }
        K::Enum(e) => K::Enum(Enum {
            domain: e.domain,
            attr: Attr::None,
            idx: Arc::new(e.idx[lo..hi].to_vec()),
        }),
        K::List(l) => K::list(l.items[lo..hi].to_vec()),
        _ => c.clone(),
    }
}

/// Prepend the virtual partition column (the partition value on every row).
fn with_partition_column(field: Sym, v: &K, t: K) -> QResult<K> {
    let K::Table(t) = t else {
        return Err(QError::type_());
    };
    let n = t.rows();
    let col = match v {
        K::Atom(a) => {
            let mut d = Data::with_capacity(a.ty.storage(), n);
            for _ in 0..n {
                crate::lang::value::push_scalar(&mut d, a.v);
            }
            K::Vector(Vector::new(a.ty, d))
        }
        _ => return Err(QError::type_()),
    };
    let mut names = vec![field];
    names.extend(t.names.iter().copied());
    let mut cols = vec![col];
    cols.extend(t.cols.iter().cloned());
    Ok(K::table(names, cols))
}

/// Join the partitions of one table column by column, in the order `names` (the latest
/// partition's); types must agree.
fn concat_tables(pieces: &[K], names: &[Sym]) -> QResult<K> {
    let mut cols = Vec::with_capacity(names.len());
    for name in names {
        let mut parts: Vec<&K> = Vec::with_capacity(pieces.len());
        for p in pieces {
            let K::Table(t) = p else {
                return Err(QError::type_());
            };
            parts.push(
                t.col(*name)
                    .ok_or_else(|| QError::new(name.as_str().into_owned()))?,
            );
        }
        cols.push(concat_columns(&parts)?);
    }
    Ok(K::table(names.to_vec(), cols))
}

fn concat_columns(parts: &[&K]) -> QResult<K> {
    macro_rules! join {
        ($v:ident, $ty:expr) => {{
            let mut out = Vec::new();
            for p in parts {
                match p {
                    K::Vector(Vector {
                        data: Data::$v(x),
                        ty,
                        ..
                    }) if *ty == $ty => out.extend_from_slice(x),
                    _ => return Err(QError::type_()),
                }
            }
            Data::$v(Arc::new(out))
        }};
    }
    match parts.first() {
        None => Ok(K::list(vec![])),
        Some(K::Vector(v)) => {
            let ty = v.ty;
            let d = match &v.data {
                Data::U8(_) => join!(U8, ty),
                Data::Guid(_) => join!(Guid, ty),
                Data::I16(_) => join!(I16, ty),
                Data::I32(_) => join!(I32, ty),
                Data::I64(_) => join!(I64, ty),
                Data::F32(_) => join!(F32, ty),
                Data::F64(_) => join!(F64, ty),
                Data::Sym(_) => join!(Sym, ty),
            };
            Ok(K::Vector(Vector::new(ty, d)))
        }
        Some(K::Enum(e)) => {
            let mut idx = Vec::new();
            for p in parts {
                match p {
                    K::Enum(f) if f.domain == e.domain => idx.extend_from_slice(&f.idx),
                    _ => return Err(QError::type_()),
                }
            }
            Ok(K::Enum(Enum {
                domain: e.domain,
                attr: Attr::None,
                idx: Arc::new(idx),
            }))
        }
        Some(_) => {
            let mut items = Vec::new();
            for p in parts {
                items.extend(crate::lang::value::items(p));
            }
            Ok(K::list(items))
        }
    }
}

/// Days since 2000.01.01 of a civil date (for tests and partition names).
pub fn date(y: i64, m: i64, d: i64) -> i32 {
    days_from_civil(y, m, d) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names() {
        assert_eq!(
            partition_value("2024.01.29").map(|p| p.1),
            Some(K::i32_of(Ty::Date, date(2024, 1, 29)))
        );
        assert_eq!(
            partition_value("2024.02").map(|p| p.1),
            Some(K::i32_of(Ty::Month, 289))
        );
        assert_eq!(
            partition_value("2024").map(|p| p.0.as_str().into_owned()),
            Some("year".into())
        );
        assert_eq!(partition_value("12345").map(|p| p.1), Some(K::long(12345)));
        assert!(partition_value("trade").is_none());
        assert!(partition_value("2024.13").is_none());
    }
}
