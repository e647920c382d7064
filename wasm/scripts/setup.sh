#!/usr/bin/env bash
# Installs what the wasm build and its tests need, skipping whatever is already there:
#   rustup target wasm32-unknown-unknown, wasm-bindgen-cli (the version pinned in
#   Cargo.toml), the npm dev packages of wasm/ (binaryen's wasm-opt, playwright-core,
#   shamir-secret-sharing, ethers) and, with --browser, Debian's chromium + chromedriver.
set -euo pipefail
source "$(dirname "$0")/env.sh"

if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
  rustup target add "$WASM_TARGET"
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  # No --locked: the CLI's lock file pins crates this registry mirror does not carry.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ ! -x "$WASM_DIR/node_modules/.bin/wasm-opt" ] || [ ! -d "$WASM_DIR/node_modules/playwright-core" ] \
  || [ "$WASM_DIR/package.json" -nt "$WASM_DIR/node_modules/.package-lock.json" ]; then
  (cd "$WASM_DIR" && npm install --no-audit --no-fund --loglevel=error)
fi

if [ "${1:-}" = "--browser" ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "installing chromium needs root or sudo" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium chromium-driver
fi
