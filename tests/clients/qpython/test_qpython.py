"""qPython 2.0.0 (exxeleron, pure Python + numpy) against a live `qtick q -p`.

Runs from .venv-qpython (scripts/test.sh builds it: qPython needs numpy < 1.24). qPython
negotiates capability 3, encodes the lambda form of a call (`QLambda`), and reports whether a
response arrived compressed (`QMessage.is_compressed`), so here those are checked directly.

Echo checks compare qPython's own serialization of what was sent with that of what came
back (`QWriter`), so type, attributes-free layout and every data byte must survive.
"""
import uuid

import numpy as np
import pytest
from qpython import qconnection
from qpython.qcollection import QDictionary, QKeyedTable, qlist, qtable
from qpython.qtemporal import qtemporal
from qpython.qtype import (QBOOL_LIST, QBYTE_LIST, QDATE, QDATE_LIST, QDATETIME, QDOUBLE_LIST,
                           QException, QFLOAT_LIST, QGUID_LIST, QINT_LIST, QLambda, QLONG_LIST,
                           QMINUTE, QMINUTE_LIST, QMONTH, QMONTH_LIST, QSECOND, QSECOND_LIST,
                           QSHORT_LIST, QSYMBOL_LIST, QTIME, QTIME_LIST, QTIMESPAN, QTIMESPAN_LIST,
                           QTIMESTAMP, QTIMESTAMP_LIST)
from qpython.qwriter import QWriter

from qproc import Q_VALUES, USERS, QServer, concurrent_errors

# qPython decodes these null temporal atoms to numpy values it cannot encode again
# (struct.error: 'i' format requires ...), and turns 0Nz into a non-null datetime; a
# qPython limitation, so they are checked one way only.
ONE_WAY = {"0Nm", "0Nd", "0Nu", "0Nv", "0Nt", "0Nz"}


def syms(*s):
    return qlist(np.array([x.encode() for x in s]), qtype=QSYMBOL_LIST)


def longs(*x):
    return qlist(np.array(x, dtype=np.int64), qtype=QLONG_LIST)


VALUES = [
    ("bool", np.bool_(True), -1), ("guid", uuid.UUID("8c680a01-5a49-5aab-5a65-d4bfddb6a661"), -2),
    ("byte", np.int8(42), -4), ("short", np.int16(-42), -5), ("int", np.int32(42), -6),
    ("long", np.int64(-42), -7), ("real", np.float32(1.5), -8), ("float", np.float64(2.5), -9),
    ("char", "a", -10), ("string", "hello", 10), ("symbol", np.bytes_(b"sym"), -11),
    ("timestamp", qtemporal(np.datetime64("2001-02-03T04:05:06.123456789", "ns"), qtype=QTIMESTAMP), -12),
    ("month", qtemporal(np.datetime64("2001-02", "M"), qtype=QMONTH), -13),
    ("date", qtemporal(np.datetime64("2001-02-03", "D"), qtype=QDATE), -14),
    ("datetime", qtemporal(np.datetime64("2001-02-03T04:05:06.007", "ms"), qtype=QDATETIME), -15),
    ("timespan", qtemporal(np.timedelta64(123456789, "ns"), qtype=QTIMESPAN), -16),
    ("minute", qtemporal(np.timedelta64(754, "m"), qtype=QMINUTE), -17),
    ("second", qtemporal(np.timedelta64(45296, "s"), qtype=QSECOND), -18),
    ("time", qtemporal(np.timedelta64(45296789, "ms"), qtype=QTIME), -19),
    ("bool list", qlist(np.array([True, False]), qtype=QBOOL_LIST), 1),
    ("guid list", qlist(np.array([uuid.UUID(int=1), uuid.UUID(int=0)]), qtype=QGUID_LIST), 2),
    ("byte list", qlist(np.array([1, 2, 255], dtype=np.uint8), qtype=QBYTE_LIST), 4),
    ("short list", qlist(np.array([1, -32768], dtype=np.int16), qtype=QSHORT_LIST), 5),
    ("int list", qlist(np.array([1, -2**31], dtype=np.int32), qtype=QINT_LIST), 6),
    ("long list", longs(1, 2, -2**63), 7),
    ("real list", qlist(np.array([1.5, np.nan], dtype=np.float32), qtype=QFLOAT_LIST), 8),
    ("float list", qlist(np.array([1.5, np.inf]), qtype=QDOUBLE_LIST), 9),
    ("symbol list", syms("a", "", "bc"), 11),
    ("timestamp list", qlist(np.array([np.datetime64("2001-02-03T04:05:06.123456789", "ns")]),
                             qtype=QTIMESTAMP_LIST), 12),
    ("month list", qlist(np.array([np.datetime64("2001-02", "M")]), qtype=QMONTH_LIST), 13),
    ("date list", qlist(np.array([np.datetime64("2001-02-03", "D")]), qtype=QDATE_LIST), 14),
    ("timespan list", qlist(np.array([np.timedelta64(5, "ns")]), qtype=QTIMESPAN_LIST), 16),
    ("minute list", qlist(np.array([np.timedelta64(5, "m")]), qtype=QMINUTE_LIST), 17),
    ("second list", qlist(np.array([np.timedelta64(5, "s")]), qtype=QSECOND_LIST), 18),
    ("time list", qlist(np.array([np.timedelta64(5, "ms")]), qtype=QTIME_LIST), 19),
    ("general list", [np.int64(1), "ab", np.bytes_(b"c"), [np.float64(1.5)]], 0),
    ("dict", QDictionary(syms("a", "b"), longs(1, 2)), 99),
    ("table", qtable(syms("a", "s"), [longs(1, 2), syms("x", "y")]), 98),
    ("keyed table", QKeyedTable(qtable(syms("k"), [longs(1, 2)]), qtable(syms("v"), [syms("x", "y")])), 99),
    ("lambda", QLambda("{x+y}"), 100),
]


def wire(x):
    return bytes(QWriter(None, 3).write(x, qconnection.MessageType.SYNC))


def conn(port, **kw):
    q = qconnection.QConnection("127.0.0.1", port, **kw)
    q.open()
    return q


def test_capability_and_credentials(server, tmp_path):
    q = conn(server.port)
    assert q.protocol_version == 3
    q.close()
    users = tmp_path / "users.txt"
    users.write_text(USERS)
    s = QServer(["-u", str(users)])
    try:
        for user in ("alice", "bob"):
            q = conn(s.port, username=user, password="secret")
            assert q.sendSync(".z.u") == user.encode()
            q.close()
        for user, pw in (("alice", "wrong"), ("carol", "secret"), (None, None)):
            with pytest.raises(Exception):
                conn(s.port, username=user, password=pw).sendSync("1")
    finally:
        s.stop()


def test_qpython_values_echo_back(server, report):
    q = conn(server.port)
    bad = []
    for name, v, t in VALUES:
        got_t = q.sendSync("type", v)
        back = q.sendSync("{x}", v)
        if got_t != t:
            bad.append(f"{name}: q type {got_t}, expected {t}")
        if wire(back) != wire(v):
            bad.append(f"{name}: echo re-serializes differently")
    q.close()
    assert not bad, "\n".join(bad)
    report("qPython-built values echoed byte-identically with the right q type", len(VALUES))


def test_q_values_reach_qpython(server, report):
    q = conn(server.port)
    bad, checked = [], 0
    for e in Q_VALUES:
        try:
            r = q.sendSync(e)
            if e in ONE_WAY:
                checked += 1
                continue
            t0 = q.sendSync("{type value x}", e)
            t1 = q.sendSync("type", r)
            ok = q.sendSync("{x~value y}", r, e)
        except Exception as ex:  # noqa: BLE001
            bad.append(f"{e}: {ex!r}")
            continue
        if t0 != t1:
            bad.append(f"{e}: type {t0} became {t1}")
        elif not ok:
            bad.append(f"{e}: not ~ after the round trip")
        checked += 1
    q.close()
    assert not bad, "\n".join(bad)
    report("q-built values decoded by qPython, re-sent and matched with ~", checked)


def test_call_forms(server):
    q = conn(server.port)
    assert q.sendSync("1+2") == 3
    assert q.sendSync("{x+y}", np.int64(1), np.int64(2)) == 3                 # ("{x+y}";1;2)
    q.sendSync("qpf:{x+y};")
    assert q.sendSync(np.bytes_(b"qpf"), np.int64(1), np.int64(2)) == 3       # (`qpf;1;2)
    assert q.sendSync("qpf", np.int64(20), np.int64(22)) == 42                # ("qpf";20;22)
    assert q.sendSync(QLambda("{x*2}"), np.int64(21)) == 42                   # ({x*2};21)
    q.sendAsync("{qpa::x}", np.int64(5))
    q.sendAsync("qpg:{qpb::x+y}")
    q.sendAsync(np.bytes_(b"qpg"), np.int64(40), np.int64(2))
    q.sendAsync(QLambda("{qpc::x*3}"), np.int64(3))
    assert list(q.sendSync("(qpa;qpb;qpc)")) == [5, 42, 9]
    q.close()


def test_errors(server):
    q = conn(server.port)
    for expr, text in (("1+`a", b"type"), ("nosuchname", b"nosuchname"), ("'`custom", b"custom"),
                       ("{x+y}[1;2;3]", b"rank")):
        with pytest.raises(QException) as e:
            q.sendSync(expr)
        assert e.value.args[0] == text, expr
    with pytest.raises(QException) as e:
        q.sendSync(QLambda("{x+y}"), np.int64(1), np.bytes_(b"a"))
    assert e.value.args[0] == b"type"
    assert q.sendSync("1+1") == 2
    q.close()


def test_ten_megabytes_and_compression(server):
    z = QServer(env={"QTICK_COMPRESS_LOCAL": "1"})
    try:
        for s, compressed in ((server, False), (z, True)):
            q = conn(s.port)
            q.query(qconnection.MessageType.SYNC, "10000000#0x2a")
            m = q.receive(data_only=False)
            assert m.is_compressed == compressed
            assert len(m.data) == 10_000_000 and (np.asarray(m.data) == 42).all()
            q.query(qconnection.MessageType.SYNC, "til 1000000")
            m = q.receive(data_only=False)
            assert m.is_compressed == compressed
            assert (np.asarray(m.data) == np.arange(1_000_000)).all()
            q.query(qconnection.MessageType.SYNC, "til 10")  # small: never compressed
            assert not q.receive(data_only=False).is_compressed
            big = longs(*range(1_250_000))
            assert list(q.sendSync("{(count x;sum x)}", big)) == [1_250_000, sum(range(1_250_000))]
            q.close()
    finally:
        z.stop()


def test_fifty_concurrent_clients(server, report):
    n_clients, n_calls = 50, 40

    def client(k):
        q = conn(server.port)
        for i in range(n_calls):
            got = q.sendSync("{x+y}", np.int64(k), np.int64(i))
            if got != k + i:
                return f"client {k}: {got}"
        q.close()

    errors = concurrent_errors(n_clients, client)
    assert not errors, "\n".join(errors[:10])
    report("concurrent qPython calls answered correctly (50 clients)", n_clients * n_calls)
