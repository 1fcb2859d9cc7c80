#!/usr/bin/env bash
# Side-by-side comparisons with TorchSharp (PERF.md): builds both apps in Release and runs each side in its
# own process, alternating, for a number of rounds; prints a table and a JSON summary per measure.
#   bench/run.sh [measure ...]   (default: every measure); ROUNDS=5 OMP_NUM_THREADS=2 by default
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
rounds="${ROUNDS:-5}"
dotnet build bench/dotnet/Sharpnet.Benchmarks -c Release --nologo -v quiet >/dev/null
dotnet build bench/dotnet/TorchSharpPeer -c Release --nologo -v quiet >/dev/null
measures=("$@")
[[ ${#measures[@]} -gt 0 ]] || measures=(push_1elem dependent_1e5 inplace_add_1elem dependent_add_1e5 mul_plain_1elem mul_recorded_1elem mlp_step)
for m in "${measures[@]}"; do
  dotnet artifacts/bin/Sharpnet.Benchmarks/release/Sharpnet.Benchmarks.dll compare "$m" "$rounds"
done
