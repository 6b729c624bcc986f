"""TLS on a `qtick q` port, driven by Python's own ssl module over a raw socket: the TLS
session first, then the kdb+ handshake and messages inside it, as q clients do.

`-E 2` serves TLS clients and closes plain ones; `-E 1` serves both on the same port;
`.z.e` reports the cipher and protocol the client itself negotiated. Certificates (a CA and
a server certificate for localhost/127.0.0.1) are made fresh with the openssl command.
"""
import shutil
import socket
import ssl
import subprocess

import pytest

import qproc


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is needed to make test certificates (apt-get install openssl)")
    d = tmp_path_factory.mktemp("pki")

    def ossl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem",
         "-days", "2", "-subj", "/CN=qtick test CA")
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-key.pem", "-out", "server.csr",
         "-subj", "/CN=localhost")
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
         "-out", "server-crt.pem", "-days", "2", "-extfile", "ext.cnf")
    return d


def server(pki, mode):
    env = {"SSL_CERT_FILE": str(pki / "server-crt.pem"), "SSL_KEY_FILE": str(pki / "server-key.pem")}
    return qproc.QServer(args=["-E", mode], env=env)


def tls_connect(pki, port, name="localhost"):
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    s = ctx.wrap_socket(raw, server_hostname=name)
    qproc.hello(s)
    return s


def sym_list_dict(msg):
    """A response holding a dict of symbol list -> symbol list, as a Python dict."""
    assert msg[1] == 2 and msg[8] == 99, msg[:16].hex()
    body = msg[9:]

    def syms(b):
        assert b[0] == 11, b[:8].hex()
        n = int.from_bytes(b[2:6], "little")
        out, i = [], 6
        for _ in range(n):
            j = b.index(b"\0", i)
            out.append(b[i:j].decode())
            i = j + 1
        return out, b[i:]

    keys, rest = syms(body)
    vals, _ = syms(rest)
    return dict(zip(keys, vals))


def test_tls_only_port(pki, report):
    srv = server(pki, "2")
    try:
        s = tls_connect(pki, srv.port)
        s.sendall(qproc.char_msg("6*7"))
        assert qproc.long_of(qproc.recv_msg(s)) == 42
        s.sendall(qproc.char_msg("sum til 1000"))
        assert qproc.long_of(qproc.recv_msg(s)) == 499500
        s.sendall(qproc.char_msg("'boom"))
        assert qproc.error_of(qproc.recv_msg(s)) == "boom"
        # A message larger than one TLS record (16 KB) both ways.
        s.sendall(qproc.char_msg("count \"" + "x" * 100000 + "\""))
        assert qproc.long_of(qproc.recv_msg(s)) == 100000
        s.sendall(qproc.char_msg("200000#\"ab\""))
        big = qproc.recv_msg(s)
        assert len(big) == 8 + 6 + 200000
        s.sendall(qproc.char_msg(".z.e"))
        info = sym_list_dict(qproc.recv_msg(s))
        cipher, proto, _ = s.cipher()
        assert info == {"CIPHER": cipher, "PROTOCOL": proto}, (info, s.cipher())
        # A plain client is closed before any handshake reply.
        p = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        p.sendall(b"\x03\x00")
        try:
            got = p.recv(1)
        except ConnectionResetError:
            got = b""
        assert got == b""
        assert qproc.wait_until(lambda: any("TLS only (-E 2)" in l for l in srv.stderr_lines))
        # The TLS client is unaffected.
        s.sendall(qproc.char_msg("1+1"))
        assert qproc.long_of(qproc.recv_msg(s)) == 2
        report("TLS round trips", 7)
    finally:
        srv.stop()


def test_mixed_port(pki):
    srv = server(pki, "1")
    try:
        t = tls_connect(pki, srv.port, name="127.0.0.1")
        p = qproc.connect(srv.port)
        for i in range(20):
            sock = t if i % 2 else p
            sock.sendall(qproc.char_msg(f"{i}*{i}"))
            assert qproc.long_of(qproc.recv_msg(sock)) == i * i
        p.sendall(qproc.char_msg("count .z.e"))
        assert qproc.long_of(qproc.recv_msg(p)) == 0
        t.sendall(qproc.char_msg("count .z.e"))
        assert qproc.long_of(qproc.recv_msg(t)) == 2
    finally:
        srv.stop()


def test_wrong_ca_is_refused_by_the_client(pki, tmp_path):
    """The server's certificate chains to our CA only: a client trusting another CA fails."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem",
                    "-out", "other.pem", "-days", "1", "-subj", "/CN=other"],
                   cwd=tmp_path, check=True, capture_output=True)
    srv = server(pki, "2")
    try:
        ctx = ssl.create_default_context(cafile=str(tmp_path / "other.pem"))
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        with pytest.raises(ssl.SSLCertVerificationError):
            ctx.wrap_socket(raw, server_hostname="localhost")
        assert qproc.wait_until(lambda: any("TLS handshake" in l for l in srv.stderr_lines))
        assert srv.alive()
    finally:
        srv.stop()
