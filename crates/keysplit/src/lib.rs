//! Constant-time Shamir secret sharing over GF(256), with authenticated shares.
//!
//! ```
//! # fn main() -> Result<(), keysplit::Error> {
//! # #[cfg(feature = "os-rng")] {
//! let secret = b"correct horse battery staple";
//! let mut rng = keysplit::os_rng()?; // keyed once from the OS
//!
//! // Three shares, any two of which rebuild the secret.
//! let shares = keysplit::split(secret, 2, 3, &mut rng)?;
//! let text: Vec<_> = shares.iter().map(|s| s.to_text()).collect(); // "ks1..."
//!
//! let back = keysplit::combine(&[
//!     keysplit::Share::from_text(&text[2])?,
//!     keysplit::Share::from_text(&text[0])?,
//! ])?;
//! assert_eq!(&back[..], secret);
//!
//! // One share alone is refused with an error that says how many are needed.
//! let err = keysplit::combine(&shares[..1]).unwrap_err();
//! assert_eq!(err, keysplit::Error::BelowThreshold { needed: 2, got: 1 });
//! # }
//! # Ok(()) }
//! ```
//!
//! # Formats
//! * **Envelope** (default, [`Share`]): magic, version, set id, threshold, x, the y
//!   bytes and a checksum; the secret is shared together with a digest of itself, so a
//!   wrong reconstruction is always detected. Text forms: hex and `ks1...` (bech32m).
//! * **Raw** ([`raw`], hazmat): `y bytes || x`, byte-compatible with Privy's
//!   `shamir-secret-sharing` and HashiCorp Vault's `shamir`. No integrity.
//!
//! # Security
//! * Field GF(2^8) mod x^8+x^4+x^3+x+1; every operation on secret bytes is branch-free
//!   and table-free (see [`hazmat::field`] and [`hazmat::Backend`]).
//! * Polynomial coefficients are uniform over all 256 byte values, zero included
//!   (forcing non-zero coefficients biases shares; RUSTSEC-2024-0398).
//! * x-coordinates are distinct, non-zero and uniform over 1..=255, so a share does not
//!   reveal how many shares exist. A share with x = 0 is always refused: in libraries
//!   that accept it, that share *becomes* the secret.
//! * Coefficients, share bytes and recovered secrets ([`SecretBytes`]) are wiped on drop
//!   with volatile writes; `Debug` never prints them. Copies the caller makes are the caller's.
//! * Limits: zeroizing cannot wipe copies the allocator or OS made (reallocations, swap,
//!   core dumps); raw shares cannot detect too few or foreign shares.

#![no_std]
// docs.rs builds with `--cfg docsrs` on nightly: label the items that need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
// `unsafe` is allowed only for SIMD intrinsics: the backend modules (src/backend/) and
// the SHA-NI file (src/sha256x2/x86.rs), each block with a `SAFETY` comment.
#![deny(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod ct;
mod envelope;
mod error;
pub mod raw;
mod rng;
mod secret;
mod sha256x2;
/// Split and combine over `std::io` streams in bounded memory.
#[cfg(feature = "std")]
pub mod stream;
mod text;
pub mod with_backend;

/// The kernels beneath the safe API: field arithmetic, the multiply-accumulate backends,
/// the x-coordinate draw, Lagrange weights and the wipe. Correct use is on you; they do
/// not validate their inputs the way [`split`] and [`combine`] do.
#[allow(unexpected_cfgs)] // `keysplit_ctgrind`: see `set_declassify_hook`
pub mod hazmat {
    pub use crate::backend::Backend;
    pub use crate::ct::declassify;
    /// Only in the constant-time check's build (`RUSTFLAGS="--cfg keysplit_ctgrind"`).
    #[cfg(keysplit_ctgrind)]
    pub use crate::ct::set_declassify_hook;
    pub use crate::field;
    pub use crate::poly::{interpolate_at, lagrange_weights, random_xs, BLOCK};
    pub use crate::rng::SimdChaCha20Rng;
    pub use crate::secret::wipe;

    // Former homes, kept so that existing code compiles: use `keysplit::encoding` and
    // `keysplit::envelope_layout`.
    #[doc(hidden)]
    pub use crate::encoding::{decode_bech32m, decode_hex, encode_bech32m, encode_hex};
    #[doc(hidden)]
    pub use crate::envelope_layout;
}

/// Hex and bech32m text forms of byte strings (those of [`Share::to_text`] and
/// [`Share::from_text`]); the strings and decoded bytes are wiped on drop.
pub mod encoding {
    pub use crate::text::{decode_bech32m, decode_hex, encode_bech32m, encode_hex};
}

/// Envelope constants (see `docs/envelope-format.md`).
pub mod envelope_layout {
    pub use crate::envelope::{
        CHECKSUM_LEN, DIGEST_LEN, HEADER_LEN, MAGIC, MAX_SUBSETS, OVERHEAD, VERSION,
    };
}

// Public only so that `hazmat` can re-export them; use them through `hazmat`.
#[doc(hidden)]
pub mod backend;
#[doc(hidden)]
pub mod field;
pub(crate) mod poly;

pub use envelope::{
    combine, combine_detailed, combine_encoded, combine_text, reshare, split, Recovery, SetId,
    Share,
};
pub use error::{DecodeError, Error};
/// Checks split parameters without splitting: `2 <= threshold <= shares <= 255` (for a
/// caller that wants to refuse bad parameters before reading a large secret).
///
/// # Errors
///
/// [`Error::InvalidShareCount`] or [`Error::InvalidThreshold`], as `split` would return.
pub use poly::check_parameters;
pub use rand_core::{CryptoRng, Rng};
pub use secret::SecretBytes;
pub use zeroize::Zeroizing;

/// ChaCha20 (RFC 8439) as a seedable generator, wiped on drop: [`DefaultRng`] where the CPU
/// has no AES instructions.
pub use chacha20::ChaCha20Rng;
pub use rng::AesCtrRng;
#[cfg(feature = "os-rng")]
#[cfg_attr(docsrs, doc(cfg(feature = "os-rng")))]
pub use rng::DefaultRng;

/// Compiles the Rust examples in the top-level README as doctests.
#[cfg(all(doctest, feature = "os-rng"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

/// Compiles the example of this crate's own README (its crates.io page) as a doctest.
#[cfg(all(doctest, feature = "os-rng"))]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;

/// keysplit's default generator, keyed once with 32 bytes from the operating system's
/// CSPRNG (`getrandom`; `crypto.getRandomValues` in browsers): AES-256-CTR where the CPU
/// has AES instructions, ChaCha20 elsewhere (see [`DefaultRng`]).
///
/// # Errors
/// [`Error::Rng`] if the operating system gives no random bytes.
#[cfg(feature = "os-rng")]
pub fn os_rng() -> Result<DefaultRng, Error> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut seed[..]).map_err(|_| Error::Rng)?;
    Ok(DefaultRng::from_seed(*seed))
}

/// [`split`] with [`os_rng`].
///
/// # Errors
/// As [`os_rng`] and [`split`].
#[cfg(feature = "os-rng")]
pub fn split_with_os_rng(
    secret: &[u8],
    threshold: usize,
    shares: usize,
) -> Result<alloc::vec::Vec<Share>, Error> {
    split(secret, threshold, shares, &mut os_rng()?)
}

/// [`reshare`] with [`os_rng`].
///
/// # Errors
/// As [`os_rng`] and [`reshare`].
#[cfg(feature = "os-rng")]
pub fn reshare_with_os_rng(
    shares: &[Share],
    new_threshold: usize,
    new_shares: usize,
) -> Result<alloc::vec::Vec<Share>, Error> {
    reshare(shares, new_threshold, new_shares, &mut os_rng()?)
}
