"""Our kdb+ codec against KX's own C library (libe, shipped inside PyKX 4.2.0).

PyKX runs here in unlicensed mode, where only the C-API half of KX's library works:
`pykx.deserialize` is `okx` (KX's message validator) then `d9`, and `pykx.serialize(x, mode,
wait)` is `b9(mode, x)` with the message type set to `wait`. No q interpreter is available, so
values on the PyKX side are built from Python/numpy/pandas objects only.

* Direction A, KX reads ours: every value of `qtick ipc sweep` (all types and shapes, made by
  our encoder) must pass KX's validator, decode, and re-serialize to exactly our bytes.
  KX's library has no interpreter and turns a lambda into its source text; for values holding
  lambdas the sweep also gives the bytes of that text form ("libe_hex").
* Direction B, we read KX's: values built with PyKX and serialized by `b9` go through
  `qtick ipc reencode`, which must decode them and re-encode exactly KX's bytes.
* Compression: `b9` never compresses, so KX cannot produce compressed messages for us; instead
  KX must read our compressed messages (`qtick ipc compress --hex`, q's -18!) back to the value.
"""
import datetime
import json
import os
import uuid

os.environ.setdefault("PYKX_UNLICENSED", "true")  # read at import: no licence needed for libe

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pykx as kx  # noqa: E402
import pytest  # noqa: E402

# Datetime (type 15) is deprecated in q and PyKX warns on every use; covering it is the point.
pytestmark = pytest.mark.filterwarnings("ignore:The q datetime type is deprecated")

# Types q can put on the wire: simple atoms/vectors, general list, table, dict, sorted dict,
# functions 100..111, error.
WIRE_TYPES = (
    {t for t in range(-19, 20) if t not in (-3, 3)} | {98, 99, 127, -128} | set(range(100, 112))
)


def payload_type(msg):
    """The type KX's library gives the object of a plain message: its first payload byte,
    signed, except that a sorted dictionary (wire type 127) is held as a dictionary (99)
    whose sortedness is an attribute: `b9` writes 127 back from that attribute."""
    t = int.from_bytes(msg[8:9], "little", signed=True)
    return 99 if t == 127 else t


def count_of(obj):
    """q's `count` of a PyKX object: 1 for atoms and functions, else its length."""
    if obj.t < 0 or obj.t >= 100:
        return 1
    return len(obj)


@pytest.fixture(scope="module")
def sweep(qtick):
    return [json.loads(line) for line in qtick(["ipc", "sweep"])]


def test_sweep_covers_every_type_and_shape(sweep, report):
    names = [r["name"] for r in sweep]
    assert len(names) == len(set(names)), "sweep names must be unique"
    assert {r["type"] for r in sweep} >= WIRE_TYPES
    # attributes s u p g on vectors, sorted tables and keyed tables, lambdas, large values
    attrs = {bytes.fromhex(r["hex"])[9] for r in sweep if 1 <= r["type"] <= 19}
    assert attrs >= {0, 1, 2, 3, 4}
    for prefix in ("sorted_table/", "sorted_keyed/", "keyed/", "lambda/", "projection/",
                   "composition/", "derived/", "big/"):
        assert any(n.startswith(prefix) for n in names), prefix
    report("sweep values", len(sweep))


def test_kx_reads_ours_and_writes_the_same_bytes(sweep, report):
    failures = []
    checked = 0
    for r in sweep:
        if "error" in r:
            continue
        ours = bytes.fromhex(r["hex"])
        want = bytes.fromhex(r.get("libe_hex", r["hex"]))
        try:
            obj = kx.deserialize(ours)
            back = kx.serialize(obj, mode=6, wait=0).copy()
        except Exception as e:  # any refusal by KX's library is a finding
            failures.append(f"{r['name']}: {type(e).__name__}: {e}")
            continue
        if back != want:
            failures.append(f"{r['name']}: KX re-serialized\n  {back.hex()}\n  ours {want.hex()}")
        elif obj.t != payload_type(want):
            failures.append(f"{r['name']}: KX type {obj.t}, ours {payload_type(want)}")
        elif "libe_hex" not in r and count_of(obj) != r["count"]:
            failures.append(f"{r['name']}: KX count {count_of(obj)}, ours {r['count']}")
        checked += 1
    assert not failures, f"{len(failures)} of {len(sweep)} differ:\n" + "\n".join(failures[:20])
    report("values read by KX and re-serialized byte-identically", checked)


def test_kx_reads_our_lambdas_as_their_text(sweep, report):
    lambdas = [r for r in sweep if r["type"] == 100]
    assert len(lambdas) >= 5
    for r in lambdas:
        ours = bytes.fromhex(r["hex"])
        # 64 <context> 00 0a <attr> <count:4> <text>: the text is the tail of our message
        ctx_end = ours.index(0, 9)
        text = ours[ctx_end + 7:]
        assert ours[ctx_end + 1] == 10
        obj = kx.deserialize(ours)
        assert obj.t == 10, r["name"]
        assert bytes(obj.py()) == text, r["name"]
    report("lambdas read by KX as their source text", len(lambdas))


def test_capability_rules_agree(sweep, report):
    """b9 at modes 0..5 refuses exactly what our encoder refuses at that capability ('type
    for guids below 3, timestamps/timespans below 1) and otherwise writes the same bytes."""
    failures = []
    checked = 0
    for r in sweep:
        if "error" in r:
            continue
        obj = kx.deserialize(bytes.fromhex(r["hex"]))
        want = bytes.fromhex(r.get("libe_hex", r["hex"]))
        for mode in (0, 1, 2, 3, 5):
            try:
                got = kx.serialize(obj, mode=mode).copy()
            except kx.QError as e:
                if mode >= r["cap"]:
                    failures.append(f"{r['name']} mode {mode}: KX refused ({e}), we accept")
                elif "type" not in str(e):
                    failures.append(f"{r['name']} mode {mode}: KX refused with {e}, not 'type")
                checked += 1
                continue
            if mode < r["cap"]:
                failures.append(f"{r['name']} mode {mode}: KX accepts, we need {r['cap']}")
            elif got != want:
                failures.append(f"{r['name']} mode {mode}: bytes differ")
            checked += 1
    assert not failures, "\n".join(failures[:20])
    refused = sum(1 for r in sweep if r["cap"] > 0)
    assert refused > 20, "the sweep should hold guids, timestamps and timespans"
    report("(value, capability) pairs agreeing with b9", checked)


def test_kx_signals_our_error_responses(sweep, report):
    errors = [r for r in sweep if "error" in r]
    assert errors
    for r in errors:
        with pytest.raises(kx.QError) as e:
            kx.deserialize(bytes.fromhex(r["hex"]))
        assert str(e.value) == r["error"], r["name"]
    report("error responses signalled by KX with our text", len(errors))


def test_kx_reads_our_compressed_messages(sweep, qtick, report):
    plain = [r for r in sweep if "error" not in r]
    out = qtick(["ipc", "compress", "--hex"], [r["hex"] for r in plain])
    assert len(out) == len(plain)
    compressed = 0
    for r, zhex in zip(plain, out):
        z = bytes.fromhex(zhex)
        ours = bytes.fromhex(r["hex"])
        if z[2] == 0:
            assert z == ours, r["name"]
            continue
        compressed += 1
        assert len(ours) > 2000 and len(z) < len(ours) // 2, r["name"]
        obj = kx.deserialize(z)
        back = kx.serialize(obj, mode=6).copy()
        assert back == bytes.fromhex(r.get("libe_hex", r["hex"])), r["name"]
    assert compressed >= 8, f"only {compressed} sweep values compressed"
    report("compressed messages of ours decompressed by KX to the same value", compressed)


# ---------------------------------------------------------------------------------------
# Direction B: values built with PyKX, serialized by KX's b9, read by us.

NS = np.datetime64("2000-01-01T00:00:00", "ns")


def kx_values():
    """(name, PyKX object) for every type and shape PyKX can build without q."""
    rng = np.random.default_rng(20240601)
    v = []

    # atoms: ordinary values, nulls, infinities (negative ones where a constructor takes them)
    v += [
        ("bool/true", kx.BooleanAtom(True)),
        ("bool/false", kx.BooleanAtom(False)),
        ("guid/typical", kx.GUIDAtom(uuid.UUID("8c680a01-5a49-5aab-5a65-d4bfddb6a661"))),
        ("guid/null", kx.GUIDAtom.null),
        ("guid/all_ff", kx.GUIDAtom(uuid.UUID(int=2**128 - 1))),
        ("byte/0", kx.ByteAtom(0)),
        ("byte/255", kx.ByteAtom(255)),
        ("short/-234", kx.ShortAtom(-234)),
        ("int/42", kx.IntAtom(42)),
        ("long/big", kx.LongAtom(89421099511627575)),
        ("real/5.5", kx.RealAtom(5.5)),
        ("real/-inf", kx.toq(np.float32(-np.inf))),
        ("float/3.234", kx.FloatAtom(3.234)),
        ("float/nan", kx.toq(float("nan"))),
        ("float/-inf", kx.toq(float("-inf"))),
        ("float/-0", kx.toq(-0.0)),
        ("char/a", kx.CharAtom(b"a")),
        ("char/xff", kx.CharAtom(b"\xff")),
        ("symbol/abc", kx.SymbolAtom("abc")),
        ("symbol/utf8", kx.SymbolAtom("héllo_日本")),
        ("symbol/not_utf8", kx.SymbolAtom(b"\xff\xfe")),
        ("timestamp/typical", kx.TimestampAtom(datetime.datetime(2000, 1, 4, 5, 36, 57, 600000))),
        ("timestamp/ns", kx.toq(np.datetime64("2020-01-01T00:00:00.000000001"))),
        ("timestamp/pandas", kx.toq(pd.Timestamp("1970-01-01"))),
        ("month/typical", kx.MonthAtom(np.datetime64("2001-01", "M"))),
        ("date/typical", kx.DateAtom(datetime.date(2001, 1, 1))),
        ("date/0001", kx.DateAtom(datetime.date(1, 1, 1))),
        ("timespan/typical", kx.TimespanAtom(datetime.timedelta(hours=5, minutes=36, seconds=57.6))),
        ("timespan/np", kx.toq(np.timedelta64(-5, "ns"))),
        ("minute/typical", kx.MinuteAtom(datetime.timedelta(minutes=721))),
        ("second/typical", kx.SecondAtom(datetime.timedelta(seconds=43500))),
        ("time/typical", kx.TimeAtom(datetime.timedelta(milliseconds=43499123))),
        ("generic_null", kx.toq(None)),
    ]
    for cls in (kx.ShortAtom, kx.IntAtom, kx.LongAtom):
        bits = {kx.ShortAtom: 16, kx.IntAtom: 32, kx.LongAtom: 64}[cls]
        v += [(f"{cls.__name__}/-inf", cls(-(2 ** (bits - 1)) + 1)),
              (f"{cls.__name__}/max", cls(2 ** (bits - 1) - 2))]
    for cls in (kx.ShortAtom, kx.IntAtom, kx.LongAtom, kx.RealAtom, kx.FloatAtom, kx.TimestampAtom,
                kx.MonthAtom, kx.DateAtom, kx.DatetimeAtom, kx.TimespanAtom, kx.MinuteAtom,
                kx.SecondAtom, kx.TimeAtom):
        v += [(f"{cls.__name__}/null", cls.null), (f"{cls.__name__}/inf", cls.inf)]
    for cls in (kx.CharAtom, kx.SymbolAtom, kx.GUIDAtom):
        v.append((f"{cls.__name__}/null", cls.null))

    # vectors from numpy arrays of every dtype PyKX maps, empty / one / many / with nulls
    arrays = {
        "bool": np.array([True, False, True]),
        "uint8": np.array([0, 1, 127, 128, 255], dtype=np.uint8),
        "int16": np.array([1, -32768, 32767, -32767, 0], dtype=np.int16),
        "int32": np.array([1, -2**31, 2**31 - 1, -2**31 + 1, 0], dtype=np.int32),
        "int64": np.array([1, -2**63, 2**63 - 1, -2**63 + 1, 0], dtype=np.int64),
        "float32": np.array([1.5, np.nan, np.inf, -np.inf, -0.0, 3.4e38], dtype=np.float32),
        "float64": np.array([3.234, np.nan, np.inf, -np.inf, -0.0, 5e-324]),
        "S1": np.array([b"a", b" ", b"\xe9", b"\x00"], dtype="S1"),
        "str": np.array(["the", "quick", "", "日本"]),
        "datetime64[ns]": np.array(["2000-01-04T05:36:57.6", "NaT", "1970-01-01",
                                    "2262-04-11T23:47:16.854775807"], dtype="datetime64[ns]"),
        "datetime64[M]": np.array(["2001-01", "NaT", "1999-12", "9999-12"], dtype="datetime64[M]"),
        "datetime64[D]": np.array(["2001-01-01", "NaT", "0001-01-01", "9999-12-31"],
                                  dtype="datetime64[D]"),
        "timedelta64[ns]": np.array([20217600000000, "NaT", -1, 86400 * 10**9],
                                    dtype="timedelta64[ns]"),
        "timedelta64[m]": np.array([721, "NaT", 0, 1439], dtype="timedelta64[m]"),
        "timedelta64[s]": np.array([43500, "NaT", 0, 86399], dtype="timedelta64[s]"),
        "timedelta64[ms]": np.array([43499123, "NaT", 0, 86399999], dtype="timedelta64[ms]"),
        "uuid": np.array([uuid.UUID("8c680a01-5a49-5aab-5a65-d4bfddb6a661"), uuid.UUID(int=0)],
                         dtype=object),
    }
    for dt, a in arrays.items():
        v += [(f"vector/{dt}/many", kx.toq(a)), (f"vector/{dt}/one", kx.toq(a[:1])),
              (f"vector/{dt}/empty", kx.toq(a[:0]))]
    # typed vectors through PyKX's own classes and ktype conversions
    v += [
        ("vector/SymbolVector", kx.SymbolVector(["a", "", "b c", "é"])),
        ("vector/CharVector/utf8", kx.CharVector("héllo ✓")),
        ("vector/CharVector/bytes", kx.CharVector(b"\xff\x00\x80")),
        ("vector/GUIDVector", kx.GUIDVector([uuid.UUID(int=1), uuid.UUID(int=0)])),
        ("vector/IntVector/ktype", kx.toq([1, 2, 3], ktype=kx.IntVector)),
        ("vector/MinuteVector/ktype", kx.toq([1, 2], ktype=kx.MinuteVector)),
        ("vector/DateVector/from_int32", kx.toq(np.array([366, -2**31], dtype=np.int32),
                                                 ktype=kx.DateVector)),
        ("vector/TimestampVector/from_int64", kx.toq(np.array([1, -2**63], dtype=np.int64),
                                                      ktype=kx.TimestampVector)),
    ]
    # seeded random vectors of every numeric width, several lengths
    for n in (2, 17, 300):
        v += [
            (f"random/bool/{n}", kx.toq(rng.integers(0, 2, n).astype(bool))),
            (f"random/uint8/{n}", kx.toq(rng.integers(0, 256, n).astype(np.uint8))),
            (f"random/int16/{n}", kx.toq(rng.integers(-2**15, 2**15, n).astype(np.int16))),
            (f"random/int32/{n}", kx.toq(rng.integers(-2**31, 2**31, n).astype(np.int32))),
            (f"random/int64/{n}", kx.toq(rng.integers(-2**63, 2**63 - 1, n, dtype=np.int64))),
            (f"random/float32/{n}", kx.toq(rng.standard_normal(n).astype(np.float32))),
            (f"random/float64/{n}", kx.toq(rng.standard_normal(n) * 1e6)),
            (f"random/timestamp/{n}", kx.toq(NS + rng.integers(-2**62, 2**62, n).astype("m8[ns]"))),
            (f"random/symbol/{n}", kx.toq(np.array([f"s{x}" for x in rng.integers(0, 50, n)]))),
            (f"random/bytes_as_chars/{n}", kx.CharVector(rng.integers(0, 256, n).astype(np.uint8)
                                                          .tobytes())),
        ]

    # general lists
    v += [
        ("list/empty", kx.toq([])),
        ("list/mixed", kx.toq([1, "bcd", b"0bc", 5.5])),
        ("list/tuple", kx.toq((1, 2, 3))),
        ("list/nested", kx.toq([np.array([1, 2]), [np.array([1.5]), "sym", [None]], b"chars"])),
        ("list/strings", kx.List([kx.CharVector("ab"), kx.CharVector("c"), kx.CharVector("")])),
        ("list/object_array", kx.toq(np.array([1, "a", None], dtype=object))),
        ("list/of_every_atom", kx.toq([a for _, a in v[:30]])),
    ]
    deep = kx.toq([1])
    for _ in range(30):
        deep = kx.toq([deep])
    v.append(("list/deep_30", deep))

    # dictionaries
    v += [
        ("dict/empty", kx.toq({})),
        ("dict/sym_long", kx.toq({"a": 1, "b": 2})),
        ("dict/sym_mixed", kx.toq({"x": "a", "y": 2, "z": [1.5, b"str"]})),
        ("dict/int_keys", kx.toq({1: "a", 2: "b"})),
        ("dict/nested", kx.toq({"a": {"b": {"c": 1}}, "d": np.array([1, 2])})),
        ("dict/of_vectors", kx.Dictionary({"a": kx.LongVector([1, 2]), "s": kx.SymbolVector(["x"])})),
    ]

    # tables from pandas: every column dtype, empty, keyed (one and two keys), nested columns
    cols = {
        "b": np.array([True, False, True]),
        "x": np.array([1, 2, 255], dtype=np.uint8),
        "h": np.array([1, -32768, 3], dtype=np.int16),
        "i": np.array([1, -2**31, 3], dtype=np.int32),
        "j": np.array([1, -2**63, 3], dtype=np.int64),
        "e": np.array([1.5, np.nan, -np.inf], dtype=np.float32),
        "f": np.array([3.234, np.nan, np.inf]),
        "s": np.array(["a", "", "c"], dtype=object),
        "p": np.array(["2020-01-01", "NaT", "1999-12-31T23:59:59.999999999"], dtype="datetime64[ns]"),
        "n": np.array([1, "NaT", -1], dtype="timedelta64[ns]"),
        "g": [uuid.UUID(int=1), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)],
        "c": np.array([b"a", b"b", b" "], dtype="S1"),
        "l": [[1, 2], [3], []],
        "ni": pd.array([1, None, 3], dtype="Int64"),
    }
    df = pd.DataFrame(cols)
    v += [
        ("table/all_dtypes", kx.toq(df)),
        ("table/one_row", kx.toq(df.iloc[:1])),
        ("table/empty_typed", kx.toq(pd.DataFrame({"a": np.array([], dtype=np.int64),
                                                   "b": np.array([], dtype=np.float64),
                                                   "t": np.array([], dtype="datetime64[ns]")}))),
        ("keyed/one_key", kx.toq(pd.DataFrame({"k": [1, 2, 3], "v": ["a", "b", "c"]}).set_index("k"))),
        ("keyed/two_keys", kx.toq(df[["s", "j", "f", "p"]].set_index(["s", "j"]))),
        ("dict/of_tables", kx.Dictionary({"t": kx.toq(df.iloc[:2][["j", "s"]]),
                                          "u": kx.toq(df.iloc[:1][["f"]])})),
        ("list/of_tables", kx.toq([kx.toq(df[["b", "x"]]), kx.toq(df[["p"]])])),
    ]
    n = 5000
    trade = pd.DataFrame({
        "time": NS + np.arange(n).astype("m8[ms]"),
        "sym": np.array(["AAPL", "MSFT", "IBM"])[rng.integers(0, 3, n)].astype(object),
        "price": np.round(100 + rng.standard_normal(n).cumsum(), 2),
        "size": rng.integers(1, 100, n).astype(np.int32) * 100,
    })
    v += [
        ("big/trade_5000", kx.toq(trade)),
        ("big/longs_100000", kx.toq(np.arange(100000))),
        ("big/symbols_20000", kx.toq(np.array([f"sym{i % 500}" for i in range(20000)]))),
    ]
    return v


def test_we_read_kx_messages_and_write_the_same_bytes(qtick, report):
    values = kx_values()
    msgs, names = [], []
    for name, obj in values:
        for wait in (0, 1, 2):  # async, sync, response headers
            msgs.append(kx.serialize(obj, mode=6, wait=wait).copy())
            names.append((f"{name} (msg type {wait})", obj))
    out = [json.loads(line) for line in qtick(["ipc", "reencode"], [m.hex() for m in msgs])]
    assert len(out) == len(msgs)
    failures = []
    for (name, obj), msg, r in zip(names, msgs, out):
        if not r["ok"]:
            failures.append(f"{name}: we refused: {r['error']}")
        elif r["hex"] != msg.hex():
            failures.append(f"{name}: re-encoded\n  {r['hex'][:300]}\n  KX {msg.hex()[:300]}")
        elif r["type"] != obj.t or r["count"] != count_of(obj) or r["size"] != len(msg):
            failures.append(f"{name}: type/count/size {r['type']}/{r['count']}/{r['size']}, "
                            f"KX {obj.t}/{count_of(obj)}/{len(msg)}")
    assert not failures, f"{len(failures)} of {len(msgs)}:\n" + "\n".join(failures[:20])
    types = {obj.t for _, obj in values}
    # PyKX without q cannot build datetime vectors, attributes, sorted dicts or functions
    # other than ::, so those come from direction A only.
    assert types >= WIRE_TYPES - {15, 127, -128} - set(range(100, 112)) | {101}, types
    report("KX-serialized messages decoded and re-encoded byte-identically", len(msgs))


def test_function_codes_accepted_exactly_where_kx_accepts_them(qtick, report):
    """Unary (101), operator (102) and iterator (103) objects with every code byte: KX's
    validator accepts a fixed range of codes per type; we must accept and refuse the same."""
    msgs = [bytes([1, 0, 0, 0, 10, 0, 0, 0, t, c]) for t in (101, 102, 103) for c in range(256)]
    ours = [json.loads(line)["ok"] for line in qtick(["ipc", "reencode"], [m.hex() for m in msgs])]
    differ = []
    for m, we_accept in zip(msgs, ours):
        try:
            kx.deserialize(m)
            kx_accepts = True
        except kx.QError:
            kx_accepts = False
        if kx_accepts != we_accept:
            differ.append(f"type {m[8]} code {m[9]}: KX {'accepts' if kx_accepts else 'refuses'}")
    assert not differ, f"{len(differ)} differ:\n" + "\n".join(differ[:20])
    report("function code bytes where our validator agrees with KX's", len(msgs))
