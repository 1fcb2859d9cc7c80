#!/usr/bin/env bash
# Packs Sharpnet.Runtime.linux-x64 and Sharpnet into a folder.
#   scripts/pack.sh [--version 0.1.0-dev] [--output artifacts/packages] [--native-build build/native]
# The native library must be built (scripts/test.sh or cmake + ninja).
set -euo pipefail
cd "$(dirname "$0")/.."

version="0.1.0-dev"
output="artifacts/packages"
native_build="build/native"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    --native-build) native_build="$2"; shift 2 ;;
    *) echo "pack.sh: unknown argument '$1'; expected --version, --output or --native-build" >&2; exit 2 ;;
  esac
done

lib="$native_build/libsharpnet.so"
[[ -f "$lib" ]] || { echo "pack.sh: $lib is missing; build the native library first" >&2; exit 1; }
command -v patchelf >/dev/null || { echo "pack.sh: patchelf is missing (apt-get install patchelf)" >&2; exit 1; }

# Stage runtimes/linux-x64/native: our library plus what Debian's oneDNN pulls in.
stage="artifacts/runtime/linux-x64/native"
rm -rf "$stage" && mkdir -p "$stage"
cp "$lib" "$stage/"
for soname in libdnnl.so.2 libgomp.so.1 libOpenCL.so.1; do
  # awk reads to the end: exiting early would SIGPIPE ldconfig and fail the pipeline under pipefail.
  path=$(ldconfig -p | awk -v n="$soname" '$1 == n && /x86-64/ && !found { print $NF; found = 1 }')
  [[ -n "$path" ]] || { echo "pack.sh: $soname not found by ldconfig (apt-get install libdnnl-dev)" >&2; exit 1; }
  cp -L "$path" "$stage/$soname"
done
# Bundled libraries find each other beside themselves, not in the system.
patchelf --set-rpath '$ORIGIN' "$stage/libdnnl.so.2"

mkdir -p "$output"
output=$(cd "$output" && pwd)
dotnet pack bindings/csharp/packaging/Sharpnet.Runtime.linux-x64 -c Release -p:Version="$version" \
  -p:SharpnetNativeStagingDir="$PWD/$stage" -o "$output" --nologo -v quiet
dotnet pack bindings/csharp/Sharpnet -c Release -p:Version="$version" -p:SharpnetPackRuntime=true \
  -p:RestoreAdditionalProjectSources="$output" -o "$output" --nologo -v quiet
echo "packed Sharpnet $version into $output:"
ls -1 "$output" | grep -F "$version"
