#!/usr/bin/env bash
# keysplit's whole test suite. Installs what it needs (rustup targets, npm packages,
# wasm-bindgen-cli, Chromium) and skips installs that are already present.
#
#   ./scripts/test.sh            everything
#   ./scripts/test.sh quick      Rust checks and tests only (no installs, no browsers)
#
# Each area of the project adds its steps as scripts/test.d/NN-name.sh; they run in
# order of their names, after the core steps below, and each must exit non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
mode="${1:-all}"

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

step "formatting (cargo fmt --check)"
cargo fmt --all --check

step "lints (cargo clippy --all-targets -- -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings

step "unit, property, vector and CLI tests (cargo test)"
cargo test --workspace

if [ "$mode" = "quick" ]; then
  step "quick mode: done in $((SECONDS - started)) s"
  exit 0
fi

for part in scripts/test.d/*.sh; do
  [ -e "$part" ] || continue
  step "$part"
  bash "$part"
done

step "all tests passed in $((SECONDS - started)) s"
