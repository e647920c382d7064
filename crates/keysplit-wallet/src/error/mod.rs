//! The one error type of keysplit-wallet.

mod display;

#[cfg(feature = "requests")]
use alloc::string::String;

#[cfg(feature = "requests")]
use crate::ethereum::EthereumAddress;
use crate::role::Role;
#[cfg(feature = "requests")]
use crate::summary::U256;

/// What was wrong with a mnemonic phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MnemonicError {
    /// The phrase does not have 12, 15, 18, 21 or 24 words.
    WordCount {
        /// Words found.
        count: usize,
    },
    /// A word is not in any enabled BIP-39 word list.
    UnknownWord {
        /// Position of the word, from 0.
        index: usize,
    },
    /// Every word is known but the checksum (the last word's tail bits) does not match:
    /// a word is wrong, missing or swapped.
    Checksum,
    /// The phrase's words exist in more than one enabled language.
    AmbiguousLanguage,
}

/// Why a sealed share's bytes could not be read (before any decryption is attempted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealedShareFormatError {
    /// The bytes do not start with the sealed share magic `KSWS`.
    BadMagic,
    /// The sealed share names a format version this build does not know.
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// The role byte is not 1 (device), 2 (auth) or 3 (recovery).
    UnknownRole {
        /// The role byte found.
        role: u8,
    },
    /// The key-derivation byte is not 0 (random key) or 1 (Argon2id password).
    UnknownKdf {
        /// The kdf byte found.
        kdf: u8,
    },
    /// Shorter than a header plus an authentication tag, or longer than any share can be.
    BadLength {
        /// Bytes present.
        found: usize,
    },
    /// Text is not hex.
    InvalidHex,
}

/// Every way a keysplit-wallet operation can fail.
///
/// [`Error::code`] gives a stable identifier per variant (for bindings such as
/// JavaScript's `error.code`); errors from the core keep the core's codes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An error from keysplit's Shamir layer (combining or splitting the entropy).
    Core(keysplit::Error),
    /// Entropy must be 16, 20, 24, 28 or 32 bytes (128..=256 bits in steps of 32).
    EntropyLength {
        /// Bytes given.
        len: usize,
    },
    /// The mnemonic phrase is not valid BIP-39.
    Mnemonic(MnemonicError),
    /// A passphrase or mnemonic is not plain ASCII and this build has no Unicode
    /// normalisation (the `unicode` feature) to bring it into NFKD form as BIP-39 requires.
    NonAsciiNeedsUnicode,
    /// A derivation path is not of the form `m/44'/60'/0'/0/0`.
    InvalidPath,
    /// A hardened child was requested from an extended public key.
    HardenedFromPublic,
    /// SLIP-0010 ed25519 derivation supports hardened children only.
    Ed25519NeedsHardened,
    /// A BIP-32 derivation step produced an invalid key (probability below 2^-127; the
    /// standard says to skip to the next index).
    InvalidChildKey,
    /// An `xprv`/`xpub` string could not be read.
    InvalidExtendedKey(ExtendedKeyError),
    /// An Ethereum address string is malformed or fails its EIP-55 checksum.
    InvalidAddress,
    /// A signature is malformed or does not recover to a public key.
    InvalidSignature,
    /// A sealed share's bytes are malformed.
    SealedShareFormat(SealedShareFormatError),
    /// The key or password does not fit this sealed share (nothing was decrypted).
    WrongKey {
        /// The share's role.
        role: Role,
    },
    /// The password does not fit this sealed share (nothing was decrypted).
    WrongPassword {
        /// The share's role.
        role: Role,
    },
    /// The sealed share's key is right but its ciphertext or header was altered.
    Tampered {
        /// The role the share claims.
        role: Role,
    },
    /// A share sealed with a password was given a key, or the other way round.
    UnlockKind {
        /// The share's role.
        role: Role,
        /// The share needs a password (`true`) or a key (`false`).
        needs_password: bool,
    },
    /// Argon2id parameters outside what this library accepts.
    KdfParams {
        /// Memory in KiB.
        memory_kib: u32,
        /// Passes.
        iterations: u32,
        /// Lanes.
        parallelism: u32,
    },
    /// Argon2id costs below the floor a new password seal must meet
    /// ([`crate::Argon2Params::MIN_MEMORY_KIB`], [`crate::Argon2Params::MIN_ITERATIONS`]).
    KdfBelowFloor {
        /// Memory in KiB.
        memory_kib: u32,
        /// Passes.
        iterations: u32,
    },
    /// Argon2id failed (for example, it could not allocate its memory).
    Kdf,
    /// A share belongs to another wallet.
    WalletMismatch {
        /// The share's role.
        role: Role,
    },
    /// A share belongs to another epoch (generation) of this wallet: it was replaced by a
    /// rotation or recovery, or is newer than the wallet metadata.
    EpochMismatch {
        /// The share's role.
        role: Role,
        /// The wallet's current epoch.
        expected: u32,
        /// The share's epoch.
        found: u32,
    },
    /// A share was given in another role's place (for example the recovery share as the
    /// device share).
    RoleMismatch {
        /// The role the caller expected.
        expected: Role,
        /// The role the share was sealed for.
        found: Role,
    },
    /// The same role was given twice; opening needs two different shares.
    DuplicateRole {
        /// The repeated role.
        role: Role,
    },
    /// A decrypted share is not from the share set the wallet metadata names.
    ShareSetMismatch {
        /// The share's role.
        role: Role,
    },
    /// A field of a wallet's metadata text ([`crate::WalletInfoText`]) does not read.
    InvalidWalletInfo {
        /// The field: `wallet_id`, `share_set_id`, `ethereum_address` or
        /// `solana_address`.
        field: &'static str,
    },
    /// The rebuilt wallet's addresses differ from the wallet metadata: the shares or the
    /// metadata are not what they claim, and nothing was signed.
    AddressMismatch,
    /// An upload proof ([`crate::upload_proof`]) is not a signature of the upload's
    /// statement by the wallet's index-0 Ethereum address.
    InvalidUploadProof,
    /// Recovery needs the auth share and the recovery share.
    RecoverNeedsAuthAndRecovery,
    /// The epoch counter is at its maximum and cannot be advanced.
    EpochExhausted,
    /// The random number generator failed.
    Rng,
    // feature `requests`: Solana transactions
    /// A Solana transaction message does not decode: malformed, truncated, trailing
    /// bytes, an index out of range, or a header the runtime would refuse.
    #[cfg(feature = "requests")]
    InvalidSolanaMessage {
        /// Byte offset in the message where decoding stopped.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// A versioned Solana message of a version other than 0.
    #[cfg(feature = "requests")]
    UnsupportedSolanaVersion {
        /// The version number (the prefix byte without its top bit).
        version: u8,
    },
    /// The wallet's Solana account is not among the message's required signers, so its
    /// signature would be useless (or the wrong account was chosen); nothing was signed.
    #[cfg(feature = "requests")]
    NotSolanaSigner {
        /// The wallet's account.
        account: crate::solana::SolanaAddress,
    },
    // feature `requests`: EIP-712 typed data from JSON
    /// EIP-712 typed data (`eth_signTypedData_v4` JSON) was refused; the inner error
    /// says where and why.
    #[cfg(feature = "requests")]
    TypedData(crate::ethereum::typed_data::TypedDataError),
    // feature `requests`: ethereum transactions
    /// An Ethereum transaction is not JSON, or not one JSON object of the expected shape.
    #[cfg(feature = "requests")]
    TransactionJson {
        /// What the JSON parser found (with line and column).
        reason: String,
    },
    /// An Ethereum transaction has a field keysplit does not know (so cannot show or
    /// police).
    #[cfg(feature = "requests")]
    UnknownTransactionField {
        /// The field's name (cut to 64 bytes).
        field: String,
    },
    /// An Ethereum transaction names a field twice.
    #[cfg(feature = "requests")]
    DuplicateTransactionField {
        /// The field's name.
        field: &'static str,
    },
    /// An Ethereum transaction lacks a field its type needs.
    #[cfg(feature = "requests")]
    MissingTransactionField {
        /// The field's name (ethers v6 spelling).
        field: &'static str,
    },
    /// An Ethereum transaction has no `chainId`, or chain id 0: it could be replayed on
    /// every chain.
    #[cfg(feature = "requests")]
    MissingChainId,
    /// A field of an Ethereum transaction is malformed.
    #[cfg(feature = "requests")]
    InvalidTransactionField {
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A quantity of an Ethereum transaction is larger than its field holds.
    #[cfg(feature = "requests")]
    TransactionValueOverflow {
        /// The field's name.
        field: &'static str,
        /// The field's width in bits (64 or 256).
        bits: u16,
    },
    /// An Ethereum transaction has no `to` (it would create a contract) and contract
    /// creation was not allowed.
    #[cfg(feature = "requests")]
    ContractCreationNotAllowed,
    /// An Ethereum transaction's fields contradict its type.
    #[cfg(feature = "requests")]
    TransactionTypeConflict {
        /// Which fields and why.
        reason: &'static str,
    },
    /// An Ethereum transaction type other than 0, 1 or 2.
    #[cfg(feature = "requests")]
    UnsupportedTransactionType {
        /// The type given.
        found: U256,
    },
    /// A part of an Ethereum transaction is over keysplit's limit.
    #[cfg(feature = "requests")]
    TransactionTooLarge {
        /// The field: `data` (bytes) or `accessList` (entries or storage keys).
        field: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The transaction's `from` is not the signing account.
    #[cfg(feature = "requests")]
    TransactionFromMismatch {
        /// The account that would sign.
        signer: EthereumAddress,
        /// The `from` the transaction names.
        declared: EthereumAddress,
    },
    // feature `requests`: policy engine
    /// A policy (Privy's policy JSON) cannot be loaded: it is malformed, uses a field
    /// source, field or operator keysplit does not know, or a value of the wrong type.
    /// Nothing is ever allowed by a policy that failed to load.
    #[cfg(feature = "requests")]
    PolicyInvalid {
        /// Where in the policy: `policy`, `rules[2]`, `rules[2].conditions[0]`, ...
        location: String,
        /// What is wrong there.
        reason: String,
    },
    /// A policy denied the request.
    #[cfg(feature = "requests")]
    PolicyDenied {
        /// The name of the deciding rule; `None` when no rule allowed the request.
        rule: Option<String>,
        /// Why.
        reason: String,
    },
    // feature `requests`: authorization keys and key quorums
    /// An authorization private key is not `wallet-auth:` + base64 PKCS#8 DER (nor bare
    /// base64 PKCS#8 DER, nor PEM) of a P-256 key.
    #[cfg(feature = "requests")]
    InvalidAuthorizationKey,
    /// An authorization public key is not base64 SPKI DER (or PEM) of a P-256 key.
    #[cfg(feature = "requests")]
    InvalidAuthorizationPublicKey,
    /// An authorization signature is not base64 of a DER or 64-byte P1363 P-256 signature.
    #[cfg(feature = "requests")]
    InvalidAuthorizationSignature,
    /// More signatures than one request may carry.
    #[cfg(feature = "requests")]
    TooManySignatures {
        /// The most accepted.
        max: usize,
    },
    /// A signed request payload is not `{version: 1, method, url, body, headers}`.
    #[cfg(feature = "requests")]
    InvalidRequestPayload {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The request's `privy-request-expiry` has passed.
    #[cfg(feature = "requests")]
    RequestExpired {
        /// The deadline, Unix milliseconds.
        expiry_ms: u64,
        /// The time of the check, Unix milliseconds.
        now_ms: u64,
    },
    /// A key quorum is not `{"threshold": m, "members": [...]}` with 1 <= m <= members
    /// and distinct P-256 public keys.
    #[cfg(feature = "requests")]
    InvalidKeyQuorum {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Fewer distinct quorum members signed the request than its threshold.
    #[cfg(feature = "requests")]
    QuorumNotMet {
        /// Distinct members needed.
        threshold: usize,
        /// Distinct members whose signature verified.
        signed: usize,
        /// The first signature that did not count (its position, and why), if any.
        first_failure: Option<(usize, crate::authz::SignatureFailure)>,
    },
}

/// What was wrong with an `xprv`/`xpub` string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtendedKeyError {
    /// Not base58, or not 78 bytes after the checksum is removed.
    Encoding,
    /// The base58check checksum does not match.
    Checksum,
    /// The 4-byte version is neither mainnet xprv nor xpub.
    UnknownVersion,
    /// The key bytes do not fit the version (a public key under xprv or the reverse), or
    /// the private key prefix byte is not 0.
    KeyPrefix,
    /// Depth 0 (a master key) with a non-zero parent fingerprint or child number.
    BadMaster,
    /// The private key is 0 or not below the curve order.
    PrivateKeyRange,
    /// The public key is not a point on secp256k1.
    PublicKeyPoint,
}

impl Error {
    /// A stable identifier for bindings (for example JavaScript `error.code`).
    pub const fn code(&self) -> &'static str {
        match self {
            Error::Core(inner) => inner.code(),
            Error::EntropyLength { .. } => "ENTROPY_LENGTH",
            Error::Mnemonic(MnemonicError::WordCount { .. }) => "MNEMONIC_WORD_COUNT",
            Error::Mnemonic(MnemonicError::UnknownWord { .. }) => "MNEMONIC_UNKNOWN_WORD",
            Error::Mnemonic(MnemonicError::Checksum) => "MNEMONIC_CHECKSUM",
            Error::Mnemonic(MnemonicError::AmbiguousLanguage) => "MNEMONIC_AMBIGUOUS_LANGUAGE",
            Error::NonAsciiNeedsUnicode => "NON_ASCII_NEEDS_UNICODE",
            Error::InvalidPath => "INVALID_PATH",
            Error::HardenedFromPublic => "HARDENED_FROM_PUBLIC",
            Error::Ed25519NeedsHardened => "ED25519_NEEDS_HARDENED",
            Error::InvalidChildKey => "INVALID_CHILD_KEY",
            Error::InvalidExtendedKey(_) => "INVALID_EXTENDED_KEY",
            Error::InvalidAddress => "INVALID_ADDRESS",
            Error::InvalidSignature => "INVALID_SIGNATURE",
            Error::SealedShareFormat(_) => "SEALED_SHARE_FORMAT",
            Error::WrongKey { .. } => "WRONG_KEY",
            Error::WrongPassword { .. } => "WRONG_PASSWORD",
            Error::Tampered { .. } => "TAMPERED",
            Error::UnlockKind { .. } => "UNLOCK_KIND",
            Error::KdfParams { .. } => "KDF_PARAMS",
            Error::KdfBelowFloor { .. } => "KDF_TOO_WEAK",
            Error::Kdf => "KDF_FAILURE",
            Error::WalletMismatch { .. } => "WALLET_MISMATCH",
            Error::EpochMismatch { .. } => "EPOCH_MISMATCH",
            Error::RoleMismatch { .. } => "ROLE_MISMATCH",
            Error::DuplicateRole { .. } => "DUPLICATE_ROLE",
            Error::ShareSetMismatch { .. } => "SHARE_SET_MISMATCH",
            Error::InvalidWalletInfo { .. } => "INVALID_WALLET_INFO",
            Error::AddressMismatch => "ADDRESS_MISMATCH",
            Error::InvalidUploadProof => "INVALID_PROOF",
            Error::RecoverNeedsAuthAndRecovery => "RECOVER_NEEDS_AUTH_AND_RECOVERY",
            Error::EpochExhausted => "EPOCH_EXHAUSTED",
            Error::Rng => "RNG_FAILURE",
            // feature `requests`: Solana transactions
            #[cfg(feature = "requests")]
            Error::InvalidSolanaMessage { .. } => "INVALID_SOLANA_MESSAGE",
            #[cfg(feature = "requests")]
            Error::UnsupportedSolanaVersion { .. } => "UNSUPPORTED_SOLANA_VERSION",
            #[cfg(feature = "requests")]
            Error::NotSolanaSigner { .. } => "NOT_SOLANA_SIGNER",
            // feature `requests`: EIP-712 typed data from JSON
            #[cfg(feature = "requests")]
            Error::TypedData(inner) => inner.code(),
            // feature `requests`: ethereum transactions
            #[cfg(feature = "requests")]
            Error::TransactionJson { .. } => "TRANSACTION_JSON",
            #[cfg(feature = "requests")]
            Error::UnknownTransactionField { .. } => "UNKNOWN_TRANSACTION_FIELD",
            #[cfg(feature = "requests")]
            Error::DuplicateTransactionField { .. } => "DUPLICATE_TRANSACTION_FIELD",
            #[cfg(feature = "requests")]
            Error::MissingTransactionField { .. } => "MISSING_TRANSACTION_FIELD",
            #[cfg(feature = "requests")]
            Error::MissingChainId => "MISSING_CHAIN_ID",
            #[cfg(feature = "requests")]
            Error::InvalidTransactionField { .. } => "INVALID_TRANSACTION_FIELD",
            #[cfg(feature = "requests")]
            Error::TransactionValueOverflow { .. } => "VALUE_OVERFLOW",
            #[cfg(feature = "requests")]
            Error::ContractCreationNotAllowed => "CONTRACT_CREATION_NOT_ALLOWED",
            #[cfg(feature = "requests")]
            Error::TransactionTypeConflict { .. } => "TRANSACTION_TYPE_CONFLICT",
            #[cfg(feature = "requests")]
            Error::UnsupportedTransactionType { .. } => "UNSUPPORTED_TRANSACTION_TYPE",
            #[cfg(feature = "requests")]
            Error::TransactionTooLarge { .. } => "TRANSACTION_TOO_LARGE",
            #[cfg(feature = "requests")]
            Error::TransactionFromMismatch { .. } => "TRANSACTION_FROM_MISMATCH",
            // feature `requests`: policy engine
            #[cfg(feature = "requests")]
            Error::PolicyInvalid { .. } => "POLICY_INVALID",
            #[cfg(feature = "requests")]
            Error::PolicyDenied { .. } => "POLICY_DENIED",
            // feature `requests`: authorization keys and key quorums
            #[cfg(feature = "requests")]
            Error::InvalidAuthorizationKey => "INVALID_AUTHORIZATION_KEY",
            #[cfg(feature = "requests")]
            Error::InvalidAuthorizationPublicKey => "INVALID_AUTHORIZATION_PUBLIC_KEY",
            #[cfg(feature = "requests")]
            Error::InvalidAuthorizationSignature => "INVALID_AUTHORIZATION_SIGNATURE",
            #[cfg(feature = "requests")]
            Error::TooManySignatures { .. } => "TOO_MANY_SIGNATURES",
            #[cfg(feature = "requests")]
            Error::InvalidRequestPayload { .. } => "INVALID_REQUEST_PAYLOAD",
            #[cfg(feature = "requests")]
            Error::RequestExpired { .. } => "REQUEST_EXPIRED",
            #[cfg(feature = "requests")]
            Error::InvalidKeyQuorum { .. } => "INVALID_KEY_QUORUM",
            #[cfg(feature = "requests")]
            Error::QuorumNotMet { .. } => "QUORUM_NOT_MET",
        }
    }
}

impl From<keysplit::Error> for Error {
    fn from(inner: keysplit::Error) -> Self {
        match inner {
            keysplit::Error::Rng => Error::Rng,
            other => Error::Core(other),
        }
    }
}

impl From<MnemonicError> for Error {
    fn from(inner: MnemonicError) -> Self {
        Error::Mnemonic(inner)
    }
}

impl From<SealedShareFormatError> for Error {
    fn from(inner: SealedShareFormatError) -> Self {
        Error::SealedShareFormat(inner)
    }
}

impl From<ExtendedKeyError> for Error {
    fn from(inner: ExtendedKeyError) -> Self {
        Error::InvalidExtendedKey(inner)
    }
}

impl core::error::Error for Error {}
impl core::error::Error for MnemonicError {}
impl core::error::Error for SealedShareFormatError {}
