#!/usr/bin/env bash
# Runs every test qtick has, installing what the tests need on a fresh machine first:
# the Rust test suite, then the tests that drive real third-party kdb+ clients from a
# project-local Python venv (.venv, built from tests/clients/requirements.txt), then a
# short fuzzing pass (scripts/fuzz.sh, which installs cargo-fuzz when missing).
# Every suite runs; the exit status is non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
req=tests/clients/requirements.txt

# The venv is rebuilt whenever the requirements file changes, so a machine that kept an
# older .venv still tests against exactly the pinned clients.
want=$(sha256sum "$req" | cut -d' ' -f1)
stamp=.venv/requirements.sha256
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf .venv
  if ! python3 -m venv .venv; then
    echo "test.sh: 'python3 -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2
    exit 1
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" >"$stamp"
fi
export QTICK_PYTHON="$root/.venv/bin/python"
export QTICK_BIN="$root/target/release/qtick"

cargo build --release --quiet

status=0
cargo test --workspace --release || status=1

# Independent decoders: real kdb+ clients (KX's C library inside PyKX) against our codec.
"$QTICK_PYTHON" -m pytest -q tests/clients || status=1

# q language conformance: the shared q-corpus must stay at or above the issue's targets.
"$QTICK_PYTHON" scripts/corpus_gate.py || status=1

# A short fuzzing pass over the wire format (decode, decompress, handshake, framing):
# about 40 s plus the fuzz build; QTICK_FUZZ_SECONDS sets seconds per target, 0 skips it.
fuzz_secs=${QTICK_FUZZ_SECONDS:-10}
if [ "$fuzz_secs" != 0 ]; then
  scripts/fuzz.sh "$fuzz_secs" || status=1
fi
exit "$status"
