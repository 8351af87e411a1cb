#!/usr/bin/env bash
# Builds every libFuzzer target with clang and runs each for a short time on
# its seed corpus (fuzz/corpus/<name>/). A crash fails the run.
set -euo pipefail
dir=${1:-build-fuzz}
seconds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
# -O1: at -O0 the sanitizers and coverage make template-heavy code (JSON,
# the MIME parser) run a few hundred inputs a second; asserts stay on.
CC=clang-19 CXX=clang++-19 cmake -G Ninja -S "$root" -B "$root/$dir" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
  -DESTAFETA_FUZZ=ON -DESTAFETA_TESTS=OFF >/dev/null
targets=$(sed -n 's/^estafeta_fuzz_target(\([a-z0-9_]*\).*/\1/p' "$root/fuzz/CMakeLists.txt")
ninja -C "$root/$dir" -j2 $(for t in $targets; do echo "${t}_fuzz"; done)
for t in $targets; do
  corpus="$root/fuzz/corpus/$t"
  work="$root/$dir/corpus-$t"
  mkdir -p "$work"
  echo "fuzz: $t for ${seconds}s"
  log="$root/$dir/fuzz-$t.log"
  if ! "$root/$dir/fuzz/${t}_fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 "$work" "$corpus" >"$log" 2>&1; then
    tail -50 "$log"
    echo "fuzz: $t FAILED (input saved by libFuzzer in the current folder)"
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$log" || true
done
echo "fuzz: all targets clean"
