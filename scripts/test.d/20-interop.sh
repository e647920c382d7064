#!/usr/bin/env bash
# Cross-checks against independent implementations in node: Privy's
# shamir-secret-sharing@0.0.4 (raw shares, both directions, through the CLI), and any
# other interop/*.test.mjs (ethers, @scure). Installs the npm packages when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v node >/dev/null || { echo "node is required for the interop tests" >&2; exit 1; }
if [ ! -d interop/node_modules/shamir-secret-sharing ] || [ interop/package.json -nt interop/node_modules/.package-lock.json ]; then
  (cd interop && npm install --no-audit --no-fund --loglevel=error)
fi
cargo build -q -p keysplit-cli
KEYSPLIT_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/keysplit" node --test interop/
