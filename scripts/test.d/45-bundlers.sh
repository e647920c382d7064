#!/usr/bin/env bash
# keysplit-wasm as an adopter gets it: `npm pack` of wasm/pkg, installed from the tarball
# into a throw-away app (target/bundler-matrix/app) that has the bundlers at the versions
# pinned in wasm/bundlers/package.json + package-lock.json (installed once, reused while
# unchanged), then wasm/bundlers/matrix.mjs does a split/combine through each of: Node ESM
# and CJS, an esbuild server bundle, tsc --noEmit (strict, no skipLibCheck) under
# moduleResolution bundler and node16, Vite 8 and 7 (build + preview, dev), webpack 5 and
# esbuild (default entry with the file loader, inline entry with no configuration, ESM and
# iife, and in a module worker), and esbuild without configuration, where init() must fail
# with WASM_LOAD_FAILED naming the URL and then succeed when retried; browser cases run in
# headless Debian chromium.
# Needs wasm/pkg (built by 40-wasm.sh; built here when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
source wasm/scripts/env.sh

bash wasm/scripts/setup.sh --browser
[ -f wasm/pkg/web.js ] || bash wasm/scripts/build.sh

matrix_dir="$REPO_DIR/target/bundler-matrix"
app="$matrix_dir/app"
mkdir -p "$app"
if ! cmp -s wasm/bundlers/package-lock.json "$app/package-lock.json" \
  || ! cmp -s wasm/bundlers/package.json "$app/package.json" \
  || [ ! -f "$app/node_modules/.package-lock.json" ]; then
  cp wasm/bundlers/package.json wasm/bundlers/package-lock.json "$app/"
  (cd "$app" && npm ci --no-audit --no-fund --loglevel=error)
fi

tarball=$(cd wasm/pkg && npm pack --pack-destination "$matrix_dir" --loglevel=error | tail -n 1)
echo "packed $tarball: $(wc -c <"$matrix_dir/$tarball") bytes"
# --no-save keeps the pinned lock file as it is; a new tarball replaces the installed copy.
(cd "$app" && npm install --no-save --no-audit --no-fund --loglevel=error "$matrix_dir/$tarball")

cp wasm/bundlers/matrix.mjs "$app/matrix.mjs"
PLAYWRIGHT_FROM="$WASM_DIR/package.json" node "$app/matrix.mjs"
