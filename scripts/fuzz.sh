#!/usr/bin/env bash
# Builds every libFuzzer target with clang and runs each for a short time on
# its seed corpus (fuzz/corpus/<name>/). A crash fails the run.
# FUZZ_ONLY=build builds and stops; FUZZ_ONLY=run runs what was built.
set -euo pipefail
dir=${1:-build-fuzz}
seconds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
only=${FUZZ_ONLY:-}
targets=$(sed -n 's/^estafeta_fuzz_target(\([a-z0-9_]*\).*/\1/p' "$root/fuzz/CMakeLists.txt")
if [ "$only" != run ]; then
  # -O1: at -O0 the sanitizers and coverage make template-heavy code (JSON,
  # the MIME parser) run a few hundred inputs a second; asserts stay on.
  CC=clang-19 CXX=clang++-19 cmake -G Ninja -S "$root" -B "$root/$dir" -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
    -DESTAFETA_FUZZ=ON -DESTAFETA_TESTS=OFF >/dev/null
  ninja -C "$root/$dir" -j2 $(for t in $targets; do echo "${t}_fuzz"; done)
fi
[ "$only" = build ] && exit 0
# One fuzzer per core at a time (each is one process on one thread); a
# target's statistics are printed when it ends, a crash's log in full.
jobs=${FUZZ_JOBS:-$(nproc)}
run_one() {
  local t=$1 corpus="$root/fuzz/corpus/$1" work="$root/$dir/corpus-$1" log="$root/$dir/fuzz-$1.log"
  mkdir -p "$work"
  if ! "$root/$dir/fuzz/${t}_fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$root/$dir/crash-$t-" "$work" "$corpus" >"$log" 2>&1; then
    tail -50 "$log"
    echo "fuzz: $t FAILED (the input is in $root/$dir/crash-$t-*)"
    return 1
  fi
  echo "fuzz: $t ran ${seconds}s: $(grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$log" |
    sed 's/^stat:://' | tr -s ' ' | paste -sd ' ')"
}
failed=0
running=0
for t in $targets; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: a target failed"
  exit 1
fi
echo "fuzz: all targets clean"
