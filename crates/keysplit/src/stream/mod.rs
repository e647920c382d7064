//! Split and combine over `std::io` streams, in memory bounded independently of the
//! secret's size (requires the `std` feature).
//!
//! The envelope format was laid out for this: the secret length is in the header, and the
//! integrity digest and the per-share checksum come at the end, so both are computed
//! incrementally while the bytes stream through. Memory is bounded whatever the secret's
//! length: three batches of up to 64 KiB per share (under 6 MiB in all, the chunk
//! shrinking for many shares). From 1 MiB on, the SHA-256 work (digest and checksums,
//! most of the cost) runs on a second thread while the calling thread reads, computes and
//! writes; the bytes written are the same either way. That thread hashes two lanes at
//! once where the CPU has SHA-NI (`sha256x2`: two interleaved streams, whose dependency
//! chains overlap).
//!
//! ```
//! # fn main() -> Result<(), keysplit::stream::StreamError> {
//! use keysplit::{stream, ChaCha20Rng};
//! use rand_core::SeedableRng;
//!
//! let secret = vec![7u8; 100_000];
//! let mut rng = ChaCha20Rng::from_seed([1; 32]); // keysplit::os_rng() in real use
//! let mut shares = vec![Vec::new(); 3];
//! stream::split(&secret[..], secret.len() as u64, 2, &mut shares, &mut rng)?;
//!
//! let mut recovered = Vec::new();
//! let mut inputs = [&shares[2][..], &shares[0][..]];
//! let report = stream::combine(&mut inputs, &mut recovered)?;
//! assert_eq!(recovered, secret);
//! assert_eq!(report.used(), &[0, 1]);
//! # Ok(()) }
//! ```
//!
//! # Security
//! * [`split`] writes exactly the bytes [`crate::split`] makes from the same RNG stream:
//!   same set id, x-coordinates and coefficients, drawn block by block.
//! * [`combine`] writes the secret to `output` **before** it can verify it: the digest
//!   and the checksums are at the end. Only an `Ok` return means the output is the
//!   secret; on any error, delete what was written (the `keysplit` CLI writes to a
//!   temporary file and renames it only on success). Write the output somewhere only you
//!   can read.
//! * With more shares than the threshold, the first `threshold` shares are used and the
//!   others are checked against them ([`crate::stream::StreamRecovery::inconsistent`]).
//!   Unlike the in-memory [`crate::combine_detailed`], a stream cannot be re-read to try
//!   other subsets: if a used share is bad the combine fails; retry with other shares.

pub(crate) mod combine;
mod error;
mod pipeline;
mod raw;
pub(crate) mod split;
#[cfg(test)]
mod tests;

pub use combine::{combine, StreamRecovery};
pub use error::StreamError;
pub use raw::{combine_raw, split_raw};
pub use split::split;

use std::io::{self, Read, Write};

use crate::backend::Backend;
use crate::envelope::Header;
use crate::error::Error;
use crate::poly::{self, BLOCK};
use crate::secret::SecretBytes;

// The lanes' hasher: SHA-256 with a two-lane update (the same hashes as `sha2::Sha256`).
use crate::sha256x2::Lane as Sha256;

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_full<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The refusals every streaming split makes before reading: the parameters, and an
/// announced length of 0.
fn check_split(threshold: usize, shares: usize, secret_len: u64) -> Result<(), StreamError> {
    poly::check_parameters(threshold, shares)?;
    if secret_len == 0 {
        return Err(Error::EmptySecret.into());
    }
    Ok(())
}

/// Fills `buf` from the secret stream, which is `expected` bytes long and has given
/// `offset` bytes so far.
fn read_secret<S: Read>(
    secret: &mut S,
    buf: &mut [u8],
    offset: u64,
    expected: u64,
) -> Result<(), StreamError> {
    let got = read_full(secret, buf).map_err(StreamError::ReadSecret)?;
    if got < buf.len() {
        return Err(StreamError::SecretTooShort {
            expected,
            found: offset + got as u64,
        });
    }
    Ok(())
}

/// Checks that the secret stream ends after its `expected` bytes.
fn expect_secret_end<S: Read>(secret: &mut S, expected: u64) -> Result<(), StreamError> {
    let mut probe = [0u8; 1];
    if read_full(secret, &mut probe).map_err(StreamError::ReadSecret)? != 0 {
        return Err(StreamError::SecretTooLong { expected });
    }
    Ok(())
}

/// The secret digest's lane, before the secret (see [`Header::digest_prefix`]).
fn secret_digest_hasher(header: &Header) -> Sha256 {
    Sha256::new_with_prefix(&header.digest_prefix())
}

/// Largest chunk read or written per share per system call (a multiple of [`BLOCK`]).
/// Not larger: a batch should stay in the second level cache.
const CHUNK: usize = 1 << 16;
/// All batch buffers of one split or combine together stay under this, whatever the
/// number of shares (the chunk shrinks down to one [`BLOCK`] for many shares).
const BATCH_BUDGET: usize = 6 << 20;
/// Batches in flight: one being filled, one being processed, one queued between them.
const SLOTS: usize = 3;
/// Below this many payload bytes, everything stays on the calling thread: starting a
/// thread would cost more than it saves.
const THREAD_MIN: u64 = 1 << 20;

/// Bytes per buffer per batch for `buffers` buffers per batch and a payload of
/// `payload_len` bytes: a multiple of [`BLOCK`] (so split batches are whole evaluator
/// blocks) unless the payload is smaller.
fn chunk_len(buffers: usize, payload_len: u64) -> usize {
    let budget = BATCH_BUDGET / (buffers.max(1) * SLOTS);
    let chunk = (budget / BLOCK * BLOCK).clamp(BLOCK, CHUNK);
    usize::try_from(payload_len).map_or(chunk, |len| chunk.min(len))
}

fn write_shares<W: Write>(
    outputs: &mut [W],
    shares: &[SecretBytes],
    len: usize,
) -> Result<(), StreamError> {
    for (index, (output, values)) in outputs.iter_mut().zip(shares).enumerate() {
        output
            .write_all(&values[..len])
            .map_err(|source| StreamError::WriteShare { index, source })?;
    }
    Ok(())
}

/// `out = sum_i weights[i] * ys[i]` over `out.len()` bytes (public weights): the core's
/// interpolation, first two terms fused.
fn interpolate(backend: Backend, out: &mut [u8], ys: &[SecretBytes], weights: &[u8]) {
    let len = out.len();
    let y = |i: usize| ys.get(i).and_then(|y| y.get(..len)).unwrap_or(&[]);
    poly::interpolate_with(out, &weights[..weights.len().min(ys.len())], y, backend);
}
