//! The tickerplant: kdb+tick's `tick.q` and `tick/u.q` as native code.
//!
//! Owns the `.u` namespace of a tickerplant process — `.u.upd .u.sub .u.add .u.del
//! .u.sel .u.pub .u.end .u.endofday .u.ts .u.tick .u.ld .u.init` as q functions, and the
//! state q code sees as `.u.t .u.w .u.d .u.L .u.l .u.i .u.j` — plus `.z.pc` (drop a closed
//! handle's subscriptions) and `.z.ts` (batch publish or the day check). The semantics are
//! tick.q's: zero-latency mode publishes each update as it arrives, batch mode (`-t N`)
//! buffers in the global tables and publishes on the timer; both stamp a missing time
//! column, log one chunk per update in q's log format, and roll the day at local midnight.
//!
//! The update path is native: `(`upd;t;x)` is encoded once, the log chunk is cut from
//! those bytes and written (write(2)) before anything is published, and the same bytes
//! go to every subscriber that takes every row (one encoding per distinct symbol filter).
//! q stays the glue: a `.u.upd`, `.u.pub`, `.u.end`, `.u.endofday` or `.z.ts` redefined
//! by q code is called wherever tick.q would call it. A subscriber that keeps more than
//! [`Policy::max_bytes`] unread for [`Policy::checks`] checks in a row is cut off.
//!
//! The state lives with the evaluation thread (one tickerplant per interpreter thread,
//! as q has one per process); nothing here runs on the socket tasks.

pub mod cli;
pub mod clock;
pub mod pubsub;
pub mod schema;

use crate::journal::{self, Journal};
use crate::lang::builtins::{BFn, Builtin};
use crate::lang::error::{QError, QResult};
use crate::lang::eval::{EvalResult, Interp};
use bytes::Bytes;
use pubsub::{Encodings, Peer, Subs};
use qipc::sym::FxHashMap;
use qipc::{Func, MsgType, Sym, Ty, K};
use schema::Schema;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where published bytes go: the process's port (`server::Hub`), or a recorder in tests.
pub trait Sink {
    /// Queue each `(h; bytes)` in order, taking `sends` empty; handles that are gone go
    /// to `dead`. Messages of one call may be held back until the process is idle (or a
    /// bound is reached), never reordered on a handle.
    fn send_all(&self, sends: &mut Vec<(i32, Bytes)>, dead: &mut Vec<i32>);
    /// Bytes queued on `h` and not yet written.
    fn queued(&self, h: i32) -> Option<usize>;
    /// What `h`'s connection can take; None when it is not open.
    fn peer(&self, h: i32) -> Option<Peer>;
    /// Drop `h` now, unwritten queue and all.
    fn kill(&self, h: i32);
    /// Close `h` after what is queued for it is written.
    fn close(&self, h: i32);
    fn log(&self, msg: &str);
}

impl Sink for crate::server::Hub {
    fn send_all(&self, sends: &mut Vec<(i32, Bytes)>, dead: &mut Vec<i32>) {
        self.send_corked(sends, dead)
    }
    fn queued(&self, h: i32) -> Option<usize> {
        self.queued_bytes(h)
    }
    fn peer(&self, h: i32) -> Option<Peer> {
        Some(Peer {
            capability: self.capability(h)?,
            compress: crate::server::Hub::compresses(self, h),
        })
    }
    fn kill(&self, h: i32) {
        crate::server::Hub::kill(self, h)
    }
    fn close(&self, h: i32) {
        self.shutdown(h)
    }
    fn log(&self, msg: &str) {
        crate::server::Hub::log(self, msg)
    }
}

/// The slow-subscriber policy (TorQ's defaults: 100 MB unread at three checks a minute
/// apart).
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Unread bytes above which a check counts against a subscriber.
    pub max_bytes: usize,
    /// Consecutive checks over the bound before the subscriber is disconnected.
    pub checks: u32,
    /// Time between checks.
    pub interval: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            max_bytes: 100 << 20,
            checks: 3,
            interval: Duration::from_secs(60),
        }
    }
}

/// How the tickerplant was started.
#[derive(Clone, Debug)]
pub struct Options {
    /// Schema name (`SRC`): log files are `DST/SRCyyyy.mm.dd`.
    pub src: String,
    /// Log directory (`DST`); None or empty: no log.
    pub dst: Option<String>,
    pub policy: Policy,
    /// fdatasync every append (default: write(2) only, as q).
    pub fsync: bool,
}

/// Interned names of the `.u` globals the update path keeps current.
struct Names {
    t: Sym,
    w: Sym,
    d: Sym,
    l_path: Sym,
    l: Sym,
    i: Sym,
    j: Sym,
    upd: Sym,
}

impl Names {
    fn new() -> Names {
        Names {
            t: Sym::from_text(".u.t"),
            w: Sym::from_text(".u.w"),
            d: Sym::from_text(".u.d"),
            l_path: Sym::from_text(".u.L"),
            l: Sym::from_text(".u.l"),
            i: Sym::from_text(".u.i"),
            j: Sym::from_text(".u.j"),
            upd: Sym::from_text("upd"),
        }
    }
}

/// The tickerplant's state.
pub struct Tp {
    src: String,
    dst: String,
    batch: bool,
    fsync: bool,
    tables: Vec<Schema>,
    w: Subs,
    /// `.u.d`, days since 2000.01.01.
    d: i32,
    journal: Option<Journal>,
    /// `.u.L` without the colon; None when not logging.
    log_path: Option<String>,
    i: i64,
    j: i64,
    sink: Arc<dyn Sink>,
    policy: Policy,
    strikes: FxHashMap<i32, u32>,
    next_check: Instant,
    chunk: Vec<u8>,
    /// One publish's `(handle; bytes)`, kept for its allocation.
    sends: Vec<(i32, Bytes)>,
    /// Messages for handle 0 (a console subscription), evaluated once the state is free.
    local: Vec<K>,
    names: Names,
}

thread_local! {
    static TP: RefCell<Option<Tp>> = const { RefCell::new(None) };
}

/// Run `f` on this thread's tickerplant.
fn with_tp<R>(f: impl FnOnce(&mut Tp) -> QResult<R>) -> QResult<R> {
    TP.with(|c| {
        let mut b = c
            .try_borrow_mut()
            .map_err(|_| QError::new("tickerplant busy"))?;
        let tp = b.as_mut().ok_or_else(|| QError::new("no tickerplant"))?;
        f(tp)
    })
}

fn io_err(e: std::io::Error) -> QError {
    QError::new(e.to_string())
}

fn set(it: &mut Interp, n: Sym, v: K) {
    it.globals.insert(n, v);
}

fn date(d: i32) -> K {
    K::i32_of(Ty::Date, d)
}

impl Tp {
    fn index(&self, t: Sym) -> QResult<usize> {
        self.tables
            .iter()
            .position(|s| s.name == t)
            .ok_or_else(|| QError::new(t.as_str().into_owned()))
    }

    fn table_names(&self) -> Vec<Sym> {
        self.tables.iter().map(|s| s.name).collect()
    }

    /// What handle `h` can take (the console, handle 0, takes anything).
    fn peer(&self, h: i32) -> Peer {
        match h {
            0 => Peer::default(),
            _ => self.sink.peer(h).unwrap_or_default(),
        }
    }

    /// 'type when a peer's capability cannot carry table `ti`'s columns (a capability 0
    /// peer and timespans, below 3 and guids): q could not send it the schema or a single
    /// update, so it is refused before it is subscribed.
    fn can_carry(&self, ti: usize, peer: Peer) -> QResult<()> {
        let need = self
            .tables
            .get(ti)
            .map_or(0, |s| pubsub::needs_capability(&s.empty));
        if peer.capability < need {
            return Err(QError::type_());
        }
        Ok(())
    }

    /// `.u.w` after a subscription change.
    fn sync_w(&self, it: &mut Interp) {
        let w = self.w.q(&self.table_names());
        set(it, self.names.w, w);
    }

    /// Every `.u` value q code reads.
    fn sync_all(&self, it: &mut Interp) {
        set(it, self.names.t, K::syms(self.table_names()));
        self.sync_w(it);
        set(it, self.names.d, date(self.d));
        match (&self.log_path, &self.journal) {
            (Some(p), Some(j)) => {
                set(it, self.names.l_path, K::sym(format!(":{p}").as_str()));
                set(it, self.names.l, K::int(journal_handle(j)));
                set(it, self.names.i, K::long(self.i));
                set(it, self.names.j, K::long(self.j));
            }
            _ => {
                set(it, self.names.l, K::long(0));
            }
        }
    }

    /// `.u.init[]`: `.u.t` from the global tables, nobody subscribed.
    fn init(&mut self, it: &mut Interp) -> QResult<()> {
        let mut names: Vec<Sym> = it
            .globals
            .iter()
            .filter(|(k, v)| !k.as_bytes().starts_with(b".") && matches!(v, K::Table(_)))
            .map(|(k, _)| *k)
            .collect();
        names.sort();
        let mut tables = Vec::with_capacity(names.len());
        for n in names {
            let v = it.globals.get(&n).cloned().unwrap_or(K::NULL);
            tables.push(Schema::from_table(n, &v)?);
        }
        self.w = Subs::new(tables.len());
        self.tables = tables;
        Ok(())
    }

    /// `.u.tick[src;dst]`: tables checked and given `g#` on sym, today's date, the log.
    fn tick(&mut self, it: &mut Interp, now: i64) -> QResult<()> {
        self.init(it)?;
        for s in &self.tables {
            set(it, s.name, s.empty.clone());
        }
        self.d = clock::day(now);
        self.journal = None;
        self.log_path = None;
        if !self.dst.is_empty() {
            self.ld(self.d)?;
        }
        self.sync_all(it);
        Ok(())
    }

    /// `.u.ld[d]`: open (creating it if needed) the log for date `d`; `.u.i`/`.u.j`
    /// become its chunk count. A bad tail left by a crash is cut back to the last whole
    /// chunk, keeping a copy of the damaged file (tick.q exits instead).
    fn ld(&mut self, d: i32) -> QResult<i32> {
        self.journal = None;
        let path = format!("{}/{}{}", self.dst, self.src, clock::date_string(d));
        let j = match Journal::create_or_open(&path) {
            Ok(j) => j,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                let r = journal::tool::repair(std::path::Path::new(&path))
                    .map_err(|e| QError::new(format!("{path}: {e}")))?;
                let backup = r
                    .backup
                    .as_ref()
                    .map(|b| b.display().to_string())
                    .unwrap_or_default();
                self.sink.log(&format!(
                    "{path} is a corrupt log ({e}); cut back to {} chunks ({} bytes), the \
                     damaged file kept as {backup}",
                    r.before.chunks, r.before.valid_bytes
                ));
                Journal::create_or_open(&path).map_err(|e| QError::new(format!("{path}: {e}")))?
            }
            Err(e) => return Err(QError::new(format!("{path}: {e}"))),
        };
        let mut j = j;
        if self.fsync {
            j.set_durability(journal::Durability::Fsync);
        }
        self.i = j.count();
        self.j = j.count();
        let h = journal_handle(&j);
        self.journal = Some(j);
        self.log_path = Some(path);
        Ok(h)
    }

    /// `(`upd;t;x)` into the log; false when not logging.
    fn log(&mut self, chunk: &[u8]) -> QResult<bool> {
        match self.journal.as_mut() {
            Some(j) => {
                j.append(chunk).map_err(io_err)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Zero-latency `.u.upd`: stamp, check, log, then publish (or hand the table to a
    /// q-defined `.u.pub`, returned).
    fn upd_now(
        &mut self,
        it: &mut Interp,
        t: Sym,
        x: &K,
        now: i64,
        native_pub: bool,
    ) -> QResult<Option<K>> {
        let ti = self.index(t)?;
        let s = &self.tables[ti];
        let u = schema::normalize(s, x, clock::time_of_day(now))?;
        let table = u.table(s);
        let msg = pubsub::upd_message(t, table.clone())?;
        if self.journal.is_some() {
            let mut chunk = std::mem::take(&mut self.chunk);
            let r = pubsub::log_chunk(&msg, t, &s.names, &u.cols, u.single, &mut chunk)
                .and_then(|_| self.log(&chunk));
            self.chunk = chunk;
            r?;
            self.i += 1;
            set(it, self.names.i, K::long(self.i));
        }
        if !native_pub {
            return Ok(Some(table));
        }
        let enc = Encodings::new(msg, u.rows);
        self.publish(it, ti, &table, enc)?;
        Ok(None)
    }

    /// Batch-mode `.u.upd`: stamp, check, log, append to the global table (published by
    /// the timer).
    fn upd_batch(&mut self, it: &mut Interp, t: Sym, x: &K, now: i64) -> QResult<()> {
        let ti = self.index(t)?;
        let s = &self.tables[ti];
        let u = schema::normalize(s, x, clock::time_of_day(now))?;
        // The buffer must take the update before it is logged.
        let mut buf = it
            .globals
            .remove(&t)
            .ok_or_else(|| QError::new(t.as_str().into_owned()))?;
        let probe = schema::append_check(&buf, &u);
        let logged = probe.and_then(|_| {
            if self.journal.is_none() {
                return Ok(false);
            }
            let msg = K::list(vec![
                K::sym(self.names.upd),
                schema::sym_atom(t),
                u.logged_x(),
            ]);
            let mut chunk = std::mem::take(&mut self.chunk);
            chunk.clear();
            let r = qipc::encode_message_into(&msg, MsgType::Async, 3, &mut chunk)
                .map_err(QError::from)
                .and_then(|_| self.log(&chunk[qipc::Header::SIZE..]));
            self.chunk = chunk;
            r
        });
        let r = logged.and_then(|logged| {
            schema::append(&mut buf, &u)?;
            Ok(logged)
        });
        it.globals.insert(t, buf);
        if r? {
            self.j += 1;
            set(it, self.names.j, K::long(self.j));
        }
        Ok(())
    }

    /// `.u.pub[t;x]` natively: each subscriber of `t` gets the rows its filter selects,
    /// from one encoding per distinct filter; empty selections are not sent.
    fn publish(
        &mut self,
        it: &mut Interp,
        ti: usize,
        table: &K,
        mut enc: Encodings,
    ) -> QResult<()> {
        let mut dead = Vec::new();
        let mut unable = Vec::new();
        // The capability the message needs, worked out only if a subscriber has less
        // than 3 (the encoding itself is the same bytes at every capability that can
        // carry it, so one encoding serves all).
        let mut need: Option<u8> = None;
        let mut sends = std::mem::take(&mut self.sends);
        let s = &self.tables[ti];
        for sub in &self.w.per_table[ti] {
            let Some(b) = enc.for_filter(s, table, sub.filter.as_ref())? else {
                continue;
            };
            if sub.h == 0 {
                self.local.push(qipc::from_bytes(&b)?);
                continue;
            }
            if sub.peer.capability < 3
                && sub.peer.capability
                    < *need.get_or_insert_with(|| pubsub::needs_capability(table))
            {
                unable.push(sub.h);
                continue;
            }
            let b = if sub.peer.compress {
                enc.compressed(&b)
            } else {
                b
            };
            sends.push((sub.h, b));
        }
        self.sink.send_all(&mut sends, &mut dead);
        self.sends = sends;
        for &h in &unable {
            // q would fail the whole publish with 'type; only this peer loses out, and it
            // is told by the close rather than left with a silent gap.
            self.sink.log(&format!(
                "handle {h}: its capability cannot carry {}'s types; closing it",
                s.name.as_str()
            ));
            self.sink.close(h);
        }
        if !dead.is_empty() || !unable.is_empty() {
            for h in dead {
                self.sink
                    .log(&format!("handle {h} is closed; dropping its subscriptions"));
                self.w.del_all(h);
            }
            for h in unable {
                self.w.del_all(h);
            }
            self.sync_w(it);
        }
        self.check_slow(it);
        Ok(())
    }

    /// Publish the table value `x` as table `t` (`.u.pub`, and the batch timer).
    fn publish_value(&mut self, it: &mut Interp, t: Sym, x: &K) -> QResult<()> {
        let ti = self.index(t)?;
        if !matches!(x, K::Table(_)) {
            return Err(QError::type_());
        }
        if self.w.per_table[ti].is_empty() || x.is_empty() {
            return Ok(());
        }
        let enc = Encodings::new(pubsub::upd_message(t, x.clone())?, x.len());
        self.publish(it, ti, x, enc)
    }

    /// `.u.end[d]`: `(`.u.end;d)` once to every subscribed handle.
    fn end(&mut self, d: K) -> QResult<()> {
        let msg = K::list(vec![K::sym(".u.end"), d]);
        let b = Bytes::from(qipc::encode_message(&msg, MsgType::Async, 3)?);
        let mut sends = Vec::new();
        for h in self.w.handles() {
            if h == 0 {
                self.local.push(msg.clone());
            } else {
                sends.push((h, b.clone()));
            }
        }
        let mut dead = Vec::new();
        self.sink.send_all(&mut sends, &mut dead);
        for h in dead {
            self.w.del_all(h);
        }
        Ok(())
    }

    /// The slow-subscriber policy, at most once per interval.
    fn check_slow(&mut self, it: &mut Interp) {
        let now = Instant::now();
        if now < self.next_check {
            return;
        }
        self.next_check = now + self.policy.interval;
        let mut cut = false;
        for h in self.w.handles() {
            let Some(q) = self.sink.queued(h) else {
                continue;
            };
            if q <= self.policy.max_bytes {
                self.strikes.remove(&h);
                continue;
            }
            let n = self.strikes.entry(h).or_insert(0);
            *n += 1;
            if *n >= self.policy.checks {
                self.sink.log(&format!(
                    "subscriber handle {h}: {q} bytes unread, over {} bytes at {} checks in a \
                     row; disconnecting",
                    self.policy.max_bytes, n
                ));
                self.strikes.remove(&h);
                self.w.del_all(h);
                self.sink.kill(h);
                cut = true;
            } else {
                self.sink.log(&format!(
                    "subscriber handle {h}: {q} bytes unread, over {} bytes ({n} of {} checks)",
                    self.policy.max_bytes, self.policy.checks
                ));
            }
        }
        if cut {
            self.sync_w(it);
        }
    }
}

/// `.u.l`: the log's file descriptor, as q's is the file handle `hopen` gave.
fn journal_handle(j: &Journal) -> i32 {
    j.raw_fd()
}

// ---- hooks ------------------------------------------------------------------------

/// The q definition of `name` when q code has replaced ours, else None.
fn user_hook(it: &Interp, name: &'static str) -> Option<K> {
    // `.u.pub` is looked up on every update: its symbol is interned once.
    static PUB: std::sync::OnceLock<Sym> = std::sync::OnceLock::new();
    let sym = if name == ".u.pub" {
        *PUB.get_or_init(|| Sym::from_text(name))
    } else {
        Sym::from_text(name)
    };
    match it.globals.get(&sym) {
        Some(K::Func(Func::Native(n))) if n.name() == name => None,
        None => None,
        Some(v) => Some(v.clone()),
    }
}

fn q(r: EvalResult) -> QResult {
    crate::lang::builtins::q(r)
}

/// Evaluate what was published to handle 0 (a subscription made at the console).
fn deliver_local(it: &mut Interp) -> QResult<()> {
    let msgs = TP.with(|c| {
        c.try_borrow_mut()
            .ok()
            .and_then(|mut b| b.as_mut().map(|tp| std::mem::take(&mut tp.local)))
            .unwrap_or_default()
    });
    for m in msgs {
        crate::server::default_eval(it, m)?;
    }
    Ok(())
}

// ---- the q functions ------------------------------------------------------------

fn arg_sym(x: &K) -> QResult<Sym> {
    x.as_sym().ok_or_else(QError::type_)
}

fn arg_date(x: &K) -> QResult<i32> {
    match x {
        K::Atom(a) if a.ty == Ty::Date => match a.v {
            qipc::Scalar::I32(d) => Ok(d),
            _ => Err(QError::type_()),
        },
        _ => Err(QError::type_()),
    }
}

fn local_now(it: &Interp) -> i64 {
    clock::now(it.utc_offset_ns)
}

/// `.u.upd[t;x]`.
fn upd(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [t, x] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    let t = arg_sym(t)?;
    let batch = with_tp(|tp| Ok(tp.batch))?;
    let now = local_now(it);
    if batch {
        // tick.q: a feed that leaves out the time column triggers the end-of-day check
        // (through .z.ts) before its update is stamped.
        let d = with_tp(|tp| Ok(tp.d))?;
        if !schema::has_time_column(x) && d < clock::day(now) {
            run_zts(it)?;
        }
        with_tp(|tp| tp.upd_batch(it, t, x, now))?;
    } else {
        ts(it, clock::day(now))?;
        let hook = user_hook(it, ".u.pub");
        let table = with_tp(|tp| tp.upd_now(it, t, x, now, hook.is_none()))?;
        if let (Some(f), Some(table)) = (hook, table) {
            q(it.apply(&f, vec![schema::sym_atom(t), table]))?;
        }
    }
    deliver_local(it)?;
    Ok(K::NULL)
}

/// `.u.ts[x]`: roll the day when `x` is the next date; stop the timer and signal when
/// more than one day went by.
fn ts(it: &mut Interp, x: i32) -> QResult<()> {
    let d = with_tp(|tp| Ok(tp.d))?;
    if d < x {
        if d < x - 1 {
            it.timer_ms = 0;
            return Err(QError::new("more than one day?"));
        }
        match user_hook(it, ".u.endofday") {
            Some(f) => {
                q(it.apply(&f, vec![K::NULL]))?;
            }
            None => endofday_native(it)?,
        }
    }
    Ok(())
}

/// `.u.endofday[]`: `.u.end` with the old date, then the next day and its log.
fn endofday_native(it: &mut Interp) -> QResult<()> {
    let d = with_tp(|tp| Ok(tp.d))?;
    match user_hook(it, ".u.end") {
        Some(f) => {
            q(it.apply(&f, vec![date(d)]))?;
        }
        None => with_tp(|tp| tp.end(date(d)))?,
    }
    with_tp(|tp| {
        tp.d += 1;
        if tp.journal.is_some() {
            tp.ld(tp.d)?;
        }
        tp.sync_all(it);
        Ok(())
    })?;
    deliver_local(it)
}

/// The batch timer (`.z.ts`, or tick.q's direct `.z.ts[]` call from `.u.upd`).
fn run_zts(it: &mut Interp) -> QResult<()> {
    match user_hook(it, ".z.ts") {
        Some(f) => q(it.apply(&f, vec![K::NULL])).map(|_| ()),
        None => zts_batch(it),
    }
}

/// Batch `.z.ts`: publish every table's buffer, empty the buffers, `.u.i:.u.j`, then
/// the day check.
fn zts_batch(it: &mut Interp) -> QResult<()> {
    let names = with_tp(|tp| Ok(tp.table_names()))?;
    let values: Vec<K> = names
        .iter()
        .map(|n| it.globals.get(n).cloned().unwrap_or(K::NULL))
        .collect();
    let hook = user_hook(it, ".u.pub");
    for (t, v) in names.iter().zip(&values) {
        match &hook {
            Some(f) => {
                q(it.apply(f, vec![schema::sym_atom(*t), v.clone()]))?;
            }
            None => with_tp(|tp| tp.publish_value(it, *t, v))?,
        }
    }
    drop(values);
    with_tp(|tp| {
        for s in &tp.tables {
            set(it, s.name, s.empty.clone());
        }
        tp.i = tp.j;
        if tp.journal.is_some() {
            set(it, tp.names.i, K::long(tp.i));
        }
        Ok(())
    })?;
    ts(it, clock::day(local_now(it)))?;
    deliver_local(it)
}

fn zts(it: &mut Interp, _a: Vec<K>) -> EvalResult {
    let batch = with_tp(|tp| Ok(tp.batch))?;
    if batch {
        zts_batch(it)?;
    } else {
        ts(it, clock::day(local_now(it)))?;
    }
    // The slow-subscriber checks run on the timer too, so a quiet feed still has them.
    with_tp(|tp| {
        tp.check_slow(it);
        Ok(())
    })?;
    Ok(K::NULL)
}

/// `.u.sub[x;y]`.
fn sub(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [x, y] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    let h = it.zw as i32;
    let x = arg_sym(x)?;
    let r = with_tp(|tp| {
        let peer = tp.peer(h);
        let one = |tp: &mut Tp, ti: usize| -> QResult<K> {
            let f = pubsub::parse_filter(y)?;
            tp.w.del(ti, h);
            tp.w.add(ti, h, f, peer);
            Ok(K::list(vec![
                schema::sym_atom(tp.tables[ti].name),
                tp.tables[ti].empty.clone(),
            ]))
        };
        let r = if x.is_null() {
            for ti in 0..tp.tables.len() {
                tp.can_carry(ti, peer)?;
            }
            let mut pairs = Vec::with_capacity(tp.tables.len());
            for ti in 0..tp.tables.len() {
                pairs.push(one(tp, ti)?);
            }
            K::list(pairs)
        } else {
            let ti = tp.index(x)?;
            tp.can_carry(ti, peer)?;
            one(tp, ti)?
        };
        tp.sync_w(it);
        Ok(r)
    })?;
    Ok(r)
}

/// `.u.add[x;y]`: extend the caller's subscription to `x` (symbols merged by `union`).
fn add(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [x, y] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    let h = it.zw as i32;
    let x = arg_sym(x)?;
    Ok(with_tp(|tp| {
        let ti = tp.index(x)?;
        let peer = tp.peer(h);
        tp.can_carry(ti, peer)?;
        let f = pubsub::parse_filter(y)?;
        tp.w.add(ti, h, f, peer);
        tp.sync_w(it);
        Ok(K::list(vec![
            schema::sym_atom(x),
            tp.tables[ti].empty.clone(),
        ]))
    })?)
}

/// `.u.del[x;y]`: drop handle `y`'s subscription to `x`.
fn del(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [x, y] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    let x = arg_sym(x)?;
    let h = y.as_i64().ok_or_else(QError::type_)? as i32;
    with_tp(|tp| {
        let ti = tp.index(x)?;
        tp.w.del(ti, h);
        tp.sync_w(it);
        Ok(())
    })?;
    Ok(K::NULL)
}

/// `.u.sel[x;y]`: the rows of table `x` whose sym is in `y` (all for `` ` ``).
fn sel(_it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [x, y] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    match pubsub::parse_filter(y)? {
        None => Ok(x.clone()),
        Some(f) => Ok(pubsub::select(x, &f)?.unwrap_or_else(|| x.clone())),
    }
}

/// `.u.pub[t;x]`.
fn publish(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [t, x] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    let t = arg_sym(t)?;
    with_tp(|tp| tp.publish_value(it, t, x))?;
    deliver_local(it)?;
    Ok(K::NULL)
}

/// `.u.end[d]`.
fn end(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [d] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    let d = d.clone();
    with_tp(|tp| tp.end(d))?;
    deliver_local(it)?;
    Ok(K::NULL)
}

fn endofday(it: &mut Interp, _a: Vec<K>) -> EvalResult {
    endofday_native(it)?;
    Ok(K::NULL)
}

fn ts_fn(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [x] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    ts(it, arg_date(x)?)?;
    Ok(K::NULL)
}

/// `.u.ld[d]`: open the log for date `d`, returning its handle.
fn ld(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [x] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    let d = arg_date(x)?;
    Ok(with_tp(|tp| {
        if tp.dst.is_empty() {
            return Err(QError::new("no log directory"));
        }
        let h = tp.ld(d)?;
        tp.sync_all(it);
        Ok(K::int(h))
    })?)
}

/// `.u.tick[src;dst]`.
fn tick(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [x, y] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    let text = |k: &K| -> QResult<String> {
        match (k.as_string(), k.as_sym()) {
            (Some(s), _) => Ok(String::from_utf8_lossy(s).into_owned()),
            (_, Some(s)) => Ok(s.as_str().into_owned()),
            _ => Err(QError::type_()),
        }
    };
    let (src, dst) = (text(x)?, text(y)?);
    let now = local_now(it);
    with_tp(|tp| {
        tp.src = src;
        tp.dst = dst;
        tp.tick(it, now)
    })?;
    Ok(K::NULL)
}

fn init(it: &mut Interp, _a: Vec<K>) -> EvalResult {
    with_tp(|tp| {
        tp.init(it)?;
        tp.sync_all(it);
        Ok(())
    })?;
    Ok(K::NULL)
}

/// `.z.pc[h]`: a closed handle's subscriptions go.
fn zpc(it: &mut Interp, a: Vec<K>) -> EvalResult {
    let [h] = a.as_slice() else {
        return Err(QError::rank().into());
    };
    let h = h.as_i64().ok_or_else(QError::type_)? as i32;
    with_tp(|tp| {
        tp.strikes.remove(&h);
        if tp.w.del_all(h) {
            tp.sync_w(it);
        }
        Ok(())
    })?;
    Ok(K::NULL)
}

type NativeFn = fn(&mut Interp, Vec<K>) -> EvalResult;

const FUNCTIONS: [(&str, usize, NativeFn); 14] = [
    (".u.upd", 2, upd),
    (".u.sub", 2, sub),
    (".u.add", 2, add),
    (".u.del", 2, del),
    (".u.sel", 2, sel),
    (".u.pub", 2, publish),
    (".u.end", 1, end),
    (".u.endofday", 1, endofday),
    (".u.ts", 1, ts_fn),
    (".u.ld", 1, ld),
    (".u.tick", 2, tick),
    (".u.init", 1, init),
    (".z.pc", 1, zpc),
    (".z.ts", 1, zts),
];

/// The q function value of a native.
fn function(name: &'static str, rank: usize, f: NativeFn) -> K {
    K::Func(Func::Native(Arc::new(Builtin {
        name,
        rank,
        max: rank,
        f: BFn::Interp(f),
    })))
}

/// Make `it` a tickerplant: define the `.u` functions, `.z.pc` and `.z.ts`, and run
/// `.u.tick` over the tables already defined (the schema script must have run). Batch
/// mode when the timer is set (`-t`), else zero-latency with a one-second timer for the
/// day check, as tick.q decides.
pub fn install(it: &mut Interp, sink: Arc<dyn Sink>, opts: &Options) -> QResult<()> {
    let batch = it.timer_ms > 0;
    if !batch {
        it.timer_ms = 1000;
    }
    let tp = Tp {
        src: opts.src.clone(),
        dst: opts.dst.clone().unwrap_or_default(),
        batch,
        fsync: opts.fsync,
        tables: Vec::new(),
        w: Subs::default(),
        d: 0,
        journal: None,
        log_path: None,
        i: 0,
        j: 0,
        sink,
        policy: opts.policy,
        strikes: FxHashMap::default(),
        next_check: Instant::now() + opts.policy.interval,
        chunk: Vec::new(),
        sends: Vec::new(),
        local: Vec::new(),
        names: Names::new(),
    };
    TP.with(|c| {
        c.try_borrow_mut()
            .map(|mut b| *b = Some(tp))
            .map_err(|_| QError::new("tickerplant busy"))
    })?;
    for (name, rank, f) in FUNCTIONS {
        it.globals
            .insert(Sym::from_text(name), function(name, rank, f));
    }
    let now = local_now(it);
    with_tp(|tp| tp.tick(it, now))
}

/// Forget this thread's tickerplant (tests).
pub fn uninstall() {
    TP.with(|c| {
        if let Ok(mut b) = c.try_borrow_mut() {
            *b = None;
        }
    });
}

/// `.u.i`, `.u.j`, the log path and the subscribed handles (for tests and tools).
pub fn status() -> Option<(i64, i64, Option<String>, Vec<i32>)> {
    with_tp(|tp| Ok((tp.i, tp.j, tp.log_path.clone(), tp.w.handles()))).ok()
}
