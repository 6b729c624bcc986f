//! File I/O keywords: `hsym`, `get`/`set` on file symbols (data files and splayed
//! tables), `key` of a directory, `hcount`, `hdel`, `read0`, `read1`, File Text `0:`
//! (prepare, save, load CSV, load fixed, key-value pairs), File Binary `1:` (read records,
//! write bytes), `save`/`load`/`rsave`/`rload`, and `\l` of a directory (a database).
//!
//! Byte layouts belong to `crate::store`; this module turns q arguments into paths and
//! values and back. A file symbol is `` `:path ``; paths are relative to the process's
//! current directory, as in q.

use super::dotq::{self, set};
use super::error::{QError, QResult};
use super::eval::{EvalResult, Interp};
use super::prims::cast;
use super::value::{from_items, general, items};
use crate::store::{self, file, splay, zip};
use qipc::{Atom, Attr, Data, Scalar, Sym, Table, Ty, Vector, K};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn install(it: &mut Interp) {
    let reg = super::builtins::register;
    reg(it, "hsym", 1, 1, |_, a| Ok(hsym(&a[0])?));
    reg(it, "set", 2, 2, set_kw);
    reg(it, "key", 1, 1, |it, a| match file_arg(&a[0]) {
        Some(s) => Ok(key_path(s)?),
        // A name: the keys of the namespace or dictionary it holds.
        None if a[0].is_atom() && a[0].as_sym().is_some() => {
            let s = a[0].as_sym().unwrap_or(Sym::NULL);
            let v = it
                .get_global(s, Sym::NULL)
                .ok_or_else(|| QError::new(s.as_str().into_owned()))?;
            Ok(super::prims::list::key(&v)?)
        }
        None => {
            let x = it.resolve_enums(a[0].clone());
            let x = if matches!(a[0], K::Enum(_) | K::EnumAtom(..)) {
                a[0].clone()
            } else {
                x
            };
            Ok(super::prims::list::key(&x)?)
        }
    });
    reg(it, "hcount", 1, 1, |_, a| {
        let p = path_arg(&a[0])?;
        Ok(K::long(hcount(&p)?))
    });
    reg(it, "hdel", 1, 1, |_, a| {
        let p = path_arg(&a[0])?;
        let md = std::fs::metadata(&p).map_err(|e| store::os_error(&p, &e))?;
        let r = if md.is_dir() {
            std::fs::remove_dir(&p)
        } else {
            std::fs::remove_file(&p)
        };
        r.map_err(|e| store::os_error(&p, &e))?;
        Ok(a[0].clone())
    });
    reg(it, "read0", 1, 1, |_, a| {
        let b = read_region(&a[0])?;
        Ok(lines(&b))
    });
    reg(it, "read1", 1, 1, |_, a| Ok(K::bytes(read_region(&a[0])?)));
    reg(it, "0:", 2, 2, |it, a| file_text(it, &a[0], &a[1]));
    reg(it, "1:", 2, 2, |it, a| Ok(file_binary(it, &a[0], &a[1])?));
    reg(it, "2:", 2, 2, |_, _| Err(QError::nyi().into()));
    reg(it, "save", 1, 1, |it, a| each_name(it, &a[0], save));
    reg(it, "load", 1, 1, |it, a| each_name(it, &a[0], load_name));
    reg(it, "rsave", 1, 1, |it, a| each_name(it, &a[0], rsave));
    reg(it, "rload", 1, 1, |it, a| each_name(it, &a[0], rload));
    // `csv` is a value, not a function: the comma q's text helpers use.
    it.builtins.insert(Sym::from_text("csv"), K::char(b','));
}

// ---------------------------------------------------------------------------------------
// Paths

/// The file symbol of an argument (`` `:path ``), if it is one.
fn file_arg(x: &K) -> Option<Sym> {
    x.as_sym().filter(|s| s.as_bytes().first() == Some(&b':'))
}

/// The path a file symbol names (`` `:a/b `` is `a/b`; `` `: `` alone is the current
/// directory).
pub fn path_of(s: Sym) -> PathBuf {
    let t = s.as_str();
    let t = t.strip_prefix(':').unwrap_or(&t);
    if t.is_empty() {
        PathBuf::from(".")
    } else {
        PathBuf::from(t)
    }
}

/// The path of a file-symbol argument, or `'type`.
fn path_arg(x: &K) -> QResult<PathBuf> {
    match x.as_sym() {
        Some(s) => Ok(path_of(s)),
        None => Err(QError::type_()),
    }
}

/// The file symbol for a path.
pub fn file_sym(p: &Path) -> K {
    K::sym(Sym::from_text(&format!(":{}", p.display())))
}

/// `hsym`: prefix a colon unless there is one.
pub fn hsym(x: &K) -> QResult {
    let one = |s: Sym| {
        if s.as_bytes().first() == Some(&b':') {
            s
        } else {
            let mut b = vec![b':'];
            b.extend_from_slice(s.as_bytes());
            Sym::new(&b)
        }
    };
    match x {
        K::Atom(_) => Ok(K::sym(one(x.as_sym().ok_or_else(QError::type_)?))),
        K::Vector(Vector {
            data: Data::Sym(s),
            attr,
            ..
        }) => Ok(K::syms(s.iter().map(|s| one(*s))).with_attr(*attr)),
        _ => Err(QError::type_()),
    }
}

// ---------------------------------------------------------------------------------------
// File handles

/// Files opened by `hopen`, by handle. Handles are the OS descriptors, so they never
/// collide with connection handles (also descriptors).
fn files() -> &'static std::sync::Mutex<std::collections::HashMap<i64, std::fs::File>> {
    static FILES: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<i64, std::fs::File>>,
    > = std::sync::OnceLock::new();
    FILES.get_or_init(Default::default)
}

/// `hopen` of a file symbol (`` `:path ``, no host or port): open it for appending,
/// creating it and its directories. `None` when `x` names a connection instead.
pub fn open_file(x: &K) -> QResult<Option<K>> {
    let Some(s) = x.as_sym() else {
        return Ok(None);
    };
    let b = s.as_bytes();
    if b.first() != Some(&b':') || b.len() < 2 || b[1..].contains(&b':') {
        return Ok(None);
    }
    let p = path_of(s);
    if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| store::os_error(dir, &e))?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)
        .map_err(|e| store::os_error(&p, &e))?;
    use std::os::fd::AsRawFd;
    let h = i64::from(f.as_raw_fd());
    files()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(h, f);
    Ok(Some(K::int(h as i32)))
}

/// `hclose` of a file handle; false when `h` is not one.
pub fn close_file(h: i64) -> bool {
    files()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&h)
        .is_some()
}

/// Write to a file handle: `h "text"` appends the text, `neg[h]` strings as lines, and
/// `h x` for any other value appends each item of `x` as a serialized object (a tick log's
/// `l enlist (`upd;t;x)`). `None` when `h` is not a file handle.
pub fn write_handle(it: &Interp, h: i64, x: &K) -> Option<QResult<K>> {
    use std::io::Write;
    let mut map = files().lock().unwrap_or_else(|e| e.into_inner());
    let f = map.get_mut(&h.abs())?;
    let bytes: QResult<Vec<u8>> = (|| {
        if h < 0 {
            return text_lines(x);
        }
        if let (Some(s), K::Vector(_)) = (x.as_string(), x) {
            return Ok(s.to_vec());
        }
        let mut out = Vec::new();
        let objs = if x.is_atom() {
            vec![x.clone()]
        } else {
            items(x)
        };
        for o in objs {
            let o = resolve_deep(it, &o);
            out.extend_from_slice(&crate::journal::chunk_bytes(&o).map_err(QError::from)?);
        }
        Ok(out)
    })();
    Some(bytes.and_then(|b| {
        f.write_all(&b).map_err(|e| QError::new(e.to_string()))?;
        Ok(K::int(h as i32))
    }))
}

// ---------------------------------------------------------------------------------------
// get, set, key

/// `get` of a file symbol: a data file, or a splayed table for a directory with `.d`.
pub fn get_path(_it: &Interp, s: Sym) -> QResult {
    let p = path_of(s);
    if p.is_dir() {
        if splay::is_splay(&p) {
            return splay::read_splay(&p);
        }
        return Err(QError::type_());
    }
    file::read(&p)
}

/// Replace enumerations by their symbols anywhere inside a value (for serialized files,
/// which hold symbols).
fn resolve_deep(it: &Interp, x: &K) -> K {
    match x {
        K::Enum(_) | K::EnumAtom(..) => it.resolve_enums(x.clone()),
        K::List(l) => K::List(qipc::List {
            attr: l.attr,
            items: Arc::new(l.items.iter().map(|i| resolve_deep(it, i)).collect()),
        }),
        K::Dict(d) => K::Dict(Arc::new(qipc::Dict {
            keys: resolve_deep(it, &d.keys),
            vals: resolve_deep(it, &d.vals),
            sorted: d.sorted,
        })),
        K::Table(t) => K::Table(Arc::new(Table {
            attr: t.attr,
            names: t.names.clone(),
            cols: t.cols.iter().map(|c| resolve_deep(it, c)).collect(),
        })),
        _ => x.clone(),
    }
}

/// `set`: a global by name, or a file / splayed directory by file symbol, optionally
/// compressed: `(file;lbs;alg;lvl) set x`, `(dir;dict) set t`.
fn set_kw(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let (target, y) = (&a[0], &a[1]);
    if let Some(s) = file_arg(target) {
        let zd = dotq::zip_default(it);
        write_target(it, s, y, &|_| zd)?;
        return Ok(target.clone());
    }
    if let Some(s) = target.as_sym() {
        it.set_global(s, it.ns, y.clone());
        return Ok(target.clone());
    }
    let parts = items(target);
    let s = parts.first().and_then(file_arg).ok_or_else(QError::type_)?;
    match &parts[1..] {
        [K::Dict(d)] => {
            let keys: Vec<Sym> = items(&d.keys).iter().filter_map(K::as_sym).collect();
            let vals = items(&d.vals);
            let default = keys
                .iter()
                .position(|k| k.is_null())
                .and_then(|i| dotq::zip_params(&vals[i]))
                .or_else(|| dotq::zip_default(it));
            let per = |c: Sym| -> Option<zip::Params> {
                match keys.iter().position(|k| *k == c && !c.is_null()) {
                    Some(i) => dotq::zip_params(&vals[i]),
                    None => default,
                }
            };
            write_target(it, s, y, &per)?;
        }
        [lbs, alg, lvl] => {
            let p = dotq::zip_params(&K::list(vec![lbs.clone(), alg.clone(), lvl.clone()]));
            write_target(it, s, y, &|_| p)?;
        }
        _ => return Err(QError::type_().into()),
    }
    Ok(parts[0].clone())
}

/// Write `y` to the file or (trailing `/`) splayed directory `s`.
fn write_target(
    it: &Interp,
    s: Sym,
    y: &K,
    zip: &dyn Fn(Sym) -> Option<zip::Params>,
) -> QResult<()> {
    let p = path_of(s);
    if s.as_bytes().ends_with(b"/") {
        let K::Table(t) = y else {
            return Err(QError::type_());
        };
        return splay::write_splay(&p, t, zip);
    }
    let y = match y {
        K::Enum(_) => y.clone(),
        _ => resolve_deep(it, y),
    };
    file::write(&p, &y, zip(Sym::NULL))
}

/// The value of a file (or splayed directory), or the empty list when nothing is there.
pub fn read_or_empty(it: &Interp, s: Sym) -> QResult {
    if path_of(s).exists() {
        get_path(it, s)
    } else {
        Ok(K::list(vec![]))
    }
}

/// Write a value to a file symbol as `set` does (with `.z.zd` compression).
pub fn write_file(it: &Interp, s: Sym, x: &K) -> QResult<()> {
    let zd = dotq::zip_default(it);
    write_target(it, s, x, &|_| zd)
}

/// `` `:file upsert x `` and `` `:dir/t/ upsert t ``: rows added to the table on disk (a
/// splayed table's symbol columns must already be enumerated).
pub fn upsert_file(it: &Interp, s: Sym, x: &K) -> QResult {
    let p = path_of(s);
    let splayed = s.as_bytes().ends_with(b"/") || splay::is_splay(&p);
    if !p.exists() {
        let name = if splayed && !s.as_bytes().ends_with(b"/") {
            Sym::from_text(&format!("{}/", s.as_str()))
        } else {
            s
        };
        write_file(it, name, x)?;
        return Ok(K::sym(s));
    }
    let cur = get_path(it, s)?;
    let joined = super::prims::table::upsert_rows(&cur, x)?;
    let target = if splayed && !s.as_bytes().ends_with(b"/") {
        Sym::from_text(&format!("{}/", s.as_str()))
    } else {
        s
    };
    write_file(it, target, &joined)?;
    Ok(K::sym(s))
}

/// `key` of a file symbol: a directory's sorted names, the symbol itself for a file, or
/// an empty list when nothing is there.
fn key_path(s: Sym) -> QResult {
    let p = path_of(s);
    match std::fs::metadata(&p) {
        Ok(md) if md.is_dir() => {
            let rd = std::fs::read_dir(&p).map_err(|e| store::os_error(&p, &e))?;
            let mut names: Vec<Sym> = rd
                .filter_map(|e| e.ok())
                .map(|e| Sym::from_text(&e.file_name().to_string_lossy()))
                .collect();
            names.sort();
            Ok(K::syms(names).with_attr(Attr::Sorted))
        }
        Ok(_) => Ok(K::sym(s)),
        Err(_) => Ok(K::list(vec![])),
    }
}

/// `hcount`: a file's size (the original size of a compressed file).
fn hcount(p: &Path) -> QResult<i64> {
    let md = std::fs::metadata(p).map_err(|e| store::os_error(p, &e))?;
    let mut head = [0u8; 8];
    if md.len() >= 48 {
        use std::io::Read;
        let mut f = std::fs::File::open(p).map_err(|e| store::os_error(p, &e))?;
        if f.read_exact(&mut head).is_ok() && zip::is_zipped(&head) {
            let b = store::read_bytes(p)?;
            return Ok(zip::stats(&b)?.uncompressed as i64);
        }
    }
    Ok(md.len() as i64)
}

/// `-21!file`: compression statistics of a compressed file, an empty dictionary for an
/// uncompressed one.
pub fn compression_stats(x: &K) -> QResult {
    let p = path_arg(x)?;
    let b = store::read_bytes(&p)?;
    if !zip::is_zipped(&b) {
        return Ok(K::dict(K::syms(Vec::<Sym>::new()), general(vec![])));
    }
    let s = zip::stats(&b)?;
    let names = [
        "compressedLength",
        "uncompressedLength",
        "algorithm",
        "logicalBlockSize",
        "zipLevel",
    ];
    let vals = vec![
        K::long(s.compressed as i64),
        K::long(s.uncompressed as i64),
        K::int(i32::from(s.alg)),
        K::int(i32::from(s.lbs)),
        K::int(i32::from(s.level)),
    ];
    Ok(K::dict(K::syms(names), general(vals)))
}

/// The bytes `read0`/`read1` read: a whole file, `(file;offset)` or `(file;offset;length)`.
fn read_region(x: &K) -> QResult<Vec<u8>> {
    if let Some(s) = x.as_sym() {
        return store::read_bytes(&path_of(s));
    }
    if x.is_atom() {
        return Err(QError::nyi());
    }
    let parts = items(x);
    let s = parts
        .first()
        .and_then(K::as_sym)
        .ok_or_else(QError::type_)?;
    let b = store::read_bytes(&path_of(s))?;
    let off = parts.get(1).and_then(K::as_i64).ok_or_else(QError::type_)?;
    let off = usize::try_from(off)
        .map_err(|_| QError::domain())?
        .min(b.len());
    let end = match parts.get(2) {
        Some(n) => {
            let n = usize::try_from(n.as_i64().ok_or_else(QError::type_)?)
                .map_err(|_| QError::domain())?;
            off.saturating_add(n).min(b.len())
        }
        None => b.len(),
    };
    Ok(b[off..end].to_vec())
}

/// Text as lines (LF or CRLF removed; no empty line for a final newline).
pub fn lines(b: &[u8]) -> K {
    let mut out = Vec::new();
    let mut rest = b;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&c| c == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        out.push(K::string(line.to_vec()));
        rest = next;
    }
    general(out)
}

// ---------------------------------------------------------------------------------------
// save, load

fn each_name(it: &mut Interp, x: &K, f: fn(&mut Interp, Sym) -> QResult) -> EvalResult {
    match x {
        K::Vector(Vector {
            data: Data::Sym(s), ..
        }) => {
            let mut out = Vec::with_capacity(s.len());
            for n in s.iter() {
                out.push(f(it, *n)?);
            }
            Ok(from_items(out))
        }
        _ => Ok(f(it, x.as_sym().ok_or_else(QError::type_)?)?),
    }
}

/// Split `[path/]name[.ext]` into the path, the global's name and the extension.
fn split_name(s: Sym) -> (PathBuf, Sym, String) {
    let p = path_of(s);
    let file = p
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (name, ext) = match file.rsplit_once('.') {
        Some((n, e)) if !n.is_empty() => (n.to_string(), e.to_string()),
        _ => (file.clone(), String::new()),
    };
    (p, Sym::from_text(&name), ext)
}

/// `save`: write global `v` to `[path/]v[.ext]`: binary, or csv/txt/xml/xls/json text.
fn save(it: &mut Interp, s: Sym) -> QResult {
    let (p, name, ext) = split_name(s);
    let v = it
        .get_global(name, Sym::NULL)
        .ok_or_else(|| QError::new(name.as_str().into_owned()))?;
    if ext.is_empty() {
        let v = resolve_deep(it, &v);
        file::write(&p, &v, dotq::zip_default(it))?;
        return Ok(file_sym(&p));
    }
    let text = super::doth::format_as(it, &ext, &v)?;
    let mut out = Vec::new();
    for l in items(&text) {
        out.extend_from_slice(l.as_string().ok_or_else(QError::type_)?);
        out.push(b'\n');
    }
    store::write_bytes(&p, &out)?;
    Ok(file_sym(&p))
}

/// `load`: read data file (or directory, as a dictionary) `[path/]v` into global `v`.
fn load_name(it: &mut Interp, s: Sym) -> QResult {
    let (p, name, _) = split_name(s);
    let v = if p.is_dir() && !splay::is_splay(&p) {
        load_dict(&p)?
    } else {
        get_path(it, file_sym(&p).as_sym().unwrap_or(s))?
    };
    it.globals.insert(name, v);
    Ok(K::sym(name))
}

/// A directory as a dictionary of what it holds.
fn load_dict(dir: &Path) -> QResult {
    let rd = std::fs::read_dir(dir).map_err(|e| store::os_error(dir, &e))?;
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut keys = Vec::new();
    let mut vals = Vec::new();
    for n in names.iter().filter(|n| !n.starts_with('.')) {
        let p = dir.join(n);
        let v = if p.is_dir() {
            if splay::is_splay(&p) {
                splay::read_splay(&p)?
            } else {
                load_dict(&p)?
            }
        } else {
            file::read(&p)?
        };
        keys.push(Sym::from_text(n));
        vals.push(v);
    }
    Ok(K::dict(K::syms(keys), general(vals)))
}

/// `rsave`: splay table `t` to directory `t/`.
fn rsave(it: &mut Interp, s: Sym) -> QResult {
    let (p, name, _) = split_name(s);
    let v = it
        .get_global(name, Sym::NULL)
        .ok_or_else(|| QError::new(name.as_str().into_owned()))?;
    let K::Table(t) = &v else {
        return Err(QError::type_());
    };
    let zd = dotq::zip_default(it);
    splay::write_splay(&p, t, &|_| zd)?;
    Ok(K::sym(Sym::from_text(&format!(":{}/", p.display()))))
}

/// `rload`: read splayed directory `t/` into global `t`.
fn rload(it: &mut Interp, s: Sym) -> QResult {
    let (p, name, _) = split_name(s);
    let t = splay::read_splay(&p)?;
    it.globals.insert(name, t);
    Ok(K::sym(name))
}

// ---------------------------------------------------------------------------------------
// \l of a directory

/// `\l path`: a directory is a database (see [`load_db`]); `.` reloads the current one;
/// a kdb+ data file becomes the global named after it; anything else is a script.
pub fn load(it: &mut Interp, arg: &str) -> QResult<()> {
    let p = PathBuf::from(arg);
    if p.is_dir() {
        let reload = arg == ".";
        return load_db(it, &p, !reload, !reload);
    }
    let text = std::fs::read(&p).map_err(|_| QError::new(arg.to_string()))?;
    let is_script = arg.ends_with(".q") || arg.ends_with(".k");
    let magic = [&b"\xff\x01"[..], b"\xfe\x20", b"\xfd\x20", zip::MAGIC];
    if !is_script && magic.iter().any(|m| text.starts_with(m)) {
        let name = p
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let v = file::decode(&zip::unwrap(text)?, &p)?;
        it.globals.insert(Sym::from_text(&name), v);
        return Ok(());
    }
    super::console::load_script(it, &String::from_utf8_lossy(&text))
}

/// Load a database directory: its data files and splayed tables become globals, a
/// partitioned layout becomes one table per name (partition column first) with the `.Q`
/// partition state set, and (when `scripts`) its q scripts run. With `cd` the process
/// moves into the directory, as q's `\l dir` does.
pub fn load_db(it: &mut Interp, dir: &Path, cd: bool, scripts: bool) -> QResult<()> {
    let db = splay::load_dir(dir)?;
    for (n, v) in db.vars {
        it.globals.insert(n, v);
    }
    if let Some(p) = db.parted {
        let pt: Vec<Sym> = p.tables.iter().map(|t| t.0).collect();
        let counts: Vec<K> = p.tables.iter().map(|t| K::longs(t.2.clone())).collect();
        for (n, t, _) in p.tables {
            it.globals.insert(n, t);
        }
        let here = |r: &PathBuf| -> K {
            if r.as_path() == dir {
                K::sym(Sym::from_text(":."))
            } else {
                file_sym(r)
            }
        };
        let pd = from_items(p.roots.iter().map(here).collect());
        set(it, ".Q.pf", K::sym(p.field));
        set(it, ".Q.pt", K::syms(pt.clone()));
        set(it, ".Q.pv", p.values.clone());
        set(it, ".Q.PV", p.values.clone());
        set(it, ".Q.pd", pd.clone());
        set(it, ".Q.PD", pd);
        set(it, ".Q.pn", K::dict(K::syms(pt), general(counts)));
        set(
            it,
            ".Q.P",
            from_items(p.segments.iter().map(|s| here(&s.0)).collect()),
        );
        set(
            it,
            ".Q.D",
            general(p.segments.iter().map(|s| s.1.clone()).collect()),
        );
        set(it, ".Q.u", K::bool(true));
        it.globals.insert(p.field, p.values);
    }
    if cd {
        std::env::set_current_dir(dir).map_err(|e| store::os_error(dir, &e))?;
    }
    if scripts {
        for s in db.scripts {
            let s = if cd {
                PathBuf::from(s.file_name().unwrap_or_default())
            } else {
                s
            };
            let text = std::fs::read(&s).map_err(|e| store::os_error(&s, &e))?;
            super::console::load_script(it, &String::from_utf8_lossy(&text))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 0: File Text

/// The bytes of text lines: a string is one line, a list of strings one line each, every
/// line ended by a newline.
fn text_lines(x: &K) -> QResult<Vec<u8>> {
    let lines = if x.as_string().is_some() && matches!(x, K::Vector(_)) {
        vec![x.clone()]
    } else {
        items(x)
    };
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.as_string().ok_or_else(QError::type_)?);
        out.push(b'\n');
    }
    Ok(out)
}

/// The field widths of a fixed-width format: non-negative integers, `'type` otherwise.
fn field_widths(w: &K) -> QResult<Vec<usize>> {
    items(w)
        .iter()
        .map(|i| {
            i.as_i64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(QError::type_)
        })
        .collect()
}

fn file_text(it: &mut Interp, x: &K, y: &K) -> EvalResult {
    if let Some(s) = file_arg(x) {
        let p = path_of(s);
        store::write_bytes(&p, &text_lines(y)?)?;
        return Ok(x.clone());
    }
    match x {
        K::Atom(a) if a.ty == Ty::Char => {
            let Scalar::U8(d) = a.v else {
                return Err(QError::type_().into());
            };
            Ok(prepare_text(it, d, y)?)
        }
        K::Vector(Vector { ty: Ty::Char, .. }) => Ok(key_value(x.as_string().unwrap_or(b""), y)?),
        K::List(l) if l.items.len() == 2 || l.items.len() == 3 => {
            let types = l.items[0].as_string().ok_or_else(QError::type_)?.to_vec();
            match &l.items[1] {
                K::Atom(a) if a.ty == Ty::Char => {
                    let d = a.v;
                    let Scalar::U8(d) = d else {
                        return Err(QError::type_().into());
                    };
                    let flag = l.items.get(2).and_then(K::as_i64).unwrap_or(0) != 0;
                    Ok(load_csv(&types, d, false, flag, y)?)
                }
                K::Vector(Vector {
                    ty: Ty::Char,
                    data: Data::U8(d),
                    ..
                }) if d.len() == 1 => {
                    let flag = l.items.get(2).and_then(K::as_i64).unwrap_or(0) != 0;
                    Ok(load_csv(&types, d[0], true, flag, y)?)
                }
                w => Ok(load_fixed(&types, &field_widths(w)?, y)?),
            }
        }
        _ => Err(QError::type_().into()),
    }
}

/// Temporal text in ISO 8601 form: `2022-03-14`, `2022-03-14T16:12:57.427499000`.
fn iso_in_place(ty: Ty, b: &mut [u8]) {
    match ty {
        Ty::Date | Ty::Month => b.iter_mut().filter(|c| **c == b'.').for_each(|c| *c = b'-'),
        Ty::Timestamp | Ty::Datetime => {
            for (i, c) in b.iter_mut().enumerate().take(11) {
                if i < 10 && *c == b'.' {
                    *c = b'-';
                } else if i == 10 && *c == b'D' {
                    *c = b'T';
                }
            }
        }
        _ => {}
    }
}

/// One column of text cells for delimited output: q's `string` of each item (one call for
/// the whole vector), temporals in ISO 8601 form, nulls empty; a list of strings as is.
fn column_cells(it: &Interp, c: &K) -> QResult<Vec<Vec<u8>>> {
    let c = it.resolve_enums(c.clone());
    match &c {
        K::Vector(v) => {
            let texts = cast::string_p(&c, it.opts.precision)?;
            let mut out: Vec<Vec<u8>> = match &texts {
                K::List(l) => l
                    .items
                    .iter()
                    .map(|s| s.as_string().unwrap_or(b"").to_vec())
                    .collect(),
                _ => vec![texts.as_string().unwrap_or(b"").to_vec()],
            };
            if out.len() != v.len() {
                return Err(QError::length());
            }
            // `string` already gives "" for nulls.
            if v.ty.is_temporal() {
                out.iter_mut().for_each(|cell| iso_in_place(v.ty, cell));
            }
            Ok(out)
        }
        K::List(l) => l
            .items
            .iter()
            .map(|i| match i {
                K::Vector(Vector {
                    ty: Ty::Char,
                    data: Data::U8(s),
                    ..
                }) => Ok(s.as_ref().clone()),
                K::Atom(Atom {
                    ty: Ty::Char,
                    v: Scalar::U8(ch),
                }) => Ok(vec![*ch]),
                _ => Err(QError::type_()),
            })
            .collect(),
        _ => Err(QError::type_()),
    }
}

/// Quote a cell holding the delimiter, a quote or a newline, doubling inner quotes.
fn quote_cell(cell: &[u8], d: u8, out: &mut Vec<u8>) {
    if cell.contains(&d) || cell.contains(&b'\n') {
        out.push(b'"');
        for &c in cell {
            if c == b'"' {
                out.push(b'"');
            }
            out.push(c);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(cell);
    }
}

/// Prepare Text: a table (with a header line) or a list of columns as delimited lines.
pub fn prepare_text(it: &Interp, d: u8, y: &K) -> QResult {
    let (header, cols): (Option<Vec<Sym>>, Vec<K>) = match y {
        K::Table(t) => (Some(t.names.as_ref().clone()), t.cols.clone()),
        K::Dict(dd) if super::value::is_keyed(dd) => match super::prims::list::unkey(y)? {
            K::Table(t) => (Some(t.names.as_ref().clone()), t.cols.clone()),
            _ => return Err(QError::type_()),
        },
        K::List(l) => (None, l.items.as_ref().clone()),
        _ => return Err(QError::type_()),
    };
    let cells: Vec<Vec<Vec<u8>>> = cols
        .iter()
        .map(|c| column_cells(it, c))
        .collect::<QResult<_>>()?;
    let rows = cells.first().map_or(0, Vec::len);
    if cells.iter().any(|c| c.len() != rows) {
        return Err(QError::length());
    }
    let mut out = Vec::with_capacity(rows + 1);
    if let Some(h) = header {
        let mut line = Vec::new();
        for (i, n) in h.iter().enumerate() {
            if i > 0 {
                line.push(d);
            }
            quote_cell(n.as_bytes(), d, &mut line);
        }
        out.push(K::string(line));
    }
    for r in 0..rows {
        let mut line = Vec::new();
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                line.push(d);
            }
            quote_cell(&c[r], d, &mut line);
        }
        out.push(K::string(line));
    }
    Ok(general(out))
}

/// The text a load reads: a string, a list of strings (lines), a file, or a region of one.
enum Source {
    /// One record (a string argument).
    Record(Vec<u8>),
    Lines(Vec<K>),
    /// Raw file bytes (records split by the caller).
    Bytes(Vec<u8>),
}

fn source(y: &K) -> QResult<Source> {
    if let Some(s) = y.as_string() {
        if matches!(y, K::Vector(_)) {
            return Ok(Source::Record(s.to_vec()));
        }
    }
    if file_arg(y).is_some()
        || (matches!(y, K::List(_)) && items(y).first().and_then(file_arg).is_some())
    {
        return Ok(Source::Bytes(read_region(y)?));
    }
    let ls = items(y);
    if ls.iter().any(|l| l.as_string().is_none()) {
        return Err(QError::type_());
    }
    Ok(Source::Lines(ls))
}

/// The records of a source as slices: lines (LF or CRLF), keeping newlines inside quotes
/// when `embedded`.
fn records(src: &Source, embedded: bool) -> Vec<&[u8]> {
    let b: &[u8] = match src {
        Source::Record(r) => return vec![r.as_slice()],
        Source::Lines(ls) => return ls.iter().map(|l| l.as_string().unwrap_or(b"")).collect(),
        Source::Bytes(b) => b,
    };
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, &c) in b.iter().enumerate() {
        if c == b'"' && embedded {
            quoted = !quoted;
        } else if c == b'\n' && !quoted {
            let r = &b[start..i];
            out.push(r.strip_suffix(b"\r").unwrap_or(r));
            start = i + 1;
        }
    }
    if start < b.len() {
        out.push(&b[start..]);
    }
    out
}

/// Split one record at the delimiter; a field starting with `"` runs to its closing quote
/// (`""` inside is one quote). Unquoted fields borrow from the record.
fn fields<'a>(rec: &'a [u8], d: u8, out: &mut Vec<Cow<'a, [u8]>>) {
    out.clear();
    let mut i = 0;
    loop {
        if rec.get(i) == Some(&b'"') {
            let mut f = Vec::new();
            i += 1;
            while i < rec.len() {
                if rec[i] == b'"' {
                    if rec.get(i + 1) == Some(&b'"') {
                        f.push(b'"');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                f.push(rec[i]);
                i += 1;
            }
            while i < rec.len() && rec[i] != d {
                f.push(rec[i]);
                i += 1;
            }
            out.push(Cow::Owned(f));
        } else {
            let start = i;
            while i < rec.len() && rec[i] != d {
                i += 1;
            }
            out.push(Cow::Borrowed(&rec[start..i]));
        }
        if i >= rec.len() {
            break;
        }
        i += 1;
    }
}

/// Parse a column of field texts with an upper-case type letter (`*` keeps strings).
fn parse_column(t: u8, cells: &[Cow<[u8]>]) -> QResult {
    if t == b'*' {
        return Ok(general(
            cells.iter().map(|c| K::string(c.to_vec())).collect(),
        ));
    }
    let ty = Ty::from_char(t.to_ascii_lowercase())
        .ok_or_else(|| QError::new(format!("{}", t as char)))?;
    let refs: Vec<&[u8]> = cells.iter().map(|c| c.as_ref()).collect();
    Ok(cast::tok_fields(ty, &refs))
}

/// Load CSV: `(types;delim)0:y`; an enlisted delimiter takes column names from the first
/// record and gives a table. One string is one record: its fields come back as atoms.
fn load_csv(types: &[u8], d: u8, header: bool, embedded: bool, y: &K) -> QResult {
    let src = source(y)?;
    let single = matches!(src, Source::Record(_)) && !header;
    let recs = records(&src, embedded);
    let mut recs = recs.into_iter();
    let mut buf = Vec::new();
    let names: Option<Vec<Vec<u8>>> = if header {
        if let Some(r) = recs.next() {
            fields(r, d, &mut buf);
        }
        Some(buf.iter().map(|f| f.to_vec()).collect())
    } else {
        None
    };
    let mut cols: Vec<Vec<Cow<[u8]>>> = vec![Vec::new(); types.len()];
    for r in recs {
        fields(r, d, &mut buf);
        for (i, col) in cols.iter_mut().enumerate() {
            if types[i] != b' ' {
                col.push(buf.get(i).cloned().unwrap_or(Cow::Borrowed(&[])));
            }
        }
    }
    let mut out_names = Vec::new();
    let mut out = Vec::new();
    for (i, (t, cells)) in types.iter().zip(cols).enumerate() {
        if *t == b' ' {
            continue;
        }
        let c = parse_column(*t, &cells)?;
        out.push(if single {
            items(&c).into_iter().next().unwrap_or(K::NULL)
        } else {
            c
        });
        if let Some(n) = &names {
            out_names.push(Sym::new(n.get(i).map_or(&b""[..], |v| v.as_slice())));
        }
    }
    if names.is_some() {
        let rows = out.first().map_or(0, K::len);
        if out.iter().any(|c| c.len() != rows) {
            return Err(QError::length());
        }
        return Ok(K::table(out_names, out));
    }
    Ok(general(out))
}

/// Load Fixed: `(types;widths)0:y` — each record cut into fields of the given widths.
fn load_fixed(types: &[u8], widths: &[usize], y: &K) -> QResult {
    if types.len() != widths.len() {
        return Err(QError::length());
    }
    let width: usize = widths.iter().sum();
    let src = source(y)?;
    let recs: Vec<&[u8]> = match &src {
        Source::Bytes(b) if !b.contains(&b'\n') => b.chunks(width.max(1)).collect(),
        _ => records(&src, false),
    };
    let mut out = Vec::new();
    let mut at = 0;
    for (t, w) in types.iter().zip(widths) {
        if *t != b' ' {
            let cells: Vec<Cow<[u8]>> = recs
                .iter()
                .map(|r| Cow::Borrowed(&r[at.min(r.len())..(at + w).min(r.len())]))
                .collect();
            out.push(parse_column(*t, &cells)?);
        }
        at += w;
    }
    Ok(general(out))
}

/// Key-value pairs: `"S=;"0:"a=1;b=2"` gives `(keys;values)`; a `*` third character lets
/// quoted values hold the record separator.
fn key_value(spec: &[u8], y: &K) -> QResult {
    let (kt, fs, quoted, rs) = match spec {
        [k, f, r] => (*k, *f, false, *r),
        [k, f, b'*', r] => (*k, *f, true, *r),
        _ => return Err(QError::length()),
    };
    let text = y.as_string().ok_or_else(QError::type_)?;
    let mut recs: Vec<Vec<u8>> = Vec::new();
    let mut cur = Vec::new();
    let mut inq = false;
    for &c in text {
        if quoted && c == b'"' {
            inq = !inq;
            cur.push(c);
        } else if c == rs && !inq {
            recs.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        recs.push(cur);
    }
    let mut keys = Vec::new();
    let mut vals = Vec::new();
    for r in recs {
        let (k, v) = match r.iter().position(|&c| c == fs) {
            Some(i) => (r[..i].to_vec(), r[i + 1..].to_vec()),
            None => (r.clone(), Vec::new()),
        };
        let v = if quoted && v.len() >= 2 && v.first() == Some(&b'"') && v.last() == Some(&b'"') {
            v[1..v.len() - 1].to_vec()
        } else {
            v
        };
        keys.push(k);
        vals.push(K::string(v));
    }
    let keys: Vec<Cow<[u8]>> = keys.into_iter().map(Cow::Owned).collect();
    let keys = parse_column(kt, &keys)?;
    Ok(K::list(vec![keys, general(vals)]))
}

// ---------------------------------------------------------------------------------------
// 1: File Binary

fn file_binary(it: &Interp, x: &K, y: &K) -> QResult {
    if let Some(s) = file_arg(x) {
        write_binary(it, &path_of(s), y, None)?;
        return Ok(x.clone());
    }
    let parts = items(x);
    if let (Some(s), [lbs, alg, lvl]) = (
        parts.first().and_then(file_arg),
        parts.get(1..).unwrap_or(&[]),
    ) {
        let p = dotq::zip_params(&K::list(vec![lbs.clone(), alg.clone(), lvl.clone()]));
        write_binary(it, &path_of(s), y, p)?;
        return Ok(parts[0].clone());
    }
    let [a, b] = parts.as_slice() else {
        return Err(QError::type_());
    };
    let (types, widths, little) = match (a.as_string(), b.as_string()) {
        (Some(t), None) => (t.to_vec(), b, true),
        (None, Some(t)) => (t.to_vec(), a, false),
        _ => return Err(QError::type_()),
    };
    let widths = field_widths(widths)?;
    let bytes = match y {
        K::Vector(Vector {
            ty: Ty::Byte | Ty::Char,
            data: Data::U8(b),
            ..
        }) => b.as_ref().clone(),
        _ => read_region(y)?,
    };
    read_binary(&types, &widths, little, &bytes)
}

/// Save Binary: the raw bytes of a simple value; other values as `set` would lay them out.
fn write_binary(it: &Interp, p: &Path, y: &K, params: Option<zip::Params>) -> QResult<()> {
    let raw = match y {
        K::Vector(v) if v.ty != Ty::Sym => Some(file::data_to_le(&v.data)),
        K::Atom(a) if a.ty != Ty::Sym => {
            let mut d = Data::with_capacity(a.ty.storage(), 1);
            super::value::push_scalar(&mut d, a.v);
            Some(file::data_to_le(&d))
        }
        _ => None,
    };
    match raw {
        Some(b) => {
            let b = match params {
                Some(z) => zip::deflate(&b, z)?,
                None => b,
            };
            store::write_bytes(p, &b)
        }
        None => file::write(p, &resolve_deep(it, y), params),
    }
}

/// Read Binary: fixed-width records; one column per type letter (blank skips, `*` keeps
/// the characters).
fn read_binary(types: &[u8], widths: &[usize], little: bool, b: &[u8]) -> QResult {
    if types.len() != widths.len() {
        return Err(QError::length());
    }
    let rec: usize = widths.iter().sum();
    if rec == 0 {
        return Err(QError::length());
    }
    let n = b.len() / rec;
    let mut out = Vec::new();
    let mut at = 0;
    for (&t, &w) in types.iter().zip(widths) {
        let field = |r: usize| -> Vec<u8> {
            let s = &b[r * rec + at..r * rec + at + w];
            if little {
                s.to_vec()
            } else {
                s.iter().rev().copied().collect()
            }
        };
        match t {
            b' ' => {}
            b'*' => {
                let mut chars = Vec::with_capacity(n * w);
                for r in 0..n {
                    chars.extend_from_slice(&b[r * rec + at..r * rec + at + w]);
                }
                out.push(K::string(chars));
            }
            b's' => {
                let syms = (0..n).map(|r| {
                    let s = &b[r * rec + at..r * rec + at + w];
                    let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
                    Sym::new(&s[..end])
                });
                out.push(K::syms(syms.collect::<Vec<_>>()));
            }
            _ => {
                let ty = Ty::from_char(t).ok_or_else(|| QError::new(format!("{}", t as char)))?;
                if ty.width() != w {
                    return Err(QError::length());
                }
                let mut le = Vec::with_capacity(n * w);
                for r in 0..n {
                    le.extend(field(r));
                }
                out.push(K::Vector(Vector::new(ty, file::data_from_le(ty, &le, n))));
            }
        }
        at += w;
    }
    Ok(general(out))
}

#[cfg(test)]
mod tests;
