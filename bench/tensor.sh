#!/usr/bin/env bash
# The tensor-op ratio table (issue 6, PERF.md): Sharpnet vs its native yardsticks (STREAM-like loops built with
# Sharpnet's flags, oneDNN matmul and dnnl_sgemm called directly; ratio = yardstick time / Sharpnet time, higher
# is better) and vs TorchSharp in its own process (ratio = Sharpnet time / TorchSharp time, lower is better).
#   bench/tensor.sh            ROUNDS=5 OMP_NUM_THREADS=2 by default
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
rounds="${ROUNDS:-5}"
ninja -C build/native sharpnet_tensor_compare >/dev/null
echo "== vs native yardsticks (ratio = yardstick time / sharpnet time; >= 0.8 STREAM, >= 0.95 oneDNN)"
build/native/bench/native/sharpnet_tensor_compare "$rounds"
echo
echo "== vs TorchSharp, each in its own process (ratio = sharpnet time / torchsharp time; <= 1.05 is the target)"
ROUNDS="$rounds" bench/run.sh relu_16m sigmoid_16m add_16m bcast_add_16m sum_16m sum_rows_16m max_16m dot_1024 dot_2048
