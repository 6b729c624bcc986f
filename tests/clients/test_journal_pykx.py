"""Tick logs between qtick and KX's own library (libe inside PyKX 4.2.0, unlicensed mode:
`deserialize` = KX's validator + d9, `serialize` = b9).

A log is the 8 bytes `ff 01 00 00 00 00 00 00` (what `` `:log set () `` writes) followed by
one serialized object per update, each an IPC message body without header or length
(spec/tick.md §8). Chunk boundaries are found here by walking each object's structure, a
walker written independently of qtick's.

* KX reads ours: `qtick log append` writes a log; every chunk must pass KX's validator, be
  exactly the bytes b9 gives for the same value built in PyKX, and re-serialize unchanged.
* We read KX's: a log assembled from b9 bodies replays through qtick's `-11!` with the
  right count and values, and a truncated copy gives q's damaged-log answers.
"""
import os
import struct

os.environ.setdefault("PYKX_UNLICENSED", "true")  # read at import: no licence needed for libe

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pykx as kx  # noqa: E402

HEADER = bytes([0xFF, 0x01, 0, 0, 0, 0, 0, 0])

# Bytes per item of each vector type (symbols are NUL-terminated, 0 here).
WIDTH = {1: 1, 2: 16, 4: 1, 5: 2, 6: 4, 7: 8, 8: 4, 9: 8, 10: 1, 11: 0, 12: 8, 13: 4, 14: 4,
         15: 8, 16: 8, 17: 4, 18: 4, 19: 4}


def object_end(b, i):
    """Offset just past the serialized object starting at b[i] (IndexError if short)."""
    t = struct.unpack_from("b", b, i)[0]
    i += 1
    if t == -11:
        return b.index(0, i) + 1
    if -19 <= t <= -1:
        return i + WIDTH[-t]
    if 0 <= t <= 19:
        n = struct.unpack_from("<I", b, i + 1)[0]
        i += 5
        if t == 0:
            for _ in range(n):
                i = object_end(b, i)
            return i
        if t == 11:
            for _ in range(n):
                i = b.index(0, i) + 1
            return i
        return i + n * WIDTH[t]
    if t == 98:  # attribute, then a dictionary
        return object_end(b, i + 1)
    if t in (99, 127):
        return object_end(b, object_end(b, i))
    raise ValueError(f"type {t} not expected in a tick log")


def chunks_of(data):
    """(offset, bytes) of every chunk of a log."""
    assert data[:8] == HEADER, data[:8].hex()
    out, i = [], 8
    while i < len(data):
        end = object_end(data, i)
        assert end <= len(data), "chunk runs past the end of the file"
        out.append((i, data[i:end]))
        i = end
    return out


def as_message(body):
    """An async IPC message around a chunk, for KX's deserializer."""
    return bytes([1, 0, 0, 0]) + struct.pack("<I", len(body) + 8) + body


def body_of(obj):
    return bytes(kx.serialize(obj, mode=3, wait=0).copy())[8:]


def tspans(*ns):
    return kx.toq(np.array(ns, dtype="m8[ns]"))


# Updates as q source (what `qtick log append` evaluates) and the same values built in PyKX.
UPDATES = [
    ("(`upd;`trade;(0D09:30:00.000000001 0D09:30:01;`a`b;1 2f;10 20))",
     [kx.SymbolAtom("upd"), kx.SymbolAtom("trade"),
      [tspans(34200000000001, 34201000000000), kx.SymbolVector(["a", "b"]),
       kx.FloatVector(np.array([1.0, 2.0])), kx.LongVector(np.array([10, 20]))]]),
    ("(`upd;`quote;(0D10:00:00.000000000;`c;1.5;2.5;100;200;\"N\";\"X\"))",
     [kx.SymbolAtom("upd"), kx.SymbolAtom("quote"),
      [kx.TimespanAtom(np.timedelta64(36000000000000, "ns")), kx.SymbolAtom("c"),
       kx.FloatAtom(1.5), kx.FloatAtom(2.5), kx.LongAtom(100), kx.LongAtom(200),
       kx.CharAtom(b"N"), kx.CharAtom(b"X")]]),
    ("(`upd;`t;([]a:1 2;b:`x`y))",
     [kx.SymbolAtom("upd"), kx.SymbolAtom("t"),
      kx.toq(pd.DataFrame({"a": np.array([1, 2]), "b": np.array(["x", "y"], dtype=object)}))]),
    ("(`upd;`u;(2000.01.01D00:00:00.000000001;0x0102;(\"ab\";\"cde\");2000.01.02))",
     [kx.SymbolAtom("upd"), kx.SymbolAtom("u"),
      [kx.TimestampAtom(np.datetime64("2000-01-01T00:00:00.000000001")),
       kx.ByteVector(np.array([1, 2], dtype=np.uint8)),
       [kx.CharVector("ab"), kx.CharVector("cde")],
       kx.DateAtom(np.datetime64("2000-01-02"))]]),
]


def kx_value(v):
    """A PyKX value from nested Python lists of PyKX values (lists stay general)."""
    if isinstance(v, list):
        return kx.toq([kx_value(x) for x in v])
    return v


def fsym(path):
    """A q file symbol for `path`, built with `$ (paths may hold characters a symbol
    literal stops at)."""
    return f'(`$":{path}")'


def test_kx_reads_every_chunk_of_our_log(qtick, tmp_path, report):
    log = tmp_path / "sym2024.01.29"
    out = qtick(["log", "append", str(log)], [src for src, _ in UPDATES])
    assert out == [f"{log}: {len(UPDATES)} chunks"]
    data = log.read_bytes()
    chunks = chunks_of(data)
    assert len(chunks) == len(UPDATES)
    for (off, chunk), (src, want) in zip(chunks, UPDATES):
        obj = kx.deserialize(as_message(chunk))
        # Byte-identical to what KX's serializer makes of the same value.
        assert chunk == body_of(kx_value(want)), src
        assert body_of(obj) == chunk, src
    # qtick's own walk finds the same boundaries.
    cat = qtick(["log", "cat", "--offsets", str(log)])
    assert [line.split(":", 1)[0] for line in cat] == [
        f"{i} @{off}+{len(c)}" for i, (off, c) in enumerate(chunks)]
    report("chunks read by KX", len(chunks))


def kx_log(path, values):
    data = HEADER + b"".join(body_of(kx_value(v)) for v in values)
    path.write_bytes(data)
    return data


def replay(qtick, log, *more):
    """In qtick's console: an `upd` collecting into `got`, `-11!(-2;log)`, `-11!log`,
    `count got`, then the lines `more`; the console's output lines."""
    f = fsym(log)
    return qtick(["q"], [
        "got:();upd:{[t;x] got::got,enlist(t;x)}",
        f"-11!(-2;{f})",
        f"-11!{f}",
        "count got",
        *more,
    ])


def test_qtick_replays_a_log_kx_wrote(qtick, tmp_path, report):
    log = tmp_path / "kx.log"
    data = kx_log(log, [want for _, want in UPDATES])
    out = replay(qtick, log, "got[0;0]", "got[2;1]", "-8!got[3]")
    n = len(UPDATES)
    assert out[:4] == [str(n), str(n), str(n), "`trade"]
    assert out[4:8] == ["a b", "---", "1 x", "2 y"]
    # The value handed to upd is exactly the chunk's data.
    want_tail = body_of(kx.toq([kx.SymbolAtom("u"), kx_value(UPDATES[3][1][2])]))
    assert bytes.fromhex(out[8][2:])[8:] == want_tail
    report("chunks replayed by qtick", n)

    # Truncated mid-chunk: q's (count;valid bytes) and 'badtail after the valid chunks.
    bad = tmp_path / "bad.log"
    bad.write_bytes(data[:-3])
    valid = len(data) - len(chunks_of(data)[-1][1])
    out = replay(qtick, bad, f"-11!({n - 1};{fsym(bad)})")
    assert out == [str(n - 1), str(valid), "'badtail", str(n - 1), str(n - 1)]
