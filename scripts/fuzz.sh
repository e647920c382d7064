#!/usr/bin/env bash
# Runs every keysplit fuzz target (fuzz/fuzz_targets/*) for N seconds each.
#
#   ./scripts/fuzz.sh            60 s per target
#   ./scripts/fuzz.sh 300        5 minutes per target
#   ./scripts/fuzz.sh 30 decode_text split_roundtrip    only these targets
#
# Needs a nightly toolchain (libFuzzer instrumentation) and cargo-fuzz; installs
# cargo-fuzz when it is missing, and tries to install nightly when it is missing.
# New inputs go to fuzz/target/corpus-work/<target> (not committed); the committed seeds
# in fuzz/corpus/<target> are read, never written. A crash stops the run and leaves the
# input in fuzz/artifacts/<target>/: copy it into fuzz/corpus/<target>/ once fixed, so
# `cargo test -p keysplit-audit` replays it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: installing the nightly toolchain (cargo fuzz needs it)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cd fuzz/fuzz_targets && ls ./*.rs | sed 's|^\./||; s|\.rs$||')
fi

cd fuzz
echo "fuzz: building ${#targets[@]} targets"
cargo +nightly fuzz build -O
target_root="${CARGO_TARGET_DIR:-target}"
work="$target_root/corpus-work"
# FUZZ_SEED set: a reproducible run (CI's smoke). libFuzzer starts from the committed
# seeds only, with a fixed seed, and stops after FUZZ_RUNS inputs (or the time limit,
# whichever comes first), so every such run executes a prefix of the same input sequence
# and a green smoke stays green. Exploratory runs (no FUZZ_SEED) keep their discoveries
# in $work and use a random seed.
limits=(-max_total_time="$seconds")
if [ -n "${FUZZ_SEED:-}" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  limits+=(-seed="$FUZZ_SEED" -runs="${FUZZ_RUNS:-5000}")
fi
summary=()
for target in "${targets[@]}"; do
  mkdir -p "$work/$target" "corpus/$target"
  log="$work/$target.log"
  started=$SECONDS
  if ! cargo +nightly fuzz run -O "$target" "$work/$target" "corpus/$target" -- \
      "${limits[@]}" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
      >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz: $target FAILED (crash, timeout or leak); see fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  line=$(printf '%-22s %4d s  %12s executions  coverage %s' "$target" "$((SECONDS - started))" "${runs:-?}" "${cov:-?}")
  echo "fuzz: $line"
  summary+=("$line")
done
echo
echo "fuzz summary (${seconds} s per target):"
printf '  %s\n' "${summary[@]}"
