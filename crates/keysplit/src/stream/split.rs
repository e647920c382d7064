//! The streaming envelope split.

use alloc::vec::Vec;
use std::io::{Read, Write};
use std::thread;

use rand_core::CryptoRng;

use super::pipeline::{Batch, Evaluate, Pipeline};
use super::THREAD_MIN;
use super::{
    check_split, chunk_len, expect_secret_end, read_secret, secret_digest_hasher, write_shares,
    Sha256, StreamError,
};
use crate::backend::Backend;
use crate::envelope::{Header, SetId, CHECKSUM_LEN, DIGEST_LEN, HEADER_LEN};
use crate::error::Error;
use crate::poly::{self, BLOCK};
use crate::secret::SecretBytes;

/// Splits the `secret_len` bytes read from `secret` into one envelope per writer in
/// `outputs` (2..=255 of them), any `threshold` of which rebuild it.
///
/// The length must be known up front (it is in every share's header); a stream that is
/// shorter or longer is an error. Reads and writes go in chunks of up to 64 KiB per
/// share (smaller with many shares), so files need no `BufWriter`; nothing is flushed.
/// For secrets of 1 MiB or more the SHA-256 work (digest and checksums) runs on a second
/// thread, in a bounded pipeline (all buffers together under 6 MiB).
///
/// # Errors
/// [`StreamError::Shares`] with the refusals of [`crate::split`] (parameters, empty
/// secret, too large, a broken generator); [`StreamError::ReadSecret`],
/// [`StreamError::SecretTooShort`] or [`StreamError::SecretTooLong`] when the secret
/// stream fails or does not have `secret_len` bytes; [`StreamError::WriteShare`] when a
/// writer fails; [`StreamError::HashingThreadStopped`] if the second thread ended early.
/// Whatever was written before an error is not a usable share.
pub fn split<S, W, R>(
    secret: S,
    secret_len: u64,
    threshold: usize,
    outputs: &mut [W],
    rng: &mut R,
) -> Result<SetId, StreamError>
where
    S: Read,
    W: Write,
    R: CryptoRng + ?Sized,
{
    split_on(
        secret,
        secret_len,
        threshold,
        outputs,
        rng,
        Backend::detect(),
    )
}

/// [`split`](fn@crate::stream::split) on `backend`.
///
/// # Errors
/// As [`split`](fn@crate::stream::split).
pub fn split_on<S, W, R>(
    mut secret: S,
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
    check_split(threshold, outputs.len(), secret_len)?;
    let payload_len = secret_len
        .checked_add(DIGEST_LEN as u64)
        .filter(|len| {
            len.checked_add((HEADER_LEN + CHECKSUM_LEN) as u64)
                .is_some()
        })
        .ok_or(Error::TooLarge)?;

    // The same draws, in the same order, as the in-memory split.
    let mut set_id = SetId([0u8; 16]);
    rng.fill_bytes(&mut set_id.0);
    let xs = poly::random_xs(outputs.len(), rng)?;

    // Lane 0: the secret digest; lane 1 + i: share i's checksum.
    let mut lanes: Vec<Sha256> = Vec::with_capacity(outputs.len() + 1);
    let mut header = Header {
        threshold: threshold as u8,
        x: 0,
        set_id,
        secret_len,
    };
    lanes.push(secret_digest_hasher(&header));
    for (index, (output, &x)) in outputs.iter_mut().zip(&xs).enumerate() {
        header.x = x;
        let bytes = header.encode();
        output
            .write_all(&bytes)
            .map_err(|source| StreamError::WriteShare { index, source })?;
        lanes.push(Sha256::new_with_prefix(&bytes));
    }

    // Blocks are cut from the payload start (docs/envelope-format.md); the blocks from
    // `tail_start` on hold digest bytes, so they wait for the whole secret to be hashed.
    let tail_start = secret_len - secret_len % BLOCK as u64;
    let rest = (secret_len - tail_start) as usize;
    let tail_len = rest + DIGEST_LEN;
    let degree = threshold - 1;
    // Per batch: the secret, one buffer per share and `degree` rows of coefficients.
    let chunk = chunk_len(lanes.len() + degree, tail_start);
    let buffer_len = chunk.max(tail_len);
    let evaluator = Evaluate::new(&xs, degree, backend);

    thread::scope(|scope| {
        let mut pipeline = Pipeline::new(
            scope,
            lanes,
            buffer_len,
            Some((evaluator, degree * buffer_len)),
            payload_len >= THREAD_MIN,
            |_| true,
        );
        let mut offset = 0u64;
        while offset < tail_start {
            let len = (tail_start - offset).min(chunk as u64) as usize;
            let mut batch = pipeline.take()?;
            write_back(outputs, &mut batch)?;
            read_secret(&mut secret, &mut batch.main[..len], offset, secret_len)?;
            draw(rng, len, degree, &mut batch.coefficients);
            batch.main_len = len;
            batch.eval_len = len;
            batch.others_len = len;
            pipeline.submit(batch)?;
            offset += len as u64;
        }

        // The last bytes of the secret, then its digest: the tail of the payload.
        let mut batch = pipeline.take()?;
        write_back(outputs, &mut batch)?;
        read_secret(&mut secret, &mut batch.main[..rest], tail_start, secret_len)?;
        expect_secret_end(&mut secret, secret_len)?;
        let mut tail = SecretBytes::zeroed(tail_len);
        tail[..rest].copy_from_slice(&batch.main[..rest]);
        batch.main_len = rest;
        batch.eval_len = 0;
        batch.others_len = 0;
        pipeline.submit(batch)?;
        tail[rest..].copy_from_slice(&*pipeline.digest()?);

        let mut batch = pipeline.take()?;
        write_back(outputs, &mut batch)?;
        batch.main[..tail_len].copy_from_slice(&tail);
        draw(rng, tail_len, degree, &mut batch.coefficients);
        batch.main_len = 0;
        batch.eval_len = tail_len;
        batch.others_len = tail_len;
        pipeline.submit(batch)?;

        let (lanes, left) = pipeline.finish()?;
        for mut batch in left {
            write_back(outputs, &mut batch)?;
        }
        for (index, (output, checksum)) in outputs
            .iter_mut()
            .zip(lanes.into_iter().skip(1))
            .enumerate()
        {
            let sum = checksum.finalize();
            output
                .write_all(&sum[..CHECKSUM_LEN])
                .map_err(|source| StreamError::WriteShare { index, source })?;
        }
        Ok(set_id)
    })
}

/// Draws the coefficients of `len` payload bytes (from a block boundary) into
/// `coefficients`, with the same `fill_bytes` calls, in the same order, as
/// [`Evaluator::eval_block`](crate::poly::Evaluator::eval_block) makes block by block: per block of `l` bytes, `degree` runs
/// of `l` bytes, run `j` the coefficients `a_(j+1)` (docs/envelope-format.md).
fn draw<R: CryptoRng + ?Sized>(rng: &mut R, len: usize, degree: usize, coefficients: &mut [u8]) {
    let mut at = 0;
    let mut left = len;
    while left > 0 {
        let block = left.min(BLOCK);
        rng.fill_bytes(&mut coefficients[at..at + degree * block]);
        at += degree * block;
        left -= block;
    }
}

/// Writes out the share bytes a processed batch still holds.
fn write_back<W: Write>(outputs: &mut [W], batch: &mut Batch) -> Result<(), StreamError> {
    let len = core::mem::take(&mut batch.unwritten);
    if len > 0 {
        write_shares(outputs, &batch.others, len)?;
    }
    Ok(())
}
