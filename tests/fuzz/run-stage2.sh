#!/bin/bash
# Builds the stage-2 engine's libFuzzer harness (tests/fuzz/stage2_fuzz.cpp,
# with core/src/stage2 and the fake platform door of tests/fake) with
# clang++-14 and ASan + UBSan, and runs it.
#   run-stage2.sh [SECONDS] [DIR]
# SECONDS: how long to fuzz (default 60). DIR: a folder in the build tree
# (default build/fuzz of the source tree) holding the binary, the corpus
# (DIR/stage2-corpus, kept between runs) and crash inputs
# (DIR/stage2-artifacts). Exits non-zero when the harness finds a crash or
# a disagreement with the reference model.
set -euo pipefail
secs=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=${2:-$src/build/fuzz}
mkdir -p "$dir/stage2-corpus" "$dir/stage2-artifacts"
dir=$(cd "$dir" && pwd)

clang++-14 -std=gnu++20 -O1 -g -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$src/core/include" -I"$src/kmod" -I"$src/tests/fake" -I"$src/tests/unit-stage2" \
	"$src/tests/fuzz/stage2_fuzz.cpp" "$src"/core/src/stage2/*.cpp \
	"$src/tests/fake/fake_platform.cpp" -o "$dir/stage2_fuzz"

echo "run-stage2: fuzzing for ${secs}s, corpus $dir/stage2-corpus"
exec "$dir/stage2_fuzz" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$dir/stage2-artifacts/" "$dir/stage2-corpus"
