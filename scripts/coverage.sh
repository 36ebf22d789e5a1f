#!/bin/bash
# Line coverage of core/ by the host unit tests: a gcov build in its own
# folder, ctest, then lcov restricted to core/. Prints lcov's summary and
# the line rate; writes an HTML report.
#   scripts/coverage.sh [BUILD_DIR]     (default <repo>/build-coverage)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-coverage}
cmake -S "$src" -B "$build" -DPV_COVERAGE=ON -DPV_KMOD_ARCHES= >/dev/null
cmake --build "$build" -j2 >"$build/build.log" 2>&1 || { tail -n 30 "$build/build.log"; exit 1; }
lcov --quiet --zerocounters --directory "$build"
ctest --test-dir "$build" --output-on-failure -j2 -E '^kbuild\.' | tail -n 3
lcov --quiet --capture --directory "$build" --output-file "$build/all.info" --rc lcov_branch_coverage=0 \
	2>"$build/lcov.log"
lcov --quiet --extract "$build/all.info" "$src/core/*" --output-file "$build/core.info"
genhtml --quiet "$build/core.info" --output-directory "$build/coverage-html"
echo "core/ coverage (HTML: $build/coverage-html/index.html):"
lcov --summary "$build/core.info" 2>&1 | grep -E 'lines|functions'
