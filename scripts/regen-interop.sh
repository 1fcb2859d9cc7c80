#!/usr/bin/env bash
# Regenerates bindings/csharp/Sharpnet/Interop/Native.g.cs from native/include/sharpnet/c_api.h and
# bindings/csharp/Sharpnet/ND.g.cs and Sym.g.cs from the native operator registry (build/native/libsharpnet.so).
# With --check, writes nothing and exits 1 when a checked-in file is stale (CI runs this).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=()
case "${1:-}" in
  "") ;;
  --check) mode=(--check) ;;
  *) echo "usage: scripts/regen-interop.sh [--check]" >&2; exit 2 ;;
esac

# 1. The P/Invoke layer from the header.
dotnet run --project bindings/csharp/Sharpnet.Bindgen -- interop \
  --header native/include/sharpnet/c_api.h \
  --config bindings/csharp/Sharpnet.Bindgen/interop.json \
  --out bindings/csharp/Sharpnet/Interop/Native.g.cs \
  "${mode[@]}"
# 2. The per-operator wrappers, on NDArrays and on Symbols, from the native registry (needs build/native/libsharpnet.so).
dotnet run --project bindings/csharp/Sharpnet.Bindgen -- ops \
  --out bindings/csharp/Sharpnet/ND.g.cs \
  --sym-out bindings/csharp/Sharpnet/Sym.g.cs \
  "${mode[@]}"
