#!/usr/bin/env bash
# Compile time made visible: the slowest targets of the last native build (from Ninja's log).
#   scripts/build-times.sh [build-dir] [count]
set -euo pipefail
cd "$(dirname "$0")/.."
log="${1:-build/native}/.ninja_log"
count="${2:-15}"
[[ -f "$log" ]] || { echo "build-times.sh: $log is missing; build first" >&2; exit 1; }
# .ninja_log v5: start_ms end_ms mtime output hash. Later lines for the same output win.
awk -F'\t' '!/^#/ { t[$4] = $2 - $1 } END { for (o in t) printf "%8.1f s  %s\n", t[o] / 1000, o }' "$log" \
  | sort -rn | head -n "$count"
awk -F'\t' '!/^#/ { t[$4] = $2 - $1 } END { s = 0; for (o in t) s += t[o]; printf "%8.1f s  total CPU time of %d targets\n", s / 1000, length(t) }' "$log"
