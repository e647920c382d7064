#!/usr/bin/env bash
# Constant-time check of the compiled code under valgrind memcheck (crates/keysplit-ctgrind).
#
# 1. Builds the harness in release mode with keysplit's declassification hook
#    (RUSTFLAGS="--cfg keysplit_ctgrind", own target dir so normal builds are untouched).
# 2. Each canary (a table lookup by a secret byte, a branch on a secret byte) must FAIL:
#    if valgrind does not flag them, the harness is broken and a pass would mean nothing.
# 3. The real check (split, combine, reshare, raw and envelope, text forms, SLIP-39 split
#    and combine with secret words and passphrase, every backend
#    this CPU and valgrind can run) must PASS with zero valgrind errors.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/skip.sh

if [ "$(uname -m)" != "x86_64" ]; then
  skip "ctgrind not run: the client requests are written for x86_64, this is $(uname -m)"
  exit 0
fi
if ! command -v valgrind >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
  else
    echo "ctgrind: valgrind is required (apt-get install valgrind)" >&2
    exit 1
  fi
fi

target_dir="${CTGRIND_TARGET_DIR:-$PWD/target/ctgrind}"
RUSTFLAGS="--cfg keysplit_ctgrind" CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
  cargo build -q --release -p keysplit-ctgrind --target-dir "$target_dir"
bin="$target_dir/release/keysplit-ctgrind"
log_dir="$target_dir/logs"
mkdir -p "$log_dir"

run() { # mode -> exit status of valgrind
  valgrind --error-exitcode=1 --track-origins=yes --num-callers=30 "$bin" "$1" \
    >"$log_dir/$1.log" 2>&1
}

for canary in canary-table canary-branch; do
  if run "$canary"; then
    echo "ctgrind: FAIL: the $canary canary was NOT flagged; the harness is broken" >&2
    cat "$log_dir/$canary.log" >&2
    exit 1
  fi
  what=$(grep -m1 -oE "(Conditional jump or move depends on uninitialised value|Use of uninitialised value of size [0-9]+)" "$log_dir/$canary.log" || true)
  if [ -z "$what" ]; then
    echo "ctgrind: FAIL: $canary failed without a memcheck report" >&2
    cat "$log_dir/$canary.log" >&2
    exit 1
  fi
  echo "ctgrind: canary $canary flagged as expected ($what)"
done

if run check; then
  grep -E "^(clean|FLAGGED)" "$log_dir/check.log"
  # Backends the harness could not run under valgrind ("skipped  backend NAME: why").
  while read -r _ what; do
    skip "$what (not checked)"
  done < <(grep -E "^skipped" "$log_dir/check.log" || true)
  echo "ctgrind: PASS: no secret-dependent branch or memory index in keysplit (valgrind $(valgrind --version | sed 's/valgrind-//'))"
else
  cat "$log_dir/check.log" >&2
  echo "ctgrind: FAIL: secret-dependent branch or memory index; see the report above" >&2
  exit 1
fi

# The wallet: a report, not a gate, except where the wallet's code is known clean. Its
# flagged sites are in dependencies and triaged in SECURITY.md ("Constant time").
run check-wallet || true
if ! grep -q "^ctgrind: check-wallet:" "$log_dir/check-wallet.log"; then
  cat "$log_dir/check-wallet.log" >&2
  echo "ctgrind: FAIL: a wallet section computed a wrong result" >&2
  exit 1
fi
echo "ctgrind: wallet report (full log: $log_dir/check-wallet.log):"
grep -E "^(clean|FLAGGED)" "$log_dir/check-wallet.log" | sed 's/^/  /'
for must_be_clean in "wallet: SLIP-10 ed25519 derive + sign"; do
  if ! grep -q "^clean    $must_be_clean" "$log_dir/check-wallet.log"; then
    echo "ctgrind: FAIL: '$must_be_clean' is no longer clean" >&2
    exit 1
  fi
done
