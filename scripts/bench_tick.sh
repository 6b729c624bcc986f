#!/usr/bin/env bash
# Tickerplant benchmark (benches/tick.rs): single-row and 100-row updates, 1 and 10
# subscribers, zero-latency and -t 100, feed and subscribers as separate processes,
# against Redis Streams in the same run (redis-server from Debian, started here on a
# loopback port with appendonly yes / appendfsync everysec, installed if missing).
#
#   scripts/bench_tick.sh            100k single-row / 10k 100-row updates per configuration
#   scripts/bench_tick.sh --quick    a fifth of that
#   scripts/bench_tick.sh --reps 3   every configuration three times, medians reported
#   QTICK_BIN_BASELINE=path/to/older/qtick scripts/bench_tick.sh   also measures that build,
#                                    configuration by configuration, for a before/after
#
# Prints the README's table; the full log is in target/bench-tick.log.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
fi
port=${REDIS_PORT:-6391}
rdir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --dir "$rdir" --appendonly yes \
  --appendfsync everysec --save "" --daemonize yes --logfile "$rdir/redis.log"
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$rdir"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

cargo build --release --quiet
mkdir -p target
log=target/bench-tick.log
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$log"
QTICK_BIN=$PWD/target/release/qtick QTICK_BIN_BASELINE=${QTICK_BIN_BASELINE:-} REDIS_PORT=$port cargo bench --bench tick -- "$@" 2>&1 | tee -a "$log"
echo "# finished $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
