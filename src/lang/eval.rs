//! The evaluator: walks [`Expr`] trees against the interpreter state.
//!
//! `Interp` owns the globals (a flat map from full names like `.u.upd` to values), the
//! current namespace, console options and the output streams. Lambdas run in a `Frame`
//! of locals. Function application for every callable kind (lambdas, primitives,
//! projections, compositions, iterators, and lists/dictionaries indexed by application)
//! lives here; the primitives themselves live in `prims`.

use super::ast::*;
use super::builtins::{self, Builtin};
use super::display::Opts;
use super::error::{QError, QResult};
use super::parse;
use super::prims::list;
use super::value::{self, from_items, item, items};
use qipc::sym::FxHashMap;
use qipc::{Atom, Func, Lambda, Scalar, Sym, Ty, K};
use std::io::Write;
use std::sync::Arc;

/// Control flow out of an evaluation: an error, or a `:x` return from a lambda.
#[derive(Debug)]
pub enum Ctl {
    Err(QError),
    Return(K),
}

impl From<QError> for Ctl {
    fn from(e: QError) -> Ctl {
        Ctl::Err(e)
    }
}

pub type EvalResult<T = K> = Result<T, Ctl>;

/// The elided argument of a projection (`f[;1]`). q has a distinct value for it; here it
/// is a unary primitive code q does not use.
pub const ELIDED: K = K::Func(Func::Unary(0xff));

pub fn is_elided(k: &K) -> bool {
    matches!(k, K::Func(Func::Unary(0xff)))
}

/// Local variables of a running lambda (or a qSQL column scope).
#[derive(Default)]
pub struct Frame {
    pub names: Vec<Sym>,
    pub vals: Vec<Option<K>>,
    /// The namespace the lambda was defined in (null for root).
    pub ctx: Sym,
    /// The running function (`.z.s`).
    pub this: Option<K>,
}

impl Frame {
    fn slot(&self, n: Sym) -> Option<usize> {
        self.names.iter().position(|&x| x == n)
    }

    pub fn get(&self, n: Sym) -> Option<&K> {
        self.slot(n).and_then(|i| self.vals[i].as_ref())
    }

    pub fn set(&mut self, n: Sym, v: K) {
        match self.slot(n) {
            Some(i) => self.vals[i] = Some(v),
            None => {
                self.names.push(n);
                self.vals.push(Some(v));
            }
        }
    }

    pub fn declares(&self, n: Sym) -> bool {
        self.slot(n).is_some()
    }
}

/// Where console output goes (stdout for `-1`, `show`, `0N!`; stderr for `-2`).
pub trait Output: Send {
    fn out(&mut self, bytes: &[u8]);
    fn err(&mut self, bytes: &[u8]);
}

/// Output to the process's own stdout/stderr.
pub struct StdOutput;

impl Output for StdOutput {
    fn out(&mut self, bytes: &[u8]) {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(bytes);
        let _ = o.flush();
    }
    fn err(&mut self, bytes: &[u8]) {
        let mut o = std::io::stderr().lock();
        let _ = o.write_all(bytes);
        let _ = o.flush();
    }
}

/// The state of one q process's interpreter.
pub struct Interp {
    pub globals: FxHashMap<Sym, K>,
    /// Current namespace (`\d`), null for root.
    pub ns: Sym,
    pub opts: Opts,
    pub output: Box<dyn Output>,
    /// Built-in keyword functions by name.
    pub builtins: FxHashMap<Sym, K>,
    /// Depth of nested lambda calls, bounded to turn runaway recursion into `'stack`.
    depth: usize,
    /// Command-line arguments after the script (`.z.x`).
    pub args: Vec<String>,
    /// Seed state for `?` random draws.
    pub rng: u64,
    /// The process's network side (IPC handles), when it has one.
    pub net: Option<Arc<dyn Net>>,
    /// `.z.w`: the handle whose message is being evaluated (0 on the console).
    pub zw: i64,
    /// `.z.u`: user of the current message's connection.
    pub zu: Sym,
    /// `.z.a`: IPv4 address of the current connection as an int (0 for UDS/console).
    pub za: i32,
    /// Timer period in milliseconds (`\t`), 0 when off.
    pub timer_ms: u64,
    /// `-o`: offset of local time from UTC, in nanoseconds (`.z.P`, `.z.D`).
    pub utc_offset_ns: i64,
    /// `.z.f`: the script loaded at start-up.
    pub script: Sym,
    /// Views (`v::expr` at top level) by full name: evaluated whenever they are read.
    pub views: FxHashMap<Sym, Arc<Expr>>,
    /// Views being evaluated, to turn a view that reads itself into an error.
    view_stack: Vec<Sym>,
    /// The keyword functions behind each primitive code, applied binary and unary, so
    /// applying `+` or `#:` needs no name lookup.
    prim_dyads: Vec<Option<K>>,
    prim_monads: Vec<Option<K>>,
}

const DAY_NS: i64 = 86_400_000_000_000;

/// Nanoseconds since 2000.01.01D00:00 UTC.
pub fn now_ns() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    d.as_nanos() as i64 - 946_684_800_000_000_000
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}

/// What the interpreter needs from the process's network side: sending on handles,
/// opening and closing them. Implemented by `server`.
pub trait Net: Send + Sync {
    /// Send `msg` on handle `h` as a sync request and wait for the response, evaluating
    /// whatever arrives on `h` meanwhile.
    fn sync_call(&self, it: &mut Interp, h: i64, msg: &K) -> QResult;
    /// Queue `msg` on handle `h` as an async message.
    fn async_send(&self, h: i64, msg: &K) -> QResult<()>;
    /// Wait until everything queued on `h` is written (`neg[h][]`).
    fn flush(&self, h: i64) -> QResult<()>;
    /// `hopen`: connect and return the handle.
    fn open(&self, it: &mut Interp, target: &str, timeout_ms: u64) -> QResult<i64>;
    fn close(&self, h: i64) -> QResult<()>;
    /// `.z.W`: open handles and the bytes queued on each.
    fn queued(&self) -> K;
    fn is_open(&self, h: i64) -> bool;
    /// The listening port (`\p`), 0 when not listening.
    fn port(&self) -> i64;
    /// `.z.e` for handle `h`: its TLS session's details, None when it is not TLS.
    fn tls_info(&self, _h: i64) -> Option<K> {
        None
    }
}

const MAX_DEPTH: usize = 2000;

impl Default for Interp {
    fn default() -> Interp {
        Interp::new()
    }
}

impl Interp {
    pub fn new() -> Interp {
        let mut it = Interp {
            globals: FxHashMap::default(),
            ns: Sym::NULL,
            opts: Opts::default(),
            output: Box::new(StdOutput),
            builtins: FxHashMap::default(),
            depth: 0,
            args: Vec::new(),
            rng: 0x2545_f491_4f6c_dd1d,
            net: None,
            zw: 0,
            zu: Sym::NULL,
            za: 0,
            timer_ms: 0,
            utc_offset_ns: 0,
            script: Sym::NULL,
            views: FxHashMap::default(),
            view_stack: Vec::new(),
            prim_dyads: Vec::new(),
            prim_monads: Vec::new(),
        };
        builtins::install(&mut it);
        it.cache_prims();
        it
    }

    /// Fill the per-code tables of primitive functions from the keyword registry.
    pub fn cache_prims(&mut self) {
        self.prim_dyads = vec![None; 256];
        self.prim_monads = vec![None; 256];
        for code in 0..=255u8 {
            let Some(glyph) = super::prims::codes_glyph_checked(code) else {
                continue;
            };
            if let Some(name) = builtins::dyad_name(glyph) {
                self.prim_dyads[code as usize] = self.builtins.get(&Sym::from_text(name)).cloned();
            }
            if let Some(name) = builtins::monad_name(glyph) {
                self.prim_monads[code as usize] = self.builtins.get(&Sym::from_text(name)).cloned();
            }
        }
    }

    /// The function a primitive code means applied binary (`dyad`) or unary.
    pub fn prim_fn(&self, code: u8, dyad: bool) -> QResult {
        let table = if dyad {
            &self.prim_dyads
        } else {
            &self.prim_monads
        };
        table
            .get(code as usize)
            .cloned()
            .flatten()
            .ok_or_else(QError::nyi)
    }

    /// Parse and evaluate q source text at the top level.
    pub fn eval_str(&mut self, src: &str) -> QResult {
        let e = parse::parse(src)?;
        self.eval_top(&e)
    }

    /// Evaluate an expression at the top level (a `:x` return just yields x).
    pub fn eval_top(&mut self, e: &Expr) -> QResult {
        let mut frame = None;
        match self.eval(e, &mut frame) {
            Ok(v) => Ok(v),
            Err(Ctl::Return(v)) => Ok(v),
            Err(Ctl::Err(e)) => Err(e),
        }
    }

    // ---- names -------------------------------------------------------------------

    /// The full name of a global as seen from namespace `ctx`.
    fn qualify(&self, n: Sym, ctx: Sym) -> Sym {
        if n.as_bytes().first() == Some(&b'.') || ctx.is_null() {
            n
        } else {
            let mut b = ctx.as_bytes().to_vec();
            b.push(b'.');
            b.extend_from_slice(n.as_bytes());
            Sym::new(&b)
        }
    }

    /// Look a global up the way q does from namespace `ctx`: the namespace first, then
    /// root, then the built-in keywords; a namespace name gives its dictionary.
    pub fn get_global(&self, n: Sym, ctx: Sym) -> Option<K> {
        if n.as_bytes().starts_with(b".z.") && !self.globals.contains_key(&n) {
            if let Some(v) = self.z_value(n) {
                return Some(v);
            }
        }
        if !ctx.is_null() && n.as_bytes().first() != Some(&b'.') {
            if let Some(v) = self.globals.get(&self.qualify(n, ctx)) {
                return Some(v.clone());
            }
        }
        if let Some(v) = self.globals.get(&n) {
            return Some(v.clone());
        }
        // `` `. `` is the root namespace, not the builtin `.` registered under that name.
        if n.as_bytes() == b"." {
            return Some(self.root_dict());
        }
        if let Some(v) = self.builtins.get(&n) {
            return Some(v.clone());
        }
        if n.as_bytes() == b".q" {
            return Some(self.q_namespace());
        }
        if let Some(k) = n.as_bytes().strip_prefix(b".q.") {
            if let Some(v) = self.builtins.get(&Sym::new(k)) {
                return Some(v.clone());
            }
        }
        if n.as_bytes().first() == Some(&b'.') {
            return self.namespace_dict(n);
        }
        None
    }

    /// The value a keyword stands for in parse trees and in `.q` (see
    /// [`builtins::canonical`]), or None when `n` is no keyword.
    pub fn keyword_value(&self, n: Sym) -> Option<K> {
        if !n.as_bytes().first()?.is_ascii_alphabetic() {
            return None;
        }
        let v = self.builtins.get(&n)?;
        Some(builtins::canonical(&n.as_str(), v))
    }

    /// `.q`: the keywords, by name.
    fn q_namespace(&self) -> K {
        let mut names: Vec<Sym> = self
            .builtins
            .keys()
            .filter(|k| k.as_bytes().first().is_some_and(u8::is_ascii_alphabetic))
            .copied()
            .collect();
        names.sort_by_key(|a| a.as_str().into_owned());
        let vals: Vec<K> = names
            .iter()
            .filter_map(|n| self.keyword_value(*n))
            .collect();
        K::dict(K::syms(names), value::general(vals))
    }

    /// `` `. ``: the root namespace as a dictionary.
    pub fn root_dict(&self) -> K {
        let mut entries: Vec<(Sym, K)> = self
            .globals
            .iter()
            .filter(|(k, _)| !k.as_bytes().starts_with(b"."))
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        entries.sort_by_key(|a| a.0);
        let (keys, vals): (Vec<Sym>, Vec<K>) = entries.into_iter().unzip();
        K::dict(K::syms(keys), from_items(vals))
    }

    /// The system values of the `.z` namespace that q computes on reading.
    fn z_value(&self, n: Sym) -> Option<K> {
        let ns_now = now_ns() + self.utc_offset_ns;
        let utc = now_ns();
        Some(match &n.as_bytes()[3..] {
            b"w" => K::int(self.zw as i32),
            b"u" => K::sym(self.zu),
            b"a" => K::int(self.za),
            b"W" => self.net.as_ref().map_or_else(
                || K::dict(K::ints(vec![]), K::longs(vec![])),
                |n| n.queued(),
            ),
            b"p" => K::i64_of(Ty::Timestamp, utc),
            b"P" => K::i64_of(Ty::Timestamp, ns_now),
            b"n" => K::i64_of(Ty::Timespan, utc.rem_euclid(DAY_NS)),
            b"N" => K::i64_of(Ty::Timespan, ns_now.rem_euclid(DAY_NS)),
            b"d" => K::i32_of(Ty::Date, utc.div_euclid(DAY_NS) as i32),
            b"D" => K::i32_of(Ty::Date, ns_now.div_euclid(DAY_NS) as i32),
            b"t" => K::i32_of(Ty::Time, (utc.rem_euclid(DAY_NS) / 1_000_000) as i32),
            b"T" => K::i32_of(Ty::Time, (ns_now.rem_euclid(DAY_NS) / 1_000_000) as i32),
            b"z" => K::atom(Ty::Datetime, Scalar::F64(utc as f64 / DAY_NS as f64)),
            b"Z" => K::atom(Ty::Datetime, Scalar::F64(ns_now as f64 / DAY_NS as f64)),
            b"x" => from_items(
                self.args
                    .iter()
                    .map(|a| K::string(a.as_bytes().to_vec()))
                    .collect(),
            ),
            b"K" => K::float(4.1),
            b"k" => K::i32_of(
                Ty::Date,
                super::literal::parse_date("2024.10.01").unwrap_or(0),
            ),
            b"o" => K::sym(Sym::from_text("l64")),
            b"i" => K::int(std::process::id() as i32),
            b"h" => K::sym(Sym::from_text(&hostname())),
            b"c" => K::int(std::thread::available_parallelism().map_or(1, |n| n.get()) as i32),
            b"f" => K::sym(self.script),
            b"e" => self
                .net
                .as_ref()
                .and_then(|n| n.tls_info(self.zw))
                .unwrap_or_else(|| K::dict(K::syms(Vec::<Sym>::new()), K::list(vec![]))),
            _ => return None,
        })
    }

    /// A namespace (`.u`) as a dictionary of its members, or None when it has none.
    pub fn namespace_dict(&self, ns: Sym) -> Option<K> {
        let mut prefix = ns.as_bytes().to_vec();
        prefix.push(b'.');
        let mut entries: Vec<(Sym, K)> = self
            .globals
            .iter()
            .filter_map(|(k, v)| {
                let b = k.as_bytes();
                if b.starts_with(&prefix) && !b[prefix.len()..].contains(&b'.') {
                    Some((Sym::new(&b[prefix.len()..]), v.clone()))
                } else {
                    None
                }
            })
            .collect();
        if entries.is_empty() {
            return None;
        }
        entries.sort_by_key(|a| a.0);
        let mut keys = vec![Sym::NULL];
        let mut vals = vec![K::NULL];
        for (k, v) in entries {
            keys.push(k);
            vals.push(v);
        }
        Some(K::dict(K::syms(keys), value::general(vals)))
    }

    /// The full name a global assignment of `n` from the console would use.
    pub fn resolve_name(&self, n: Sym) -> Sym {
        let q = self.qualify(n, self.ns);
        if self.globals.contains_key(&q) {
            q
        } else if self.globals.contains_key(&n) {
            n
        } else {
            q
        }
    }

    /// Replace enumerations by their symbols (primitives work on values, not domains).
    pub fn resolve_enums(&self, k: K) -> K {
        match &k {
            K::Enum(e) => match self.enum_domain(e.domain) {
                Some(d) => K::syms(
                    e.idx
                        .iter()
                        .map(|&i| d.get(i as usize).copied().unwrap_or(Sym::NULL)),
                ),
                None => k,
            },
            K::EnumAtom(dom, i) => match self.enum_domain(*dom) {
                Some(d) => K::sym(d.get(*i as usize).copied().unwrap_or(Sym::NULL)),
                None => k,
            },
            _ => k,
        }
    }

    /// The console display of `k`, enumerations showing their domain's symbols.
    pub fn console_text(&self, k: &K) -> String {
        super::display::console_with(k, &self.opts, &|d| self.enum_domain(d))
    }

    /// The one-line display of `k` (`-3!`, `0N!`), enumerations resolved.
    pub fn inline_text(&self, k: &K) -> String {
        super::display::inline_with(k, &self.opts, &|d| self.enum_domain(d))
    }

    /// The symbols of an enumeration domain (a symbol list, or a keyed table's key).
    pub fn enum_domain(&self, d: Sym) -> Option<Arc<Vec<Sym>>> {
        let v = self.get_global(d, Sym::NULL)?;
        let col = match &v {
            K::Dict(dd) => match &dd.keys {
                K::Table(t) => t.cols.first()?.clone(),
                _ => return None,
            },
            _ => v,
        };
        match col {
            K::Vector(qipc::Vector {
                data: qipc::Data::Sym(s),
                ..
            }) => Some(s),
            _ => None,
        }
    }

    pub fn set_global(&mut self, n: Sym, ctx: Sym, v: K) {
        let full = self.qualify(n, ctx);
        if !self.views.is_empty() {
            self.views.remove(&full);
        }
        self.globals.insert(full, v);
    }

    /// Read a name, evaluating it when it is a view.
    fn lookup_or_view(&mut self, n: Sym, frame: &mut Option<&mut Frame>) -> EvalResult {
        match self.lookup(n, frame) {
            Ok(v) => Ok(v),
            Err(e) if self.views.is_empty() => Err(e),
            Err(e) => {
                let ctx = frame.as_ref().map_or(self.ns, |f| f.ctx);
                let full = self.qualify(n, ctx);
                let (full, view) = match self.views.get(&full) {
                    Some(v) => (full, v.clone()),
                    None => match self.views.get(&n) {
                        Some(v) => (n, v.clone()),
                        None => return Err(e),
                    },
                };
                if self.view_stack.contains(&full) {
                    return Err(QError::new("loop").into());
                }
                self.view_stack.push(full);
                let r = self.eval_top(&view);
                self.view_stack.pop();
                Ok(r?)
            }
        }
    }

    pub(crate) fn lookup(&self, n: Sym, frame: &Option<&mut Frame>) -> EvalResult {
        if let Some(f) = frame {
            if n.as_bytes() == b".z.s" {
                if let Some(this) = &f.this {
                    return Ok(this.clone());
                }
            }
            if let Some(v) = f.get(n) {
                return Ok(v.clone());
            }
            if f.declares(n) {
                // A local declared by assignment but not yet set.
                return Err(QError::new(n.as_str().into_owned()).into());
            }
        }
        let ctx = frame.as_ref().map_or(self.ns, |f| f.ctx);
        if let Some(v) = self.get_global(n, ctx) {
            return Ok(v);
        }
        // `t.c`, `x.minute`, `s.name`: dot notation on a variable.
        match super::sql::resolve_dotted(self, n, frame) {
            Some(r) => Ok(r?),
            None => Err(QError::new(n.as_str().into_owned()).into()),
        }
    }

    // ---- evaluation --------------------------------------------------------------

    /// The value an assignment to `name` updates: the running lambda's local when
    /// `local`, else the global in the lambda's (or the current) namespace; `'name` when
    /// there is none.
    pub(crate) fn assigned(
        &self,
        name: Sym,
        local: bool,
        frame: &Option<&mut Frame>,
    ) -> EvalResult {
        if local {
            self.lookup(name, frame)
        } else {
            let ctx = frame.as_ref().map_or(self.ns, |f| f.ctx);
            self.get_global(name, ctx)
                .ok_or_else(|| QError::new(name.as_str().into_owned()).into())
        }
    }

    /// Store an assignment's result where [`Interp::assigned`] finds it.
    pub(crate) fn store(&mut self, name: Sym, local: bool, frame: &mut Option<&mut Frame>, v: K) {
        if local {
            if let Some(f) = frame {
                f.set(name, v);
            }
        } else {
            let ctx = frame.as_ref().map_or(self.ns, |f| f.ctx);
            self.set_global(name, ctx, v);
        }
    }

    /// The indices of an indexed assignment `x[i;j]:v`, right to left as q evaluates
    /// them; an elided index is `::` (all of that dimension).
    pub(crate) fn eval_index(
        &mut self,
        ix: &[Option<Expr>],
        frame: &mut Option<&mut Frame>,
    ) -> EvalResult<Vec<K>> {
        let mut out = Vec::with_capacity(ix.len());
        for x in ix.iter().rev() {
            out.push(match x {
                Some(e) => self.eval(e, frame)?,
                None => K::NULL,
            });
        }
        out.reverse();
        Ok(out)
    }

    pub fn eval(&mut self, e: &Expr, frame: &mut Option<&mut Frame>) -> EvalResult {
        match e {
            Expr::Lit(k) => Ok(k.clone()),
            Expr::Name(n) => self.lookup_or_view(*n, frame),
            Expr::Verb(v) => self.verb_value(v, frame),
            Expr::Nil => Ok(K::NULL),
            Expr::Seq(v) => {
                let mut last = K::NULL;
                for x in v {
                    last = self.eval(x, frame)?;
                }
                Ok(last)
            }
            Expr::List(v) if v.iter().any(|x| matches!(x, Expr::Nil)) => {
                // `(a;;b)` is a projection of enlist onto the items given.
                let mut out = Vec::with_capacity(v.len());
                for x in v.iter().rev() {
                    out.push(match x {
                        Expr::Nil => ELIDED,
                        x => self.eval(x, frame)?,
                    });
                }
                out.reverse();
                let f = self.lookup(Sym::from_text("enlist"), &None)?;
                Ok(project(f, out))
            }
            Expr::List(v) => {
                // q evaluates list items right to left.
                let mut out = Vec::with_capacity(v.len());
                for x in v.iter().rev() {
                    out.push(self.eval(x, frame)?);
                }
                out.reverse();
                Ok(from_items(out))
            }
            Expr::Lambda(def) => Ok(lambda_value(def, frame.as_ref().map_or(self.ns, |f| f.ctx))),
            Expr::Monad(f, x) => {
                let arg = self.eval(x, frame)?;
                match &**f {
                    Expr::Verb(Verb::Prim(p)) => self.monadic_prim(p, arg),
                    _ => {
                        let fv = self.eval(f, frame)?;
                        self.apply(&fv, vec![arg])
                    }
                }
            }
            Expr::Dyad(f, x, y) => {
                let right = match y {
                    Some(y) => Some(self.eval(y, frame)?),
                    None => None,
                };
                let left = self.eval(x, frame)?;
                let fv = self.eval(f, frame)?;
                match right {
                    Some(r) => self.apply(&fv, vec![left, r]),
                    // `2+` is held (and printed) as `+[2]`.
                    None => Ok(project(fv, vec![left])),
                }
            }
            Expr::Apply(f, args) => {
                let mut vals = Vec::with_capacity(args.len());
                let mut elided = false;
                for a in args.iter().rev() {
                    match a {
                        Some(a) => vals.push(self.eval(a, frame)?),
                        None => {
                            elided = true;
                            vals.push(ELIDED)
                        }
                    }
                }
                vals.reverse();
                let fv = self.eval(f, frame)?;
                if elided && !matches!(fv, K::Func(_)) && fv.as_sym().is_none() {
                    // Indexing data, an elided index means every item: `m[;1]`, `t[;`c]`.
                    let vals = vals
                        .into_iter()
                        .map(|v| if is_elided(&v) { K::NULL } else { v })
                        .collect();
                    return self.apply(&fv, vals);
                }
                if elided {
                    if matches!(fv, K::Func(Func::Lambda(_)))
                        && vals.len() > super::iter::rank_of(&fv).max(1)
                    {
                        return Err(QError::rank().into());
                    }
                    return Ok(project(fv, vals));
                }
                self.apply(&fv, vals)
            }
            Expr::Assign(a) => self.assign(a, frame),
            Expr::Match(p, v) => self.eval_match(p, v, frame),
            Expr::PatCond(v, pairs, d) => self.eval_pattern_cond(v, pairs, d.as_deref(), frame),
            Expr::Return(x) => {
                let v = self.eval(x, frame)?;
                Err(Ctl::Return(v))
            }
            Expr::Signal(x) => {
                let v = self.eval(x, frame)?;
                Err(signal_of(&v).into())
            }
            Expr::Cond(args) => {
                let mut i = 0;
                while i + 1 < args.len() {
                    let c = self.eval(&args[i], frame)?;
                    if truthy(&c)? {
                        return self.eval(&args[i + 1], frame);
                    }
                    i += 2;
                }
                if i < args.len() {
                    self.eval(&args[i], frame)
                } else {
                    Ok(K::NULL)
                }
            }
            Expr::If(args) => {
                let c = match args.first() {
                    Some(c) => self.eval(c, frame)?,
                    None => return Err(QError::rank().into()),
                };
                if truthy(&c)? {
                    for x in &args[1..] {
                        self.eval(x, frame)?;
                    }
                }
                Ok(K::NULL)
            }
            Expr::Do(args) => {
                let n = match args.first() {
                    Some(c) => self.eval(c, frame)?,
                    None => return Err(QError::rank().into()),
                };
                let n = n.as_i64().ok_or_else(QError::type_)?;
                for _ in 0..n.max(0) {
                    for x in &args[1..] {
                        self.eval(x, frame)?;
                    }
                }
                Ok(K::NULL)
            }
            Expr::While(args) => {
                let c = args.first().ok_or_else(QError::rank)?;
                loop {
                    let v = self.eval(c, frame)?;
                    if !truthy(&v)? {
                        break;
                    }
                    for x in &args[1..] {
                        self.eval(x, frame)?;
                    }
                }
                Ok(K::NULL)
            }
            Expr::Table(keys, cols) => self.table_literal(keys, cols, frame),
            Expr::Sql(s) => super::sql::eval_sql(self, s, frame),
        }
    }

    /// A verb written in value position: `+` is the binary primitive, `#:` the unary one.
    fn verb_value(&mut self, v: &Verb, frame: &mut Option<&mut Frame>) -> EvalResult {
        match v {
            Verb::Prim(p) => Ok(prim_value(p)?),
            Verb::Word(w) => self.lookup(*w, frame),
            Verb::Derived(f, a) => {
                let fv = self.eval(f, frame)?;
                Ok(derive(fv, a))
            }
        }
    }

    /// A glyph used monadically in verb position (`-x`, `#x`, `+x`).
    pub fn monadic_prim(&mut self, p: &str, x: K) -> EvalResult {
        let glyph = p.trim_end_matches(':');
        let glyph = if glyph.is_empty() { ":" } else { glyph };
        let code = super::prims::codes_code(glyph).ok_or_else(QError::nyi)?;
        let f = self.prim_fn(code, false)?;
        self.apply(&f, vec![x])
    }

    fn table_literal(
        &mut self,
        keys: &[(Sym, Expr)],
        cols: &[(Sym, Expr)],
        frame: &mut Option<&mut Frame>,
    ) -> EvalResult {
        let mut evald = |it: &mut Interp, spec: &[(Sym, Expr)]| -> EvalResult<(Vec<Sym>, Vec<K>)> {
            let mut names = Vec::new();
            let mut vals = Vec::new();
            for (n, e) in spec {
                names.push(*n);
                vals.push(it.eval(e, frame)?);
            }
            Ok((names, vals))
        };
        let (kn, kv) = evald(self, keys)?;
        let (vn, vv) = evald(self, cols)?;
        let all: Vec<&K> = kv.iter().chain(vv.iter()).collect();
        let rows = all
            .iter()
            .filter(|k| !k.is_atom())
            .map(|k| k.len())
            .max()
            .unwrap_or(1);
        let shape = |v: Vec<K>| -> QResult<Vec<K>> {
            v.into_iter()
                .map(|c| {
                    if c.is_atom() {
                        Ok(from_items(vec![c; rows]))
                    } else if c.len() == rows {
                        Ok(c)
                    } else {
                        Err(QError::length())
                    }
                })
                .collect()
        };
        let vv = shape(vv)?;
        let vt = K::table(vn, vv);
        if kn.is_empty() {
            return Ok(vt);
        }
        let kv = shape(kv)?;
        Ok(K::dict(K::table(kn, kv), vt))
    }

    // ---- assignment --------------------------------------------------------------

    fn assign(&mut self, a: &Assign, frame: &mut Option<&mut Frame>) -> EvalResult {
        // `v::expr` at top level defines a view, unless expr reads no names at all.
        if a.global
            && frame.is_none()
            && a.index.is_none()
            && a.op.is_none()
            && parse::reads_names(&a.value)
        {
            let full = self.qualify(a.name, self.ns);
            self.globals.remove(&full);
            self.views.insert(full, Arc::new(a.value.clone()));
            return Ok(K::NULL);
        }
        let mut v = self.eval(&a.value, frame)?;
        // `::` inside a lambda still assigns a local of that name when there is one.
        let local = frame.as_ref().is_some_and(|f| f.declares(a.name));
        let index = match &a.index {
            Some(ix) => Some(self.eval_index(ix, frame)?),
            None => None,
        };
        let result = match (&index, &a.op) {
            (None, None) => v.clone(),
            (None, Some(op)) => {
                let cur = self.assigned(a.name, local, frame)?;
                if matches!(op, Verb::Prim(p) if &**p == ",") {
                    // In place, an enumeration takes symbols by enumerating them (`'cast`
                    // if absent) and a symbol list takes enumerated values as symbols.
                    let y = match (&cur, v.ty().abs()) {
                        (K::Enum(e), 11) => {
                            builtins::enumerate(self, &K::sym(e.domain), &v, false)?
                        }
                        (K::Vector(c), 20) if c.ty == Ty::Sym => self.resolve_enums(v),
                        _ => v,
                    };
                    v = append_assign(&cur, y)?;
                } else {
                    let f = self.verb_value(op, frame)?;
                    v = self.apply(&f, vec![cur, v])?;
                }
                v.clone()
            }
            (Some(ix), op) => {
                // Assigning into an undefined name signals the name.
                let cur = self.assigned(a.name, local, frame)?;
                let newv = match op {
                    None => v.clone(),
                    Some(op) => {
                        let old = if ix.len() == 1 {
                            list::index(&cur, &ix[0])?
                        } else {
                            list::index_deep(&cur, ix)?
                        };
                        let f = self.verb_value(op, frame)?;
                        self.apply(&f, vec![old, v.clone()])?
                    }
                };
                let updated = if ix.len() == 1 {
                    list::amend_assign(&cur, &ix[0], &newv)?
                } else {
                    amend_deep(&cur, ix, &newv)?
                };
                v = newv;
                updated
            }
        };
        self.store(a.name, local, frame, result);
        Ok(v)
    }

    // ---- application -------------------------------------------------------------

    /// Apply any callable to arguments (fewer than its rank projects).
    pub fn apply(&mut self, f: &K, args: Vec<K>) -> EvalResult {
        match f {
            K::Func(func) => self.apply_func(func, f, args),
            K::Atom(Atom {
                ty: Ty::Sym,
                v: Scalar::Sym(s),
            }) => {
                // `` `. `` is the root namespace, not the `.` primitive.
                let target = if s.as_bytes() == b"." {
                    self.root_dict()
                } else {
                    self.lookup(*s, &None)?
                };
                self.apply(&target, args)
            }
            K::Atom(a) if a.ty == Ty::Long || a.ty == Ty::Int => {
                let h = f.as_i64().unwrap_or(0);
                self.handle_write(h, args)
            }
            _ => {
                if args.len() == 1 {
                    Ok(list::index(f, &args[0])?)
                } else {
                    Ok(list::index_deep(f, &args)?)
                }
            }
        }
    }

    fn apply_func(&mut self, func: &Func, whole: &K, args: Vec<K>) -> EvalResult {
        match func {
            Func::Lambda(l) => {
                let def = self.compiled(l)?;
                let n = def.params.len();
                if args.len() > n.max(1) {
                    return Err(QError::rank().into());
                }
                if args.len() < n {
                    // Too few arguments project; the missing ones are trailing, not kept.
                    return Ok(project(whole.clone(), args));
                }
                self.call_lambda(&def, l.ctx, args, whole)
            }
            Func::Native(n) => {
                let b = n
                    .as_any()
                    .downcast_ref::<Builtin>()
                    .ok_or_else(QError::nyi)?;
                if args.len() < b.rank && !(b.rank == 2 && b.name == "::") {
                    return Ok(project(whole.clone(), args));
                }
                if args.len() > b.max.max(b.rank) {
                    return Err(QError::rank().into());
                }
                // Primitives see symbols where enumerations were; a few keep the domain.
                let keeps = matches!(
                    b.name,
                    "type"
                        | "count"
                        | "key"
                        | "value"
                        | "get"
                        | "$"
                        | "::"
                        | "~"
                        | "attr"
                        | "@"
                        | "."
                        | "show"
                        | "meta"
                        | "insert"
                        | "upsert"
                        | "set"
                        | "#"
                        | "fkeys"
                );
                let args = if keeps
                    || !args
                        .iter()
                        .any(|a| matches!(a, K::Enum(_) | K::EnumAtom(..)))
                {
                    args
                } else {
                    args.into_iter().map(|a| self.resolve_enums(a)).collect()
                };
                b.call(self, args)
            }
            Func::Binary(code) => {
                if args.len() == 1 {
                    return Ok(project(whole.clone(), args));
                }
                let f = self.prim_fn(*code, true)?;
                self.apply(&f, args)
            }
            Func::Unary(code) => {
                if *code == 0 {
                    // `::` identity
                    return match args.len() {
                        1 => Ok(args.into_iter().next().unwrap_or(K::NULL)),
                        _ => Err(QError::rank().into()),
                    };
                }
                if args.len() != 1 {
                    return Err(QError::rank().into());
                }
                let glyph = super::prims::codes_glyph(*code);
                let x = args.into_iter().next().unwrap_or(K::NULL);
                self.monadic_prim(glyph, x)
            }
            Func::Projection(items) => {
                let mut filled: Vec<K> = items[1..].to_vec();
                let mut it = args.into_iter();
                for slot in filled.iter_mut() {
                    if is_elided(slot) {
                        match it.next() {
                            Some(a) => *slot = a,
                            None => break,
                        }
                    }
                }
                filled.extend(it);
                let f = items[0].clone();
                if filled.iter().any(is_elided) {
                    return Ok(project(f, filled));
                }
                self.apply(&f, filled)
            }
            Func::Composition(fs) => {
                let mut v = match fs.last() {
                    Some(last) => self.apply(last, args)?,
                    None => return Err(QError::nyi().into()),
                };
                for g in fs[..fs.len() - 1].iter().rev() {
                    v = self.apply(g, vec![v])?;
                }
                Ok(v)
            }
            Func::Derived(t, g) => super::iter::apply_derived(self, *t, g, args),
            // An iterator applied to its operand derives a function (`(/;+)` in a parse
            // tree); `'` applied to a symbol or string is a signal.
            Func::Iterator(c) => match args.as_slice() {
                [x] => {
                    let glyph = super::prims::codes::iterator_glyph(*c).ok_or_else(QError::nyi)?;
                    if *c == 0
                        && !matches!(x, K::Func(_))
                        && (x.as_sym().is_some() || x.as_string().is_some())
                    {
                        return Err(signal_of(x).into());
                    }
                    Ok(derive(x.clone(), glyph))
                }
                _ => Err(QError::rank().into()),
            },
        }
    }

    /// The parsed body of a lambda (parsed on first use when it came over the wire).
    fn compiled(&mut self, l: &Arc<Lambda>) -> QResult<Arc<LambdaDef>> {
        if let Some(c) = l.compiled.get() {
            if let Ok(def) = c.clone().downcast::<LambdaDef>() {
                return Ok(def);
            }
        }
        let e = parse::parse_bytes(&l.text)?;
        let def = match e {
            Expr::Lambda(d) => d,
            _ => return Err(QError::new("bad lambda")),
        };
        let _ = l.compiled.set(def.clone());
        Ok(def)
    }

    pub fn call_lambda(&mut self, def: &LambdaDef, ctx: Sym, args: Vec<K>, this: &K) -> EvalResult {
        if self.depth >= MAX_DEPTH {
            return Err(QError::new("stack").into());
        }
        let mut frame = Frame {
            names: Vec::with_capacity(def.params.len() + def.locals.len()),
            vals: Vec::with_capacity(def.params.len() + def.locals.len()),
            ctx,
            this: Some(this.clone()),
        };
        let mut args = args.into_iter();
        for p in &def.params {
            frame.names.push(*p);
            frame.vals.push(Some(args.next().unwrap_or(K::NULL)));
        }
        // Locals start as the empty list until assigned.
        for l in &def.locals {
            frame.names.push(*l);
            frame.vals.push(Some(K::list(Vec::new())));
        }
        if !def.patterns.is_empty() {
            let mut fr = Some(&mut frame);
            let mut out = Vec::new();
            for (i, p) in def.patterns.iter().enumerate() {
                if let Some(p) = p {
                    let arg = fr.as_ref().and_then(|f| f.vals.get(i).cloned().flatten());
                    self.match_pattern(p, arg.unwrap_or(K::NULL), &mut fr, &mut out)?;
                }
            }
            self.bind(out, &mut fr)?;
        }
        self.depth += 1;
        let mut last = K::NULL;
        let mut result = Ok(K::NULL);
        {
            let mut fr = Some(&mut frame);
            for (i, s) in def.body.iter().enumerate() {
                match self.eval(s, &mut fr) {
                    Ok(v) => {
                        last = if i + 1 == def.body.len() { v } else { K::NULL };
                    }
                    Err(Ctl::Return(v)) => {
                        result = Ok(v);
                        last = K::NULL;
                        break;
                    }
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
        }
        self.depth -= 1;
        match result {
            Ok(v) if !v.is_null() => Ok(v),
            Ok(_) => Ok(last),
            Err(e) => Err(e),
        }
    }

    fn output_to(&mut self, h: i64, text: &[u8]) {
        if h.abs() == 1 {
            self.output.out(text)
        } else {
            self.output.err(text)
        }
    }

    /// Apply an int: `1 "text"`/`-1 "text"` write to stdout (`2`/`-2` stderr); an IPC
    /// handle `h x` is a sync call, `neg[h] x` an async send, `neg[h][]` a flush.
    fn handle_write(&mut self, h: i64, args: Vec<K>) -> EvalResult {
        let x = match args.as_slice() {
            [x] => x,
            _ => return Err(QError::rank().into()),
        };
        if let Some(r) = super::io::write_handle(self, h, x) {
            return Ok(r?);
        }
        if x.is_null() && h > 0 && !matches!(h, 1 | 2) {
            return Err(QError::type_().into());
        }
        if !matches!(h, 1 | -1 | 2 | -2) {
            let net = self
                .net
                .clone()
                .ok_or_else(|| QError::new(format!("{}", h.abs())))?;
            if h == 0 {
                // 0 is the process itself: evaluate.
                return builtins_value(self, x.clone());
            }
            if !net.is_open(h.abs()) {
                return Err(QError::new(format!("{}", h.abs())).into());
            }
            if h > 0 {
                return Ok(net.sync_call(self, h, x)?);
            }
            if x.is_null() {
                net.flush(-h)?;
                return Ok(K::NULL);
            }
            net.async_send(-h, x)?;
            return Ok(K::NULL);
        }
        let mut text = Vec::new();
        match x.as_string() {
            Some(s) if matches!(x, K::Vector(_)) || h.abs() == 1 || h.abs() == 2 => {
                text.extend_from_slice(s);
                if h < 0 {
                    text.push(b'\n');
                }
            }
            _ => {
                // A list of strings writes one line each.
                for s in items(x) {
                    let b = s.as_string().ok_or_else(QError::type_)?;
                    text.extend_from_slice(b);
                    text.push(b'\n');
                }
            }
        }
        self.output_to(h, &text);
        Ok(K::long(h))
    }
}

/// `value x` as the process itself evaluates a message (handle 0).
fn builtins_value(it: &mut Interp, x: K) -> EvalResult {
    let f = it
        .builtins
        .get(&Sym::from_text("value"))
        .cloned()
        .ok_or_else(QError::nyi)?;
    it.apply(&f, vec![x])
}

/// The function value of a lambda literal, with its parse cached.
pub fn lambda_value(def: &Arc<LambdaDef>, ctx: Sym) -> K {
    let l = Lambda::new(ctx, def.text.as_bytes().to_vec());
    let _ = l.compiled.set(def.clone());
    K::Func(Func::Lambda(Arc::new(l)))
}

/// A projection of `f` onto `args` (elided slots are `ELIDED`).
pub fn project(f: K, args: Vec<K>) -> K {
    let mut v = Vec::with_capacity(args.len() + 1);
    v.push(f);
    v.extend(args);
    K::Func(Func::Projection(Arc::new(v)))
}

/// Apply an iterator glyph to a function value.
pub fn derive(f: K, adverb: &str) -> K {
    let t = match adverb {
        "'" => 106,
        "/" => 107,
        "\\" => 108,
        "':" => 109,
        "/:" => 110,
        _ => 111,
    };
    K::Func(Func::Derived(t, Arc::new(f)))
}

/// The value of a primitive glyph in value position.
pub fn prim_value(p: &str) -> QResult {
    if p == "::" {
        return Ok(K::NULL);
    }
    let (glyph, unary) = match p.strip_suffix(':') {
        Some(g) if !g.is_empty() => (g, true),
        _ => (p, false),
    };
    let code = super::prims::codes_code(glyph).ok_or_else(QError::nyi)?;
    Ok(K::Func(if unary {
        Func::Unary(code)
    } else {
        Func::Binary(code)
    }))
}

/// The error a `'x` signal raises: a symbol's or string's text.
pub fn signal_of(v: &K) -> QError {
    if let Some(s) = v.as_sym() {
        return QError::new(s.as_str().into_owned());
    }
    if let (K::Vector(_), Some(s)) = (v, v.as_string()) {
        return QError::new(String::from_utf8_lossy(s).into_owned());
    }
    // Only a symbol or a string can be signalled.
    QError::new("stype")
}

/// q's truth of a condition: a non-zero atom.
pub fn truthy(v: &K) -> QResult<bool> {
    match v {
        K::Atom(a) => Ok(match a.v {
            Scalar::U8(b) => b != 0,
            Scalar::I16(x) => x != 0,
            Scalar::I32(x) => x != 0,
            Scalar::I64(x) => x != 0,
            Scalar::F32(x) => x != 0.0,
            Scalar::F64(x) => x != 0.0,
            Scalar::Guid(g) => g.iter().any(|&b| b != 0),
            Scalar::Sym(_) => return Err(QError::type_()),
        }),
        K::Vector(v) if v.len() == 1 => truthy(&K::Atom(v.at(0))),
        _ => Err(QError::type_()),
    }
}

/// `x,:y`: Join in place (semantics in `prims::list::join_in_place`).
fn append_assign(cur: &K, y: K) -> QResult {
    list::join_in_place(cur, &y)
}

/// `x[i;j]:y` — amend at depth.
pub(crate) fn amend_deep(x: &K, path: &[K], y: &K) -> QResult {
    match path {
        [] => Ok(y.clone()),
        [i] => list::amend_assign(x, i, y),
        [i, rest @ ..] => {
            if i.is_null() {
                // x[;j]:y — every item
                let its = items(x);
                let ys: Vec<K> = if y.is_atom() || y.len() != its.len() {
                    vec![y.clone(); its.len()]
                } else {
                    items(y)
                };
                let out: QResult<Vec<K>> = its
                    .iter()
                    .zip(ys.iter())
                    .map(|(xi, yi)| amend_deep(xi, rest, yi))
                    .collect();
                return Ok(from_items(out?));
            }
            let inner = list::index(x, i)?;
            let updated = amend_deep(&inner, rest, y)?;
            list::amend_assign(x, i, &updated)
        }
    }
}

/// Item `i` of `x` as a value, or the typed null when out of range.
pub fn item_or_null(x: &K, i: usize) -> K {
    item(x, i).unwrap_or(K::NULL)
}

#[cfg(test)]
mod tests {
    use crate::lang::console::run_lines as q;

    #[test]
    fn lists_with_elided_items_project_enlist() {
        assert_eq!(
            q(&["m:(\"The\";;;\"fox\")", "m[\"quick\";\"brown\"]"]),
            "\"The\"\n\"quick\"\n\"brown\"\n\"fox\""
        );
        assert_eq!(q(&["(1;;3) 2"]), "1 2 3");
        assert_eq!(q(&["enlist[1;2;3]"]), "1 2 3");
    }

    #[test]
    fn projections() {
        assert_eq!(q(&["{x}[;1]"]), "'rank");
        assert_eq!(q(&["2+"]), "+[2]");
        assert_eq!(q(&["%[;2]"]), "%[;2]");
        assert_eq!(q(&["f:{x+y*z}", "g:f[2;;4]", "g 3"]), "14");
        assert_eq!(q(&["f:{x+y+z}[1]", "f[2;3]"]), "6");
        assert_eq!(q(&["{x+y+z}[1]"]), "{x+y+z}[1]");
        assert_eq!(q(&["like[\"brown\"]"]), "like[\"brown\"]");
        assert_eq!(q(&["('[;]) over ({10*x};{2*x};{x+y})"]), "{10*x}{2*x}{x+y}");
        assert_eq!(q(&["(('[;]) over ({10*x};{2*x};{x+y}))[1;2]"]), "60");
    }

    #[test]
    fn locals() {
        // `::` assigns a local of that name when the lambda has one.
        assert_eq!(q(&["b:42", "{[a;b]b::99;a+b}[10;20]"]), "109");
        assert_eq!(q(&["b:42", "{[a;b]b::99;a+b}[10;20]", "b"]), "42");
        assert_eq!(q(&["{b::7}[]", "b"]), "7");
        // Locals start as the empty list.
        assert_eq!(q(&["{if[x;t:1];t} 0b"]), "()");
        assert_eq!(q(&["{if[x;t:([]`a`b)];select from t} 0b"]), "'type");
    }

    #[test]
    fn elided_indices_of_data_mean_all() {
        assert_eq!(q(&["m:(1 2 3;4 5 6)", "m[;1]"]), "2 5");
        assert_eq!(q(&["t:([]a:1 2;b:3 4)", "t[;`b]"]), "3 4");
    }

    #[test]
    fn views_are_evaluated_when_read() {
        assert_eq!(q(&["a:1", "b::a+1", "a:10", "b"]), "11");
        assert_eq!(q(&["b::a+1", "a:2", "b"]), "3");
        assert_eq!(q(&["b::a+1", "b:5", "a:2", "b"]), "5");
        assert_eq!(q(&["c::5", "c"]), "5");
        assert_eq!(q(&["c::5;", "c"]), "5");
        // The rest of the input is the view's body.
        assert_eq!(q(&["a:til 5", "vv::a;", "vv~(::)"]), "1b");
        assert_eq!(q(&["a:1", "vv::a;a+1", "vv"]), "2");
    }

    #[test]
    fn z_s_is_the_running_function() {
        assert_eq!(q(&["{$[x<2;x;x*.z.s x-1]} 5"]), "120");
    }

    #[test]
    fn signal_needs_a_symbol_or_string() {
        assert_eq!(q(&["@[{'x};\"a\";{\"trap:\",x}]"]), "\"trap:stype\"");
        assert_eq!(q(&["@[{'x};\"ab\";{\"trap:\",x}]"]), "\"trap:ab\"");
    }

    #[test]
    fn iterators_applied_to_values() {
        assert_eq!(q(&["(/) [+]"]), "+/");
        assert_eq!(q(&["('[neg;+])[2;3]"]), "-5");
    }
}
