#!/usr/bin/env bash
# Short fuzz smoke: every target for up to FUZZ_SMOKE_SECONDS (default 30) or FUZZ_RUNS
# inputs when a nightly toolchain is present; skipped (with a message) otherwise. The committed corpora are
# replayed on stable in every run by `cargo test` (crates/keysplit-audit/tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/skip.sh
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  skip "fuzz smoke not run: no nightly toolchain (./scripts/fuzz.sh installs one and fuzzes)"
  exit 0
fi
# Reproducible: a fixed libFuzzer seed and input count (see scripts/fuzz.sh), so the
# smoke checks the same inputs on every machine; exploratory fuzzing is ./scripts/fuzz.sh.
FUZZ_SEED="${FUZZ_SEED:-20261121}" FUZZ_RUNS="${FUZZ_RUNS:-200000}" \
  exec ./scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-30}"
