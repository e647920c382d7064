#!/usr/bin/env bash
# Proves the core builds without std: thumbv7em-none-eabihf has no std library at all,
# so any dependency that pulls std in (directly or transitively) fails this build.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=thumbv7em-none-eabihf
if ! rustup target list --installed | grep -qx "$target"; then
  rustup target add "$target"
fi
cargo build -p keysplit --no-default-features --target "$target"
echo "keysplit builds for $target without std"
cargo build -p keysplit-slip39 --no-default-features --target "$target"
echo "keysplit-slip39 builds for $target without std"
