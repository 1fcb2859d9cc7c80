#!/usr/bin/env bash
# Regenerates bindings/csharp/Sharpnet/Interop/Native.g.cs from native/include/sharpnet/c_api.h.
# With --check, writes nothing and exits 1 when the checked-in file is stale (CI runs this).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=()
case "${1:-}" in
  "") ;;
  --check) mode=(--check) ;;
  *) echo "usage: scripts/regen-interop.sh [--check]" >&2; exit 2 ;;
esac

exec dotnet run --project bindings/csharp/Sharpnet.Bindgen -- interop \
  --header native/include/sharpnet/c_api.h \
  --config bindings/csharp/Sharpnet.Bindgen/interop.json \
  --out bindings/csharp/Sharpnet/Interop/Native.g.cs \
  "${mode[@]}"
