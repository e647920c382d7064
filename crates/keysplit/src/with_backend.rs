//! The safe API on an explicit field backend, for differential tests, audits and
//! benchmarks.
//!
//! Each function does what its namesake in [`crate`], [`crate::raw`] or
//! [`crate::stream`] does, with the same checks and the same errors, but multiplies with
//! the given [`Backend`] instead of [`Backend::detect`]'s. Every backend gives the same
//! bytes; a `Backend` value exists only for a CPU that has its instructions.

use alloc::vec::Vec;

use rand_core::CryptoRng;

use crate::backend::Backend;
use crate::envelope::{Recovery, Share};
use crate::error::Error;

/// [`crate::split`] on `backend`.
///
/// # Errors
/// As [`crate::split`].
pub fn split<R: CryptoRng + ?Sized>(
    secret: &[u8],
    threshold: usize,
    shares: usize,
    rng: &mut R,
    backend: Backend,
) -> Result<Vec<Share>, Error> {
    crate::envelope::split_on(secret, threshold, shares, rng, backend)
}

/// [`crate::combine_detailed`] on `backend`: the secret and a report on every share.
///
/// # Errors
/// As [`crate::combine_detailed`].
pub fn combine_detailed(shares: &[Share], backend: Backend) -> Result<Recovery, Error> {
    crate::envelope::combine_detailed_on(shares, backend)
}

/// Raw shares (`y bytes || x`, no integrity) on an explicit backend; see [`crate::raw`].
pub mod raw {
    use alloc::vec::Vec;

    use rand_core::CryptoRng;

    use crate::backend::Backend;
    use crate::error::Error;
    use crate::raw::RawShare;
    use crate::secret::SecretBytes;

    /// [`crate::raw::split`] on `backend`.
    ///
    /// # Errors
    /// As [`crate::raw::split`].
    pub fn split<R: CryptoRng + ?Sized>(
        secret: &[u8],
        threshold: usize,
        shares: usize,
        rng: &mut R,
        backend: Backend,
    ) -> Result<Vec<RawShare>, Error> {
        crate::raw::split_on(secret, threshold, shares, rng, backend)
    }

    /// [`crate::raw::split_into`] on `backend`.
    ///
    /// # Errors
    /// As [`crate::raw::split_into`].
    pub fn split_into<R: CryptoRng + ?Sized>(
        secret: &[u8],
        threshold: usize,
        shares: usize,
        rng: &mut R,
        out: &mut [u8],
        backend: Backend,
    ) -> Result<(), Error> {
        crate::raw::split_into_on(secret, threshold, shares, rng, out, backend)
    }

    /// [`crate::raw::combine`] on `backend`.
    ///
    /// # Errors
    /// As [`crate::raw::combine`].
    pub fn combine<S: AsRef<[u8]>>(shares: &[S], backend: Backend) -> Result<SecretBytes, Error> {
        crate::raw::combine_on(shares, backend)
    }

    /// [`crate::raw::combine_into`] on `backend`.
    ///
    /// # Errors
    /// As [`crate::raw::combine_into`].
    pub fn combine_into<S: AsRef<[u8]>>(
        shares: &[S],
        out: &mut [u8],
        backend: Backend,
    ) -> Result<(), Error> {
        crate::raw::combine_into_on(shares, out, backend)
    }
}

/// Streaming split and combine on an explicit backend; see [`crate::stream`]. (The raw
/// streaming functions, [`crate::stream::split_raw`] and [`crate::stream::combine_raw`],
/// always take a backend.)
#[cfg(feature = "std")]
pub mod stream {
    use std::io::{Read, Write};

    use rand_core::CryptoRng;

    use crate::backend::Backend;
    use crate::envelope::SetId;
    use crate::stream::{StreamError, StreamRecovery};

    /// [`crate::stream::split`] on `backend`.
    ///
    /// # Errors
    /// As [`crate::stream::split`].
    pub fn split<S, W, R>(
        secret: S,
        secret_len: u64,
        threshold: usize,
        outputs: &mut [W],
        rng: &mut R,
        backend: Backend,
    ) -> Result<SetId, StreamError>
    where
        S: Read,
        W: Write,
        R: CryptoRng + ?Sized,
    {
        crate::stream::split_on(secret, secret_len, threshold, outputs, rng, backend)
    }

    /// [`crate::stream::combine`] on `backend`.
    ///
    /// # Errors
    /// As [`crate::stream::combine`].
    pub fn combine<R: Read, W: Write>(
        shares: &mut [R],
        output: W,
        backend: Backend,
    ) -> Result<StreamRecovery, StreamError> {
        crate::stream::combine_on(shares, output, backend)
    }
}
