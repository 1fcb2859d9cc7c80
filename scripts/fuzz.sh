#!/usr/bin/env bash
# Fuzzes the MXNet NDArray file loader with libFuzzer + AddressSanitizer for a bounded time.
#   scripts/fuzz.sh [seconds=60]
# Needs clang-14, libclang-rt-14-dev and libomp-14-dev (apt). New inputs that grow coverage go to build/fuzz/corpus;
# a crash leaves its input in build/fuzz/ (crash-*) and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSHARPNET_BUILD_FUZZERS=ON -DSHARPNET_SANITIZE=address -DSHARPNET_BUILD_TESTS=OFF \
  -DSHARPNET_BUILD_BENCHMARKS=OFF >/dev/null
ninja -C build/fuzz ndarray_load_fuzz >/dev/null
mkdir -p build/fuzz/corpus
cd build/fuzz
# The naive engine keeps every load on this thread (no worker hand-offs per input).
SHARPNET_ENGINE=naive ./tests/fuzz/ndarray_load_fuzz corpus ../../tests/fuzz/corpus/ndarray_load \
  -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1 2>&1 | tail -12
