# Shared by scripts/test.sh and scripts/train.sh: machine setup and the native build.
# Source it; it defines functions only.

# Debian packages the build and tests need (ocl-icd-opencl-dev: oneDNN's CMake config looks for OpenCL,
# and libdnnl-dev only recommends it).
SHARPNET_APT_PACKAGES=(cmake ninja-build g++ libdnnl-dev ocl-icd-opencl-dev libgtest-dev libgmock-dev libbenchmark-dev libclang1-14 patchelf
                       clang-14 libclang-rt-14-dev libomp-14-dev)

# Installs whichever of SHARPNET_APT_PACKAGES are missing (idempotent: no apt call when all are present).
ensure_apt_packages() {
  local missing=()
  local pkg
  for pkg in "${SHARPNET_APT_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "apt packages present"
    return 0
  fi
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; return 1; }
    sudo="sudo"
  fi
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Configures and builds the native library into build/native (Release, warnings as errors).
build_native() {
  cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHARPNET_WERROR=ON "$@" >/dev/null
  ninja -C build/native
}

# Native tests under sanitizers: ASan+UBSan on every native test, ThreadSanitizer on the
# engine-only binary (no OpenMP: libgomp is not instrumented). Separate build folders.
# allocator_may_return_null: the bad-input tests ask for absurd sizes and expect Sharpnet's
# out-of-memory error, not ASan's abort.
run_sanitizers() {
  cmake -S . -B build/asan-ubsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHARPNET_SANITIZE=address,undefined \
    -DSHARPNET_BUILD_BENCHMARKS=OFF -DSHARPNET_WERROR=ON >/dev/null &&
    { ninja -C build/asan-ubsan > build/asan-ubsan/build.log 2>&1 || { tail -40 build/asan-ubsan/build.log; false; }; } &&
    (cd build/asan-ubsan && ASAN_OPTIONS="allocator_may_return_null=1" ctest --timeout 300 -j2 --output-on-failure > ctest.log 2>&1) &&
    cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHARPNET_SANITIZE=thread \
      -DSHARPNET_BUILD_BENCHMARKS=OFF -DSHARPNET_WERROR=ON >/dev/null &&
    { ninja -C build/tsan sharpnet_engine_tests > build/tsan/build.log 2>&1 || { tail -40 build/tsan/build.log; false; }; } &&
    TSAN_OPTIONS="halt_on_error=1" build/tsan/tests/native/sharpnet_engine_tests > build/tsan/engine_tests.log 2>&1
}

# Runs "$@" as a named stage and prints how long it took.
STAGE_TIMES=()
stage() {
  local name="$1"
  shift
  local start=$SECONDS
  echo
  echo "=== $name"
  local rc=0
  "$@" || rc=$?
  local took=$((SECONDS - start))
  STAGE_TIMES+=("$(printf '%-28s %4ds%s' "$name" "$took" "$([[ $rc -ne 0 ]] && echo '  FAILED')")")
  return $rc
}

print_stage_times() {
  echo
  echo "stage times:"
  local line
  for line in "${STAGE_TIMES[@]}"; do echo "  $line"; done
}
