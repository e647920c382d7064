#!/usr/bin/env bash
# The SIMD backends of other architectures must at least type-check: aarch64 (NEON) and
# wasm32 with simd128 (i8x16.swizzle). When an aarch64 cross linker and qemu-aarch64 are
# already installed, the differential backend tests also run under qemu-user (optional;
# nothing is installed for that).
set -euo pipefail
cd "$(dirname "$0")/../.."
for target in aarch64-unknown-linux-gnu wasm32-unknown-unknown; do
  if ! rustup target list --installed | grep -qx "$target"; then
    rustup target add "$target"
  fi
done

cargo check -q -p keysplit --target aarch64-unknown-linux-gnu
cargo check -q -p keysplit --target aarch64-unknown-linux-gnu --no-default-features
echo "keysplit (NEON backend) type-checks for aarch64-unknown-linux-gnu"

RUSTFLAGS='-C target-feature=+simd128' \
  cargo check -q -p keysplit --target wasm32-unknown-unknown --no-default-features --features std
echo "keysplit (simd128 backend) type-checks for wasm32-unknown-unknown +simd128"

if command -v qemu-aarch64 >/dev/null && command -v aarch64-linux-gnu-gcc >/dev/null; then
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
    cargo test -q -p keysplit --target aarch64-unknown-linux-gnu --test backends
  echo "NEON backend matches portable under qemu-aarch64"
else
  echo "qemu-aarch64 or aarch64-linux-gnu-gcc not installed: NEON tests not run (type-check only)"
fi
