//! BIP-39: entropy <-> mnemonic, mnemonic -> seed.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, MnemonicError};

/// How much entropy a new wallet gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strength {
    /// 128 bits: a 12-word mnemonic (the default, as most embedded wallets use).
    #[default]
    Bits128,
    /// 256 bits: a 24-word mnemonic.
    Bits256,
}

impl Strength {
    /// Entropy length in bytes.
    pub const fn bytes(self) -> usize {
        match self {
            Strength::Bits128 => 16,
            Strength::Bits256 => 32,
        }
    }
}

/// Wallet entropy (16..=32 bytes), wiped on drop and never printed.
#[derive(Clone)]
pub struct Entropy(Zeroizing<Vec<u8>>);

impl fmt::Debug for Entropy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Entropy({} bits, redacted)", self.0.len() * 8)
    }
}

impl Entropy {
    /// Fresh entropy from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(strength: Strength, rng: &mut R) -> Entropy {
        let mut bytes = Zeroizing::new(alloc::vec![0u8; strength.bytes()]);
        rng.fill_bytes(&mut bytes);
        Entropy(bytes)
    }

    /// Entropy from caller bytes: 16, 20, 24, 28 or 32 of them.
    pub fn from_bytes(bytes: &[u8]) -> Result<Entropy, Error> {
        if !(16..=32).contains(&bytes.len()) || !bytes.len().is_multiple_of(4) {
            return Err(Error::EntropyLength { len: bytes.len() });
        }
        Ok(Entropy(Zeroizing::new(bytes.to_vec())))
    }

    /// The entropy from a mnemonic phrase (English, or any language enabled by features).
    pub fn from_mnemonic(phrase: &str) -> Result<Entropy, Error> {
        let mnemonic = parse(phrase)?;
        let (mut array, len) = mnemonic.to_entropy_array();
        let entropy = array
            .get(..len)
            .ok_or(Error::EntropyLength { len })
            .and_then(Entropy::from_bytes);
        array.zeroize();
        entropy
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The English mnemonic phrase of this entropy, words separated by single spaces.
    pub fn to_mnemonic(&self) -> Zeroizing<String> {
        // `from_bytes` guarantees a valid length, so this cannot fail; map defensively anyway.
        match bip39::Mnemonic::from_entropy(&self.0) {
            Ok(mnemonic) => join_words(&mnemonic),
            Err(_) => Zeroizing::new(String::new()),
        }
    }

    /// The BIP-39 seed: PBKDF2-HMAC-SHA512 of the mnemonic with salt
    /// `"mnemonic" || passphrase`, 2048 rounds, both NFKD-normalised.
    pub fn to_seed(&self, passphrase: &str) -> Result<Seed, Error> {
        let mnemonic = bip39::Mnemonic::from_entropy(&self.0)
            .map_err(|_| Error::EntropyLength { len: self.0.len() })?;
        seed_of(&mnemonic, passphrase)
    }
}

/// A 64-byte BIP-39 seed, wiped on drop and never printed.
pub struct Seed(Zeroizing<[u8; 64]>);

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(redacted)")
    }
}

impl Seed {
    /// The seed of a mnemonic phrase with an optional passphrase (`""` for none).
    pub fn from_mnemonic(phrase: &str, passphrase: &str) -> Result<Seed, Error> {
        seed_of(&parse(phrase)?, passphrase)
    }

    /// A seed from its 64 bytes (for example a BIP-32 test vector's seed, which need not
    /// come from a mnemonic).
    pub fn from_bytes(bytes: [u8; 64]) -> Seed {
        Seed(Zeroizing::new(bytes))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }
}

fn seed_of(mnemonic: &bip39::Mnemonic, passphrase: &str) -> Result<Seed, Error> {
    let passphrase = normalize(passphrase)?;
    let mut seed = Seed(Zeroizing::new([0u8; 64]));
    let mut raw = mnemonic.to_seed_normalized(&passphrase);
    seed.0.copy_from_slice(&raw);
    raw.zeroize();
    if let Cow::Owned(mut owned) = passphrase {
        owned.zeroize();
    }
    Ok(seed)
}

fn join_words(mnemonic: &bip39::Mnemonic) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(24 * 9));
    for (i, word) in mnemonic.words().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// NFKD form of `text`. ASCII already is NFKD, so only other text needs the tables.
fn normalize(text: &str) -> Result<Cow<'_, str>, Error> {
    if text.is_ascii() {
        return Ok(Cow::Borrowed(text));
    }
    #[cfg(feature = "unicode")]
    {
        let mut cow = Cow::Borrowed(text);
        bip39::Mnemonic::normalize_utf8_cow(&mut cow);
        Ok(cow)
    }
    #[cfg(not(feature = "unicode"))]
    {
        Err(Error::NonAsciiNeedsUnicode)
    }
}

/// Parses a phrase: NFKD-normalised, ASCII letters lower-cased, any whitespace between words.
fn parse(phrase: &str) -> Result<bip39::Mnemonic, Error> {
    let normalized = normalize(phrase)?;
    let mut cleaned = Zeroizing::new(String::with_capacity(normalized.len()));
    for word in normalized.split_whitespace() {
        if !cleaned.is_empty() {
            cleaned.push(' ');
        }
        for c in word.chars() {
            cleaned.push(c.to_ascii_lowercase());
        }
    }
    if let Cow::Owned(mut owned) = normalized {
        owned.zeroize();
    }
    match bip39::Mnemonic::parse_normalized(&cleaned) {
        Ok(mnemonic) => Ok(mnemonic),
        // Words found in several enabled lists ("abandon" is English and French; many
        // characters are both simplified and traditional Chinese): the checksum decides.
        Err(bip39::Error::AmbiguousLanguages(languages)) => {
            let mut found: Option<bip39::Mnemonic> = None;
            let mut first_error = None;
            for language in languages.iter() {
                match bip39::Mnemonic::parse_in_normalized(language, &cleaned) {
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                    Ok(candidate) => match &found {
                        None => found = Some(candidate),
                        Some(first) if first.to_entropy_array() == candidate.to_entropy_array() => {
                        }
                        Some(_) => return Err(MnemonicError::AmbiguousLanguage.into()),
                    },
                }
            }
            match (found, first_error) {
                (Some(mnemonic), _) => Ok(mnemonic),
                (None, Some(e)) => Err(bip39_error(e).into()),
                (None, None) => Err(MnemonicError::AmbiguousLanguage.into()),
            }
        }
        Err(e) => Err(bip39_error(e).into()),
    }
}

fn bip39_error(e: bip39::Error) -> MnemonicError {
    match e {
        bip39::Error::BadWordCount(count) => MnemonicError::WordCount { count },
        bip39::Error::UnknownWord(index) => MnemonicError::UnknownWord { index },
        bip39::Error::AmbiguousLanguages(_) => MnemonicError::AmbiguousLanguage,
        // InvalidChecksum; entropy length errors cannot come from a word list of valid length.
        _ => MnemonicError::Checksum,
    }
}

/// A text password in NFKD form, for [`crate::Protection::Password`] and
/// [`crate::Unlock::Password`].
///
/// Argon2id hashes bytes, so "é" typed as one code point on one device and as "e" plus a
/// combining accent on another would be two different passwords. Normalising both to NFKD
/// (as BIP-39 does for passphrases) makes them one. ASCII is returned unchanged; other text
/// needs the `unicode` feature (without it: [`Error::NonAsciiNeedsUnicode`]). In a
/// browser, `password.normalize("NFKD")` in JavaScript gives the same bytes for free.
pub fn normalize_password(password: &str) -> Result<Zeroizing<String>, Error> {
    Ok(Zeroizing::new(String::from(normalize(password)?)))
}

/// Checks a phrase and returns it in canonical form (single spaces, lower case, NFKD).
pub fn normalize_mnemonic(phrase: &str) -> Result<Zeroizing<String>, Error> {
    Ok(join_words(&parse(phrase)?))
}
