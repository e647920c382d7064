#!/usr/bin/env bash
# Perf smoke: keysplit's headline calls built twice, once with the project's Cargo.lock
# and once with a fresh resolution of keysplit's dependencies (what a library user gets
# from `cargo add keysplit` today), printed side by side. It asserts nothing about
# speed (CI machines vary); it fails only when a build or a call fails. Its job is that
# a dependency release that makes a call several times slower is seen the day it ships
# (issue 19: zeroize 1.9.2 made a 32 B split 6x slower). The fastest peer of each case
# runs in the same process, so the second table's ratios compare like with like. Cost:
# two release builds (the core crate, the peers and their dependencies), and 12 cases of
# PERF_SMOKE_CPU_SECONDS (0.3) each, per build.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work="${CARGO_TARGET_DIR:-$root/target}/perf-smoke"
mkdir -p "$work"

# One copy of benches/fresh per resolution; the path to the core crate made absolute.
prepare() {
  local dir="$work/$1"
  rm -rf "$dir/src" && mkdir -p "$dir"
  cp -r benches/fresh/src "$dir/src"
  sed "s|path = \"../../crates/keysplit\"|path = \"$root/crates/keysplit\"|" \
    benches/fresh/Cargo.toml > "$dir/Cargo.toml"
  rm -f "$dir/Cargo.lock"
}
prepare locked
cp Cargo.lock "$work/locked/Cargo.lock" # cargo keeps these versions, drops unused entries
prepare fresh
cargo generate-lockfile -q --manifest-path "$work/fresh/Cargo.toml"

for kind in locked fresh; do
  CARGO_TARGET_DIR="$work/target-$kind" cargo build -q --release \
    --manifest-path "$work/$kind/Cargo.toml"
done
# CPU time per call, so other load on the machine inflates neither column much.
"$work/target-locked/release/keysplit-perf-smoke" > "$work/locked.tsv"
"$work/target-fresh/release/keysplit-perf-smoke" > "$work/fresh.tsv"

versions() { # name version, one per line, for the packages of a lock file
  awk '/^name = /{n=$3} /^version = /{gsub(/"/,"",n); v=$3; gsub(/"/,"",v); print n, v}' "$1" | sort
}
echo "Perf smoke ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | xargs || uname -m), $(date -u +%Y-%m-%d), CPU time per call; no pass/fail on speed)"
echo
echo "| case | project Cargo.lock | fresh resolution | fresh / lock |"
echo "|---|---|---|---|"
paste "$work/locked.tsv" "$work/fresh.tsv" | awk -F'\t' '
  function show(ns, bytes) {
    if (bytes >= 65536) return sprintf("%.2f GB/s", bytes / ns)
    return sprintf("%.0f ns", ns)
  }
  { printf "| %s | %s | %s | %.2fx |\n", $1, show($2, $3), show($5, $6), $5 / $2 }'
echo
# Per package name, the versions of each lock file (a name can have several versions).
changed=$(join -a1 -a2 -e none -o 0,1.2,2.2 \
  <(versions "$work/locked/Cargo.lock" | awk '{v[$1] = v[$1] ? v[$1] "+" $2 : $2} END {for (n in v) print n, v[n]}' | sort) \
  <(versions "$work/fresh/Cargo.lock" | awk '{v[$1] = v[$1] ? v[$1] "+" $2 : $2} END {for (n in v) print n, v[n]}' | sort) |
  awk '$2 != $3 { printf "%s%s %s -> %s", sep, $1, $2, $3; sep = ", " }')
echo "Dependencies that differ in the fresh resolution: ${changed:-none}"
echo
# Times faster than the fastest peer, per build: peer's time / keysplit's, same process.
ratio() { # file, keysplit case, peer case
  awk -F'\t' -v k="$2" -v p="$3" '$1 == k { a = $2 } $1 == p { b = $2 }
    END { if (a > 0 && b > 0) printf "%.1fx", b / a; else printf "?" }' "$1"
}
echo "| keysplit against the fastest peer (same run) | project Cargo.lock | fresh resolution |"
echo "|---|---|---|"
while IFS='|' read -r ours peer; do
  printf '| %s vs %s | %s | %s |\n' "$ours" "${peer#peer }" \
    "$(ratio "$work/locked.tsv" "$ours" "$peer")" "$(ratio "$work/fresh.tsv" "$ours" "$peer")"
done <<'PAIRS'
raw split_into 32 B 2-of-3|peer shamirsecretsharing split 32 B 2-of-3
raw combine_into 32 B from 2|peer sharks combine 32 B from 2
raw split_into 1 MiB 2-of-3|peer vsss-rs split 1 MiB 2-of-3
raw combine_into 1 MiB from 2|peer blahaj combine 1 MiB from 2
PAIRS
