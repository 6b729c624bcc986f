"""A `qtick q -p` process against hostile and careless peers, over raw sockets.

* every message of ../shared/vectors/ipc/malformed.jsonl, sent after a proper handshake:
  what KX's library refuses must get an error reply or a closed connection (never an answer
  to the ping that follows it); what KX accepts must leave the connection working; a
  second client keeps getting answers throughout;
* byte-level echo: messages of every shape from the shared vectors, wrapped in
  `("{x}";payload)`, come back byte for byte (attributes, functions, sorted dicts...);
* a client that disconnects mid-message, one that sends a 4 GB length header, one that never
  reads its (10 MB) responses: the server stays healthy, its RSS bounded, and the careless
  client is closed once its unread queue passes the bound;
* compressed responses: the header flag is set when compression is forced, and KX's
  library decompresses them to what an uncompressed response carries;
* `.z.po`/`.z.pc`/`.z.bm`/`.z.W`, and HTTP GET on the same port.
"""
import json
import os
import pathlib
import socket
import struct
import threading
import time
import urllib.request

os.environ.setdefault("PYKX_UNLICENSED", "true")

import pykx as kx  # noqa: E402
import pytest  # noqa: E402

from qproc import (QServer, char_msg, connect, error_of, long_of, recv_msg,  # noqa: E402
                   wait_until)

VECTORS = pathlib.Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "ipc"
HOOKS = ("po:pc:bm:();"
         ".z.po:{po::po,x};"
         ".z.pc:{pc::pc,x};"
         ".z.bm:{bm::bm,enlist x}")


def load(name):
    with open(VECTORS / name) as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="module")
def server():
    s = QServer(script=HOOKS)
    time.sleep(0.3)  # the console line is evaluated before the first test connects
    yield s
    assert s.alive(), "server died: " + "\n".join(s.stderr_lines[-20:])
    s.stop()


def ping(sock, expr="1+1"):
    sock.sendall(char_msg(expr))
    return recv_msg(sock)


def ask(sock, expr):
    """Evaluate `expr` on the server; its result as a long."""
    return long_of(ping(sock, f"`long$({expr})"))


def outcome(sock, timeout=3.0):
    """Read until the connection closes, the ping is answered or `timeout` passes:
    (messages, closed)."""
    sock.settimeout(timeout)
    got = []
    try:
        while not any(is_ping_answer(m) for m in got):
            got.append(recv_msg(sock))
        return got, False
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
        return got, True
    except socket.timeout:
        return got, False


def is_ping_answer(m):
    return m[1] == 2 and m[2] == 0 and len(m) == 17 and m[8] == 0xF9 and struct.unpack("<q", m[9:])[0] == 2


def test_malformed_messages(server, report):
    watcher = connect(server.port)
    records = load("malformed.jsonl")
    bad = []
    for r in records:
        msg = bytes.fromhex(r["hex"])
        verdict = r["kx_libe_verdict"]
        refused = not verdict.startswith("accepted")
        s = connect(server.port, cap=6)
        try:
            s.sendall(msg + char_msg("1+1"))
        except OSError:
            pass
        got, closed = outcome(s, 3.0)
        if not closed and not any(is_ping_answer(m) for m in got):
            # A header that claims more bytes than were sent is still waiting for them:
            # end our side, the server must then drop the connection.
            s.shutdown(socket.SHUT_WR)
            more, closed = outcome(s, 10.0)
            got += more
        s.close()
        answered = any(is_ping_answer(m) for m in got)
        if refused and "error_top_exact" not in r["id"]:
            if answered:
                bad.append(f"{r['id']}: KX refuses it ({verdict}); we went on and answered the ping")
            if not closed and not any(error_of(m) for m in got):
                bad.append(f"{r['id']}: neither an error reply nor a closed connection")
        elif not refused and not answered:
            bad.append(f"{r['id']}: KX accepts it; the ping after it got no answer (closed={closed})")
        try:
            if ask(watcher, "1+1") != 2:
                bad.append(f"{r['id']}: second client got a wrong answer")
        except Exception as e:  # noqa: BLE001
            bad.append(f"{r['id']}: second client lost: {e!r}")
            watcher = connect(server.port)
    assert not bad, f"{len(bad)} of {len(records)}:\n" + "\n".join(bad)
    # .z.bm ran for the messages refused after framing (bad bodies)
    assert ask(watcher, "count bm") >= 10
    assert ask(watcher, "type first bm") == 0 and ask(watcher, "type last first bm") == 4
    watcher.close()
    report("malformed/edge messages sent with a second client checked after each", len(records))


def echo_wrapped(payload):
    """A sync message ("{x}";payload) from a message's payload bytes (little-endian)."""
    body = bytes([0, 0]) + struct.pack("<I", 2) + bytes([10, 0]) + struct.pack("<I", 3) + b"{x}" + payload
    return bytes([1, 1, 0, 0]) + struct.pack("<I", 8 + len(body)) + body


def test_echo_is_byte_identical(server, report):
    candidates = []
    for r in load("vectors.jsonl"):
        if r["endian"] == "little" and r["category"] != "error":
            candidates.append((r["id"], bytes.fromhex(r["uncompressed_hex"])))
    for r in load("q_reference.jsonl"):
        h = r.get("hex") or r.get("uncompressed_hex")
        if h:
            candidates.append((r["id"], bytes.fromhex(h)))
    for r in load("malformed.jsonl"):
        if r["kx_libe_verdict"].startswith("accepted by okx and d9; b9 re-serializes byte-identically"):
            candidates.append((r["id"], bytes.fromhex(r["hex"])))
    s = connect(server.port, cap=6)
    bad, checked = [], 0
    for name, msg in candidates:
        if msg[0] != 1 or msg[2] != 0 or msg[8] == 0x80:
            continue  # big-endian, compressed or an error object: not a value to echo
        s.sendall(echo_wrapped(msg[8:]))
        back = recv_msg(s)
        checked += 1
        if back[8:] != msg[8:]:
            err = error_of(back)
            bad.append(f"{name}: " + (f"'{err}" if err else f"sent {msg[8:40].hex()} got {back[8:40].hex()}"))
    s.close()
    assert checked > 250
    assert not bad, f"{len(bad)} of {checked}:\n" + "\n".join(bad[:40])
    report("shared-vector payloads echoed byte for byte", checked)


def test_disconnect_mid_message(server):
    watcher = connect(server.port)
    before = ask(watcher, "count pc")
    for cut in (1, 7, 8, 20, 500):
        s = connect(server.port)
        s.sendall(char_msg("x" * 1000)[:cut])
        s.close()
    assert wait_until(lambda: ask(watcher, "count pc") == before + 5), "every close runs .z.pc"
    assert ask(watcher, "1+1") == 2
    assert ask(watcher, "count .z.W") == 1  # only the watcher is left
    watcher.close()


def test_four_gigabyte_length_header(server, report):
    watcher = connect(server.port)
    rss0 = server.rss_kb()
    socks = []
    for cap, head in ((6, bytes([1, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])),
                      (6, bytes([1, 1, 0, 1, 0x10, 0, 0, 0])),
                      (3, bytes([1, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]))):
        s = connect(server.port, cap=cap)
        s.sendall(head + b"\0" * 4096)
        socks.append(s)
    time.sleep(0.5)
    assert ask(watcher, "1+1") == 2
    grew = server.rss_kb() - rss0
    assert grew < 100_000, "a 4 GB header must not allocate 4 GB"
    report(f"huge length headers held open; RSS grew {grew} kB", len(socks))
    for s in socks:
        s.close()
    assert wait_until(lambda: ask(watcher, "count .z.W") == 1)
    watcher.close()


def test_client_that_never_reads(server, report):
    watcher = connect(server.port)
    lazy = connect(server.port)
    lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], server.rss_kb())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    sent = 0
    try:
        for _ in range(60):  # 60 responses of 10 MB each: 600 MB if nothing was bounded
            lazy.sendall(char_msg("10000000#0x00"))
            sent += 1
    except OSError:
        pass  # the server closed it: that is the point
    closed = wait_until(lambda: ask(watcher, "count .z.W") == 1, timeout=60)
    done.set()
    sampler.join()
    assert ask(watcher, "1+1") == 2
    assert closed, "the client that never reads must be closed once its queue passes the bound"
    assert peak[0] > 100_000, "the server should have queued over 100 MB before closing it"
    assert peak[0] < 600_000, f"server RSS reached {peak[0]} kB"
    logged = any("unread" in line for line in server.stderr_lines)
    assert logged, "the close is logged"
    lazy.close()
    watcher.close()
    assert server.alive()
    report(f"10 MB requests sent by a client that never reads; peak server RSS {peak[0]} kB", sent)


def test_compression_is_used_when_forced():
    z = QServer(env={"QTICK_COMPRESS_LOCAL": "1"})
    try:
        checked = 0
        for expr in ("til 100000", "100000#`a`b`c", "([]a:til 5000;b:5000#`x`y)", "10000#\"abc\""):
            s = connect(z.port, cap=3)
            zmsg = ping(s, expr)
            s.close()
            plain_sock = connect(z.port, cap=0)  # capability 0 forbids compression
            plain = ping(plain_sock, expr)
            plain_sock.close()
            assert plain[2] == 0
            assert zmsg[2] == 1, f"{expr}: response not compressed"
            assert len(zmsg) < len(plain) // 2
            assert struct.unpack("<I", zmsg[8:12])[0] == len(plain)
            # KX's library decompresses ours to the same value
            a, b = kx.deserialize(zmsg), kx.deserialize(plain)
            assert bytes(kx.serialize(a, mode=3).copy()) == plain[:1] + b"\0" + plain[2:], expr
            assert b is not None
            checked += 1
        assert checked == 4
    finally:
        z.stop()


def test_hooks_and_handles(server):
    watcher = connect(server.port)
    po0, pc0 = ask(watcher, "count po"), ask(watcher, "count pc")
    s = connect(server.port, creds=b"someone")
    h = ask(s, ".z.w")
    assert ask(watcher, "count po") == po0 + 1
    assert ask(watcher, f"last[po]~{h}i") == 1
    assert ask(watcher, f"{h}i in key .z.W") == 1
    assert ask(s, "`someone~.z.u") == 1
    s.close()
    assert wait_until(lambda: ask(watcher, "count pc") == pc0 + 1)
    assert ask(watcher, f"last[pc]~{h}i") == 1
    assert ask(watcher, f"{h}i in key .z.W") == 0
    # a handle the server closes with hclose: no .z.pc, the peer sees the close
    s = connect(server.port)
    h = ask(s, ".z.w")
    watcher.sendall(char_msg(f"hclose {h}i; 0"))
    recv_msg(watcher)
    s.settimeout(5)
    assert s.recv(1) == b""
    time.sleep(0.2)
    assert ask(watcher, "count pc") == pc0 + 1
    # async callback to the client: neg[.z.w]
    s = connect(server.port)
    s.sendall(char_msg("neg[.z.w] \"2+3\"; 7"))
    first, second = recv_msg(s), recv_msg(s)
    assert first[1] == 0 and second[1] == 2 and long_of(second) == 7
    s.close()
    watcher.close()


def test_http_get(server):
    base = f"http://127.0.0.1:{server.port}"
    with urllib.request.urlopen(base + "/?1%2B2", timeout=10) as r:
        body = r.read().decode()
        assert r.status == 200 and "<pre>3</pre>" in body
    server.console("httpt:([]a:1 2;b:`x`y)")
    time.sleep(0.2)
    with urllib.request.urlopen(base + "/t.csv?httpt", timeout=10) as r:
        assert r.read().decode() == "a,b\n1,x\n2,y\n"
    with urllib.request.urlopen(base + "/t.json?httpt", timeout=10) as r:
        assert json.loads(r.read()) == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    with urllib.request.urlopen(base + "/t.txt?til%203", timeout=10) as r:
        assert r.read().decode() == "0 1 2"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(base + "/?1%2B%60a", timeout=10)
    assert e.value.code == 400 and e.value.read().decode() == "'type"


def test_timer_keeps_firing_under_load():
    s = QServer(script="ticks:0;\n.z.ts:{ticks::ticks+1};\n\\t 50")
    try:
        c = connect(s.port)
        flood = char_msg("til 100", msg_type=0) * 1000
        end = time.time() + 1.0
        batches = 0
        while time.time() < end:  # pipelined async messages: the event queue never empties
            c.sendall(flood)
            batches += 1
        ticks = ask(c, "ticks")
        assert ticks >= 10, f"{ticks} timer ticks while {batches * 1000} async messages arrived"
        c.close()
    finally:
        s.stop()
