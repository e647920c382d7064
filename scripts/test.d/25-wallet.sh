#!/usr/bin/env bash
# keysplit-wallet: one getrandom and one rand_core in its dependency tree (a second one,
# e.g. getrandom 0.2 from an old k256, breaks the browser build), and the crate builds
# for wasm32-unknown-unknown. The getrandom backend for browsers (`wasm_js`) is chosen
# by the final crate (wasm/), so this builds without `os-rng`.
# (The wallet's interop tests against ethers run in 20-interop.sh with the others.)
set -euo pipefail
cd "$(dirname "$0")/../.."

for name in getrandom rand_core; do
  versions=$(cargo tree -q -p keysplit-wallet -e normal --target all --prefix none \
    | grep -E "^$name v" | awk '{print $2}' | sort -u)
  count=$(printf '%s\n' "$versions" | grep -c . || true)
  if [ "$count" -ne 1 ]; then
    echo "keysplit-wallet depends on $count versions of $name: $versions" >&2
    exit 1
  fi
  echo "keysplit-wallet: one $name ($versions)"
done

# The BIP-39 vectors of every language (NFKD, ideographic spaces, words shared between
# lists) need the all-languages feature, which `cargo test --workspace` leaves off.
cargo test -q -p keysplit-wallet --features all-languages --test vectors

target=wasm32-unknown-unknown
if ! rustup target list --installed | grep -qx "$target"; then
  rustup target add "$target"
fi
cargo build -q -p keysplit-wallet --no-default-features --features unicode --target "$target"
cargo build -q -p keysplit-wallet --no-default-features --features unicode,requests --target "$target"
cargo build -q -p keysplit-wallet --no-default-features --features unicode,custody --target "$target"
echo "keysplit-wallet builds for $target, with and without requests and custody"
