#!/usr/bin/env bash
# keysplit's whole test suite. Installs what it needs (rustup targets, npm packages,
# wasm-bindgen-cli, Chromium) and skips installs that are already present.
#
#   ./scripts/test.sh            everything
#   ./scripts/test.sh quick      Rust checks and tests only (no installs, no browsers)
#
# Each area of the project adds its steps as scripts/test.d/NN-name.sh; they run in
# order of their names, after the core steps below, and each must exit non-zero on failure.
# A step that cannot run part of its checks here (a missing tool, CPU feature or
# toolchain) says so with `skip` from scripts/skip.sh; the list is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
mode="${1:-all}"

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

KEYSPLIT_SKIPS=$(mktemp "${TMPDIR:-/tmp}/keysplit-skips.XXXXXX")
export KEYSPLIT_SKIPS
trap 'rm -f "$KEYSPLIT_SKIPS"' EXIT
source scripts/skip.sh

print_skips() {
  step "skipped here"
  if [ -s "$KEYSPLIT_SKIPS" ]; then
    sed 's/^/  /' "$KEYSPLIT_SKIPS"
  else
    echo "  none"
  fi
}

# `cargo test` checks every SIMD backend this CPU can run against the portable one, and
# the two-lane SHA-256 against the sha2 crate: name the ones it could not run. The CPU
# features are those `supported()` in crates/keysplit/src/backend/platform.rs and
# `compress2` in crates/keysplit/src/sha256x2.rs ask for.
cpu_skips() {
  [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ] || return 0
  local flags
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  has() {
    local feature
    for feature in "$@"; do
      case "$flags" in *" $feature "*) ;; *) return 1 ;; esac
    done
  }
  has ssse3 || skip "backend ssse3 not tested: the CPU lacks SSSE3"
  has avx2 || skip "backend avx2 not tested: the CPU lacks AVX2"
  has avx512f avx512bw || skip "backend avx512 not tested: the CPU lacks AVX-512 F/BW"
  has gfni avx || skip "backend gfni not tested: the CPU lacks GFNI/AVX"
  has sha_ni sse4_1 ssse3 || skip "two-lane SHA-NI SHA-256 not tested: the CPU lacks SHA-NI"
}

step "formatting (cargo fmt --check)"
cargo fmt --all --check

step "lints (cargo clippy --all-targets -- -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

step "unit, property, vector and CLI tests (cargo test)"
cargo test --workspace
KEYSPLIT_STEP="cargo test" cpu_skips

if [ "$mode" = "quick" ]; then
  steps=$(for part in scripts/test.d/*.sh; do basename "$part" .sh; done | paste -sd ' ')
  KEYSPLIT_STEP="quick mode" skip "scripts/test.d steps not run: ${steps:-none}"
  print_skips
  step "quick mode: done in $((SECONDS - started)) s"
  exit 0
fi

for part in scripts/test.d/*.sh; do
  [ -e "$part" ] || continue
  step "$part"
  bash "$part"
done

print_skips
step "all tests passed in $((SECONDS - started)) s"
