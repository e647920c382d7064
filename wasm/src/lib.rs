//! WebAssembly bindings of [keysplit](../keysplit) (Shamir secret sharing over GF(256))
//! and keysplit-wallet, for browsers and Node.js.
//!
//! ```js
//! import { init, split, combine } from "keysplit-wasm";
//! await init(); // browsers: fetch and compile the module once (a no-op in Node)
//! const shares = split(new TextEncoder().encode("my secret"), 2, 3);
//! const secret = combine([shares[2], shares[0]]);
//! ```
//!
//! Built without wasm-pack by `wasm/scripts/build.sh` (cargo, wasm-bindgen CLI,
//! wasm-opt); the npm package in `wasm/pkg` wraps these exports with TypeScript types.
//!
//! # Security
//! * Randomness comes from `crypto.getRandomValues` (getrandom's `wasm_js` backend),
//!   keying keysplit's ChaCha20 generator (`hazmat::SimdChaCha20Rng`).
//! * Byte inputs are copied from JS straight into zeroizing buffers; secrets leave the
//!   module only as fresh `Uint8Array`s, and the module's own copies are wiped.
//!   The caller's arrays, and strings (which JS cannot wipe), are the caller's.
//! * Inputs are recognised by `ArrayBuffer.isView` and `Object.prototype.toString`,
//!   so arrays from other realms and Node `Buffer`s work; anything else is refused
//!   with an `Error` whose `code` is `"INVALID_INPUT"`. Every keysplit error becomes an
//!   `Error` named `KeysplitError` with the core's stable `code`.

#![no_std]
// Bindings only: the SIMD code that needs `unsafe` lives in the core crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

#[cfg(feature = "bench-internals")]
mod bench_internals;
mod convert;
#[cfg(feature = "requests")]
mod custody;
mod engine;
#[cfg(feature = "requests")]
mod requests;
mod shares;
#[cfg(feature = "slip39")]
mod slip39;
mod wallet;

pub use engine::{raw_combine_into, raw_split_into, raw_split_stage, wasm_memory, Engine};
pub use shares::*;
pub use wallet::*;
