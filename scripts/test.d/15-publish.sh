#!/usr/bin/env bash
# The crates as crates.io would get them: `cargo publish --dry-run` packages every
# publishable workspace member (keysplit, keysplit-wallet, keysplit-slip39, keysplit-cli; the
# others say `publish = false`) and builds each from its .crate file alone, so a path dependency
# without a version, a file outside the crate or a missing README fails here. The
# unpublished keysplit is served to keysplit-wallet and keysplit-slip39 from a local overlay
# registry (target/package/tmp-registry); nothing is uploaded.
# --allow-dirty: this checks the packaging, not whether the work tree is committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Cargo unpacks the overlay registry's crates into $CARGO_HOME/registry/src/-<hash of its
# path>/ and reuses an unpacked crate of the same name and version without looking inside:
# a clone at a path used before would be verified against old sources. Those directories
# (names starting with "-", never crates.io's) are dropped first.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/keysplit*
cargo publish --workspace --dry-run --allow-dirty --quiet
echo "cargo publish --dry-run passes for: $(cargo metadata --no-deps --format-version 1 |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).packages.filter(p=>p.publish===null).map(p=>p.name).join(", ")))')"
