//! Streaming split and combine of raw shares (`y bytes || x`, no integrity).

use alloc::vec::Vec;
use std::io::{Read, Seek, SeekFrom, Write};

use rand_core::CryptoRng;

use super::pipeline::Batch;
use super::{
    check_split, chunk_len, expect_secret_end, interpolate, read_full, read_secret, write_shares,
    StreamError,
};
use crate::backend::Backend;
use crate::envelope::check_distinct_x;
use crate::error::{DecodeError, Error};
use crate::poly::{self, Evaluator, BLOCK};
use crate::secret::SecretBytes;

/// Splits the `secret_len` bytes read from `secret` into raw shares (`y bytes || x`,
/// Privy/Vault-compatible; see [`crate::raw`]), one per writer in `outputs`; returns the
/// x-coordinates. Writes the same bytes as [`crate::with_backend::raw::split`] for the
/// same RNG stream. Raw shares carry no integrity: prefer [`split`](fn@super::split).
///
/// # Errors
/// [`StreamError::Shares`] with the refusals of [`crate::raw::split`];
/// [`StreamError::ReadSecret`], [`StreamError::SecretTooShort`] or
/// [`StreamError::SecretTooLong`] when the secret stream fails or does not have
/// `secret_len` bytes; [`StreamError::WriteShare`] when a writer fails.
pub fn split_raw<S, W, R>(
    mut secret: S,
    secret_len: u64,
    threshold: usize,
    outputs: &mut [W],
    rng: &mut R,
    backend: Backend,
) -> Result<Vec<u8>, StreamError>
where
    S: Read,
    W: Write,
    R: CryptoRng + ?Sized,
{
    check_split(threshold, outputs.len(), secret_len)?;
    let xs = poly::random_xs(outputs.len(), rng)?;
    let chunk = chunk_len(outputs.len() + 1, secret_len);
    let mut evaluator = Evaluator::new(&xs, threshold, backend, chunk.min(BLOCK));
    let mut batch = Batch::new(chunk, outputs.len(), 0);
    let mut offset = 0u64;
    while offset < secret_len {
        let len = (secret_len - offset).min(chunk as u64) as usize;
        read_secret(&mut secret, &mut batch.main[..len], offset, secret_len)?;
        evaluate(&mut evaluator, &batch.main[..len], rng, &mut batch.others);
        write_shares(outputs, &batch.others, len)?;
        offset += len as u64;
    }
    expect_secret_end(&mut secret, secret_len)?;
    for (index, (output, &x)) in outputs.iter_mut().zip(&xs).enumerate() {
        output
            .write_all(&[x])
            .map_err(|source| StreamError::WriteShare { index, source })?;
    }
    Ok(xs)
}

/// Rebuilds a secret from raw shares (`y bytes || x`, as [`split_raw`] and
/// [`crate::raw`] make them) and writes it to `output`; returns its length. The same
/// result as [`crate::raw::combine`] on the same shares, in bounded memory.
///
/// The x-coordinate is the **last** byte of a raw share, so the shares must be seekable
/// (files): each is read once from the end for its x and its length, then from the start.
/// Refuses what it can see, like [`crate::raw::combine`]: no shares or a single one, a
/// share shorter than 2 bytes, x = 0, duplicate x, unequal lengths. Raw shares carry no
/// integrity: too few shares, a corrupted share or a share of another split give a wrong
/// secret without an error. `output` is flushed.
///
/// # Errors
/// [`StreamError::Shares`] with the refusals listed above (and
/// [`Error::BadShare`] with [`DecodeError::Truncated`] if a share shrinks while being
/// read); [`StreamError::ReadShare`] or [`StreamError::WriteSecret`] when a share or the
/// output fails.
pub fn combine_raw<R: Read + Seek, W: Write>(
    shares: &mut [R],
    mut output: W,
    backend: Backend,
) -> Result<u64, StreamError> {
    if shares.is_empty() {
        return Err(Error::NoShares.into());
    }
    let mut xs = Vec::with_capacity(shares.len());
    let mut expected = None;
    for (index, share) in shares.iter_mut().enumerate() {
        let io_error = |source| StreamError::ReadShare { index, source };
        let len = share.seek(SeekFrom::End(0)).map_err(io_error)?;
        if len < 2 {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::TooShort {
                    found: len as usize,
                },
            }
            .into());
        }
        share.seek(SeekFrom::End(-1)).map_err(io_error)?;
        let mut x = [0u8; 1];
        if read_full(share, &mut x).map_err(io_error)? != 1 {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::TooShort { found: 1 },
            }
            .into());
        }
        if x[0] == 0 {
            return Err(Error::ZeroX { index }.into());
        }
        let first = *expected.get_or_insert(len);
        if len != first {
            return Err(Error::LengthMismatch {
                index,
                expected: first,
                found: len,
            }
            .into());
        }
        share.seek(SeekFrom::Start(0)).map_err(io_error)?;
        xs.push(x[0]);
    }
    check_distinct_x(xs.iter().copied().enumerate())?;
    if shares.len() < 2 {
        return Err(Error::BelowThreshold {
            needed: 2,
            got: shares.len(),
        }
        .into());
    }
    let secret_len = expected.unwrap_or(1) - 1;
    let weights = poly::lagrange_weights(&xs, 0);
    let chunk = chunk_len(shares.len() + 1, secret_len);
    let mut batch = Batch::new(chunk, shares.len(), 0);
    let mut offset = 0u64;
    while offset < secret_len {
        let len = (secret_len - offset).min(chunk as u64) as usize;
        for (index, (share, values)) in shares.iter_mut().zip(batch.others.iter_mut()).enumerate() {
            let got = read_full(share, &mut values[..len])
                .map_err(|source| StreamError::ReadShare { index, source })?;
            if got < len {
                // The file shrank after its length was taken.
                return Err(Error::BadShare {
                    index,
                    cause: DecodeError::Truncated {
                        expected: secret_len + 1,
                        found: offset + got as u64,
                    },
                }
                .into());
            }
        }
        let out = &mut batch.main[..len];
        interpolate(backend, out, &batch.others, &weights);
        output.write_all(out).map_err(StreamError::WriteSecret)?;
        offset += len as u64;
    }
    output.flush().map_err(StreamError::WriteSecret)?;
    Ok(secret_len)
}

/// Evaluates `payload` (whole [`BLOCK`]s from a block boundary, the last one possibly
/// shorter) into `shares[i][..payload.len()]`, drawing coefficients block by block.
fn evaluate<R: CryptoRng + ?Sized>(
    evaluator: &mut Evaluator,
    payload: &[u8],
    rng: &mut R,
    shares: &mut [SecretBytes],
) {
    let mut outs: Vec<&mut [u8]> = shares.iter_mut().map(|s| &mut s[..]).collect();
    for (number, block) in payload.chunks(BLOCK).enumerate() {
        evaluator.eval_block(block, rng, &mut outs, number * BLOCK);
    }
}
