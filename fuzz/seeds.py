#!/usr/bin/env python3
"""Seed corpora for the qipc fuzz targets, made from the shared IPC vectors at run time.

usage: seeds.py VECTOR_DIR CORPUS_DIR

Every message in VECTOR_DIR/*.jsonl (plain, compressed, malformed) seeds `decode`; the
compressed ones (and their 64-bit-length form) seed `decompress`; client hellos seed
`handshake`; messages and runs of messages seed `frame`. The handshake and frame targets
read two control bytes before their data, so their seeds get a few such prefixes.
Seed files are named by content hash, so re-running only adds what is missing.
"""

import glob
import hashlib
import json
import os
import sys


def records(vector_dir):
    for path in sorted(glob.glob(os.path.join(vector_dir, "*.jsonl"))):
        with open(path) as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def unhex(s):
    try:
        return bytes.fromhex(s)
    except (TypeError, ValueError):
        return None


def widen(c):
    """The header-byte-2 = 2 form (8-byte uncompressed length) of a compressed message."""
    order = "little" if c[0] == 1 else "big"
    total = int.from_bytes(c[8:12], order)
    body = c[12:]
    n = 16 + len(body)
    return bytes([c[0], c[1], 2, n >> 32]) + (n & 0xFFFFFFFF).to_bytes(4, order) + \
        total.to_bytes(8, order) + body


def main():
    vector_dir, corpus = sys.argv[1], sys.argv[2]
    seeds = {t: set() for t in ("decode", "decompress", "handshake", "frame")}
    messages, hellos = [], []
    for r in records(vector_dir):
        for key in ("uncompressed_hex", "compressed_hex", "hex"):
            m = unhex(r.get(key))
            if m:
                messages.append(m)
        h = unhex(r.get("client_hello_hex"))
        if h:
            hellos.append(h)
    for m in messages:
        seeds["decode"].add(m)
        if len(m) >= 12 and m[2] == 1:
            seeds["decompress"].add(m)
            seeds["decompress"].add(widen(m))
            seeds["decode"].add(widen(m))
    # Handshake: limit byte, piece-size byte, then the hello (alone and with a message after).
    for h in hellos:
        for ctl in (b"\x10\x00", b"\x10\x03", b"\x01\xff", b"\xff\x01"):
            seeds["handshake"].add(ctl + h)
        seeds["handshake"].add(b"\x10\x02" + h + messages[0])
    # Frame: both size limits and a few piece sizes; single messages and short runs. Big
    # messages only slow this target down (it feeds them a few bytes at a time): framing
    # looks at headers, which small messages exercise as well.
    small = [m for m in messages if len(m) <= 256]
    for i, m in enumerate(m for m in messages if len(m) <= 4096):
        seeds["frame"].add(bytes([(i % 4) << 6 | (i % 16), 7]) + m)
    for i in range(0, len(small) - 3, 3):
        run = b"".join(small[i:i + 4])
        seeds["frame"].add(bytes([i % 256, 0]) + run)
    for target, items in seeds.items():
        d = os.path.join(corpus, target)
        os.makedirs(d, exist_ok=True)
        for s in items:
            p = os.path.join(d, "seed-" + hashlib.sha1(s).hexdigest())
            if not os.path.exists(p):
                with open(p, "wb") as f:
                    f.write(s)
        print(f"{target}: {len(items)} seeds")


if __name__ == "__main__":
    main()
