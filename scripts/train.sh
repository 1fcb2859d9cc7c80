#!/usr/bin/env bash
# The main job (README.md): trains a model on Fashion-MNIST end to end. It sets up whatever is
# missing first (apt packages, the native build, the data), so it runs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

stage "apt packages" ensure_apt_packages
stage "native build" build_native

if [[ ! -d examples/FashionMnist ]]; then
  echo "scripts/train.sh: the training program examples/FashionMnist is not in this version of Sharpnet yet;" >&2
  echo "it arrives with the main-job issue. The setup stages above ran and are reusable." >&2
  exit 2
fi
stage "data" scripts/fetch-data.sh
dotnet run --project examples/FashionMnist -c Release -- "$@"
