#!/usr/bin/env python3
"""Turn criterion's estimates for benches/codec.rs into the README's markdown tables.

Reads target/criterion/<group>/<bench>/new/{estimates.json,benchmark.json} (median time and
the byte throughput each benchmark declares) and, for the compressed sizes and whether
kdb_codec's output equals ours, the bench's own log lines ("compress <input>: ...").
Standard library only.

usage: bench_table.py <criterion dir> [bench log]
"""

import json
import re
import sys
from pathlib import Path

INPUTS = ["longs", "floats", "syms", "trade"]
LABELS = {
    "longs": "1M longs (`til`)",
    "floats": "1M floats (random walk)",
    "syms": "1M syms (10 names)",
    "trade": "1M-row trade table",
}


def load(root, group, bench):
    """(median ns, bytes) of one benchmark, or None when it did not run."""
    d = root / group / bench / "new"
    try:
        est = json.loads((d / "estimates.json").read_text())
        meta = json.loads((d / "benchmark.json").read_text())
    except (OSError, ValueError):
        return None
    return est["median"]["point_estimate"], meta["throughput"]["Bytes"]


def gbps(r):
    ns, nbytes = r
    return nbytes / ns  # bytes per ns == GB/s (10^9 bytes/s)


def cell(r, ref=None):
    """'x.xx GB/s', with the percentage of the reference's throughput when given."""
    if r is None:
        return "–"
    s = f"{gbps(r):.2f} GB/s"
    if ref is not None:
        s += f" ({100 * gbps(r) / gbps(ref):.0f}%)"
    return s


def ratio(a, b):
    """How many times faster a is than b (same bytes), as 'n.nn×'."""
    if a is None or b is None:
        return "–"
    return f"{b[0] / a[0]:.2f}×"


def verdicts(log):
    """input -> (message bytes, our size, kdb_codec size, identical) from the bench log."""
    out = {}
    pat = re.compile(
        r"^compress (\w+): (\d+) bytes -> ours ([\w ]+?), kdb_codec ([\w ]+?); "
        r"identical output: (\w+)"
    )
    for line in log.splitlines():
        m = pat.match(line.strip())
        if m:
            out[m.group(1)] = m.groups()[1:]
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    root = Path(sys.argv[1])
    log = Path(sys.argv[2]).read_text() if len(sys.argv) > 2 else ""
    v = verdicts(log)

    print("Encode and decode, against a copy of the same number of bytes in the same run")
    print("(GB/s of message bytes; percentage of the reference in brackets):")
    print()
    print(
        "| input | message | memcpy | memcpy into fresh Vec "
        "| encode, reused buffer (% of memcpy) | encode, new Vec (% of fresh Vec) "
        "| decode (% of fresh Vec) | kdb_codec encode (% of fresh Vec) "
        "| kdb_codec decode (% of fresh Vec) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i in INPUTS:
        g = f"codec_{i}"
        mc = load(root, g, "memcpy")
        fv = load(root, g, "memcpy_fresh_vec")
        if mc is None:
            continue
        row = [
            LABELS[i],
            f"{mc[1] / 1e6:.1f} MB",
            cell(mc),
            cell(fv),
            cell(load(root, g, "encode_into"), mc),
            cell(load(root, g, "encode_alloc"), fv),
            cell(load(root, g, "decode"), fv),
            cell(load(root, g, "kdb_codec_encode"), fv),
            cell(load(root, g, "kdb_codec_decode"), fv),
        ]
        print("| " + " | ".join(row) + " |")

    print()
    print("Compression against kdb_codec on the same message bytes (GB/s of uncompressed")
    print("bytes; 'ours vs peer' is how many times faster ours is):")
    print()
    print(
        "| input | compressed size: ours / kdb_codec | identical output "
        "| compress: ours | kdb_codec | ours vs peer "
        "| decompress: ours | ours, reused buffer | kdb_codec | ours vs peer |"
    )
    print("|---|---:|:---:|---:|---:|---:|---:|---:|---:|---:|")
    for i in INPUTS:
        co = load(root, f"compress_{i}", "ours")
        cp = load(root, f"compress_{i}", "kdb_codec")
        if co is None:
            continue
        do = load(root, f"decompress_{i}", "ours")
        di = load(root, f"decompress_{i}", "ours_into")
        dp = load(root, f"decompress_{i}", "kdb_codec")
        _, ours, peer, same = v.get(i, ("", "?", "?", "?"))
        sizes = f"{ours} / {peer}" if ours != peer else f"{ours} (both)"
        row = [
            LABELS[i],
            sizes,
            same,
            cell(co),
            cell(cp),
            ratio(co, cp),
            cell(do),
            cell(di),
            cell(dp),
            ratio(do, dp),
        ]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
