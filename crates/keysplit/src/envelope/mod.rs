//! keysplit's authenticated share envelope, format version 1 (the default share format).
//!
//! Byte layout (the normative description is `docs/envelope-format.md`):
//!
//! ```text
//! offset  size        field
//! 0       2           magic "KS" (0x4B 0x53)
//! 2       1           version = 1
//! 3       1           threshold t (2..=255)
//! 4       1           x-coordinate (1..=255)
//! 5       16          share-set id (random, the same in every share of one split)
//! 21      8           secret length L, unsigned big-endian (L >= 1)
//! 29      L + 32      y: this share's values of the shared payload  secret || digest
//! 61 + L  16          checksum: SHA-256(bytes 0 .. 61+L)[0..16]
//! ```
//!
//! # Integrity through the secret itself
//! What is shared is not the secret `S` alone but `P = S || D` with
//! `D = SHA-256("keysplit/v1/secret-digest" || set_id || L as u64 BE || S)`.
//! Every byte of `P` gets its own independent uniformly random polynomial, so any t-1
//! shares are uniformly distributed whatever `P` is: they reveal nothing about `S`, and
//! nothing about `D` either (D is just more shared bytes). With t shares, combine rebuilds
//! `P` and recomputes `D` from `S`; a wrong share, a share from another set that kept its
//! set id, or too few shares yield a `P` whose digest does not match (probability of a
//! false match 2^-256). The per-share checksum catches accidental corruption of one share
//! before combining and says which share it is; it is not a MAC (anyone may recompute it),
//! which is why the shared digest exists.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::backend::Backend;
use crate::ct;
use crate::error::{DecodeError, Error};
use crate::poly;
use crate::secret::{SecretBytes, SmallSecret};
use crate::sha256x2;
use crate::text;

pub(crate) mod header;

pub(crate) use header::Header;
pub use header::{CHECKSUM_LEN, DIGEST_LEN, HEADER_LEN, MAGIC, OVERHEAD, VERSION};

/// Subsets tried when more shares than the threshold disagree, before giving up.
pub const MAX_SUBSETS: usize = 512;

/// Random identifier shared by every share of one split (public).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SetId(pub [u8; 16]);

impl fmt::Display for SetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SetId({self})")
    }
}

/// Envelopes of secrets up to 64 bytes (any wallet secret) live inside the `Share`
/// value: no allocation per share.
const INLINE: usize = 64 + OVERHEAD;

/// One share in keysplit's authenticated envelope format. The bytes are wiped on drop
/// and never printed by `Debug`.
#[derive(Clone)]
pub struct Share {
    bytes: SmallSecret<INLINE>,
}

impl fmt::Debug for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Share")
            .field("set_id", &self.set_id())
            .field("threshold", &self.threshold())
            .field("x", &self.x())
            .field("secret_len", &self.secret_len())
            .field("y", &"<redacted>")
            .finish()
    }
}

/// The checksum of an envelope's `body` (everything before the checksum).
fn checksum(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    let [sum] = sha256x2::digest_lanes([body]);
    truncate(&sum)
}

fn truncate(digest: &[u8; 32]) -> [u8; CHECKSUM_LEN] {
    let mut out = [0u8; CHECKSUM_LEN];
    out.copy_from_slice(&digest[..CHECKSUM_LEN]);
    out
}

/// Writes the checksum at the end of each envelope in `envelopes` (bodies complete),
/// up to four at a time (see `sha256x2::digest_lanes`).
fn seal(envelopes: &mut [Share]) {
    let mut fours = envelopes.chunks_exact_mut(4);
    for group in fours.by_ref() {
        seal_lanes::<4>(group);
    }
    let rest = fours.into_remainder();
    match rest.len() {
        3 => seal_lanes::<3>(rest),
        2 => seal_lanes::<2>(rest),
        _ => seal_lanes::<1>(rest),
    }
}

/// Seals the first `N` envelopes of `envelopes` (all of them: callers pass exactly `N`).
fn seal_lanes<const N: usize>(envelopes: &mut [Share]) {
    let Some(envelopes) = envelopes.first_chunk_mut::<N>() else {
        return;
    };
    let sums = {
        let bodies: [&[u8]; N] = core::array::from_fn(|l| {
            let envelope = envelopes[l].as_bytes();
            &envelope[..envelope.len() - CHECKSUM_LEN]
        });
        sha256x2::digest_lanes(bodies)
    };
    for (envelope, sum) in envelopes.iter_mut().zip(&sums) {
        let envelope = envelope.bytes.as_mut_slice();
        let body_len = envelope.len() - CHECKSUM_LEN;
        envelope[body_len..].copy_from_slice(&truncate(sum));
    }
}

/// The secret digest of `secret` for the split described by `header` (whose
/// `secret_len` is `secret.len()`).
fn secret_digest(header: &Header, secret: &[u8]) -> Zeroizing<[u8; DIGEST_LEN]> {
    Zeroizing::new(sha256x2::digest(&[&header.digest_prefix(), secret]))
}

impl Share {
    /// Decodes and verifies one binary envelope.
    ///
    /// # Errors
    /// [`Error::Decode`] with the reason: wrong magic or version, too short or too long for
    /// the length in the header, an empty secret, a wrong checksum, a threshold below 2 or
    /// x = 0.
    pub fn from_bytes(bytes: &[u8]) -> Result<Share, Error> {
        Share::decode(bytes).map_err(Error::Decode)
    }

    /// Decodes a text share: `ks1...` (bech32m, either case) or hex. Surrounding and
    /// embedded ASCII whitespace is ignored.
    ///
    /// # Errors
    /// [`Error::Decode`]: a text that is neither `ks1...` nor hex, invalid hex or bech32m
    /// (or a bech32m checksum mismatch), then what [`Share::from_bytes`] refuses.
    pub fn from_text(text: &str) -> Result<Share, Error> {
        Share::decode_text(text).map_err(Error::Decode)
    }

    pub(crate) fn decode_text(text: &str) -> Result<Share, DecodeError> {
        let trimmed = text.trim();
        let looks_bech32 = trimmed
            .get(..3)
            .is_some_and(|p| p.eq_ignore_ascii_case("ks1"));
        let bytes = if looks_bech32 {
            text::decode_bech32m(trimmed, text::HRP)?
        } else if text::looks_like_hex(trimmed) {
            text::decode_hex(trimmed)?
        } else {
            return Err(DecodeError::UnknownTextForm);
        };
        Share::decode(&bytes)
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Share, DecodeError> {
        let found = bytes.len() as u64;
        let header = Header::parse(bytes)?;
        let expected = Header::envelope_len(header.secret_len).ok_or(DecodeError::Truncated {
            expected: u64::MAX,
            found,
        })?;
        if found < expected {
            return Err(DecodeError::Truncated { expected, found });
        }
        if found > expected {
            return Err(DecodeError::TrailingBytes { expected, found });
        }
        let body_len = bytes.len() - CHECKSUM_LEN;
        let (body, stored) = bytes.split_at(body_len);
        if !ct::public_choice(ct::bytes_eq(&checksum(body), stored)) {
            return Err(DecodeError::Checksum);
        }
        header.check_values()?;
        Ok(Share {
            bytes: SmallSecret::copy_of(bytes),
        })
    }

    /// The binary envelope.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    /// Lower-case hex of the binary envelope.
    pub fn to_hex(&self) -> Zeroizing<String> {
        text::encode_hex(self.as_bytes())
    }

    /// The `ks1...` bech32m text form, for copying or writing down.
    pub fn to_text(&self) -> Zeroizing<String> {
        text::encode_bech32m(self.as_bytes())
    }

    /// The header fields (checked when the share was decoded or made).
    pub(crate) fn header(&self) -> Header {
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&self.as_bytes()[..HEADER_LEN]);
        Header::fields(&header)
    }

    /// The share set this share belongs to.
    pub fn set_id(&self) -> SetId {
        self.header().set_id
    }

    /// Shares needed to rebuild the secret.
    pub fn threshold(&self) -> u8 {
        self.header().threshold
    }

    /// This share's x-coordinate (public, never 0).
    pub fn x(&self) -> u8 {
        self.header().x
    }

    /// Length of the shared secret in bytes.
    pub fn secret_len(&self) -> u64 {
        self.header().secret_len
    }

    /// The y values (secret share bytes): secret part then digest part.
    fn y(&self) -> &[u8] {
        let bytes = self.as_bytes();
        &bytes[HEADER_LEN..bytes.len() - CHECKSUM_LEN]
    }
}

impl poly::ShareValues for Share {
    /// The y values, which split writes.
    fn values_mut(&mut self) -> &mut [u8] {
        let bytes = self.bytes.as_mut_slice();
        let end = bytes.len() - CHECKSUM_LEN;
        &mut bytes[HEADER_LEN..end]
    }
}

/// Splits `secret` into `shares` envelopes, any `threshold` of which rebuild it.
///
/// `rng` must be a cryptographically secure generator; it supplies the set id, the
/// x-coordinates and every polynomial coefficient, in the normative order of
/// `docs/envelope-format.md` ("Randomness consumption").
///
/// # Errors
/// [`Error::InvalidShareCount`] or [`Error::InvalidThreshold`] unless
/// `2 <= threshold <= shares <= 255`; [`Error::EmptySecret`]; [`Error::TooLarge`] if the
/// shares' length overflows `usize`; [`Error::Rng`] if the generator keeps returning bytes
/// the x-coordinate draw must reject (a broken generator).
pub fn split<R: CryptoRng + ?Sized>(
    secret: &[u8],
    threshold: usize,
    shares: usize,
    rng: &mut R,
) -> Result<Vec<Share>, Error> {
    split_on(secret, threshold, shares, rng, Backend::detect())
}

/// [`split`] on `backend`.
///
/// # Errors
/// As [`split`].
pub fn split_on<R: CryptoRng + ?Sized>(
    secret: &[u8],
    threshold: usize,
    shares: usize,
    rng: &mut R,
    backend: Backend,
) -> Result<Vec<Share>, Error> {
    poly::check_parameters(threshold, shares)?;
    if secret.is_empty() {
        return Err(Error::EmptySecret);
    }
    let total = secret.len().checked_add(OVERHEAD).ok_or(Error::TooLarge)?;

    let mut set_id = SetId([0u8; 16]);
    rng.fill_bytes(&mut set_id.0);
    let mut xs = [0u8; 255];
    let xs = &mut xs[..shares];
    poly::random_xs_into(xs, rng)?;
    let mut header = Header {
        threshold: threshold as u8,
        x: 0,
        set_id,
        secret_len: secret.len() as u64,
    };
    let digest = secret_digest(&header, secret);

    // Each share is made in its place in the vector: a share of a wallet secret is
    // held inline, and moving it would copy all of it.
    let mut out: Vec<Share> = Vec::with_capacity(shares);
    out.resize_with(shares, || Share {
        bytes: SmallSecret::zeroed(total),
    });
    for (share, &x) in out.iter_mut().zip(xs.iter()) {
        header.x = x;
        share.bytes.as_mut_slice()[..HEADER_LEN].copy_from_slice(&header.encode());
    }
    poly::split_parts(
        &[secret, &digest[..]],
        xs,
        threshold,
        rng,
        &mut out[..],
        backend,
    );
    seal(&mut out);
    Ok(out)
}

/// The result of a successful combine, with a report on the shares that were not used.
pub struct Recovery {
    secret: SecretBytes,
    set_id: SetId,
    threshold: u8,
    used: Vec<usize>,
    inconsistent: Vec<usize>,
    rejected: Vec<(usize, DecodeError)>,
}

impl fmt::Debug for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recovery")
            .field("secret", &"<redacted>")
            .field("set_id", &self.set_id)
            .field("threshold", &self.threshold)
            .field("used", &self.used)
            .field("inconsistent", &self.inconsistent)
            .field("rejected", &self.rejected)
            .finish()
    }
}

impl Recovery {
    /// The reconstructed secret.
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }
    /// The reconstructed secret, still wiped when dropped.
    pub fn into_secret(self) -> SecretBytes {
        self.secret
    }
    /// The set the secret was rebuilt from.
    pub fn set_id(&self) -> SetId {
        self.set_id
    }
    /// The set's threshold.
    pub fn threshold(&self) -> u8 {
        self.threshold
    }
    /// Positions of the shares whose values rebuilt the secret.
    pub fn used(&self) -> &[usize] {
        &self.used
    }
    /// Positions of well-formed shares that do not lie on the recovered polynomial
    /// (forged or altered with a recomputed checksum): replace them.
    pub fn inconsistent(&self) -> &[usize] {
        &self.inconsistent
    }
    /// Positions of inputs that could not be decoded, and why (only from
    /// [`combine_encoded`] and [`combine_text`]).
    pub fn rejected(&self) -> &[(usize, DecodeError)] {
        &self.rejected
    }
    /// True when every share given was used or agreed with the recovered secret.
    pub fn is_clean(&self) -> bool {
        self.inconsistent.is_empty() && self.rejected.is_empty()
    }
}

/// Rebuilds the secret from envelopes; see [`combine_detailed`] for the rules.
///
/// # Errors
/// As [`combine_detailed`].
pub fn combine(shares: &[Share]) -> Result<SecretBytes, Error> {
    combine_detailed(shares).map(Recovery::into_secret)
}

/// Rebuilds the secret from envelopes and reports on every share.
///
/// All shares must come from one split (same set id, threshold and length), have
/// distinct x-coordinates, and number at least the threshold. The secret is accepted
/// only if its shared integrity digest matches. When more shares than the threshold
/// are given and some disagree, threshold-sized subsets are tried (at most
/// [`MAX_SUBSETS`]) until one passes; shares off the recovered polynomial are listed in
/// [`Recovery::inconsistent`].
///
/// # Errors
/// [`Error::NoShares`]; [`Error::SetMismatch`], [`Error::ThresholdMismatch`] or
/// [`Error::LengthMismatch`] for a share of another split; [`Error::ZeroX`] or
/// [`Error::DuplicateX`]; [`Error::BelowThreshold`]; [`Error::TooLarge`] if the secret
/// cannot fit in memory; [`Error::IntegrityCheck`] when exactly `threshold` shares rebuild
/// a secret whose digest does not match (a wrong or altered share), and
/// [`Error::NoConsistentSubset`] when more were given and no subset tried matches.
pub fn combine_detailed(shares: &[Share]) -> Result<Recovery, Error> {
    let indexed: Vec<(usize, &Share)> = shares.iter().enumerate().collect();
    combine_indexed(&indexed, Backend::detect())
}

/// [`combine_detailed`] on `backend`: the secret and a report on every share.
///
/// # Errors
/// As [`combine_detailed`].
pub fn combine_detailed_on(shares: &[Share], backend: Backend) -> Result<Recovery, Error> {
    let indexed: Vec<(usize, &Share)> = shares.iter().enumerate().collect();
    combine_indexed(&indexed, backend)
}

/// Decodes binary envelopes and combines those that decode. Undecodable inputs are
/// reported in [`Recovery::rejected`]; if too few good shares remain, the error names
/// the first bad one.
///
/// # Errors
/// [`Error::BadShare`] naming the first input that does not decode, when too few of the
/// others do; otherwise what [`combine_detailed`] refuses among those that decode.
pub fn combine_encoded<T: AsRef<[u8]>>(inputs: &[T]) -> Result<Recovery, Error> {
    let decoded: Vec<Result<Share, DecodeError>> =
        inputs.iter().map(|i| Share::decode(i.as_ref())).collect();
    combine_decoded(decoded)
}

/// Decodes text shares (`ks1...` or hex) and combines those that decode, like
/// [`combine_encoded`].
///
/// # Errors
/// As [`combine_encoded`].
pub fn combine_text<T: AsRef<str>>(inputs: &[T]) -> Result<Recovery, Error> {
    let decoded: Vec<Result<Share, DecodeError>> = inputs
        .iter()
        .map(|i| Share::decode_text(i.as_ref()))
        .collect();
    combine_decoded(decoded)
}

fn combine_decoded(decoded: Vec<Result<Share, DecodeError>>) -> Result<Recovery, Error> {
    let mut good: Vec<(usize, &Share)> = Vec::with_capacity(decoded.len());
    let mut rejected: Vec<(usize, DecodeError)> = Vec::new();
    for (index, item) in decoded.iter().enumerate() {
        match item {
            Ok(share) => good.push((index, share)),
            Err(cause) => rejected.push((index, *cause)),
        }
    }
    let first_rejection = rejected.first().copied();
    let enough = good
        .first()
        .is_some_and(|(_, s)| good.len() >= usize::from(s.threshold()));
    if let (false, Some((index, cause))) = (enough, first_rejection) {
        return Err(Error::BadShare { index, cause });
    }
    let mut recovery = combine_indexed(&good, Backend::detect())?;
    recovery.rejected = rejected;
    Ok(recovery)
}

fn combine_indexed(shares: &[(usize, &Share)], backend: Backend) -> Result<Recovery, Error> {
    let Some(&(_, first)) = shares.first() else {
        return Err(Error::NoShares);
    };
    let first = first.header();
    let (set_id, threshold, expected_len) = (first.set_id, first.threshold, first.secret_len);
    for &(index, share) in shares.iter().skip(1) {
        first.check_same_set(&share.header(), index)?;
    }
    check_distinct_x(shares.iter().map(|&(i, s)| (i, s.x())))?;
    let t = usize::from(threshold);
    if shares.len() < t {
        return Err(Error::BelowThreshold {
            needed: t,
            got: shares.len(),
        });
    }
    let secret_len = usize::try_from(expected_len).map_err(|_| Error::TooLarge)?;
    let payload_len = secret_len + DIGEST_LEN;

    let mut tried = 0usize;
    let mut subset: Vec<usize> = (0..t).collect();
    // x-coordinates and Lagrange weights of the subset (t <= 255): no allocation.
    let (mut xs, mut weights) = ([0u8; 255], [0u8; 255]);
    let (xs, weights) = (&mut xs[..t], &mut weights[..t]);
    loop {
        tried += 1;
        for (x, &k) in xs.iter_mut().zip(&subset) {
            *x = shares[k].1.x();
        }
        let y = |i: usize| subset.get(i).map_or(&[][..], |&k| shares[k].1.y());
        let mut payload = SecretBytes::zeroed(payload_len);
        poly::lagrange_weights_into(xs, 0, weights, backend);
        poly::interpolate_with(&mut payload, weights, y, backend);
        let (secret_part, digest_part) = payload.split_at(secret_len);
        let digest = secret_digest(&first, secret_part);
        if ct::public_choice(ct::bytes_eq(&digest[..], digest_part)) {
            let mut inconsistent = Vec::new();
            let mut scratch = SecretBytes::default();
            for (k, &(index, share)) in shares.iter().enumerate() {
                if subset.contains(&k) {
                    continue;
                }
                if scratch.is_empty() {
                    scratch = SecretBytes::zeroed(payload_len);
                }
                poly::lagrange_weights_into(xs, share.x(), weights, backend);
                poly::interpolate_with(&mut scratch, weights, y, backend);
                if !ct::public_choice(ct::bytes_eq(&scratch, share.y())) {
                    inconsistent.push(index);
                }
            }
            payload.truncate(secret_len);
            // The subset's positions become the callers' indices of the shares used.
            for k in subset.iter_mut() {
                *k = shares[*k].0;
            }
            return Ok(Recovery {
                secret: payload,
                set_id,
                threshold,
                used: subset,
                inconsistent,
                rejected: Vec::new(),
            });
        }
        if tried >= MAX_SUBSETS || !next_combination(&mut subset, shares.len()) {
            break;
        }
    }
    if shares.len() == t {
        Err(Error::IntegrityCheck)
    } else {
        Err(Error::NoConsistentSubset { tried })
    }
}

/// Advances `subset` (strictly increasing indices below `n`) to the next combination in
/// lexicographic order; false when it was the last.
fn next_combination(subset: &mut [usize], n: usize) -> bool {
    let k = subset.len();
    for i in (0..k).rev() {
        if subset[i] < n - k + i {
            subset[i] += 1;
            for j in i + 1..k {
                subset[j] = subset[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

/// Fails with [`Error::ZeroX`] or [`Error::DuplicateX`] (x-coordinates are public).
pub(crate) fn check_distinct_x(xs: impl Iterator<Item = (usize, u8)> + Clone) -> Result<(), Error> {
    // A 256-bit set: x-coordinates are public, and this runs on every combine.
    let mut seen = [0u64; 4];
    for (index, x) in xs.clone() {
        if x == 0 {
            return Err(Error::ZeroX { index });
        }
        let (word, bit) = (usize::from(x / 64), 1u64 << (x % 64));
        if seen[word] & bit != 0 {
            // Rare: look again for where this x first appeared.
            let first = xs
                .clone()
                .find(|&(_, earlier)| earlier == x)
                .map_or(index, |(first, _)| first);
            return Err(Error::DuplicateX {
                x,
                first,
                second: index,
            });
        }
        seen[word] |= bit;
    }
    Ok(())
}

/// Rebuilds the secret from `shares` and splits it again with a fresh set id,
/// fresh x-coordinates and a fresh polynomial: old and new shares can never be mixed.
///
/// # Errors
/// [`Error::InvalidShareCount`] or [`Error::InvalidThreshold`] for the new parameters
/// (before anything is combined), then what [`combine`] and [`split`] refuse.
pub fn reshare<R: CryptoRng + ?Sized>(
    shares: &[Share],
    new_threshold: usize,
    new_shares: usize,
    rng: &mut R,
) -> Result<Vec<Share>, Error> {
    poly::check_parameters(new_threshold, new_shares)?;
    let secret = combine(shares)?;
    split(&secret, new_threshold, new_shares, rng)
}

#[cfg(test)]
mod tests;
