#!/usr/bin/env bash
# SLIP-39 split and combine: keysplit-slip39 (release build, in process) next to PyPI
# shamir-mnemonic==0.3.0 (the reference, in process; PBKDF2 from Python's hashlib/OpenSSL)
# on the same cases, same run. Medians of RUNS (default 21) runs, milliseconds, text
# encoding and decoding included. Prints a markdown table for BENCHMARKING.md.
#
#   ./scripts/bench-slip39.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-21}"
venv="${SLIP39_VENV:-$PWD/target/slip39-venv}"
if ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("shamir-mnemonic") != "0.3.0")' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "shamir-mnemonic==0.3.0"
fi
cargo build -q --release -p keysplit-slip39 --example bench_slip39
rust_out=$("${CARGO_TARGET_DIR:-$PWD/target}/release/examples/bench_slip39" "$runs")
py_out=$("$venv/bin/python" - "$runs" <<'PY'
import statistics, sys, time
import shamir_mnemonic as sm
runs = int(sys.argv[1])
cases = [
    ("128-bit, 1 group 3/5, e=0", 16, 1, [(3, 5)], 0),
    ("128-bit, 1 group 3/5, e=1 (default)", 16, 1, [(3, 5)], 1),
    ("256-bit, 2 of 3 groups (2/3, 3/5, 1/1), e=1", 32, 2, [(2, 3), (3, 5), (1, 1)], 1),
    ("256-bit, 16 groups of 16/16 (largest), e=0", 32, 16, [(16, 16)] * 16, 0),
]
for name, n, gt, groups, e in cases:
    secret = bytes([0x5A]) * n
    s_ms, c_ms = [], []
    for _ in range(runs):
        t = time.perf_counter()
        made = sm.generate_mnemonics(gt, groups, secret, b"TREZOR", True, e)
        s_ms.append((time.perf_counter() - t) * 1e3)
        chosen = [m for g, (th, _) in list(zip(made, groups))[:gt] for m in g[:th]]
        t = time.perf_counter()
        assert sm.combine_mnemonics(chosen, b"TREZOR") == secret
        c_ms.append((time.perf_counter() - t) * 1e3)
    print(f"{name}\t{statistics.median(s_ms):.3f}\t{statistics.median(c_ms):.3f}")
PY
)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "Machine: $cpu, $(nproc) cores; $(rustc --version); $("$venv/bin/python" --version); shamir-mnemonic 0.3.0; $(date -u +%Y-%m-%d); median of $runs runs"
echo
echo "| case | keysplit split (ms) | Python split (ms) | keysplit combine (ms) | Python combine (ms) |"
echo "|---|---|---|---|---|"
paste <(echo "$rust_out") <(echo "$py_out") | awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $5, $3, $6 }'
