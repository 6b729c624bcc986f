"""Start and stop `qtick q -p 0W` servers for the client-compatibility tests.

Used by the PyKX/kola suites (.venv) and the qPython suite (.venv-qpython) alike, so it
needs nothing outside the standard library. A server is started with QTICK_PRINT_PORT=1
and prints its bound port as its first stdout line; every test talks to 127.0.0.1 only.
"""
import ctypes
import os
import select
import signal
import pathlib
import socket
import struct
import subprocess
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent

# The q expressions every client suite round-trips (one a line; blank lines skipped).
Q_VALUES = [line.rstrip("\n") for line in open(HERE / "q_values.txt") if line.strip()]
# A `-u` users file: alice's password "secret" in clear text, bob's as its MD5 digest.
USERS = "alice:secret\nbob:5ebe2294ecd0e0f08eab7690d2a6ee69\n"


def qtick_path():
    path = pathlib.Path(os.environ.get("QTICK_BIN", ROOT / "target" / "release" / "qtick"))
    if not path.is_file():
        raise RuntimeError(f"qtick binary not found at {path}: run `cargo build --release` or set QTICK_BIN")
    return path


def _die_with_parent():
    """A server outlives no test run, even one killed by a timeout (Linux prctl)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class QServer:
    """A `qtick q` process listening on an ephemeral loopback port."""

    def __init__(self, args=(), env=None, script=None):
        e = dict(os.environ)
        e["QTICK_PRINT_PORT"] = "1"
        e["QUDSPATH"] = ""  # no abstract Unix socket: parallel runs must not collide
        e.update(env or {})
        cmd = [str(qtick_path()), "q", "-p", "127.0.0.1:0W", *args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=e, text=True, bufsize=1,
                                     preexec_fn=_die_with_parent)
        self.stderr_lines = []
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else ""
        if not line.strip().isdigit():
            self.proc.kill()
            raise RuntimeError(f"{cmd[0]} did not print its port within 60 s (got {line!r}): "
                               "is the binary current? run `cargo build --release`")
        self.port = int(line)
        self.out_lines = []
        threading.Thread(target=self._drain, args=(self.proc.stdout, self.out_lines), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr_lines), daemon=True).start()
        if script:
            self.console(script)

    @staticmethod
    def _drain(f, sink):
        for line in f:
            sink.append(line.rstrip("\n"))

    def console(self, text):
        """Type q code at the server's console (stdin)."""
        self.proc.stdin.write(text.rstrip("\n") + "\n")
        self.proc.stdin.flush()

    def alive(self):
        return self.proc.poll() is None

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for f in (self.proc.stdin,):
            try:
                f.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------------
# A minimal raw-socket client: enough to speak the protocol without any library.

def hello(sock, creds=b"", cap=3):
    sock.sendall(creds + bytes([cap, 0]))
    b = sock.recv(1)
    if len(b) != 1:
        raise ConnectionRefusedError("handshake refused")
    return b[0]


def connect(port, creds=b"", cap=3, timeout=30):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    hello(s, creds, cap)
    return s


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise ConnectionResetError("closed")
        buf += chunk
    return bytes(buf)


def recv_msg(sock):
    """One whole message (header included)."""
    head = recv_exact(sock, 8)
    n = struct.unpack("<I", head[4:])[0] + (head[3] << 32)
    return head + recv_exact(sock, n - 8)


def char_msg(text, msg_type=1):
    """A message holding one char vector (q text to evaluate)."""
    b = text.encode()
    body = bytes([10, 0]) + struct.pack("<I", len(b)) + b
    return bytes([1, msg_type, 0, 0]) + struct.pack("<I", 8 + len(body)) + body


def long_of(msg):
    """The long atom a response holds (fails on anything else)."""
    assert msg[1] == 2 and msg[2] == 0 and msg[8] == 0xF9, msg[:16].hex()
    return struct.unpack("<q", msg[9:17])[0]


def error_of(msg):
    """The text of an error response, or None."""
    if msg[1] == 2 and msg[2] == 0 and msg[8] == 0x80:
        return msg[9:msg.index(b"\0", 9)].decode()
    return None


def wait_until(pred, timeout=10, step=0.02):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def concurrent_errors(n_clients, client, timeout=120):
    """Run `client(k)` for k in 0..n_clients, each on its own thread, and return what went
    wrong: each client returns an error text or None; an exception counts as an error."""
    errors = []

    def run(k):
        try:
            e = client(k)
        except Exception as ex:  # noqa: BLE001
            e = f"client {k}: {ex!r}"
        if e is not None:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return errors
