#!/bin/sh
# The one code layout (.clang-format) over our C++ sources.
#   scripts/format.sh          rewrite the files in place
#   scripts/format.sh --check  list the files that differ; fail if any does
set -eu
cd "$(dirname "$0")/.."
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files 'src/*.cpp' 'src/*.hpp' 'fuzz/*.cpp' 'fuzz/*.hpp')
else
  files=$(find src fuzz -name '*.cpp' -o -name '*.hpp' | sort)
fi
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in $files; do
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
      echo "not formatted: $f (scripts/format.sh rewrites it)"
      bad=1
    fi
  done
  exit $bad
fi
echo "$files" | xargs clang-format -i
