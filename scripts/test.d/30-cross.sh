#!/usr/bin/env bash
# The SIMD backends of other architectures must at least type-check: aarch64 (NEON) and
# wasm32 with simd128 (i8x16.swizzle). The NEON differential tests also run under
# qemu-user when qemu-aarch64 and an aarch64 cross linker are installed or can be installed
# with apt (best effort: if they cannot, the step says so and only type-checks).
# KEYSPLIT_SKIP_QEMU=1 skips the qemu run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/skip.sh
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

if [ -z "${KEYSPLIT_SKIP_QEMU:-}" ] && ! { command -v qemu-aarch64 >/dev/null && command -v aarch64-linux-gnu-gcc >/dev/null; } \
  && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing qemu-user and gcc-aarch64-linux-gnu (for the NEON tests)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null; } \
    || echo "could not install them; NEON is type-checked only"
fi
if [ -n "${KEYSPLIT_SKIP_QEMU:-}" ]; then
  skip "NEON tests not run under qemu: KEYSPLIT_SKIP_QEMU is set (type-check only)"
elif command -v qemu-aarch64 >/dev/null && command -v aarch64-linux-gnu-gcc >/dev/null; then
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
    cargo test -q -p keysplit --target aarch64-unknown-linux-gnu --test backends
  echo "NEON backend matches portable under qemu-aarch64"
else
  skip "NEON tests not run: qemu-aarch64 or aarch64-linux-gnu-gcc not installed (type-check only)"
fi
