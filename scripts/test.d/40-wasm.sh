#!/usr/bin/env bash
# keysplit-wasm: installs its toolchain (wasm32 target, wasm-bindgen-cli, npm dev packages,
# Debian chromium + chromedriver) when missing, builds wasm/pkg, then runs
#   - clippy of the bindings for wasm32,
#   - the wasm-bindgen-test suite in Node and in headless Chromium,
#   - the node tests (Privy interop, inputs, wallet vs ethers, size budget, SLIP-39 build,
#     requests build vs ethers / node:crypto / canonicalize),
#   - the end-to-end wallet tests in Chromium (playwright-core) against `keysplit serve`.
set -euo pipefail
cd "$(dirname "$0")/../.."
source wasm/scripts/env.sh
source scripts/skip.sh

step() { printf '\n--> wasm: %s\n' "$*"; }

step "setup (skips what is installed)"
bash wasm/scripts/setup.sh --browser

step "clippy for wasm32 (with the timing probes of bench/breakdown.mjs, so they keep building)"
cargo clippy -q -p keysplit-wasm --no-deps --target "$WASM_TARGET" --all-targets --features bench-internals,slip39,requests -- -D warnings

step "wasm-bindgen-test in Node"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
cargo test -p keysplit-wasm --target "$WASM_TARGET"

step "wasm-bindgen-test in headless Chromium"
WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$WASM_DIR/webdriver.json" \
  cargo test -p keysplit-wasm --target "$WASM_TARGET"

step "build wasm/pkg, wasm/pkg-slip39 (the build with SLIP-39) and wasm/pkg-requests (transactions, authz, policies)"
bash wasm/scripts/build.sh
bash wasm/scripts/build.sh --slip39
bash wasm/scripts/build.sh --requests

step "node tests"
node --test wasm/test/

if [ -d wasm/e2e ]; then
  step "end-to-end in Chromium (wallet protocol v2: app, wallet and third origins + keysplit serve)"
  # The wallet page loads wasm/pkg-requests (built above; again here only if missing), and
  # serve.mjs runs `keysplit serve` from the CLI binary built here.
  [ -f wasm/pkg-requests/inline.js ] || bash wasm/scripts/build.sh --requests
  cargo build -q -p keysplit-cli
  KEYSPLIT_BIN="$CARGO_TARGET_DIR/debug/keysplit" node --test --test-concurrency=1 wasm/e2e/
else
  skip "end-to-end iframe tests not run: wasm/e2e/ is missing"
fi
