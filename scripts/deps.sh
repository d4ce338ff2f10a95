#!/usr/bin/env bash
# Installs the Debian 12 packages evictlab needs, only those missing.
# Idempotent and non-interactive; sourced by run.sh and test.sh.
#   scripts/deps.sh [extra-package ...]
set -euo pipefail

EVICTLAB_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev libabsl-dev libfmt-dev nlohmann-json3-dev
  libbenchmark-dev libgtest-dev libgmock-dev
  python3 python3-torch python3-scipy
  python3-dev pybind11-dev python3-pytest
  valgrind chromium linux-perf
  clang-14 libclang-rt-14-dev
)

missing=()
for pkg in "${EVICTLAB_PACKAGES[@]}" "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "evictlab: installing missing packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
