"""The tickerplant end to end with KX's PyKX (4.2.0, unlicensed mode) and kola.

One `qtick tp` (zero-latency, logging) whose test clock starts two seconds before
midnight. A PyKX feed publishes asynchronously with the function name as a string
(`(".u.upd";`trade;x)`), one row or a list of columns per message, every row carrying a
unique sequence number. Meanwhile:

* a PyKX subscriber bootstraps exactly as r.q does: the sync request
  "(.u.sub[`;`];`.u `i`L)", then `-11!(n;L)` of the first `.u.i` log chunks locally
  through `qtick q`, then the live `upd`s that queued meanwhile;
* a second PyKX subscriber takes trades for `IBM`MSFT only;
* a kola subscriber (kola's Rust client behind Python) bootstraps the same way, later in
  the stream: the same sync request, then it asks a `qtick q -p` process started in the
  tickerplant's directory (as r.q's own process would be) to run `-11!(n;L)` with an
  `upd` that records each chunk, then it takes its live `upd`s on a thread;
* the day rolls at midnight: every subscriber gets `.u.end` with the old date, and a new
  log opens.

Then: the two logs hold every published message exactly once, in order; each r.q-style
subscriber's replay plus live updates are the same sequence with `.u.end` at the day
boundary (no gap, no duplicate); the filtered subscriber got exactly the matching rows
published after it subscribed.
"""
import asyncio
import os
import pathlib
import select
import subprocess
import threading
import time

os.environ.setdefault("PYKX_UNLICENSED", "true")

import kola  # noqa: E402
import pykx as kx  # noqa: E402

from conftest import qtick_path  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
SYMS = ["IBM", "MSFT", "AAPL", "GOOG"]


class Tp:
    """`qtick tp sym . -p 0W` in `cwd` (or `qtick q -p 0W` with `mode="q"`), reporting
    its port on its first stdout line."""

    def __init__(self, cwd, args=(), env=None, mode="tp"):
        e = dict(os.environ, QTICK_PRINT_PORT="1", QUDSPATH="")
        e.update(env or {})
        self.err = open(cwd / f"{mode}.err", "w")
        cmd = ["tp", "sym", "."] if mode == "tp" else ["q"]
        self.proc = subprocess.Popen([str(qtick_path()), *cmd, "-p", "127.0.0.1:0W", *args],
                                     cwd=cwd, env=e, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline()
        assert line.strip().isdigit(), f"{mode} did not start: {line!r}"
        self.port = int(line)

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self.err.close()


def recv(conn, timeout):
    """The next message on a RawQConnection as Python values, or None after `timeout` s."""
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        if select.select([conn.fileno()], [], [], left)[0]:
            m = conn.poll_recv()
            if m is not None:
                return m.py()


def replay(cwd, n, log):
    """`-11!(n;log)` in a `qtick q` started in the tickerplant's directory."""
    out = subprocess.run([str(qtick_path()), "q", str(HERE / "tick_replay.q"), str(n), log],
                         cwd=cwd, capture_output=True, text=True, timeout=60, env=dict(os.environ, QUDSPATH=""))
    lines = out.stdout.splitlines()
    assert lines and lines[-1].startswith("count "), out.stdout + out.stderr
    msgs = []
    for line in lines[:-1]:
        t, *seqs = line.split()
        msgs.append((t, [int(s) for s in seqs]))
    assert int(lines[-1].split()[1]) == len(msgs)
    return msgs


def seqs_of(t, table):
    """Sequence numbers in an upd's table: trade.size, quote.bsize."""
    return [int(x) for x in table["size" if t == "trade" else "bsize"]]


class Feed(threading.Thread):
    """Publishes until stopped: one trade row, three trade rows, two quote rows, ..."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.conn = kx.SyncQConnection("127.0.0.1", port, no_ctx=True, wait=False)
        self.sent = []  # (table, seqs, syms)
        self.stop = threading.Event()
        self.seq = 0

    def next(self, n):
        s = list(range(self.seq, self.seq + n))
        self.seq += n
        return s

    def publish(self, k, wait=False):
        if k % 3 == 0:
            s = self.next(1)
            sym = SYMS[k % 4]
            row = [kx.SymbolAtom(sym), kx.FloatAtom(1.5), kx.IntAtom(s[0]), kx.CharAtom(b"B")]
            self.conn(".u.upd", kx.SymbolAtom("trade"), row, wait=wait)
            self.sent.append(("trade", s, [sym]))
        elif k % 3 == 1:
            s = self.next(3)
            syms = [SYMS[(k + i) % 4] for i in range(3)]
            cols = [kx.SymbolVector(syms), kx.FloatVector([1.0, 2.0, 3.0]), kx.IntVector(s),
                    kx.CharVector("BSB")]
            self.conn(".u.upd", kx.SymbolAtom("trade"), cols, wait=wait)
            self.sent.append(("trade", s, syms))
        else:
            s = self.next(2)
            syms = [SYMS[k % 4], SYMS[(k + 1) % 4]]
            cols = [kx.SymbolVector(syms), kx.FloatVector([1.0, 2.0]), kx.FloatVector([1.1, 2.1]),
                    kx.LongVector(s), kx.LongVector([5, 6]), kx.CharVector("AB"), kx.CharVector("NN")]
            self.conn(".u.upd", kx.SymbolAtom("quote"), cols, wait=wait)
            self.sent.append(("quote", s, syms))

    def run(self):
        k = 0
        while not self.stop.is_set():
            self.publish(k)
            k += 1
            time.sleep(0.005)
        # A last update sent synchronously: when it returns, everything is published. Its
        # sym, END, tells the kola subscriber's thread that nothing more will come.
        s = self.next(1)
        row = [kx.SymbolAtom("END"), kx.FloatAtom(1.0), kx.IntAtom(s[0]), kx.CharAtom(b"B")]
        self.conn(".u.upd", kx.SymbolAtom("trade"), row, wait=True)
        self.sent.append(("trade", s, ["END"]))


# What the kola subscriber asks its replaying `qtick q` process to run: r.q's
# `-11!(n;L)` with an `upd` that records each chunk as tick_replay.q prints it.
KOLA_REPLAY = ("{[n;L] R::(); upd::{[t;x] R::R,enlist string[t],\" \",\" \" sv string (),x $[t=`trade;3;4]};"
               " c:-11!(n;L); (c;\"\\n\" sv R)}")


class KolaSub(threading.Thread):
    """An r.q-style kola subscriber: subscribe and read `(.u.i;.u.L)` in one sync
    request, have a `qtick q` replay the first `.u.i` chunks, then receive live messages
    on this thread until the feed's END row."""

    def __init__(self, tp_port, replayer_port):
        super().__init__(daemon=True)
        self.q = kola.Q("127.0.0.1", tp_port)
        self.q.connect()
        schemas, (self.n, self.log) = self.q.sync("(.u.sub[`;`];`.u `i`L)")
        assert [p[0] for p in schemas] == ["quote", "trade"]
        assert all(p[1].height == 0 and p[1].columns[:2] == ["time", "sym"] for p in schemas)
        r = kola.Q("127.0.0.1", replayer_port)
        r.connect()
        count, text = r.sync(KOLA_REPLAY, self.n, self.log)
        r.disconnect()
        self.replayed = []
        for line in filter(None, text.split("\n")):
            t, *seqs = line.split()
            self.replayed.append((t, [int(x) for x in seqs]))
        assert count == self.n == len(self.replayed)
        self.live = []  # ("upd", table, seqs, syms) or (".u.end", date)
        self.error = None

    def run(self):
        try:
            while True:
                m = self.q.receive()
                if m[0] == ".u.end":
                    self.live.append((".u.end", m[1]))
                    continue
                assert m[0] == "upd", m
                t, df = m[1], m[2]
                seqs = [int(x) for x in df["size" if t == "trade" else "bsize"]]
                syms = [str(x) for x in df["sym"]]
                self.live.append(("upd", t, seqs, syms))
                if "END" in syms:
                    return
        except Exception as e:  # reported by the test
            self.error = e


def test_tick_end_to_end_with_pykx_and_kola(tmp_path, report):
    tp = Tp(tmp_path, env={"QTICK_CLOCK_START": "23:59:58.000"})
    replayer = Tp(tmp_path, mode="q")
    try:
        asyncio.run(scenario(tp, replayer, tmp_path, report))
    finally:
        replayer.stop()
        tp.stop()


async def scenario(tp, replayer, cwd, report):
    feed = Feed(tp.port)
    feed.start()
    time.sleep(0.5)

    # r.q's bootstrap, mid-stream.
    s1 = await kx.RawQConnection("127.0.0.1", tp.port, no_ctx=True)
    fut = s1("(.u.sub[`;`];`.u `i`L)")
    s1.poll_send()
    schemas, (n, log0) = (await asyncio.wait_for(fut, 10)).py()
    assert [p[0] for p in schemas] == ["quote", "trade"]
    assert all(len(p[1]["time"]) == 0 for p in schemas)
    assert log0.startswith(":./sym")
    replayed = replay(cwd, n, log0)
    assert n > 0 and len(replayed) == n

    # The filtered subscriber, with the log position at its subscription.
    s2 = await kx.RawQConnection("127.0.0.1", tp.port, no_ctx=True)
    fut2 = s2("(.u.sub[`trade;`IBM`MSFT];.u.i;.u.L)")
    s2.poll_send()
    pair, i2, log2 = (await asyncio.wait_for(fut2, 10)).py()
    assert pair[0] == "trade" and log2 == log0

    # The kola subscriber, later in the stream (replay runs in the `qtick q` process).
    time.sleep(0.05)
    ksub = KolaSub(tp.port, replayer.port)
    assert ksub.log == log0 and ksub.n >= n
    ksub.start()

    # Live updates across midnight (the test clock reaches it about 2 s after start).
    live1, live2 = [], []
    deadline = time.monotonic() + 3.5
    while time.monotonic() < deadline:
        for conn, sink in ((s1, live1), (s2, live2)):
            m = recv(conn, 0.01)
            if m is not None:
                sink.append(m)
    feed.stop.set()
    feed.join(timeout=10)
    ksub.join(timeout=10)
    assert not ksub.is_alive(), "the kola subscriber never saw the feed's last update"
    assert ksub.error is None, ksub.error
    idle = time.monotonic()
    while time.monotonic() - idle < 1.0:
        for conn, sink in ((s1, live1), (s2, live2)):
            m = recv(conn, 0.05)
            if m is not None:
                sink.append(m)
                idle = time.monotonic()

    q = kx.SyncQConnection("127.0.0.1", tp.port, no_ctx=True)
    log1 = q(".u.L").py()
    assert log1 != log0, "no new log after midnight"
    assert log1[-10:] > log0[-10:]
    assert (cwd / log1[3:]).is_file()

    # The logs hold every published message once, in order.
    old, new = replay(cwd, -1, log0), replay(cwd, -1, log1)
    sent = [(t, s) for t, s, _ in feed.sent]
    assert old + new == sent
    assert len(old) > 0 and len(new) > 0, "the feed did not span midnight"

    # Subscriber 1: replay + live = everything, with .u.end at the day boundary.
    ends = [i for i, m in enumerate(live1) if m[0] == ".u.end"]
    assert len(ends) == 1, ends
    got1 = replayed + [(m[1], seqs_of(m[1], m[2])) for m in live1 if m[0] == "upd"]
    assert got1 == sent
    assert n + ends[0] == len(old), "the .u.end does not sit between the two days"

    # Subscriber 2: the IBM/MSFT trade rows published after it subscribed.
    ends2 = [i for i, m in enumerate(live2) if m[0] == ".u.end"]
    assert len(ends2) == 1
    want2 = []
    for (t, s, syms) in feed.sent[i2:]:
        keep = [x for x, y in zip(s, syms) if t == "trade" and y in ("IBM", "MSFT")]
        if keep:
            want2.append(keep)
    got2 = [seqs_of("trade", m[2]) for m in live2 if m[0] == "upd"]
    assert got2 == want2
    assert all(set(m[2]["sym"]) <= {"IBM", "MSFT"} for m in live2 if m[0] == "upd")

    # The kola subscriber: replay + live = everything, .u.end once at the day boundary.
    kends = [i for i, m in enumerate(ksub.live) if m[0] == ".u.end"]
    assert len(kends) == 1, kends
    assert ksub.live[kends[0]][1].strftime("%Y.%m.%d") == log0[-10:]
    got3 = ksub.replayed + [(m[1], m[2]) for m in ksub.live if m[0] == "upd"]
    assert got3 == sent
    assert ksub.n + kends[0] == len(old), "kola: the .u.end does not sit between the two days"
    report("messages published", len(sent))
    report("messages checked across subscribers and logs",
           len(got1) + len(got2) + len(got3) + len(old) + len(new))
