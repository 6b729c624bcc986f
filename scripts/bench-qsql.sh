#!/usr/bin/env bash
# qSQL benchmark: qtick against DuckDB and Polars on the same generated trade/quote tables,
# in one run (benches/peers/qsql_peers.py drives it; benches/qsql.rs is qtick's side).
# Prints a markdown table of median times and ratios, and fails if the answers differ.
#
#   scripts/bench-qsql.sh                     10M trades, 10M quotes, 5 runs per query
#   scripts/bench-qsql.sh --rows 1000000 --quotes 1000000 --runs 3
#   scripts/bench-qsql.sh --only aj           one query (repeatable)
#
# The peers live in their own venv (.venv-bench, from benches/peers/requirements.txt), kept
# apart from the test venv: benchmarks are not part of scripts/test.sh. The generated columns
# go to target/qsql-bench (about 600 MB at the default size).
set -euo pipefail
cd "$(dirname "$0")/.."
req=benches/peers/requirements.txt

want=$(sha256sum "$req" | cut -d' ' -f1)
stamp=.venv-bench/requirements.sha256
if [ ! -x .venv-bench/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf .venv-bench
  if ! python3 -m venv .venv-bench; then
    echo "bench-qsql.sh: 'python3 -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2
    exit 1
  fi
  .venv-bench/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" >"$stamp"
fi

# The bench binary is built with the bench profile (release + line tables); cargo prints its
# path as the executable of the `qsql` bench target.
bin=$(cargo bench --bench qsql --no-run --message-format=json 2>/dev/null |
  .venv-bench/bin/python -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "qsql" and m.get("executable"):
        print(m["executable"])')
if [ -z "$bin" ]; then
  echo "bench-qsql.sh: building the qsql bench failed; run 'cargo bench --bench qsql --no-run' to see why" >&2
  exit 1
fi

exec .venv-bench/bin/python benches/peers/qsql_peers.py --qtick "$bin" "$@"
