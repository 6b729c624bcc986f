//! The q console and script loader: reads lines, joins continuation lines, runs system
//! commands (`\l`, `\d`, `\t` ...), evaluates, and prints what q prints — the display
//! of a result that is not an assignment or `::`, and errors as `'msg`.

use super::ast::Expr;
use super::error::{QError, QResult};
use super::eval::Interp;
use super::parse;
use qipc::{Sym, K};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Instant;

/// What the console should print for one input: the text, or nothing.
pub fn eval_line(it: &mut Interp, line: &str) -> QResult<Option<String>> {
    let trimmed = line.trim_end();
    if let Some(cmd) = trimmed.strip_prefix('\\') {
        if !cmd.starts_with('\\') || cmd.len() > 1 {
            let r = system(it, cmd)?;
            // A shell command's output is shown as the lines it wrote, like q does.
            let name = cmd.split_whitespace().next().unwrap_or("");
            let name = name.split_once(':').map_or(name, |(n, _)| n);
            if !is_q_command(name) {
                let lines: Vec<String> = super::value::items(&r)
                    .iter()
                    .map(|l| String::from_utf8_lossy(l.as_string().unwrap_or(&[])).into_owned())
                    .collect();
                return Ok((!lines.is_empty()).then(|| lines.join("\n")));
            }
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
    // `\t:n expr` and `\ts:n expr` carry their repeat count on the name.
    let (name, arg) = match name.split_once(':') {
        Some((n @ ("t" | "ts"), _)) => (n, cmd[n.len()..].trim()),
        _ => (name, arg),
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
            let ns = match arg {
                "" => it.ns,
                "." => Sym::NULL,
                a => Sym::from_text(a),
            };
            Ok(K::syms(tables_in(it, ns)))
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
        _ if is_q_command(name) => Err(QError::new("nyi")),
        _ => shell(cmd),
    }
}

/// The tables (plain or keyed) of namespace `ns` (the root when null), by their names in
/// it, sorted: `\a` and `tables`.
pub fn tables_in(it: &Interp, ns: Sym) -> Vec<Sym> {
    let prefix = ns.as_bytes();
    let mut names: Vec<Sym> = it
        .globals
        .iter()
        .filter(|(_, v)| {
            matches!(v, K::Table(_)) || matches!(v, K::Dict(d) if super::value::is_keyed(d))
        })
        .filter_map(|(k, _)| {
            let b = k.as_bytes();
            if ns.is_null() {
                (!b.starts_with(b".")).then_some(*k)
            } else {
                b.strip_prefix(prefix)
                    .and_then(|r| r.strip_prefix(b"."))
                    .filter(|r| !r.contains(&b'.'))
                    .map(Sym::new)
            }
        })
        .collect();
    names.sort();
    names
}

/// q's own system commands (`\a` ... `\_`); any other command goes to the shell.
fn is_q_command(name: &str) -> bool {
    matches!(
        name,
        "a" | "b"
            | "B"
            | "c"
            | "C"
            | "cd"
            | "d"
            | "e"
            | "E"
            | "f"
            | "g"
            | "l"
            | "o"
            | "p"
            | "P"
            | "r"
            | "s"
            | "S"
            | "t"
            | "T"
            | "ts"
            | "u"
            | "v"
            | "w"
            | "W"
            | "x"
            | "z"
            | "1"
            | "2"
            | "_"
            | "\\"
    )
}

/// Run `cmd` with `/bin/sh -c`, as q does for a command that is not its own: the lines
/// it writes to standard output, as strings; `'os` when it fails. Its standard error
/// passes through to ours; it gets no standard input, which belongs to the console.
pub fn shell(cmd: &str) -> QResult {
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|_| QError::new("os"))?;
    if !out.status.success() {
        return Err(QError::new("os"));
    }
    let text = out.stdout.strip_suffix(b"\n").unwrap_or(&out.stdout);
    if text.is_empty() && out.stdout.is_empty() {
        return Ok(K::list(Vec::new()));
    }
    Ok(K::list(
        text.split(|&b| b == b'\n')
            .map(|l| K::string(l.strip_suffix(b"\r").unwrap_or(l).to_vec()))
            .collect(),
    ))
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

/// Console lines joined into one input while brackets, braces or a string stay open, so
/// a lambda can be typed over several lines; the piped console and the terminal share it.
#[derive(Default)]
pub struct Pending {
    text: String,
    open: bool,
}

impl Pending {
    /// Add one line; the whole input once it is complete.
    pub fn push(&mut self, line: &str) -> Option<String> {
        if self.open {
            self.text.push('\n');
        }
        self.text.push_str(line);
        self.open = true;
        if unbalanced(&self.text) {
            return None;
        }
        self.open = false;
        Some(std::mem::take(&mut self.text))
    }

    /// Whether an input has started and not yet closed.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Drop a half-typed input (Ctrl-C on the terminal).
    pub fn clear(&mut self) {
        self.text.clear();
        self.open = false;
    }
}

/// The console prompt: `q)` in the root namespace, `q.ns)` after `\d .ns`, like q; and
/// none while a multi-line input is still open (q shows none there either).
pub fn prompt(it: &Interp, continuing: bool) -> String {
    if continuing {
        String::new()
    } else if it.ns.is_null() || it.ns.as_bytes() == b"." {
        "q)".to_string()
    } else {
        format!("q{})", it.ns.as_str())
    }
}

/// The terminal console's history file: `QTICK_HISTORY` names it (`off` or empty: no
/// history), else `$HOME/.qtick_history`; none without either.
pub fn history_path() -> Option<PathBuf> {
    history_path_from(std::env::var_os("QTICK_HISTORY"), std::env::var_os("HOME"))
}

fn history_path_from(var: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    match var {
        Some(v) if v.is_empty() || v == "off" => None,
        Some(v) => Some(PathBuf::from(v)),
        None => home
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".qtick_history")),
    }
}

/// Ctrl-C outside the line editor (while something evaluates) raises SIGINT: take it
/// as an interrupt of the evaluation, as q does, rather than the end of the process.
fn catch_interrupt() -> Result<(), String> {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    extern "C" fn on_sigint(_: nix::libc::c_int) {
        // Only an atomic store: async-signal-safe.
        super::eval::INTERRUPT.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let action = SigAction::new(
        SigHandler::Handler(on_sigint),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe { sigaction(Signal::SIGINT, &action) }
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What the terminal reader hands the evaluation thread.
pub enum TermInput {
    Line(String),
    /// Ctrl-C: forget the line being typed and any open multi-line input.
    Cancel,
    /// Ctrl-D on an empty line (or the terminal went away): leave, like `\\`.
    Eof,
}

/// Read the terminal with line editing and history on a thread of its own, so the
/// evaluation thread keeps serving the port and the timer while a person types. Each
/// line goes to `post`; the reader then waits on `prompts` for the next prompt, which the
/// evaluation thread sends once it has printed the result, so a prompt never lands in
/// the middle of output. Err when the terminal cannot be set up.
pub fn spawn_terminal_reader(
    post: impl Fn(TermInput) + Send + 'static,
    prompts: std::sync::mpsc::Receiver<String>,
) -> Result<(), String> {
    use rustyline::error::ReadlineError;
    let config = rustyline::Config::builder()
        .max_history_size(10_000)
        .map_err(|e| e.to_string())?
        .auto_add_history(false)
        .build();
    let mut ed = rustyline::DefaultEditor::with_config(config).map_err(|e| e.to_string())?;
    catch_interrupt()?;
    let history = history_path();
    if let Some(p) = &history {
        // A missing file is the first run; history is a convenience, never an error.
        let _ = ed.load_history(p);
    }
    std::thread::spawn(move || {
        // A lambda typed over several lines is one history entry, recalled whole.
        let mut input = Pending::default();
        while let Ok(p) = prompts.recv() {
            match ed.readline(&p) {
                Ok(line) => {
                    if let Some(whole) = input.push(&line) {
                        // `\\` is left out: recalled by mistake it would end the session.
                        if !whole.trim().is_empty() && whole.trim() != "\\\\" {
                            let _ = ed.add_history_entry(whole.as_str());
                            if let Some(h) = &history {
                                let _ = ed.append_history(h);
                            }
                        }
                    }
                    post(TermInput::Line(line));
                }
                Err(ReadlineError::Interrupted) => {
                    input.clear();
                    post(TermInput::Cancel);
                }
                Err(_) => {
                    post(TermInput::Eof);
                    break;
                }
            }
        }
    });
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_joins_open_lines() {
        let mut p = Pending::default();
        assert_eq!(p.push("f:{[x]"), None);
        assert!(p.is_open());
        assert_eq!(p.push(" x*2}").as_deref(), Some("f:{[x]\n x*2}"));
        assert!(!p.is_open());
        assert_eq!(p.push("s:\"a(").as_deref(), None);
        p.clear();
        assert!(!p.is_open());
        assert_eq!(p.push("1+1").as_deref(), Some("1+1"));
    }

    #[test]
    fn prompt_follows_namespace() {
        let mut it = Interp::new();
        assert_eq!(prompt(&it, false), "q)");
        assert_eq!(prompt(&it, true), "");
        system(&mut it, "d .foo").unwrap();
        assert_eq!(prompt(&it, false), "q.foo)");
        system(&mut it, "d .").unwrap();
        assert_eq!(prompt(&it, false), "q)");
    }

    #[test]
    fn system_runs_other_commands_in_the_shell() {
        use super::run_lines as q;
        assert_eq!(q(&["-3!system\"echo hi\""]), "\",\\\"hi\\\"\"");
        assert_eq!(q(&["system\"printf 'a\\\\nbc\\\\n'\""]), ",\"a\"\n\"bc\"");
        assert_eq!(q(&["count system\"true\""]), "0");
        assert_eq!(q(&["system\"exit 3\""]), "'os");
        assert_eq!(q(&["system\"sleep 0\""]), "()");
        // q's own commands are not sent to the shell, `\t:n` and `\ts:n` included.
        assert_eq!(q(&["system\"e\""]), "'nyi");
        assert_eq!(q(&["type system\"t:2 til 10\""]), "-7h");
        assert_eq!(q(&["count system\"ts:2 til 10\""]), "2");
        assert_eq!(q(&["n:0", "\\t:3 n+:1", "n"]), "3");
        // At the console a shell command shows the lines it wrote.
        let mut it = Interp::new();
        assert_eq!(
            eval_line(&mut it, "\\echo a b").unwrap().as_deref(),
            Some("a b")
        );
        assert_eq!(eval_line(&mut it, "\\true").unwrap(), None);
    }

    #[test]
    fn history_path_choice() {
        let home = Some(OsString::from("/home/u"));
        assert_eq!(
            history_path_from(None, home.clone()),
            Some(PathBuf::from("/home/u/.qtick_history"))
        );
        assert_eq!(history_path_from(Some("off".into()), home.clone()), None);
        assert_eq!(history_path_from(Some("".into()), home.clone()), None);
        assert_eq!(
            history_path_from(Some("/tmp/h".into()), home),
            Some(PathBuf::from("/tmp/h"))
        );
        assert_eq!(history_path_from(None, None), None);
    }
}
