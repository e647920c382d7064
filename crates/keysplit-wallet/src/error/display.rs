//! The messages of the error types: `Display` (and `ExtendedKeyError`'s reasons).

use core::fmt;

use super::{Error, ExtendedKeyError, MnemonicError, SealedShareFormatError};

impl ExtendedKeyError {
    fn message(self) -> &'static str {
        match self {
            ExtendedKeyError::Encoding => "it is not base58 or not 78 bytes long",
            ExtendedKeyError::Checksum => {
                "its base58check checksum does not match (a character is wrong)"
            }
            ExtendedKeyError::UnknownVersion => "its version is neither xprv nor xpub",
            ExtendedKeyError::KeyPrefix => "its key bytes do not match its version",
            ExtendedKeyError::BadMaster => {
                "it has depth 0 but a parent fingerprint or child number"
            }
            ExtendedKeyError::PrivateKeyRange => {
                "its private key is 0 or not below the secp256k1 order"
            }
            ExtendedKeyError::PublicKeyPoint => "its public key is not a point on secp256k1",
        }
    }
}

impl fmt::Display for MnemonicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MnemonicError::WordCount { count } => write!(
                f,
                "the mnemonic has {count} word(s); BIP-39 mnemonics have 12, 15, 18, 21 or 24"
            ),
            MnemonicError::UnknownWord { index } => write!(
                f,
                "word #{} of the mnemonic is not in the BIP-39 word list",
                index + 1
            ),
            MnemonicError::Checksum => f.write_str(
                "the mnemonic's checksum does not match: a word is wrong, missing or out of order",
            ),
            MnemonicError::AmbiguousLanguage => {
                f.write_str("the mnemonic's words belong to more than one BIP-39 language")
            }
        }
    }
}

impl fmt::Display for SealedShareFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealedShareFormatError::BadMagic => {
                f.write_str("not a keysplit sealed share (it does not start with \"KSWS\")")
            }
            SealedShareFormatError::UnsupportedVersion { version } => write!(
                f,
                "sealed share format version {version} is not supported (this build reads version 1)"
            ),
            SealedShareFormatError::UnknownRole { role } => write!(
                f,
                "sealed share names role {role}; known roles are 1 (device), 2 (auth), 3 (recovery)"
            ),
            SealedShareFormatError::UnknownKdf { kdf } => write!(
                f,
                "sealed share names key derivation {kdf}; known are 0 (key) and 1 (Argon2id)"
            ),
            SealedShareFormatError::BadLength { found } => {
                write!(f, "sealed share has an impossible length ({found} bytes)")
            }
            SealedShareFormatError::InvalidHex => f.write_str("sealed share text is not hex"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Core(inner) => fmt::Display::fmt(inner, f),
            Error::EntropyLength { len } => write!(
                f,
                "entropy of {len} byte(s) is not allowed; BIP-39 entropy is 16, 20, 24, 28 or 32 bytes"
            ),
            Error::Mnemonic(inner) => fmt::Display::fmt(inner, f),
            Error::NonAsciiNeedsUnicode => f.write_str(
                "the passphrase or mnemonic is not plain ASCII, and this build cannot normalise \
                 Unicode (enable keysplit-wallet's `unicode` feature)",
            ),
            Error::InvalidPath => f.write_str(
                "invalid derivation path: expected `m` followed by `/index` steps, hardened steps \
                 marked with ' or h (for example m/44'/60'/0'/0/0), each index below 2^31",
            ),
            Error::HardenedFromPublic => {
                f.write_str("a hardened child cannot be derived from an extended public key")
            }
            Error::Ed25519NeedsHardened => {
                f.write_str("ed25519 (SLIP-0010) derivation supports hardened steps only")
            }
            Error::InvalidChildKey => f.write_str(
                "this derivation step yields an invalid key (probability below 2^-127); use the next index",
            ),
            Error::InvalidExtendedKey(inner) => {
                write!(f, "invalid extended key: {}", inner.message())
            }
            Error::InvalidAddress => f.write_str(
                "invalid Ethereum address: expected 0x and 40 hex digits with a valid EIP-55 checksum",
            ),
            Error::InvalidSignature => f.write_str("invalid signature"),
            Error::SealedShareFormat(inner) => fmt::Display::fmt(inner, f),
            Error::WrongKey { role } => write!(
                f,
                "the {role} share cannot be opened with this key: it was sealed under another key"
            ),
            Error::WrongPassword { role } => {
                write!(f, "wrong password for the {role} share")
            }
            Error::Tampered { role } => write!(
                f,
                "the {role} share was altered: its ciphertext or header fails authentication"
            ),
            Error::UnlockKind {
                role,
                needs_password,
            } => {
                if *needs_password {
                    write!(f, "the {role} share is sealed with a password, not a key")
                } else {
                    write!(f, "the {role} share is sealed with a key, not a password")
                }
            }
            Error::KdfParams {
                memory_kib,
                iterations,
                parallelism,
            } => write!(
                f,
                "Argon2id parameters m={memory_kib} KiB, t={iterations}, p={parallelism} are out of range \
                 (memory 8*p KiB..256 MiB, 1..=64 passes, memory x passes <= 1 GiB, 1..=16 lanes)"
            ),
            Error::KdfBelowFloor {
                memory_kib,
                iterations,
            } => write!(
                f,
                "Argon2id cost m={memory_kib} KiB, t={iterations} is below the floor for sealing a \
                 recovery share (at least 19456 KiB and 2 passes, OWASP's minimum)"
            ),
            Error::Kdf => f.write_str("Argon2id failed (could it allocate its memory?)"),
            Error::WalletMismatch { role } => {
                write!(f, "the {role} share belongs to a different wallet")
            }
            Error::EpochMismatch {
                role,
                expected,
                found,
            } => {
                if found < expected {
                    write!(
                        f,
                        "the {role} share is from epoch {found}, replaced since; the wallet is at epoch {expected}"
                    )
                } else {
                    write!(
                        f,
                        "the {role} share is from epoch {found}, newer than the wallet metadata (epoch {expected})"
                    )
                }
            }
            Error::RoleMismatch { expected, found } => write!(
                f,
                "a {found} share was given where the {expected} share was expected"
            ),
            Error::DuplicateRole { role } => write!(
                f,
                "the {role} share was given twice; two different shares are needed"
            ),
            Error::ShareSetMismatch { role } => write!(
                f,
                "the {role} share is not from the share set the wallet metadata names"
            ),
            Error::InvalidWalletInfo { field } => {
                write!(f, "the wallet metadata's {field} is malformed")
            }
            Error::AddressMismatch => f.write_str(
                "the rebuilt wallet does not match the stored addresses; refusing to use it",
            ),
            Error::InvalidUploadProof => f.write_str(
                "the upload proof is not a signature of this share set's statement by the wallet's \
                 Ethereum address: the uploader did not rebuild this wallet",
            ),
            Error::RecoverNeedsAuthAndRecovery => {
                f.write_str("recovery uses the auth share and the recovery share")
            }
            Error::EpochExhausted => f.write_str("the wallet's epoch counter is exhausted"),
            Error::Rng => f.write_str("the random number generator failed"),
            // feature `requests`: Solana transactions
            #[cfg(feature = "requests")]
            Error::InvalidSolanaMessage { offset, reason } => write!(
                f,
                "not a valid Solana transaction message (at byte {offset}: {reason}); \
                 give the serialized message, not the whole transaction"
            ),
            #[cfg(feature = "requests")]
            Error::UnsupportedSolanaVersion { version } => write!(
                f,
                "Solana message version {version} is not supported (legacy and v0 are)"
            ),
            #[cfg(feature = "requests")]
            Error::NotSolanaSigner { account } => write!(
                f,
                "the wallet's Solana account {account} is not a required signer of this message"
            ),
            // feature `requests`: EIP-712 typed data from JSON
            #[cfg(feature = "requests")]
            Error::TypedData(inner) => fmt::Display::fmt(inner, f),
            // feature `requests`: ethereum transactions
            #[cfg(feature = "requests")]
            Error::TransactionJson { reason } => {
                write!(f, "the transaction is not a JSON object of transaction fields: {reason}")
            }
            #[cfg(feature = "requests")]
            Error::UnknownTransactionField { field } => {
                write!(f, "the transaction has an unknown field {field:?}")?;
                match field.as_str() {
                    "gas" => f.write_str(" (ethers v6 calls it gasLimit)"),
                    "input" => f.write_str(" (ethers v6 calls it data)"),
                    _ => f.write_str(
                        "; known fields: type, chainId, nonce, to, value, data, gasLimit, \
                         gasPrice, maxFeePerGas, maxPriorityFeePerGas, accessList (and from, \
                         which must be the signing account)",
                    ),
                }
            }
            #[cfg(feature = "requests")]
            Error::DuplicateTransactionField { field } => {
                write!(f, "the transaction gives the field {field} twice")
            }
            #[cfg(feature = "requests")]
            Error::MissingTransactionField { field } => {
                write!(f, "the transaction has no {field}")
            }
            #[cfg(feature = "requests")]
            Error::MissingChainId => f.write_str(
                "the transaction has no chainId (or chainId 0); EIP-155 replay protection \
                 needs the id of the chain it is for (1 for Ethereum mainnet)",
            ),
            #[cfg(feature = "requests")]
            Error::InvalidTransactionField { field, reason } => {
                write!(f, "the transaction's {field} {reason}")
            }
            #[cfg(feature = "requests")]
            Error::TransactionValueOverflow { field, bits } => write!(
                f,
                "the transaction's {field} is larger than {bits} bits hold (at most 2^{bits}-1)"
            ),
            #[cfg(feature = "requests")]
            Error::ContractCreationNotAllowed => f.write_str(
                "the transaction has no `to`, so it would create a contract; allow contract \
                 creation explicitly (--allow-contract-creation) if that is meant",
            ),
            #[cfg(feature = "requests")]
            Error::TransactionTypeConflict { reason } => {
                write!(f, "the transaction's fields contradict its type: {reason}")
            }
            #[cfg(feature = "requests")]
            Error::UnsupportedTransactionType { found } => write!(
                f,
                "transaction type {found} is not supported (0 legacy, 1 EIP-2930, 2 EIP-1559)"
            ),
            #[cfg(feature = "requests")]
            Error::TransactionTooLarge { field, limit } => {
                let unit = if *field == "data" {
                    "bytes"
                } else {
                    "entries or storage keys"
                };
                write!(f, "the transaction's {field} is over keysplit's limit of {limit} {unit}")
            }
            #[cfg(feature = "requests")]
            Error::TransactionFromMismatch { signer, declared } => write!(
                f,
                "the transaction's from is {declared} but the signing account is {signer}; \
                 the signer is chosen by the account index"
            ),
            // feature `requests`: policy engine
            #[cfg(feature = "requests")]
            Error::PolicyInvalid { location, reason } => {
                write!(f, "invalid policy: {location}: {reason}")
            }
            #[cfg(feature = "requests")]
            Error::PolicyDenied {
                rule: Some(rule),
                reason,
            } => write!(f, "denied by policy rule \"{rule}\": {reason}"),
            #[cfg(feature = "requests")]
            Error::PolicyDenied { rule: None, reason } => {
                write!(f, "denied by policy: {reason}")
            }
            // feature `requests`: authorization keys and key quorums
            #[cfg(feature = "requests")]
            Error::InvalidAuthorizationKey => f.write_str(
                "invalid authorization key: expected wallet-auth: followed by base64 PKCS#8 DER \
                 of a P-256 private key",
            ),
            #[cfg(feature = "requests")]
            Error::InvalidAuthorizationPublicKey => f.write_str(
                "invalid authorization public key: expected base64 SPKI DER of a P-256 public key",
            ),
            #[cfg(feature = "requests")]
            Error::InvalidAuthorizationSignature => f.write_str(
                "invalid authorization signature: expected base64 of a DER or 64-byte r||s \
                 P-256 ECDSA signature",
            ),
            #[cfg(feature = "requests")]
            Error::TooManySignatures { max } => {
                write!(f, "too many authorization signatures (at most {max})")
            }
            #[cfg(feature = "requests")]
            Error::InvalidRequestPayload { reason } => {
                write!(f, "invalid request payload: {reason}")
            }
            #[cfg(feature = "requests")]
            Error::RequestExpired { expiry_ms, now_ms } => write!(
                f,
                "the request expired: privy-request-expiry {expiry_ms} is before now ({now_ms}, \
                 Unix milliseconds); sign a new request"
            ),
            #[cfg(feature = "requests")]
            Error::InvalidKeyQuorum { reason } => write!(f, "invalid key quorum: {reason}"),
            #[cfg(feature = "requests")]
            Error::QuorumNotMet {
                threshold,
                signed,
                first_failure,
            } => {
                write!(
                    f,
                    "key quorum not met: {signed} distinct member(s) signed, {threshold} needed"
                )?;
                if let Some((index, failure)) = first_failure {
                    write!(f, " (signature #{}: {})", index + 1, failure.message())?;
                }
                Ok(())
            }
        }
    }
}
