"""kola (a Rust kdb+ client behind a Polars/Python API) against a live `qtick q -p`.

kola maps q values onto Python and Polars types and back, and that mapping is lossy by
design (its README's tables: byte/short/int atoms come back as Python ints and go out as
longs, guids and chars as str and go out as symbols, minutes and seconds as `time`, month
vectors and dictionaries without symbol keys are not supported, integer nulls become
Polars nulls...). So the checks are:

* every q-built value kola supports decodes; re-sent, its q type is the one kola's
  documented mapping gives, and when the type survives the value matches with `~`
  (except where kola documents a loss: nulls and infinities, nanosecond precision);
* a table of q expressions and the exact Python/Polars value kola must produce;
* kola-built values of every type kola can send echo back through `{x}` equal and with the
  documented q type;
* credentials, call forms (string, symbol), async, q errors, 10 MB, forced compression,
  50 concurrent clients.
"""
import datetime as dt

import polars as pl
import pytest

kola = pytest.importorskip("kola")

from qproc import Q_VALUES, USERS, QServer, concurrent_errors  # noqa: E402

UTC = dt.timezone.utc

# q type -> the type kola sends back after decoding it (README "Data Type Mapping").
KOLA_BACK = {-2: -11, -4: -7, -5: -7, -6: -7, -8: -9, -10: -11, -13: -14, -15: -12, -17: -19,
             -18: -19, 10: -11, 15: 12, 17: 19, 18: 19, 101: None}
# README: a keyed table decodes to a DataFrame, which goes out as a table. Observed: kola
# decodes an empty byte or char vector to an empty Utf8 series, which goes out as a list.
KOLA_BACK_EXPR = {"([k:1 2]v:`a`b)": 98, "([k:`a`b;j:1 2]v:10 20;w:\"xy\")": 98, "`byte$()": 0,
                  "\"\"": 0, "`char$()": 0}
# What kola cannot decode (README: month lists, non-symbol dictionary keys, and times
# outside 00:00-23:59:59.999, which the negative null ints of minute/second/time are).
KOLA_UNSUPPORTED = {"0Nu", "0Nv", "0Nt", "2001.02m,0Nm,1999.12m", "`month$()", "(1 2 3)!`x`y`z",
                    "()!()"}


def documented_loss(expr):
    """Values where kola's mapping loses information by its own documentation: integer
    nulls/infinities become Polars nulls, date nulls become 0001.01.01, timestamps and
    timespans go through Python's microseconds, dictionaries through Python lists, strings
    in lists through Utf8 series, and empty byte vectors through an empty str series."""
    return any(tok in expr for tok in ("0N", "0W", "0w", "0n", "D", "!", "`byte$()", "\"\"",
                                       "`char$()"))


def conn(port, **kw):
    q = kola.Q("127.0.0.1", port, **kw)
    q.connect()
    return q


def test_q_values_decode_and_map_as_documented(server, report):
    q = conn(server.port)
    bad, checked = [], 0
    for e in Q_VALUES:
        if e in KOLA_UNSUPPORTED:
            with pytest.raises(kola.KolaError):
                q.sync(e)
            continue
        t0 = q.sync("{type value string x}", e)
        try:
            r = q.sync(e)
        except Exception as ex:  # noqa: BLE001
            bad.append(f"{e}: kola could not decode it: {ex!r}")
            continue
        if isinstance(r, tuple):
            checked += 1  # general lists come back as tuples, which kola cannot send
            continue
        want = KOLA_BACK_EXPR.get(e, KOLA_BACK.get(t0, t0))
        if want is None:
            checked += 1
            continue
        t1 = q.sync("type", r)
        if t1 != want:
            bad.append(f"{e}: q type {t0}, kola sent back {t1}, expected {want}")
        elif t1 == t0 and not documented_loss(e) and not q.sync("{x~value string y}", r, e):
            bad.append(f"{e}: same type but not ~ after the round trip: {r!r}")
        checked += 1
    q.disconnect()
    assert not bad, "\n".join(bad)
    report("q-built values decoded by kola and re-sent with the documented type", checked)


EXACT = [
    ("0b", False), ("1b", True), ("0x2a", 42), ("42h", 42), ("42i", 42), ("42", 42),
    ("1.5e", 1.5), ("3.25", 3.25), ('"a"', "a"), ("`abc", "abc"), ('"hello"', "hello"),
    ("\"G\"$\"8c680a01-5a49-5aab-5a65-d4bfddb6a661\"", "8c680a01-5a49-5aab-5a65-d4bfddb6a661"),
    ("2000.01.01D12:00:00.123456", dt.datetime(2000, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)),
    ("2001.02.03", dt.date(2001, 2, 3)), ("1999.12.31", dt.date(1999, 12, 31)),
    ("2001.02.03T04:05:06.007", dt.datetime(2001, 2, 3, 4, 5, 6, 7000, tzinfo=UTC)),
    ("0D12:00:00.000001", dt.timedelta(hours=12, microseconds=1)),
    ("12:34", dt.time(12, 34)), ("12:34:56", dt.time(12, 34, 56)),
    ("12:34:56.789", dt.time(12, 34, 56, 789000)),
    ("`a`b!1 2", {"a": 1, "b": 2}), ("(1;`a)", (1, "a")),
]
EXACT_SERIES = [
    ("010b", pl.Series([False, True, False], dtype=pl.Boolean)),
    ("0x0102ff", pl.Series([1, 2, 255], dtype=pl.UInt8)),
    ("1 2 0Nh", pl.Series([1, 2, None], dtype=pl.Int16)),
    ("1 2 0Ni", pl.Series([1, 2, None], dtype=pl.Int32)),
    ("1 2 0N", pl.Series([1, 2, None], dtype=pl.Int64)),
    ("1.5 2.5e", pl.Series([1.5, 2.5], dtype=pl.Float32)),
    ("1.5 0n", pl.Series([1.5, None], dtype=pl.Float64)),
    ("`a`b`c", pl.Series(["a", "b", "c"], dtype=pl.Categorical)),
    ("2001.02.03 1999.12.31", pl.Series([dt.date(2001, 2, 3), dt.date(1999, 12, 31)])),
    ("12:34:56.789 00:00:00.001", pl.Series([dt.time(12, 34, 56, 789000), dt.time(0, 0, 0, 1000)])),
    ("`long$til 300", pl.Series(range(300), dtype=pl.Int64)),
]


def test_exact_decoded_values(server, report):
    q = conn(server.port)
    for e, want in EXACT:
        got = q.sync(e)
        assert got == want and type(got) is type(want), f"{e}: {got!r}"
    for e, want in EXACT_SERIES:
        got = q.sync(e)
        assert isinstance(got, pl.Series), e
        assert got.cast(want.dtype).to_list() == want.to_list() and got.dtype == want.dtype, f"{e}: {got!r}"
    t = q.sync("([]a:1 2;s:`x`y;f:1.5 2.5)")
    assert t.columns == ["a", "s", "f"] and t["a"].to_list() == [1, 2]
    assert t["s"].cast(pl.Utf8).to_list() == ["x", "y"] and t["f"].to_list() == [1.5, 2.5]
    k = q.sync("([k:`a`b]v:10 20)")
    assert k.columns == ["k", "v"] and k["v"].to_list() == [10, 20]
    q.disconnect()
    report("q expressions decoded by kola to exactly the documented Python value", len(EXACT) + len(EXACT_SERIES) + 2)


KOLA_VALUES = [
    ("bool", True, -1), ("int", 42, -7), ("float", 1.5, -9), ("str", "sym", -11),
    ("bytes", b"chars", 10), ("datetime", dt.datetime(2020, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), -12),
    ("date", dt.date(2020, 1, 2), -14), ("timedelta", dt.timedelta(seconds=5, microseconds=7), -16),
    ("time", dt.time(1, 2, 3, 4000), -19), ("dict", {"a": 1, "b": "x"}, 99),
    ("Boolean", pl.Series("x", [True, False]), 1),
    ("UInt8", pl.Series("x", [1, 2], pl.UInt8), 4),
    ("Int16", pl.Series("x", [1, 2], pl.Int16), 5),
    ("Int32", pl.Series("x", [1, 2], pl.Int32), 6),
    ("Int64", pl.Series("x", [1, 2]), 7),
    ("Float32", pl.Series("x", [1.5, 2], pl.Float32), 8),
    ("Float64", pl.Series("x", [1.5, None]), 9),
    ("Utf8", pl.Series("x", ["ab", "c"]), 0),
    ("Categorical", pl.Series("x", ["ab", "c"], pl.Categorical), 11),
    ("Datetime", pl.Series("x", [dt.datetime(2020, 1, 1, 1, 2, 3)], pl.Datetime("ns")), 12),
    ("Date", pl.Series("x", [dt.date(2020, 1, 1)]), 14),
    ("Duration", pl.Series("x", [dt.timedelta(days=1, microseconds=3)], pl.Duration("ns")), 16),
    ("Time", pl.Series("x", [dt.time(1, 2)]), 19),
    ("empty Int64", pl.Series("x", [], pl.Int64), 7),
    ("DataFrame", pl.DataFrame({"a": [1, 2], "s": pl.Series(["x", "y"], dtype=pl.Categorical), "f": [1.5, 2.5],
                                "d": [dt.date(2020, 1, 1), dt.date(2020, 1, 2)]}), 98),
]


def test_kola_values_echo_back(server, report):
    q = conn(server.port)
    for name, v, want_t in KOLA_VALUES:
        back = q.sync("{x}", v)
        t = q.sync("type", v)
        assert t == want_t, f"{name}: q type {t}, kola documents {want_t}"
        if isinstance(v, (pl.Series, pl.DataFrame)):
            assert back.equals(v) if isinstance(v, pl.DataFrame) else back.to_list() == v.to_list(), name
        elif isinstance(v, bytes):
            assert back == v.decode(), name
        else:
            assert back == v, name
    q.disconnect()
    report("kola-built values echoed by {x} with the documented q type", len(KOLA_VALUES))


def test_credentials(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text(USERS)
    s = QServer(["-u", str(users)])
    try:
        for user, pw in (("alice", "secret"), ("bob", "secret")):
            q = conn(s.port, user=user, passwd=pw)
            assert q.sync(".z.u") == user
            q.disconnect()
        for user, pw in (("alice", "nope"), ("nobody", "secret")):
            with pytest.raises((kola.KolaAuthError, kola.KolaIOError)):
                conn(s.port, user=user, passwd=pw).sync("1")
        q = conn(s.port, user="alice", passwd="secret")
        assert q.sync("1+1") == 2  # refusals leave the server working
        q.disconnect()
    finally:
        s.stop()


def test_call_forms_async_and_errors(server):
    q = conn(server.port)
    assert q.sync("1+2") == 3
    assert q.sync("{x+y}", 1, 2) == 3
    q.sync("kf:{x*y};")  # kola cannot decode the lambda an assignment returns
    assert q.sync("kf", 6, 7) == 42
    q.asyn("{kasync::x}", 5)
    q.asyn("kf2:{kasync2::x+y}")
    q.asyn("kf2", 40, 2)
    assert q.sync("(kasync;kasync2)").to_list() == [5, 42]
    for expr, text in (("1+`a", "type"), ("nosuchname", "nosuchname"), ("'`custom", "custom")):
        with pytest.raises(kola.KolaError) as e:
            q.sync(expr)
        assert text in str(e.value), str(e.value)
    assert q.sync("1+1") == 2
    q.disconnect()


def test_ten_megabytes_and_compression(server):
    z = QServer(env={"QTICK_COMPRESS_LOCAL": "1"})
    try:
        for s in (server, z):
            q = conn(s.port)
            r = q.sync("10000000#0x2a")
            assert len(r) == 10_000_000 and r.max() == 42 and r.min() == 42
            t = q.sync("([]a:til 100000;b:100000#`x`y`z)")
            assert t.height == 100000 and t["a"].sum() == sum(range(100000))
            assert t["b"].cast(pl.Utf8)[4] == "y"
            big = pl.Series("x", range(1_250_000), pl.Int64)  # 10 MB up
            assert q.sync("{(count x;sum x)}", big).to_list() == [1_250_000, sum(range(1_250_000))]
            q.disconnect()
    finally:
        z.stop()


def test_fifty_concurrent_clients(server, report):
    n_clients, n_calls = 50, 40

    def client(k):
        q = conn(server.port)
        for i in range(n_calls):
            got = q.sync("{x+y}", k, i)
            if got != k + i:
                return f"client {k}: {got}"
        q.disconnect()

    errors = concurrent_errors(n_clients, client)
    assert not errors, "\n".join(errors[:10])
    report("concurrent kola calls answered correctly (50 clients)", n_clients * n_calls)
