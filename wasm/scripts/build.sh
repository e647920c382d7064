#!/usr/bin/env bash
# Builds the keysplit-wasm npm package into wasm/pkg (no wasm-pack):
#   1. cargo build --release for wasm32-unknown-unknown (SIMD128 on),
#   2. wasm-bindgen --target web: one ESM glue file that the browser (web.js), Node
#      (node.js) and embedded-module (inline.js) entry points share,
#   3. wasm-opt -Oz (npm binaryen; Debian's binaryen 108 emits modules that fail to load):
#      the package's one keysplit_wasm_bg.wasm,
#   4. keysplit_wasm_inline.js: the same module as base64, for keysplit-wasm/inline,
#   5. the hand-written typed wrapper and package.json from wasm/js.
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli $WASM_BINDGEN_VERSION,
# `npm install` in wasm/ (see scripts/setup.sh, which installs all of these).
#
#   build.sh            the package, in wasm/pkg
#   build.sh --slip39   the package with SLIP-39 (`slip39.split`/`combine`), in wasm/pkg-slip39,
#                       named keysplit-wasm-slip39: ~14 KB gzipped more than the default
#                       module's budget allows, so it is a build of its own
#   build.sh --requests the package with transactions, typed data as JSON, authorization
#                       keys and quorums, and policies (`wallet.signTransaction`, `authz`,
#                       `policy`), in wasm/pkg-requests, named keysplit-wasm-requests: P-256,
#                       serde_json and RLP do not fit the default module's budget either
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

features=()
out="$WASM_DIR/pkg"
if [ "${1:-}" = "--slip39" ]; then
  features=(--features slip39)
  out="$WASM_DIR/pkg-slip39"
elif [ "${1:-}" = "--requests" ]; then
  features=(--features requests)
  out="$WASM_DIR/pkg-requests"
elif [ -n "${1:-}" ]; then
  echo "unknown option: $1 (expected --slip39, --requests or --probes)" >&2
  exit 1
fi
cargo build -q -p keysplit-wasm --target "$WASM_TARGET" --release "${features[@]}" "${WASM_CARGO_CONFIG[@]}"
module="$CARGO_TARGET_DIR/$WASM_TARGET/release/keysplit_wasm.wasm"

rm -rf "$out"
mkdir -p "$out"
bindgen_out="$(mktemp -d)"
trap 'rm -rf "$bindgen_out"' EXIT
wasm-bindgen --target web --out-dir "$bindgen_out" --out-name keysplit_wasm "$module"
wasm-opt -Oz --converge --strip-debug --strip-producers "${WASM_OPT_FEATURES[@]}" \
  -o "$out/keysplit_wasm_bg.wasm" "$bindgen_out/keysplit_wasm_bg.wasm"

# The glue's own fallback, `new URL('keysplit_wasm_bg.wasm', import.meta.url)`, is never
# used (every entry point passes the module), and `import.meta` in it makes esbuild's iife
# output warn and fail; web.js holds the one such URL that bundlers need to see.
glue_default="module_or_path = new URL('keysplit_wasm_bg.wasm', import.meta.url);"
grep -qF "$glue_default" "$bindgen_out/keysplit_wasm.js" || {
  echo "wasm-bindgen's glue changed: update the edit of its default module URL in build.sh" >&2
  exit 1
}
sed "s|$glue_default|throw new Error('keysplit-wasm: no module source given');|" \
  "$bindgen_out/keysplit_wasm.js" >"$out/keysplit_wasm.js"
if grep -q 'import\.meta' "$out/keysplit_wasm.js"; then
  echo "the glue still uses import.meta" >&2
  exit 1
fi

{
  printf '// The wasm module of keysplit-wasm, base64-encoded, for keysplit-wasm/inline (generated).\n'
  printf "export default '%s';\n" "$(base64 -w0 "$out/keysplit_wasm_bg.wasm")"
} >"$out/keysplit_wasm_inline.js"

cp "$WASM_DIR"/js/*.js "$WASM_DIR"/js/*.d.ts "$WASM_DIR/js/package.json" "$out/"
rm "$out/exports.part.js"
for entry in node web inline; do
  cat "$WASM_DIR/js/exports.part.js" >>"$out/$entry.js"
done
cp "$WASM_DIR/js/README.md" "$out/README.md"
if [ "${1:-}" = "--slip39" ]; then
  node -e 'const fs = require("fs"); const f = process.argv[1]; const p = JSON.parse(fs.readFileSync(f));
    p.name = "keysplit-wasm-slip39";
    p.description += ", with SLIP-39 mnemonic shares (Trezor Shamir backup)";
    fs.writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$out/package.json"
elif [ "${1:-}" = "--requests" ]; then
  node -e 'const fs = require("fs"); const f = process.argv[1]; const p = JSON.parse(fs.readFileSync(f));
    p.name = "keysplit-wasm-requests";
    p.description += ", with transaction signing, authorization key quorums and policies";
    fs.writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$out/package.json"
fi

raw=$(wc -c <"$out/keysplit_wasm_bg.wasm")
gz=$(gzip -9 -c "$out/keysplit_wasm_bg.wasm" | wc -c)
inline_raw=$(wc -c <"$out/keysplit_wasm_inline.js")
inline_gz=$(gzip -9 -c "$out/keysplit_wasm_inline.js" | wc -c)
echo "built $out (keysplit_wasm_bg.wasm: $raw bytes, $gz gzipped;" \
  "keysplit_wasm_inline.js: $inline_raw bytes, $inline_gz gzipped)"
