"""Shared helpers for the tests that drive real third-party kdb+ clients against qtick.

`qtick` runs the qtick binary (target/release/qtick, or $QTICK_BIN) with stdin lines and
returns its stdout lines; `server` is a `qtick q -p` process shared by a test module (a
module that needs another kind defines its own); `report` records how many values a test
checked, printed in pytest's closing summary so a run shows how much was compared, not
just that it passed. The qPython suite (tests/clients/qpython, its own venv) runs with
`--rootdir tests/clients`, so it gets these fixtures too: keep them free of client
libraries.
"""
import os
import pathlib
import subprocess

import pytest

from qproc import QServer

ROOT = pathlib.Path(__file__).resolve().parents[2]
_COUNTS = []


def qtick_path():
    path = pathlib.Path(os.environ.get("QTICK_BIN", ROOT / "target" / "release" / "qtick"))
    if not path.is_file():
        pytest.fail(f"qtick binary not found at {path}: run `cargo build --release` or set QTICK_BIN")
    return path


def run_qtick(args, lines=None):
    """Run `qtick ARGS`, feeding `lines` on stdin; return stdout as a list of lines."""
    proc = subprocess.run(
        [str(qtick_path()), *args],
        input="".join(line + "\n" for line in lines) if lines is not None else None,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        pytest.fail(f"qtick {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout.splitlines()


@pytest.fixture(scope="session")
def qtick():
    return run_qtick


@pytest.fixture(scope="module")
def server():
    s = QServer()
    yield s
    assert s.alive(), "server died: " + "\n".join(s.stderr_lines[-20:])
    s.stop()


@pytest.fixture
def report(request):
    def record(what, n):
        _COUNTS.append(f"{request.node.name}: {n} {what}")

    return record


def pytest_terminal_summary(terminalreporter):
    if _COUNTS:
        terminalreporter.write_sep("-", "values checked")
        for line in _COUNTS:
            terminalreporter.write_line(line)
