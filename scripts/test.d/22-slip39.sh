#!/usr/bin/env bash
# SLIP-39 against the reference implementation: PyPI shamir-mnemonic==0.3.0 (SatoshiLabs)
# in a virtualenv under target/ (created once, reused while the version matches).
# interop/slip39_interop.py runs random group configurations, secrets and passphrases,
# SLIP39_ROUNDS (default 30) rounds each way: keysplit split -> python combine, python
# split -> keysplit combine, and a non-qualifying subset both must refuse.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null || { echo "python3 is required for the SLIP-39 interop test" >&2; exit 1; }
venv="${SLIP39_VENV:-$PWD/target/slip39-venv}"
if ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("shamir-mnemonic") != "0.3.0")' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "shamir-mnemonic==0.3.0"
fi
cargo build -q -p keysplit-cli
"$venv/bin/python" interop/slip39_interop.py "${CARGO_TARGET_DIR:-$PWD/target}/debug/keysplit" "${SLIP39_ROUNDS:-30}" ${SLIP39_SEED:-}
