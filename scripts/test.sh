#!/usr/bin/env bash
# Runs every test qtick has, installing what the tests need on a fresh machine first:
# the Rust test suite, then the tests that drive real third-party kdb+ clients against our
# codec and against live `qtick q -p` processes:
#   .venv          PyKX (KX's C library), kola        tests/clients/requirements.txt
#   .venv-qpython  qPython 2.0.0 (needs numpy < 1.24) tests/clients/requirements-qpython.txt
#   node-q         npm ci in tests/clients/node       package.json + package-lock.json
# then the q-corpus gate and a short fuzzing pass (scripts/fuzz.sh, which installs
# cargo-fuzz when missing). Every suite runs; the exit status is non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# A venv is rebuilt whenever its requirements file changes, so a machine that kept an
# older one still tests against exactly the pinned clients.
venv() {
  local dir=$1 req=$2 want
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -x "$dir/bin/python" ] || [ "$(cat "$dir/requirements.sha256" 2>/dev/null)" != "$want" ]; then
    rm -rf "$dir"
    if ! python3 -m venv "$dir"; then
      echo "test.sh: 'python3 -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2
      exit 1
    fi
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" >"$dir/requirements.sha256"
  fi
}
venv .venv tests/clients/requirements.txt
venv .venv-qpython tests/clients/requirements-qpython.txt

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "test.sh: node and npm are needed for the node-q tests (apt-get install nodejs npm)" >&2
  exit 1
fi
lock=tests/clients/node/package-lock.json
want=$(sha256sum "$lock" | cut -d' ' -f1)
if [ "$(cat tests/clients/node/node_modules/.lock.sha256 2>/dev/null)" != "$want" ]; then
  (cd tests/clients/node && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >tests/clients/node/node_modules/.lock.sha256
fi

export QTICK_PYTHON="$root/.venv/bin/python"
export QTICK_BIN="$root/target/release/qtick"

cargo build --release --quiet

status=0
cargo test --workspace --release --no-fail-fast || status=1

# Real kdb+ clients: KX's C library inside PyKX against our codec, then PyKX, kola, qPython
# and node-q against live `qtick q -p` processes, and raw sockets against the same.
"$QTICK_PYTHON" -m pytest -q tests/clients --ignore=tests/clients/qpython || status=1
.venv-qpython/bin/python -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning \
  --rootdir tests/clients tests/clients/qpython || status=1
node --test tests/clients/node/ || status=1

# q language conformance: the shared q-corpus must stay at or above the issue's targets.
"$QTICK_PYTHON" scripts/corpus_gate.py || status=1

# A short fuzzing pass over the wire format (decode, decompress, handshake, framing):
# about 40 s plus the fuzz build; QTICK_FUZZ_SECONDS sets seconds per target, 0 skips it.
fuzz_secs=${QTICK_FUZZ_SECONDS:-10}
if [ "$fuzz_secs" != 0 ]; then
  scripts/fuzz.sh "$fuzz_secs" || status=1
fi
exit "$status"
