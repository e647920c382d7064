//! The streaming envelope combine.

use alloc::vec;
use alloc::vec::Vec;
use std::io::{Read, Write};
use std::thread;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::pipeline::Pipeline;
use super::THREAD_MIN;
use super::{chunk_len, interpolate, read_full, secret_digest_hasher, Sha256, StreamError};
use crate::backend::Backend;
use crate::envelope::{check_distinct_x, Header, SetId, CHECKSUM_LEN, DIGEST_LEN, HEADER_LEN};
use crate::error::{DecodeError, Error};
use crate::poly;
use crate::secret::SecretBytes;

/// What a successful streaming combine found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamRecovery {
    set_id: SetId,
    threshold: u8,
    secret_len: u64,
    used: Vec<usize>,
    inconsistent: Vec<usize>,
}

impl StreamRecovery {
    /// The set the secret was rebuilt from.
    pub fn set_id(&self) -> SetId {
        self.set_id
    }
    /// The set's threshold.
    pub fn threshold(&self) -> u8 {
        self.threshold
    }
    /// Bytes written to the output.
    pub fn secret_len(&self) -> u64 {
        self.secret_len
    }
    /// Positions of the shares whose values rebuilt the secret (the first `threshold`).
    pub fn used(&self) -> &[usize] {
        &self.used
    }
    /// Positions of the extra shares that do not lie on the recovered polynomial
    /// (altered or forged with a recomputed checksum): replace them.
    pub fn inconsistent(&self) -> &[usize] {
        &self.inconsistent
    }
}

/// One share being read: its position and x-coordinate.
struct Incoming<R> {
    reader: R,
    index: usize,
    x: u8,
}

impl<R: Read> Incoming<R> {
    /// Fills `values` from the share; `position` is its offset in the share.
    fn read_exact(
        &mut self,
        values: &mut [u8],
        position: u64,
        total: u64,
    ) -> Result<(), StreamError> {
        let index = self.index;
        let got = read_full(&mut self.reader, values)
            .map_err(|source| StreamError::ReadShare { index, source })?;
        if got < values.len() {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::Truncated {
                    expected: total,
                    found: position + got as u64,
                },
            }
            .into());
        }
        Ok(())
    }
}

/// Reads and checks one header (as [`Header::parse`] and [`Header::check_values`] do);
/// returns its fields and its bytes.
fn read_header<R: Read>(
    reader: &mut R,
    index: usize,
) -> Result<(Header, [u8; HEADER_LEN]), StreamError> {
    let mut bytes = [0u8; HEADER_LEN];
    let got =
        read_full(reader, &mut bytes).map_err(|source| StreamError::ReadShare { index, source })?;
    let checked = Header::parse(&bytes[..got]).and_then(|h| h.check_values().map(|()| h));
    match checked {
        Ok(header) => Ok((header, bytes)),
        // Like the other x checks of a combine (`check_distinct_x`).
        Err(DecodeError::ZeroX) => Err(Error::ZeroX { index }.into()),
        Err(cause) => Err(Error::BadShare { index, cause }.into()),
    }
}

/// Rebuilds the secret from envelope streams and writes it to `output` block by block.
///
/// The headers are read and checked first (same set, threshold and length, distinct
/// non-zero x, at least `threshold` shares) before anything is written. The secret is
/// only known to be right when this returns `Ok`: the digest and the checksums come at
/// the end of the shares (see the module docs). `output` is flushed on success.
///
/// # Errors
/// [`StreamError::Shares`] with the refusals of [`crate::combine`] (no shares, too few,
/// a header that does not decode, shares of different sets, equal or zero x, a wrong
/// checksum, truncated or trailing bytes, a failed integrity check);
/// [`StreamError::ReadShare`] or [`StreamError::WriteSecret`] when a reader or the
/// output fails; [`StreamError::HashingThreadStopped`] if the second thread ended early.
/// On any error, what was written to `output` is not the secret: delete it.
pub fn combine<R: Read, W: Write>(
    shares: &mut [R],
    output: W,
) -> Result<StreamRecovery, StreamError> {
    combine_on(shares, output, Backend::detect())
}

/// [`combine`] on `backend`.
///
/// # Errors
/// As [`combine`].
pub fn combine_on<R: Read, W: Write>(
    shares: &mut [R],
    mut output: W,
    backend: Backend,
) -> Result<StreamRecovery, StreamError> {
    if shares.is_empty() {
        return Err(Error::NoShares.into());
    }
    let mut incoming: Vec<Incoming<&mut R>> = Vec::with_capacity(shares.len());
    // Lane 0: the digest of the recovered secret; lane 1 + i: share i's checksum.
    let mut lanes: Vec<Sha256> = Vec::with_capacity(shares.len() + 1);
    let mut first: Option<Header> = None;
    for (index, reader) in shares.iter_mut().enumerate() {
        let (header, bytes) = read_header(reader, index)?;
        match &first {
            None => first = Some(header),
            Some(first) => first.check_same_set(&header, index)?,
        }
        incoming.push(Incoming {
            reader,
            index,
            x: header.x,
        });
        lanes.push(Sha256::new_with_prefix(&bytes));
    }
    let Some(first) = first else {
        return Err(Error::NoShares.into());
    };
    let (threshold, set_id, secret_len) = (first.threshold, first.set_id, first.secret_len);
    lanes.insert(0, secret_digest_hasher(&first));
    check_distinct_x(incoming.iter().map(|s| (s.index, s.x)))?;
    let t = usize::from(threshold);
    if incoming.len() < t {
        return Err(Error::BelowThreshold {
            needed: t,
            got: incoming.len(),
        }
        .into());
    }
    let payload_len = secret_len
        .checked_add(DIGEST_LEN as u64)
        .ok_or(Error::TooLarge)?;
    let total_len = payload_len
        .checked_add((HEADER_LEN + CHECKSUM_LEN) as u64)
        .ok_or(Error::TooLarge)?;
    let chunk = chunk_len(lanes.len(), payload_len);

    let xs: Vec<u8> = incoming[..t].iter().map(|s| s.x).collect();
    let weights = poly::lagrange_weights(&xs, 0);
    // Weights that evaluate the recovered polynomial at each extra share's x.
    let extra_weights: Vec<Vec<u8>> = incoming[t..]
        .iter()
        .map(|s| poly::lagrange_weights(&xs, s.x))
        .collect();
    let mut consistent = vec![true; incoming.len() - t];
    let mut check = SecretBytes::zeroed(if incoming.len() > t { chunk } else { 0 });
    let mut recovered_digest = Zeroizing::new([0u8; DIGEST_LEN]);

    let lanes = thread::scope(|scope| {
        // This thread reads every share and writes the secret; the other hashes the
        // digest and the checksums (two lanes at a time, see `sha256x2`), except the
        // first share's checksum over the first third of the payload, hashed here: for
        // 2-of-2 that balances the threads' CPU time (this one's reads, writes,
        // interpolation and that third against the other's SHA-256; see BENCHMARKING.md).
        let threaded = payload_len >= THREAD_MIN;
        let mut pipeline = Pipeline::new(scope, lanes, chunk, None, threaded, |lane| lane != 1);
        let handover = payload_len / 3;
        let mut offset = 0u64;
        while offset < payload_len {
            if offset >= handover {
                pipeline.hand_over(1)?;
            }
            let len = (payload_len - offset).min(chunk as u64) as usize;
            let position = HEADER_LEN as u64 + offset;
            let mut batch = pipeline.take()?;
            for (share, values) in incoming.iter_mut().zip(batch.others.iter_mut()) {
                share.read_exact(&mut values[..len], position, total_len)?;
            }
            let (used, extra) = batch.others.split_at(t);
            let out = &mut batch.main[..len];
            interpolate(backend, out, used, &weights);
            for ((values, w), ok) in extra.iter().zip(&extra_weights).zip(&mut consistent) {
                let expected = &mut check[..len];
                interpolate(backend, expected, used, w);
                *ok &= crate::ct::public_choice(expected.ct_eq(&values[..len]));
            }
            // Split the chunk at the end of the secret: secret bytes go out, digest
            // bytes are kept for the final check.
            let secret_part = (len as u64).min(secret_len.saturating_sub(offset)) as usize;
            output
                .write_all(&out[..secret_part])
                .map_err(StreamError::WriteSecret)?;
            if secret_part < len {
                let digest_from = (offset + secret_part as u64 - secret_len) as usize;
                recovered_digest[digest_from..digest_from + len - secret_part]
                    .copy_from_slice(&out[secret_part..len]);
            }
            batch.main_len = secret_part;
            batch.eval_len = 0;
            batch.others_len = len;
            pipeline.submit(batch)?;
            offset += len as u64;
        }
        Ok::<_, StreamError>(pipeline.finish()?.0)
    })?;

    let mut lanes = lanes.into_iter();
    let digest_lane = lanes.next();
    for (share, checksum) in incoming.iter_mut().zip(lanes) {
        let index = share.index;
        let mut stored = [0u8; CHECKSUM_LEN];
        let got = read_full(&mut share.reader, &mut stored)
            .map_err(|source| StreamError::ReadShare { index, source })?;
        if got < CHECKSUM_LEN {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::Truncated {
                    expected: total_len,
                    found: total_len - (CHECKSUM_LEN - got) as u64,
                },
            }
            .into());
        }
        let computed = checksum.finalize();
        if !crate::ct::public_choice(computed[..CHECKSUM_LEN].ct_eq(&stored)) {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::Checksum,
            }
            .into());
        }
        let mut probe = [0u8; 1];
        let extra = read_full(&mut share.reader, &mut probe)
            .map_err(|source| StreamError::ReadShare { index, source })?;
        if extra != 0 {
            return Err(Error::BadShare {
                index,
                cause: DecodeError::TrailingBytes {
                    expected: total_len,
                    found: total_len + extra as u64,
                },
            }
            .into());
        }
    }
    let mut digest = Zeroizing::new([0u8; DIGEST_LEN]);
    if let Some(lane) = digest_lane {
        digest.copy_from_slice(&lane.finalize());
    }
    if !crate::ct::public_choice(digest.ct_eq(&*recovered_digest)) {
        return Err(Error::IntegrityCheck.into());
    }
    output.flush().map_err(StreamError::WriteSecret)?;
    Ok(StreamRecovery {
        set_id,
        threshold,
        secret_len,
        used: incoming[..t].iter().map(|s| s.index).collect(),
        inconsistent: incoming[t..]
            .iter()
            .zip(&consistent)
            .filter(|(_, &ok)| !ok)
            .map(|(s, _)| s.index)
            .collect(),
    })
}
