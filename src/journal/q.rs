//! The journal as q sees it: `-11!` (streaming execute, every form) and the log
//! streamer's `.u.stream[log;start;end]` from the RDB autoscaling design.
//!
//! Each replayed chunk is handed to `.z.ps` when it is defined, else evaluated the way a
//! message is (`value`: the first item, a function or its name, applied to the rest).

use super::read::{Chunks, Extent, Next};
use crate::lang::builtins::{BFn, Builtin};
use crate::lang::eval::{Ctl, EvalResult, Interp};
use crate::lang::QError;
use qipc::{Func, Sym, Ty, K};
use std::path::PathBuf;
use std::sync::Arc;

/// `-11!x`, `-11!(-1;x)`, `-11!(-2;x)`, `-11!(n;x)`.
pub fn streaming_execute(it: &mut Interp, x: &K) -> EvalResult {
    let (n, path) = match x {
        K::Atom(_) => (-1, file_path(x)?),
        K::List(l) if l.items.len() == 2 => {
            let n = match &l.items[0] {
                K::Atom(a) if matches!(a.ty, Ty::Short | Ty::Int | Ty::Long) => {
                    l.items[0].as_i64().ok_or_else(QError::type_)?
                }
                _ => return Err(QError::type_().into()),
            };
            (n, file_path(&l.items[1])?)
        }
        K::List(_) => return Err(QError::length().into()),
        _ => return Err(QError::type_().into()),
    };
    match n {
        -2 => {
            let x = super::count_valid(&path).map_err(|e| os_error(&path, &e))?;
            Ok(count_answer(&x))
        }
        -1 => replay_into(it, &path, i64::MAX),
        n if n >= 0 => replay_into(it, &path, n),
        _ => Err(QError::domain().into()),
    }
}

/// q's `-11!(-2;x)` answer: the count for a clean log, `(count;valid bytes)` otherwise
/// (a general list: q's console shows the two numbers on separate lines).
pub fn count_answer(x: &Extent) -> K {
    if x.is_clean() {
        K::long(x.chunks)
    } else {
        K::list(vec![K::long(x.chunks), K::long(x.valid_bytes as i64)])
    }
}

/// The path of a file symbol (`` `:path ``).
fn file_path(x: &K) -> Result<PathBuf, Ctl> {
    match x.as_sym() {
        Some(s) if s.as_bytes().first() == Some(&b':') => Ok(PathBuf::from(
            String::from_utf8_lossy(&s.as_bytes()[1..]).into_owned(),
        )),
        _ => Err(QError::type_().into()),
    }
}

/// A file error as q words it: `'path. OS reports: No such file or directory`.
fn os_error(path: &std::path::Path, e: &std::io::Error) -> QError {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => &text,
    };
    QError::new(format!("{}. OS reports: {}", path.display(), text))
}

/// Evaluate the first `n` chunks; the count evaluated, or the first error (a chunk's
/// error, or `'badtail` when the valid part ends first).
fn replay_into(it: &mut Interp, path: &std::path::Path, n: i64) -> EvalResult {
    let mut c = Chunks::open(path).map_err(|e| os_error(path, &e))?;
    while c.count() < n {
        match c.next_chunk().map_err(|e| os_error(path, &e))? {
            Next::Chunk { value, .. } => {
                evaluate_chunk(it, value)?;
            }
            Next::End => break,
            Next::BadTail => return Err(QError::new("badtail").into()),
        }
    }
    Ok(K::long(c.count()))
}

/// One chunk as q replays it: `.z.ps x` when `.z.ps` is set, else `value x`.
pub fn evaluate_chunk(it: &mut Interp, chunk: K) -> EvalResult {
    match it.globals.get(&Sym::from_text(".z.ps")).cloned() {
        Some(f) => it.apply(&f, vec![chunk]),
        None => crate::server::default_eval(it, chunk).map_err(Ctl::Err),
    }
}

/// `.u.stream[log;start;end]` (the autoscaling log streamer): read the first `end`
/// chunks of `log` and send each one after the first `start` to the caller (`.z.w`) as
/// an async message, flushing after each; a caller on the console (handle 0) evaluates
/// them instead. Returns the generic null, as the q original does.
pub fn stream(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [log, start, end] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    let path = file_path(log)?;
    let start = start.as_i64().ok_or_else(QError::type_)?;
    let end = end.as_i64().ok_or_else(QError::type_)?;
    let mut c = Chunks::open(&path).map_err(|e| os_error(&path, &e))?;
    let h = K::long(-it.zw);
    while c.count() < end {
        match c.next_chunk().map_err(|e| os_error(&path, &e))? {
            Next::Chunk { value, .. } => {
                if c.count() > start {
                    if it.zw == 0 {
                        crate::server::default_eval(it, value)?;
                    } else {
                        it.apply(&h, vec![value])?;
                        it.apply(&h, vec![K::NULL])?;
                    }
                }
            }
            Next::End => break,
            Next::BadTail => return Err(QError::new("badtail").into()),
        }
    }
    Ok(K::NULL)
}

/// `.u.stream` as a q function value, for a process that serves log ranges to define.
pub fn stream_function() -> K {
    K::Func(Func::Native(Arc::new(Builtin {
        name: ".u.stream",
        rank: 3,
        max: 3,
        f: BFn::Interp(stream),
    })))
}

/// Define `.u.stream` in `it`.
pub fn install_stream(it: &mut Interp) {
    it.globals
        .insert(Sym::from_text(".u.stream"), stream_function());
}
