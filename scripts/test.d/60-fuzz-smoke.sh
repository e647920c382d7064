#!/usr/bin/env bash
# Short fuzz smoke: every target for FUZZ_SMOKE_SECONDS (default 10) when a nightly
# toolchain is present; skipped (with a message) otherwise. The committed corpora are
# replayed on stable in every run by `cargo test` (crates/keysplit-audit/tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz smoke: SKIPPED (no nightly toolchain; run ./scripts/fuzz.sh to install one and fuzz)"
  exit 0
fi
exec ./scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-10}"
