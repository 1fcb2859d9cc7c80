#!/usr/bin/env bash
# The test command (README.md): on a fresh Debian 12 machine with the .NET SDK it installs what it
# needs, builds native and managed code, runs every test and prints one line: "N passed, N failed".
# Idempotent; prints the time of each stage.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

passed=0
failed=0
failures=()
count() {  # count <name> <passed> <failed>
  passed=$((passed + $2))
  failed=$((failed + $3))
  [[ $3 -gt 0 ]] && failures+=("$1")
  return 0
}
abort() {
  print_stage_times
  echo
  echo "$passed passed, $((failed + 1)) failed (stopped: $1)"
  exit 1
}

stage "apt packages" ensure_apt_packages || abort "apt packages"
stage "native build" build_native || abort "native build"

ctest_log=build/native/ctest.log
stage "native tests (ctest)" bash -c "cd build/native && ctest --timeout 120 --output-on-failure -j2 > ctest.log 2>&1"
grep -E "tests passed|\*\*\*Failed|\*\*\*Exception|\(Failed\)|Timeout" "$ctest_log" | head -40  # skipped tests (first-order-only entries) are not news
total=$(grep -oE "out of [0-9]+" "$ctest_log" | grep -oE "[0-9]+" | tail -1)
bad=$(grep -oE "[0-9]+ tests failed" "$ctest_log" | grep -oE "^[0-9]+" | tail -1)
[[ -n "$total" ]] || { total=1; bad=1; }
count "native tests" $((total - ${bad:-0})) "${bad:-0}"

if stage "sanitizers (asan+ubsan, tsan)" run_sanitizers; then
  count "sanitizers" 1 0
else
  count "sanitizers" 0 1
  grep -hE "runtime error|ERROR: (Address|Thread)Sanitizer|WARNING: ThreadSanitizer|\*\*\*Failed" \
    build/asan-ubsan/ctest.log build/tsan/engine_tests.log 2>/dev/null | head -20
  tail -15 build/asan-ubsan/ctest.log build/tsan/engine_tests.log 2>/dev/null
fi

if stage "fuzz ndarray loader (20 s)" bash -c "scripts/fuzz.sh 20 > build/fuzz.log 2>&1"; then
  count "fuzz ndarray loader" 1 0
else
  count "fuzz ndarray loader" 0 1
  tail -30 build/fuzz.log
fi

if stage "interop is fresh" scripts/regen-interop.sh --check; then count "interop freshness" 1 0; else count "interop freshness" 0 1; fi

stage "managed build" dotnet build Sharpnet.Native.sln -c Release --nologo -v quiet -warnaserror || abort "managed build"

trx_dir=artifacts/test-results
rm -rf "$trx_dir"
stage "managed tests (dotnet test)" dotnet test Sharpnet.Native.sln -c Release --no-build --nologo \
  --blame-hang-timeout 5m --logger "trx" --results-directory "$trx_dir" -v quiet
for trx in "$trx_dir"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters=$(grep -oE '<Counters [^>]*>' "$trx")
  p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
  f=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
  count "managed tests ($(basename "$trx"))" "$p" "$f"
done
ls "$trx_dir"/*.trx >/dev/null 2>&1 || count "managed tests (no results)" 0 1

if stage "package smoke test" scripts/package-smoke.sh; then count "package smoke test" 1 0; else count "package smoke test" 0 1; fi

print_stage_times
echo
[[ ${#failures[@]} -gt 0 ]] && echo "failing: ${failures[*]}"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
