#!/usr/bin/env bash
# Runs every test qtick has, installing what the tests need on a fresh machine first:
# the Rust test suite, then the tests that drive real third-party kdb+ clients (PyKX,
# qPython, kola, node-q) from a project-local Python venv and node_modules, then a short
# fuzzing pass (scripts/fuzz.sh, which installs cargo-fuzz when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Python venv with the real kdb+ clients (KX's own C library ships inside PyKX).
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import pykx' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r tests/clients/requirements.txt
fi
export QTICK_PYTHON="$root/.venv/bin/python"

cargo build --release --quiet
cargo test --workspace --release 2>&1 | tee target/cargo-test.log
grep -q "test result: FAILED" target/cargo-test.log && exit 1

# Independent decoders: the KX C library (via PyKX) against our codec.
"$QTICK_PYTHON" -m pytest -q tests/clients

# A short fuzzing pass over the wire format (decode, decompress, handshake, framing):
# about 40 s plus the fuzz build; QTICK_FUZZ_SECONDS sets seconds per target, 0 skips it.
fuzz_secs=${QTICK_FUZZ_SECONDS:-10}
if [ "$fuzz_secs" != 0 ]; then
  scripts/fuzz.sh "$fuzz_secs"
fi
