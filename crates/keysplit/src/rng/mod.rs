//! keysplit's generators.
//!
//! * [`DefaultRng`], what [`crate::os_rng`] gives: AES-256-CTR ([`AesCtrRng`]) where the
//!   CPU has AES instructions, ChaCha20 elsewhere; keyed once from the operating system.
//! * [`SimdChaCha20Rng`]: the output of [`chacha20::ChaCha20Rng`], computed four blocks at
//!   a time in simd128 lanes on wasm32 (where `chacha20` has no SIMD backend and its
//!   portable rounds are slow), and `ChaCha20Rng` itself on every other target.

mod aes_ctr;
// Only `os_rng` makes one: without a fresh key from the OS it has no use.
#[cfg(feature = "os-rng")]
mod default;
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
mod four_lanes;
#[cfg(test)]
mod tests;

pub use aes_ctr::AesCtrRng;
#[cfg(feature = "os-rng")]
pub use default::DefaultRng;
/// A ChaCha20 generator (RFC 8439 block function, 64-bit block counter, nonce 0) whose
/// output is that of [`ChaCha20Rng`](crate::ChaCha20Rng) for the same seed and the same
/// sequence of calls: `from_seed`, then `next_u32`, `next_u64` and `fill_bytes` in any
/// order. Wiped on drop.
///
/// On wasm32 built with `+simd128` it is a type of this crate that runs four blocks in
/// the lanes of `v128` values; on every other target it is `ChaCha20Rng`.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub use four_lanes::SimdChaCha20Rng;

/// A ChaCha20 generator (RFC 8439 block function, 64-bit block counter, nonce 0) whose
/// output is that of [`ChaCha20Rng`](crate::ChaCha20Rng) for the same seed and the same
/// sequence of calls. Wiped on drop.
///
/// On wasm32 built with `+simd128` it is a type of this crate that runs four blocks in
/// the lanes of `v128` values; on every other target (this one) it is `ChaCha20Rng`.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub type SimdChaCha20Rng = chacha20::ChaCha20Rng;
