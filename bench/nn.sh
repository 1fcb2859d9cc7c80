#!/usr/bin/env bash
# The NN-layer ratio table (issue 7, PERF.md): Sharpnet vs oneDNN 2.6 primitives (convolution, batch normalisation,
# max pooling) called directly on the same NCHW arrays (ratio = oneDNN time / Sharpnet time, >= 0.9 is the target)
# and vs TorchSharp in its own process (ratio = Sharpnet time / TorchSharp time, lower is better). Batch 32, 64 channels, 56x56, float32.
#   bench/nn.sh            ROUNDS=3 OMP_NUM_THREADS=2 by default
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
rounds="${ROUNDS:-3}"
ninja -C build/native sharpnet_tensor_compare >/dev/null
echo "== vs oneDNN primitives called directly (ratio = oneDNN time / sharpnet time; >= 0.9)"
build/native/bench/native/sharpnet_tensor_compare "$rounds" conv3x3_fwd conv3x3_fwdbwd conv1x1_fwd conv1x1_fwdbwd \
  dwconv3x3_fwd dwconv3x3_fwdbwd bn_fwd bn_fwdbwd maxpool_fwd maxpool_fwdbwd
echo
echo "== vs TorchSharp, each in its own process (ratio = sharpnet time / torchsharp time)"
ROUNDS="$rounds" bench/run.sh conv3x3_fwd conv3x3_fwdbwd conv1x1_fwd dwconv3x3_fwd bnrelu_fwdbwd maxpool_fwd fc4096_fwd
