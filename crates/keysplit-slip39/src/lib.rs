//! SLIP-0039 ("Shamir's Secret-Sharing for Mnemonic Codes", Trezor's Shamir backup) on
//! keysplit's constant-time GF(256).
//!
//! ```
//! # fn main() -> Result<(), keysplit_slip39::Error> {
//! # #[cfg(feature = "os-rng")] {
//! use keysplit_slip39::{combine_mnemonics, split, SplitOptions};
//!
//! let master_secret = [0x42u8; 16];
//! // Two groups, both needed: 2 of my 3 shares, and 1 of 1 held by my lawyer.
//! let groups = split(&master_secret, b"", 2, &[(2, 3), (1, 1)], SplitOptions::default(),
//!                    &mut keysplit::os_rng().map_err(|_| keysplit_slip39::Error::Rng)?)?;
//! let mine: Vec<_> = groups[0].iter().map(|s| s.to_mnemonic()).collect();
//! let lawyer = groups[1][0].to_mnemonic();
//! assert_eq!(mine[0].split(' ').count(), 20); // 128 bits: 20 words a share
//!
//! let back = combine_mnemonics(&[&mine[2], &lawyer, &mine[0]], b"")?;
//! assert_eq!(&back[..], &master_secret[..]);
//! // One group alone is refused, with what is missing.
//! assert_eq!(combine_mnemonics(&[&mine[2], &mine[0]], b"").unwrap_err(),
//!            keysplit_slip39::Error::TooFewGroups { needed: 2, got: 1 });
//! # }
//! # Ok(()) }
//! ```
//!
//! Interoperates with `python-shamir-mnemonic` 0.3 and Trezor firmware: the official
//! test vectors pass, and shares made here combine there and back (`scripts/test.d/22-slip39.sh`).
//!
//! # Security
//! * Word indices of a share are secret: words are encoded and decoded by a masked scan
//!   of all 1024 words, the RS1024 checksum selects its generator terms with masks, and
//!   the interpolation uses keysplit's constant-time backends (`hazmat::interpolate_at`).
//!   What is public by design, and declassified before a branch, is listed in `ct`.
//! * Share values, master secrets and intermediate values are wiped on drop.

#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod cipher;
mod ct;
mod error;
mod rs1024;
mod share;
mod wordlist;
mod words;

use alloc::vec::Vec;

use hmac::{Hmac, KeyInit, Mac};
use rand_core::CryptoRng;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub use error::{Error, Mismatch};
pub use share::{Share, MIN_WORDS};
pub use words::{Word, MAX_WORD_LEN};

/// x-coordinate of the digest share.
const DIGEST_INDEX: u8 = 254;
/// x-coordinate of the shared secret.
const SECRET_INDEX: u8 = 255;
/// Bytes of the digest.
const DIGEST_LEN: usize = 4;
/// Most groups, and most members in a group.
pub const MAX_SHARES: usize = 16;

/// Options of [`split`]; the defaults are the reference's (`python-shamir-mnemonic` 0.3):
/// iteration exponent 1, extendable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitOptions {
    /// `e` in `10000 << e` PBKDF2 iterations of the passphrase encryption (0..=15).
    pub iteration_exponent: u8,
    /// The extendable-backup flag: more shares of the same secret can be made later with
    /// the same identifier, and the passphrase encryption does not depend on it.
    pub extendable: bool,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions {
            iteration_exponent: 1,
            extendable: true,
        }
    }
}

/// `HMAC-SHA256(key = random part, shared secret)[..4]`.
fn digest(random_part: &[u8], secret: &[u8]) -> Zeroizing<[u8; DIGEST_LEN]> {
    let mut out = Zeroizing::new([0u8; DIGEST_LEN]);
    if let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(random_part) {
        mac.update(secret);
        let mut full = mac.finalize().into_bytes();
        out.copy_from_slice(&full[..DIGEST_LEN]);
        zeroize::Zeroize::zeroize(&mut full[..]);
    }
    out
}

fn random_bytes<R: CryptoRng + ?Sized>(len: usize, rng: &mut R) -> Zeroizing<Vec<u8>> {
    let mut bytes = Zeroizing::new(alloc::vec![0u8; len]);
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Shares `(x, value)` of `secret` with `threshold` of `count` (validated by the caller).
fn split_secret<R: CryptoRng + ?Sized>(
    threshold: u8,
    count: u8,
    secret: &[u8],
    rng: &mut R,
) -> Vec<Zeroizing<Vec<u8>>> {
    if threshold == 1 {
        return (0..count)
            .map(|_| Zeroizing::new(secret.to_vec()))
            .collect();
    }
    let random_count = threshold - 2;
    let mut shares: Vec<Zeroizing<Vec<u8>>> = (0..random_count)
        .map(|_| random_bytes(secret.len(), rng))
        .collect();
    let random_part = random_bytes(secret.len() - DIGEST_LEN, rng);
    let mut digest_share = Zeroizing::new(digest(&random_part, secret)[..].to_vec());
    digest_share.extend_from_slice(&random_part);
    let mut xs: Vec<u8> = (0..random_count).collect();
    xs.extend_from_slice(&[DIGEST_INDEX, SECRET_INDEX]);
    let mut ys: Vec<&[u8]> = shares.iter().map(|s| &s[..]).collect();
    ys.push(&digest_share);
    ys.push(secret);
    let mut rest = Vec::new();
    for x in random_count..count {
        let mut value = Zeroizing::new(alloc::vec![0u8; secret.len()]);
        keysplit::hazmat::interpolate_at(&xs, &ys, x, &mut value);
        rest.push(value);
    }
    drop(ys);
    shares.extend(rest);
    shares
}

/// The secret of `threshold` shares `(x, value)` (distinct x's, equal lengths), its digest
/// checked; `group` names the group in the error.
fn recover_secret(
    threshold: u8,
    xs: &[u8],
    ys: &[&[u8]],
    group: Option<u8>,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let len = ys.first().map_or(0, |y| y.len());
    if threshold == 1 {
        return Ok(Zeroizing::new(ys.first().copied().unwrap_or(&[]).to_vec()));
    }
    let mut secret = Zeroizing::new(alloc::vec![0u8; len]);
    keysplit::hazmat::interpolate_at(xs, ys, SECRET_INDEX, &mut secret);
    let mut digest_share = Zeroizing::new(alloc::vec![0u8; len]);
    keysplit::hazmat::interpolate_at(xs, ys, DIGEST_INDEX, &mut digest_share);
    let (expected, random_part) = digest_share.split_at(DIGEST_LEN.min(len));
    let actual = digest(random_part, &secret);
    let equal = u32::from(actual[..].ct_eq(expected).unwrap_u8()).wrapping_neg();
    if !ct::public_mask(equal) {
        return Err(Error::Digest { group });
    }
    Ok(secret)
}

/// Splits `master_secret` (16 to 32 bytes, even length) into groups of shares.
///
/// `groups[i] = (member_threshold, member_count)`; `group_threshold` of the groups are
/// needed, each with its member threshold of shares. The passphrase (printable ASCII,
/// empty for none) encrypts the master secret first: a wrong passphrase later gives
/// another, valid-looking secret (the plausible-deniability design of SLIP-0039).
pub fn split<R: CryptoRng + ?Sized>(
    master_secret: &[u8],
    passphrase: &[u8],
    group_threshold: u8,
    groups: &[(u8, u8)],
    options: SplitOptions,
    rng: &mut R,
) -> Result<Vec<Vec<Share>>, Error> {
    let len = master_secret.len();
    if !(16..=32).contains(&len) || !len.is_multiple_of(2) {
        return Err(Error::SecretLength { len });
    }
    if groups.is_empty()
        || groups.len() > MAX_SHARES
        || group_threshold == 0
        || usize::from(group_threshold) > groups.len()
    {
        return Err(Error::GroupThreshold {
            threshold: group_threshold,
            groups: groups.len(),
        });
    }
    for (group, &(threshold, count)) in groups.iter().enumerate() {
        if threshold == 0
            || threshold > count
            || usize::from(count) > MAX_SHARES
            || (threshold == 1 && count > 1)
        {
            return Err(Error::MemberThreshold {
                group,
                threshold,
                count,
            });
        }
    }
    if options.iteration_exponent > 15 {
        return Err(Error::IterationExponent {
            exponent: options.iteration_exponent,
        });
    }
    // Printable ASCII (32..=126), checked without a branch on the passphrase's bytes.
    let outside = passphrase.iter().fold(0u32, |acc, &c| {
        acc | !ct::lt_mask(u32::from(c.wrapping_sub(32)), 95)
    });
    if ct::public_mask(outside) {
        return Err(Error::Passphrase);
    }
    let mut id = [0u8; 2];
    rng.fill_bytes(&mut id);
    let identifier = u16::from_be_bytes(id) & 0x7FFF;
    let mut ems = Zeroizing::new(master_secret.to_vec());
    cipher::feistel(
        &mut ems,
        passphrase,
        options.iteration_exponent,
        identifier,
        options.extendable,
        false,
    );
    let group_count = groups.len() as u8;
    let group_secrets = split_secret(group_threshold, group_count, &ems, rng);
    let mut out = Vec::with_capacity(groups.len());
    for (group_index, (&(threshold, count), group_secret)) in
        groups.iter().zip(group_secrets.iter()).enumerate()
    {
        let members = split_secret(threshold, count, group_secret, rng);
        out.push(
            members
                .into_iter()
                .enumerate()
                .map(|(member_index, value)| Share {
                    identifier,
                    extendable: options.extendable,
                    iteration_exponent: options.iteration_exponent,
                    group_index: group_index as u8,
                    group_threshold,
                    group_count,
                    member_index: member_index as u8,
                    member_threshold: threshold,
                    value,
                })
                .collect(),
        );
    }
    Ok(out)
}

/// [`split`] with randomness from the operating system (keysplit's `os_rng`).
#[cfg(feature = "os-rng")]
pub fn split_with_os_rng(
    master_secret: &[u8],
    passphrase: &[u8],
    group_threshold: u8,
    groups: &[(u8, u8)],
    options: SplitOptions,
) -> Result<Vec<Vec<Share>>, Error> {
    let mut rng = keysplit::os_rng().map_err(|_| Error::Rng)?;
    split(
        master_secret,
        passphrase,
        group_threshold,
        groups,
        options,
        &mut rng,
    )
}

/// Combines shares back into the master secret, decrypted with `passphrase`.
///
/// As the reference: exactly `group_threshold` groups, each with exactly its member
/// threshold of shares (a repeated identical share counts once). Errors name the share
/// (its position in `shares`) that caused them.
pub fn combine(shares: &[Share], passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let first = shares.first().ok_or(Error::NoShares)?;
    // Parameters common to the whole backup.
    for (i, share) in shares.iter().enumerate() {
        let what = if share.identifier != first.identifier {
            Some(Mismatch::Identifier)
        } else if share.extendable != first.extendable {
            Some(Mismatch::Extendable)
        } else if share.iteration_exponent != first.iteration_exponent {
            Some(Mismatch::IterationExponent)
        } else if share.group_threshold != first.group_threshold {
            Some(Mismatch::GroupThreshold)
        } else if share.group_count != first.group_count {
            Some(Mismatch::GroupCount)
        } else {
            None
        };
        if let Some(what) = what {
            return Err(Error::Mismatch { share: i, what });
        }
    }
    // Groups in order of first appearance: (group index, positions of its shares).
    let mut groups: Vec<(u8, Vec<usize>)> = Vec::new();
    for (i, share) in shares.iter().enumerate() {
        let slot = match groups.iter().position(|(g, _)| *g == share.group_index) {
            Some(slot) => slot,
            None => {
                groups.push((share.group_index, Vec::new()));
                groups.len() - 1
            }
        };
        let Some((_, members)) = groups.get_mut(slot) else {
            continue;
        };
        let mut duplicate = false;
        for &j in members.iter() {
            let other = &shares[j];
            if other.member_threshold != share.member_threshold {
                return Err(Error::Mismatch {
                    share: i,
                    what: Mismatch::MemberThreshold,
                });
            }
            if other.member_index == share.member_index {
                // The same share given twice counts once; two values for one index do not.
                let same = other.value.len() == share.value.len()
                    && ct::public_mask(u32::from(other.value.ct_eq(&share.value).unwrap_u8()));
                if !same {
                    return Err(Error::DuplicateIndex { share: i });
                }
                duplicate = true;
            }
        }
        if !duplicate {
            members.push(i);
        }
    }
    let needed = first.group_threshold;
    if groups.len() < usize::from(needed) {
        return Err(Error::TooFewGroups {
            needed,
            got: groups.len(),
        });
    }
    if groups.len() != usize::from(needed) {
        return Err(Error::TooManyGroups {
            expected: needed,
            got: groups.len(),
        });
    }
    for (group, members) in &groups {
        let head = &shares[members[0]];
        if members.len() != usize::from(head.member_threshold) {
            return Err(Error::WrongMemberCount {
                share: members[0],
                group: *group,
                expected: head.member_threshold,
                got: members.len(),
            });
        }
    }
    for (i, share) in shares.iter().enumerate() {
        if share.value.len() != first.value.len() {
            return Err(Error::LengthMismatch { share: i });
        }
    }
    let mut group_xs = Vec::with_capacity(groups.len());
    let mut group_secrets = Vec::with_capacity(groups.len());
    for (group, members) in &groups {
        let xs: Vec<u8> = members.iter().map(|&j| shares[j].member_index).collect();
        let ys: Vec<&[u8]> = members.iter().map(|&j| &shares[j].value[..]).collect();
        let threshold = shares[members[0]].member_threshold;
        group_secrets.push(recover_secret(threshold, &xs, &ys, Some(*group))?);
        group_xs.push(*group);
    }
    let ys: Vec<&[u8]> = group_secrets.iter().map(|s| &s[..]).collect();
    let mut secret = recover_secret(needed, &group_xs, &ys, None)?;
    cipher::feistel(
        &mut secret,
        passphrase,
        first.iteration_exponent,
        first.identifier,
        first.extendable,
        true,
    );
    Ok(secret)
}

/// Reads mnemonics and [`combine`]s them; errors name the mnemonic's position in the list.
pub fn combine_mnemonics<S: AsRef<str>>(
    mnemonics: &[S],
    passphrase: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    if mnemonics.is_empty() {
        return Err(Error::NoShares);
    }
    let shares = mnemonics
        .iter()
        .enumerate()
        .map(|(i, m)| Share::from_mnemonic(m.as_ref()).map_err(|e| e.at(i)))
        .collect::<Result<Vec<_>, _>>()?;
    combine(&shares, passphrase)
}

/// Compiles the example of this crate's README (its crates.io page) as a doctest.
#[cfg(all(doctest, feature = "os-rng"))]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
