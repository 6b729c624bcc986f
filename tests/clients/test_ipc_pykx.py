"""PyKX (KX's own C library, unlicensed mode) against a live `qtick q -p` process.

Covers issue 4's client checklist for PyKX: credentials, every type and shape both ways,
sync and async calls in each message form PyKX can build, q errors as `QError`, a 10 MB
response, forced compression, asyncio connections and 50 concurrent clients.

PyKX without a licence has no interpreter of its own: it cannot build a lambda (KX's
library turns a received lambda into its source text), so the lambda form of a call is
covered by the qPython and raw-socket suites instead.
"""
import asyncio
import os

os.environ.setdefault("PYKX_UNLICENSED", "true")

import numpy as np  # noqa: E402
import pykx as kx  # noqa: E402
import pytest  # noqa: E402

import qproc  # noqa: E402
from qproc import Q_VALUES, QServer, concurrent_errors  # noqa: E402
from test_pykx_codec import kx_values  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:The q datetime type is deprecated")

# bob's password is "secret" stored as its MD5 digest; carol's "pw" as SHA-1.
USERS = qproc.USERS + "carol:1a91d62f7ca67399625a4368a6ab5d4a3baa6073\n"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    users = tmp_path_factory.mktemp("auth") / "users.txt"
    users.write_text(USERS)
    s = QServer(["-u", str(users)])
    yield s
    s.stop()


@pytest.fixture(scope="module")
def zserver():
    s = QServer(env={"QTICK_COMPRESS_LOCAL": "1"})
    yield s
    s.stop()


def conn(port, **kw):
    return kx.SyncQConnection("127.0.0.1", port, no_ctx=True, **kw)


def same(a, b):
    """Equal as KX's library serializes them: type, attributes and every byte of data."""
    return bytes(kx.serialize(a, mode=6).copy()) == bytes(kx.serialize(b, mode=6).copy())


def test_connect_without_credentials(server):
    with conn(server.port) as q:
        assert q("1+1").py() == 2
        assert q("type .z.u").py() == -11
        assert q(".z.w").py() > 0


def test_credentials(auth_server, report):
    checked = 0
    for user, pw in (("alice", "secret"), ("bob", "secret"), ("carol", "pw")):
        with conn(auth_server.port, username=user, password=pw) as q:
            assert q(".z.u").py() == user
            assert q("2*21").py() == 42
        checked += 1
    for user, pw in (("alice", "wrong"), ("bob", "Secret"), ("carol", "pwx"), ("dave", "secret"),
                     ("", "")):
        with pytest.raises(Exception) as e:
            with conn(auth_server.port, username=user, password=pw) as q:
                q("1")
        # PyKX reports a server that closes after the hello as "Authentication error".
        assert "authentication" in str(e.value).lower(), repr(e.value)
        checked += 1
    report("credential pairs accepted or refused as the password file says", checked)


def test_every_client_value_echoes_back(server, report):
    values = kx_values()
    bad = []
    with conn(server.port) as q:
        for name, v in values:
            try:
                back = q("{x}", v)
                t = q("type", v).py()
            except Exception as e:  # noqa: BLE001 - any failure is a finding
                bad.append(f"{name}: {e!r}")
                continue
            if not same(back, v):
                bad.append(f"{name}: echo differs")
            if t != v.t:
                bad.append(f"{name}: type {t}, PyKX {v.t}")
    assert not bad, f"{len(bad)} of {len(values)}:\n" + "\n".join(bad[:30])
    report("PyKX-built values echoed by {x} with the same bytes and type", len(values))


def test_every_q_value_reaches_the_client(server, report):
    bad = []
    with conn(server.port) as q:
        for e in Q_VALUES:
            try:
                r = q(e)
                t = q("{type value x}", kx.CharVector(e)).py()
                ok = q("{x~value y}", r, kx.CharVector(e)).py()
            except Exception as ex:  # noqa: BLE001
                bad.append(f"{e}: {ex!r}")
                continue
            if r.t != t:
                bad.append(f"{e}: PyKX type {r.t}, q type {t}")
            if not ok:
                bad.append(f"{e}: sent back, not ~ the original")
    assert not bad, f"{len(bad)} of {len(Q_VALUES)}:\n" + "\n".join(bad[:30])
    report("q-built values decoded by PyKX, re-sent and matched with ~", len(Q_VALUES))


def test_sync_and_async_call_forms(server):
    with conn(server.port) as q:
        assert q("1+2").py() == 3
        assert q("{x+y}", 1, 2).py() == 3
        q("f:{x+y}")
        assert q(kx.SymbolAtom("f"), 1, 2).py() == 3
        assert q(kx.toq([kx.SymbolAtom("f"), 20, 22])).py() == 42  # the list itself
        q("g:{pyasync::x}")
        q("pyasync::0", wait=False)
        q("{pya2::x+y}", 40, 2, wait=False)
        q(kx.SymbolAtom("g"), 7, wait=False)
        assert q("(pyasync;pya2)").py() == [7, 42]


def test_q_errors_arrive_as_qerror(server):
    with conn(server.port) as q:
        for expr, want in (("1+`a", "type"), ("nosuchname", "nosuchname"), ("'`custom", "custom"),
                           ("{x+y}[1;2;3]", "rank")):
            with pytest.raises(kx.QError) as e:
                q(expr)
            assert str(e.value) == want, expr
        with pytest.raises(kx.QError) as e:
            q("{x+y}", 1, kx.SymbolAtom("a"))
        assert str(e.value) == "type"
        assert q("1+1").py() == 2  # still usable after errors


def test_ten_megabytes_each_way(server):
    with conn(server.port) as q:
        r = q("10000000#0x2a")
        assert r.t == 4 and len(r) == 10_000_000
        assert (r.np() == 42).all()
        big = kx.toq(np.arange(1_250_000, dtype=np.int64))  # 10 MB of longs to the server
        assert q("{(count x;sum x)}", big).py() == [1_250_000, int(np.arange(1_250_000).sum())]


def test_compressed_responses_decode(zserver, report):
    # The server compresses over loopback here; the raw-socket suite checks the header
    # flag, PyKX does not expose it, so we check that everything decodes right.
    with conn(zserver.port) as q:
        r = q("til 1000000")
        assert (r.np() == np.arange(1_000_000)).all()
        r = q("10000000#0x2a")
        assert len(r) == 10_000_000 and (r.np() == 42).all()
        t = q("([]a:til 100000;b:100000#`x`y`z;c:100000#1.5)")
        assert len(t) == 100000 and t.pd()["b"].iloc[4] == "y"
        for e in Q_VALUES:
            assert q("{x~value y}", q(e), kx.CharVector(e)).py(), e
    report("values fetched and matched through a compressing server", len(Q_VALUES) + 3)


def test_asyncio_connection(server):
    async def main():
        async with kx.AsyncQConnection("127.0.0.1", server.port, no_ctx=True) as q:
            got = await asyncio.gather(*[q("{x*2}", i) for i in range(200)])
            assert [g.py() for g in got] == [2 * i for i in range(200)]
            await q("aio::42", wait=False)
            assert (await q("aio")).py() == 42

    asyncio.run(main())


def test_fifty_concurrent_clients(server, report):
    n_clients, n_calls = 50, 40

    def client(k):
        with conn(server.port) as q:
            for i in range(n_calls):
                got = q("{x+y}", k, i).py()
                if got != k + i:
                    return f"client {k} call {i}: {got}"
            if q(".z.w").py() <= 0:
                return f"client {k}: bad .z.w"

    errors = concurrent_errors(n_clients, client)
    assert not errors, "\n".join(errors[:10])
    report("concurrent calls answered correctly (50 clients)", n_clients * n_calls)
