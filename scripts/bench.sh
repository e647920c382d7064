#!/usr/bin/env bash
# Benchmarks keysplit (every backend this CPU has, and the dispatched default) side by
# side with sharks, blahaj, vsss-rs, gf256 and shamirsecretsharing in one criterion run,
# then prints a markdown table of medians and keysplit/peer ratios.
#
#   ./scripts/bench.sh              everything (about 10 minutes)
#   ./scripts/bench.sh "32 B"       only benchmarks matching a criterion filter
#
# Run it on an otherwise idle machine: criterion measures wall-clock time.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
if [ "$#" -eq 0 ]; then
  rm -rf "$target/criterion" # the table then shows this run only
fi
cargo bench -p keysplit-benches --bench compare -- "$@" >&2

flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | tr ' ' '\n' | grep -xE 'ssse3|avx2|avx512bw|gfni|sha_ni' | tr '\n' ' ' || true)
echo "## keysplit benchmarks"
echo
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | xargs || uname -m), $(nproc) cores (${flags:-flags unknown}); $(rustc --version); $(date -u +%Y-%m-%d)."
echo "Medians of criterion runs; keysplit and the seedable peers use a seeded ChaCha RNG. keysplit-raw = Privy/Vault-compatible shares; keysplit-envelope adds SHA-256 integrity (digest of the secret + a checksum per share)."
cargo run -q --release -p keysplit-benches --bin bench-table -- "$target/criterion"

# The same headline cases in CPU time (robust to a busy machine), with the ChaCha
# keystream rates that bound split.
cargo bench -q -p keysplit-benches --bench cpu_time 2>/dev/null
