# Shared settings of the wasm build and tests (sourced, not run).
# Every setting is scoped to the wasm32 target or to this build's cargo invocation, so
# native builds of the workspace are not affected.

# Must equal the `wasm-bindgen` version pinned in wasm/Cargo.toml.
WASM_BINDGEN_VERSION=0.2.130
WASM_TARGET=wasm32-unknown-unknown

WASM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$WASM_DIR/.." && pwd)"
export PATH="$HOME/.cargo/bin:$WASM_DIR/node_modules/.bin:$PATH"

# SIMD128 is in every browser since 2021 and in Node >= 16.4.
# cpubits="32": k256's 10x26-limb field (u32 x u32 -> u64, native in wasm) instead of the
# 5x52 one cpubits picks for wasm32 (u64 x u64 -> u128, emulated): a smaller module
# (sizes of these settings are in BENCHMARKING.md).
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='-C target-feature=+simd128 --cfg cpubits="32"'
# Size of the release module (the workspace profile keeps thin LTO for the CLI): the
# size budget is 140 KB gzipped, and opt-level 3 grows it (k256, hashes).
export CARGO_PROFILE_RELEASE_LTO=fat
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
export CARGO_PROFILE_RELEASE_PANIC=abort
export CARGO_PROFILE_RELEASE_DEBUG=false
# Except the core crate, at opt-level "s": at "z" the `core::arch::wasm32` intrinsics
# of the simd128 kernels are not inlined (a call per vector operation), which slows the
# kernels down, while "s" costs little size (BENCHMARKING.md). The ChaCha20 lanes of the
# raw paths' generator (`hazmat::SimdChaCha20Rng`) are core code too.
WASM_CARGO_CONFIG=(--config 'profile.release.package.keysplit.opt-level="s"')

# wasm-opt must be told which post-MVP features the module may use.
WASM_OPT_FEATURES=(--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)

CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target}"
export CARGO_TARGET_DIR
