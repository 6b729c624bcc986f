//! The q console and script loader: reads lines, joins continuation lines, runs system
//! commands (`\l`, `\d`, `\t` ...), evaluates, and prints what q prints — the display
//! of a result that is not an assignment or `::`, and errors as `'msg`.

use super::ast::Expr;
use super::error::{QError, QResult};
use super::eval::Interp;
use super::parse;
use qipc::{Sym, K};
use std::io::{BufRead, Write};
use std::time::Instant;

/// What the console should print for one input: the text, or nothing.
pub fn eval_line(it: &mut Interp, line: &str) -> QResult<Option<String>> {
    let trimmed = line.trim_end();
    if let Some(cmd) = trimmed.strip_prefix('\\') {
        if !cmd.starts_with('\\') || cmd.len() > 1 {
            let r = system(it, cmd)?;
            return Ok(if r.is_null() {
                None
            } else {
                Some(it.console_text(&r))
            });
        }
    }
    // `k)` switches one line to k; the expressions q itself shows in k (parse trees,
    // keyword definitions) read the same with our grammar.
    let line = line.strip_prefix("k)").unwrap_or(line);
    let e = parse::parse(line)?;
    let silent = is_silent(&e);
    let v = it.eval_top(&e)?;
    if silent || v.is_null() {
        return Ok(None);
    }
    Ok(Some(it.console_text(&v)))
}

/// The console's text for an error: `'msg`, and for a parse error the input with a
/// caret under the place it stopped (q 4's `[0]` backtrace shape).
pub fn error_text(e: &QError, input: &str) -> String {
    match e.pos {
        Some(p) if !input.contains('\n') => {
            let col = input[..p.min(input.len())].chars().count();
            format!("{e}\n  [0]  {input}\n       {}^", " ".repeat(col))
        }
        _ => e.to_string(),
    }
}

/// An assignment (or a line ending in `;`) prints nothing.
fn is_silent(e: &Expr) -> bool {
    match e {
        Expr::Assign(_) | Expr::Match(..) => true,
        Expr::Seq(v) => v
            .last()
            .is_none_or(|l| matches!(l, Expr::Nil) || is_silent(l)),
        Expr::Nil => true,
        _ => false,
    }
}

/// Run a system command (the text after the backslash) and return its value.
pub fn system(it: &mut Interp, cmd: &str) -> QResult {
    let cmd = cmd.trim();
    let (name, arg) = match cmd.find(char::is_whitespace) {
        Some(i) => (&cmd[..i], cmd[i..].trim()),
        None => (cmd, ""),
    };
    match name {
        "\\" => std::process::exit(0),
        "l" => {
            if arg.is_empty() {
                return Err(QError::new("nyi"));
            }
            super::io::load(it, arg)?;
            Ok(K::NULL)
        }
        "d" => {
            if arg.is_empty() {
                return Ok(K::sym(if it.ns.is_null() {
                    Sym::from_text(".")
                } else {
                    it.ns
                }));
            }
            it.ns = if arg == "." {
                Sym::NULL
            } else {
                Sym::from_text(arg)
            };
            Ok(K::NULL)
        }
        "s" => {
            // Secondary threads: the large-vector kernels' thread count (`-s`).
            if arg.is_empty() {
                return Ok(K::int(super::prims::par::secondary() as i32));
            }
            let n: i64 = arg.parse().map_err(|_| QError::type_())?;
            super::prims::par::set_threads(n.unsigned_abs() as usize);
            Ok(K::NULL)
        }
        "P" => {
            if arg.is_empty() {
                return Ok(K::int(it.opts.precision as i32));
            }
            let p: usize = arg.parse().map_err(|_| QError::type_())?;
            it.opts.precision = p.min(17);
            Ok(K::NULL)
        }
        "c" => {
            if arg.is_empty() {
                return Ok(K::ints(vec![it.opts.rows as i32, it.opts.cols as i32]));
            }
            let v: Vec<usize> = arg
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            if let [r, c] = v.as_slice() {
                it.opts.rows = (*r).max(10);
                it.opts.cols = (*c).max(10);
            }
            Ok(K::NULL)
        }
        "t" | "ts" => {
            if arg.is_empty() {
                return Ok(K::int(it.timer_ms as i32));
            }
            if name == "t" {
                if let Ok(ms) = arg.parse::<u64>() {
                    it.timer_ms = ms;
                    return Ok(K::NULL);
                }
            }
            let (reps, expr) = match arg.strip_prefix(':') {
                Some(rest) => {
                    let (n, e) = rest.split_once(' ').unwrap_or((rest, ""));
                    (n.parse::<u32>().unwrap_or(1), e)
                }
                None => (1, arg),
            };
            let e = parse::parse(expr)?;
            let t0 = Instant::now();
            for _ in 0..reps.max(1) {
                it.eval_top(&e)?;
            }
            let ms = t0.elapsed().as_millis() as i64;
            Ok(if name == "t" {
                K::long(ms)
            } else {
                K::longs(vec![ms, 0])
            })
        }
        "v" => {
            let ctx = it.ns;
            let mut names: Vec<Sym> = it
                .globals
                .keys()
                .filter(|k| {
                    let b = k.as_bytes();
                    if ctx.is_null() {
                        !b.starts_with(b".")
                    } else {
                        b.starts_with(ctx.as_bytes()) && b.get(ctx.len()) == Some(&b'.')
                    }
                })
                .map(|k| {
                    if ctx.is_null() {
                        *k
                    } else {
                        Sym::new(&k.as_bytes()[ctx.len() + 1..])
                    }
                })
                .collect();
            names.sort();
            Ok(K::syms(names))
        }
        "a" => {
            let mut names: Vec<Sym> = it
                .globals
                .iter()
                .filter(|(k, v)| {
                    !k.as_bytes().starts_with(b".") && matches!(v, K::Table(_))
                        || matches!(v, K::Dict(d) if super::value::is_keyed(d))
                            && !k.as_bytes().starts_with(b".")
                })
                .map(|(k, _)| *k)
                .collect();
            names.sort();
            Ok(K::syms(names))
        }
        "f" => {
            let mut names: Vec<Sym> = it
                .globals
                .iter()
                .filter(|(k, v)| !k.as_bytes().starts_with(b".") && matches!(v, K::Func(_)))
                .map(|(k, _)| *k)
                .collect();
            names.sort();
            Ok(K::syms(names))
        }
        "x" => {
            let n = Sym::from_text(arg);
            it.globals.remove(&n);
            Ok(K::NULL)
        }
        "S" => {
            if let Ok(seed) = arg.parse::<i64>() {
                it.rng = seed as u64 | 1;
            }
            Ok(K::NULL)
        }
        "z" => Ok(K::NULL),
        "w" => Ok(match super::dotq::memory_stats() {
            K::Dict(d) => super::prims::list::index(&d.vals, &K::longs((0..6).collect()))?,
            other => other,
        }),
        "p" => Ok(K::int(it.net.as_ref().map_or(0, |n| n.port()) as i32)),
        "cd" => {
            if arg.is_empty() {
                let d = std::env::current_dir().map_err(|_| QError::new("cd"))?;
                return Ok(K::string(d.to_string_lossy().into_owned()));
            }
            std::fs::create_dir_all(arg).map_err(|_| QError::new(arg.to_string()))?;
            std::env::set_current_dir(arg).map_err(|_| QError::new(arg.to_string()))?;
            Ok(K::NULL)
        }
        _ => Err(QError::new("nyi")),
    }
}

/// Load a script: lines starting with white space continue the previous line; a line
/// that is only `/` opens a block comment closed by a line that is only `\`; a line that
/// is only `\` outside a comment ends the script.
pub fn load_script(it: &mut Interp, text: &str) -> QResult<()> {
    let mut stmts: Vec<String> = Vec::new();
    let mut in_comment = false;
    for line in text.lines() {
        let t = line.trim_end();
        if in_comment {
            if t == "\\" {
                in_comment = false;
            }
            continue;
        }
        if t == "/" {
            in_comment = true;
            continue;
        }
        if t == "\\" {
            break;
        }
        if t.is_empty() || t.starts_with('/') {
            continue;
        }
        if (line.starts_with(' ') || line.starts_with('\t')) && !stmts.is_empty() {
            if let Some(last) = stmts.last_mut() {
                last.push('\n');
                last.push_str(t);
            }
            continue;
        }
        stmts.push(t.to_string());
    }
    for s in stmts {
        match eval_line(it, &s) {
            Ok(_) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// True when brackets, braces or parentheses are still open (outside strings), so a
/// console input continues on the next line.
pub fn unbalanced(s: &str) -> bool {
    let mut depth: i64 = 0;
    let mut in_str = false;
    let mut esc = false;
    for c in s.chars() {
        if in_str {
            if esc {
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    depth > 0 || in_str
}

/// Run the console on standard input until end of input or `\\`.
pub fn repl(it: &mut Interp) {
    let stdin = std::io::stdin();
    let mut pending = String::new();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(&line);
        if unbalanced(&pending) {
            continue;
        }
        let input = std::mem::take(&mut pending);
        if input.trim() == "\\\\" {
            break;
        }
        if input.trim().is_empty() {
            continue;
        }
        let out = eval_line(it, &input);
        let mut so = std::io::stdout().lock();
        match out {
            Ok(Some(text)) => {
                let _ = writeln!(so, "{text}");
            }
            Ok(None) => {}
            Err(e) => {
                let _ = writeln!(so, "{}", error_text(&e, &input));
            }
        }
        let _ = so.flush();
    }
}

/// Run console inputs in a fresh interpreter and return what the last one printed (its
/// display with lines right-trimmed, nothing, or `'error`): the unit tests' console.
#[cfg(test)]
pub(crate) fn run_lines(lines: &[&str]) -> String {
    let mut it = Interp::new();
    let mut last = String::new();
    for l in lines {
        last = match eval_line(&mut it, l) {
            Ok(Some(t)) => t,
            Ok(None) => String::new(),
            Err(e) => e.to_string(),
        };
    }
    last.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}
