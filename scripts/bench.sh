#!/usr/bin/env bash
# Runs the wire codec benchmarks (benches/codec.rs) and prints the README's tables: the
# codec as a percentage of memcpy of the same bytes, and compression against kdb_codec.
#
#   scripts/bench.sh            full criterion run (100 samples, 5 s each; about 15 min)
#   scripts/bench.sh --quick    10 samples, 1 s warm-up, 2 s measurement (about 5 min)
#   scripts/bench.sh [--quick] FILTER   only benchmarks whose id matches FILTER (a regex)
#
# Stale results are removed first so that every number in the table comes from this run.
# The machine should be as quiet as it can be: each reference runs in the same process
# just before its subject, but a neighbour's load still moves both.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
if [ "${1:-}" = "--quick" ]; then
  args=(--warm-up-time 1 --measurement-time 2 --sample-size 10)
  shift
fi
filter=("$@")

crit=target/criterion
for g in "$crit"/codec_* "$crit"/compress_* "$crit"/decompress_*; do
  [ -e "$g" ] && rm -rf "$g"
done
mkdir -p target
log=target/bench-codec.log

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$log"
cargo bench --bench codec -- "${args[@]}" "${filter[@]}" 2>&1 | tee -a "$log"
echo "# finished $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
echo
python3 scripts/bench_table.py "$crit" "$log"
