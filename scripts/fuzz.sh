#!/usr/bin/env bash
# Fuzzes the qipc wire format: builds the cargo-fuzz targets in fuzz/ and runs each for
# the given number of seconds (default 30), seeded from the shared IPC vectors.
#
#   scripts/fuzz.sh [seconds-per-target] [target ...]     targets: decode decompress handshake frame
#
# Exits non-zero when any target crashes, hangs (10 s per input) or runs out of memory
# (2 GB); the failing input is kept in fuzz/artifacts/<target>/ and can be replayed with
#   (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run <target> artifacts/<target>/<file>)
# Seeds are regenerated from ../shared/vectors/ipc on every run (never committed); inputs
# the fuzzer finds accumulate in fuzz/corpus/<target>/, so later runs start further on.
#
# Only stable Rust is installed. cargo-fuzz drives nightly-only flags (-Zsanitizer=address,
# sancov passes); RUSTC_BOOTSTRAP=1 lets the stable compiler accept them. If the
# AddressSanitizer build fails on some machine, the targets are rebuilt without a
# sanitizer (Rust's own bounds checks and debug assertions still catch what matters).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

secs=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode decompress handshake frame)
vectors=${QTICK_SHARED:-$root/../shared}/vectors/ipc

export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install --locked cargo-fuzz
fi

python3 fuzz/seeds.py "$vectors" fuzz/corpus

cd fuzz
sanitizer=()
if ! cargo fuzz build >build.log 2>&1; then
  echo "fuzz: AddressSanitizer build failed (see fuzz/build.log); building without a sanitizer"
  sanitizer=(--sanitizer none)
  cargo fuzz build "${sanitizer[@]}"
fi

mkdir -p logs
failed=()
summary=()
for t in "${targets[@]}"; do
  log="logs/$t.log"
  echo "fuzz: $t for ${secs}s"
  # -rss_limit_mb: the default 2 GB, stated so an OOM verdict is explicit.
  # -timeout: any one input taking 10 s is a hang.
  if cargo fuzz run "${sanitizer[@]}" "$t" "corpus/$t" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
    grep -E "^==[0-9]+==|panicked|ERROR: libFuzzer|SUMMARY|Test unit written" "$log" | head -20 || true
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  summary+=("$(printf '%-11s %-6s %12s execs %8s exec/s' "$t" "$status" "${runs:-?}" "${rate:-?}")")
done

printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in fuzz/artifacts/, logs in fuzz/logs/)"
  exit 1
fi
echo "fuzz: ${#targets[@]} passed, 0 failed"
