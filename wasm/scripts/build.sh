#!/usr/bin/env bash
# Builds the keysplit-wasm npm package into wasm/pkg (no wasm-pack):
#   1. cargo build --release for wasm32-unknown-unknown (SIMD128 on),
#   2. wasm-bindgen: ESM for browsers (pkg/web) and for Node (pkg/node),
#   3. wasm-opt -Oz (npm binaryen; Debian's binaryen 108 emits modules that fail to load),
#   4. the hand-written typed wrapper and package.json from wasm/js.
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli $WASM_BINDGEN_VERSION,
# `npm install` in wasm/ (see scripts/setup.sh, which installs all of these).
#
#   build.sh            the package, in wasm/pkg
#   build.sh --probes   a Node build with the timing probes of bench/breakdown.mjs (the
#                       `bench-internals` feature), in wasm/pkg-probes; never published
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_DIR"

installed="$(wasm-bindgen --version 2>/dev/null || true)"
if [ "$installed" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  echo "wasm-bindgen $WASM_BINDGEN_VERSION is required (found: ${installed:-none}); run wasm/scripts/setup.sh" >&2
  exit 1
fi

if [ "${1:-}" = "--probes" ]; then
  cargo build -q -p keysplit-wasm --target "$WASM_TARGET" --release --features bench-internals \
    "${WASM_CARGO_CONFIG[@]}"
  module="$CARGO_TARGET_DIR/$WASM_TARGET/release/keysplit_wasm.wasm"
  out="$WASM_DIR/pkg-probes"
  rm -rf "$out"
  mkdir -p "$out"
  wasm-bindgen --target experimental-nodejs-module --out-dir "$out" --out-name keysplit_wasm "$module"
  wasm-opt -Oz --converge --strip-debug --strip-producers "${WASM_OPT_FEATURES[@]}" \
    -o "$out/keysplit_wasm_bg.wasm" "$out/keysplit_wasm_bg.wasm"
  echo "built $out (timing probes; not the package)"
  exit 0
fi

cargo build -q -p keysplit-wasm --target "$WASM_TARGET" --release "${WASM_CARGO_CONFIG[@]}"
module="$CARGO_TARGET_DIR/$WASM_TARGET/release/keysplit_wasm.wasm"

out="$WASM_DIR/pkg"
rm -rf "$out"
mkdir -p "$out/web" "$out/node"
wasm-bindgen --target web --out-dir "$out/web" --out-name keysplit_wasm "$module"
wasm-bindgen --target experimental-nodejs-module --out-dir "$out/node" --out-name keysplit_wasm "$module"

for flavour in web node; do
  wasm-opt -Oz --converge --strip-debug --strip-producers "${WASM_OPT_FEATURES[@]}" \
    -o "$out/$flavour/keysplit_wasm_bg.wasm" "$out/$flavour/keysplit_wasm_bg.wasm"
done

cp "$WASM_DIR"/js/*.js "$WASM_DIR"/js/*.d.ts "$WASM_DIR/js/package.json" "$out/"
cp "$WASM_DIR/js/README.md" "$out/README.md"

raw=$(wc -c <"$out/web/keysplit_wasm_bg.wasm")
gz=$(gzip -9 -c "$out/web/keysplit_wasm_bg.wasm" | wc -c)
echo "built $out (keysplit_wasm_bg.wasm: $raw bytes, $gz bytes gzipped)"
