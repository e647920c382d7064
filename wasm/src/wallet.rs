//! Bindings of keysplit-wallet: a 2-of-3 embedded wallet (device, auth and recovery
//! shares, each sealed) with Ethereum and Solana keys.
//!
//! Every operation is stateless: it takes the wallet's public info and two sealed shares
//! with their keys or password, rebuilds the wallet inside the module for that one
//! call, and wipes the entropy, seed and keys before returning. Only public results
//! (addresses, signatures, sealed shares) leave, except for the explicit
//! [`wallet_export_mnemonic`] and the hazmat [`open_sealed_share`].

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use js_sys::{Object, Reflect, Uint8Array};
use keysplit_wallet as kw;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::convert::{bytes, count, invalid, js_error, object, to_js_bytes};

pub(crate) fn wallet_error(error: kw::Error) -> JsValue {
    js_error(error.code(), &format!("{error}"))
}

fn field(value: &JsValue, key: &str, what: &str) -> Result<JsValue, JsValue> {
    if !value.is_object() {
        return Err(invalid(&format!("{what} must be an object")));
    }
    Reflect::get(value, &JsValue::from_str(key))
        .map_err(|_| invalid(&format!("{what}.{key} could not be read")))
}

fn optional_field(value: &JsValue, key: &str, what: &str) -> Result<Option<JsValue>, JsValue> {
    let found = field(value, key, what)?;
    Ok(if found.is_undefined() || found.is_null() {
        None
    } else {
        Some(found)
    })
}

fn string_field(value: &JsValue, key: &str, what: &str) -> Result<String, JsValue> {
    field(value, key, what)?
        .as_string()
        .ok_or_else(|| invalid(&format!("{what}.{key} must be a string")))
}

/// A password: a string is normalised to NFKD (JavaScript's own `String.normalize`, so the
/// module carries no Unicode tables) exactly as the CLI does with
/// `keysplit_wallet::normalize_password`, so a recovery share sealed in a browser opens
/// on any device whatever the keyboard produced; bytes are taken as they are.
fn password_bytes(value: &JsValue, what: &str) -> Result<Zeroizing<Vec<u8>>, JsValue> {
    match value.dyn_ref::<js_sys::JsString>() {
        Some(text) => {
            crate::convert::well_formed(text, what)?;
            let normalized = text.normalize("NFKD");
            Ok(Zeroizing::new(String::from(normalized).into_bytes()))
        }
        None => bytes_or_text(value, what),
    }
}

/// Bytes or a string (UTF-8), for messages and passwords.
pub(crate) fn bytes_or_text(value: &JsValue, what: &str) -> Result<Zeroizing<Vec<u8>>, JsValue> {
    match value.dyn_ref::<js_sys::JsString>() {
        Some(text) => {
            crate::convert::well_formed(text, what)?;
            Ok(Zeroizing::new(String::from(text).into_bytes()))
        }
        None => bytes(value, what).map_err(|_| {
            invalid(&format!(
                "{what} must be a string or bytes (a Uint8Array, Buffer or ArrayBuffer)"
            ))
        }),
    }
}

fn fixed<const N: usize>(value: &JsValue, what: &str) -> Result<Zeroizing<[u8; N]>, JsValue> {
    let data = bytes(value, what)?;
    let mut out = Zeroizing::new([0u8; N]);
    if data.len() != N {
        return Err(invalid(&format!(
            "{what} must be exactly {N} bytes (got {})",
            data.len()
        )));
    }
    out.copy_from_slice(&data);
    Ok(out)
}

fn share_key(value: &JsValue, what: &str) -> Result<kw::ShareKey, JsValue> {
    let key = fixed::<32>(value, what)?;
    Ok(kw::ShareKey::from_bytes(&key))
}

fn role(value: &JsValue, what: &str) -> Result<kw::Role, JsValue> {
    value
        .as_string()
        .and_then(|name| name.parse::<kw::Role>().ok())
        .ok_or_else(|| {
            invalid(&format!(
                "{what} must be \"device\", \"auth\" or \"recovery\""
            ))
        })
}

pub(crate) fn index(value: f64) -> Result<u32, JsValue> {
    u32::try_from(count(value, "index")?)
        .ok()
        .filter(|i| *i < 0x8000_0000)
        .ok_or_else(|| invalid("index must be below 2^31"))
}

// ---- wallet info ---------------------------------------------------------------------

// The text of each field is the wallet crate's (`WalletInfo::to_text`/`from_text`); only
// the JavaScript names are chosen here.
fn info_to_js(info: &kw::WalletInfo) -> Object {
    let text = info.to_text();
    object(&[
        ("walletId", JsValue::from_str(&text.wallet_id)),
        ("epoch", JsValue::from(text.epoch)),
        ("shareSetId", JsValue::from_str(&text.share_set_id)),
        ("ethereumAddress", JsValue::from_str(&text.ethereum_address)),
        ("solanaAddress", JsValue::from_str(&text.solana_address)),
    ])
}

pub(crate) fn info_from_js(value: &JsValue) -> Result<kw::WalletInfo, JsValue> {
    const WHAT: &str = "info";
    let epoch = field(value, "epoch", WHAT)?
        .as_f64()
        .and_then(|e| count(e, "info.epoch").ok())
        .and_then(|e| u32::try_from(e).ok())
        .ok_or_else(|| invalid("info.epoch must be a non-negative 32-bit integer"))?;
    let text = kw::WalletInfoText {
        wallet_id: string_field(value, "walletId", WHAT)?,
        epoch,
        share_set_id: string_field(value, "shareSetId", WHAT)?,
        ethereum_address: string_field(value, "ethereumAddress", WHAT)?,
        solana_address: string_field(value, "solanaAddress", WHAT)?,
    };
    // Error codes as the JavaScript API has always given them: ids are input errors,
    // addresses address errors.
    kw::WalletInfo::from_text(&text).map_err(|e| match e {
        kw::Error::InvalidWalletInfo { field: "wallet_id" } => {
            invalid("info.walletId must be 32 hex digits")
        }
        kw::Error::InvalidWalletInfo {
            field: "share_set_id",
        } => invalid("info.shareSetId must be 32 hex digits"),
        kw::Error::InvalidWalletInfo { .. } => wallet_error(kw::Error::InvalidAddress),
        other => wallet_error(other),
    })
}

fn share_set_to_js(set: &kw::ShareSet) -> Object {
    object(&[
        ("info", info_to_js(&set.info).into()),
        ("device", to_js_bytes(set.device.as_bytes()).into()),
        ("auth", to_js_bytes(set.auth.as_bytes()).into()),
        ("recovery", to_js_bytes(set.recovery.as_bytes()).into()),
    ])
}

// ---- keys, passwords, protections ----------------------------------------------------

/// A key or a password read from JS, owned here so that it is wiped on drop.
enum Secret {
    Key(kw::ShareKey),
    /// The password, its costs (none: the defaults), and whether the caller asked to go
    /// below the floor (`insecureFastKdf: true`, for tests).
    Password(Zeroizing<Vec<u8>>, Option<kw::Argon2Params>, bool),
}

fn argon2_params(value: &JsValue, what: &str) -> Result<kw::Argon2Params, JsValue> {
    let defaults = kw::Argon2Params::default();
    let number = |key: &str, default: u32| -> Result<u32, JsValue> {
        match optional_field(value, key, what)? {
            None => Ok(default),
            Some(v) => v
                .as_f64()
                .and_then(|n| count(n, key).ok())
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| invalid(&format!("{what}.{key} must be a positive integer"))),
        }
    };
    let params = kw::Argon2Params {
        memory_kib: number("memoryKib", defaults.memory_kib)?,
        iterations: number("iterations", defaults.iterations)?,
        parallelism: number("parallelism", defaults.parallelism)?,
    };
    params.check().map_err(wallet_error)?;
    Ok(params)
}

/// `{ key }` or `{ password, argon2? }`.
fn secret(value: &JsValue, what: &str) -> Result<Secret, JsValue> {
    let key = optional_field(value, "key", what)?;
    let password = optional_field(value, "password", what)?;
    match (key, password) {
        (Some(key), None) => Ok(Secret::Key(share_key(&key, &format!("{what}.key"))?)),
        (None, Some(password)) => {
            let params = match optional_field(value, "argon2", what)? {
                Some(params) => Some(argon2_params(&params, &format!("{what}.argon2"))?),
                None => None,
            };
            let insecure = match optional_field(value, "insecureFastKdf", what)? {
                None => false,
                Some(flag) => flag
                    .as_bool()
                    .ok_or_else(|| invalid(&format!("{what}.insecureFastKdf must be a boolean")))?,
            };
            Ok(Secret::Password(
                password_bytes(&password, &format!("{what}.password"))?,
                params,
                insecure,
            ))
        }
        _ => Err(invalid(&format!(
            "{what} must have exactly one of `key` (32 bytes) or `password`"
        ))),
    }
}

impl Secret {
    fn protection(&self) -> kw::Protection<'_> {
        match self {
            Secret::Key(key) => kw::Protection::Key(key),
            Secret::Password(password, params, false) => kw::Protection::Password {
                password,
                params: params.unwrap_or_default(),
            },
            Secret::Password(password, params, true) => kw::Protection::InsecureFastPassword {
                password,
                params: params.unwrap_or_default(),
            },
        }
    }

    fn unlock(&self) -> kw::Unlock<'_> {
        match self {
            Secret::Key(key) => kw::Unlock::Key(key),
            Secret::Password(password, ..) => kw::Unlock::Password(password),
        }
    }
}

struct ProtectionSet {
    device: Secret,
    auth: Secret,
    recovery: Secret,
}

impl ProtectionSet {
    fn read(value: &JsValue) -> Result<ProtectionSet, JsValue> {
        const WHAT: &str = "protections";
        Ok(ProtectionSet {
            device: secret(&field(value, "device", WHAT)?, "protections.device")?,
            auth: secret(&field(value, "auth", WHAT)?, "protections.auth")?,
            recovery: secret(&field(value, "recovery", WHAT)?, "protections.recovery")?,
        })
    }

    fn protections(&self) -> kw::Protections<'_> {
        kw::Protections {
            device: self.device.protection(),
            auth: self.auth.protection(),
            recovery: self.recovery.protection(),
        }
    }
}

/// `{ role, share, key }` or `{ role, share, password }`.
struct Input {
    role: kw::Role,
    share: kw::SealedShare,
    secret: Secret,
}

impl Input {
    fn read(value: &JsValue, what: &str) -> Result<Input, JsValue> {
        let role = role(&field(value, "role", what)?, &format!("{what}.role"))?;
        let sealed = bytes(&field(value, "share", what)?, &format!("{what}.share"))?;
        let share = kw::SealedShare::from_bytes(&sealed).map_err(wallet_error)?;
        let secret = secret(value, what)?;
        Ok(Input {
            role,
            share,
            secret,
        })
    }

    fn input(&self) -> kw::ShareInput<'_> {
        kw::ShareInput::new(self.role, &self.share, self.secret.unlock())
    }
}

pub(crate) fn open(
    info: &JsValue,
    first: &JsValue,
    second: &JsValue,
) -> Result<kw::Wallet, JsValue> {
    let info = info_from_js(info)?;
    let first = Input::read(first, "first")?;
    let second = Input::read(second, "second")?;
    kw::open(&info, first.input(), second.input()).map_err(wallet_error)
}

fn rng() -> Result<keysplit::hazmat::SimdChaCha20Rng, JsValue> {
    crate::engine::os_rng().map_err(crate::convert::core_error)
}

// ---- exported operations -------------------------------------------------------------

/// A fresh random 32-byte key for sealing a device or auth share.
#[wasm_bindgen(js_name = generateShareKey)]
pub fn generate_share_key() -> Result<Uint8Array, JsValue> {
    let key = kw::ShareKey::generate(&mut rng()?);
    Ok(to_js_bytes(key.as_bytes()))
}

/// A new wallet (fresh entropy, `strength_bits` 128 or 256), split 2-of-3 and sealed:
/// `{ info, device, auth, recovery }`.
#[wasm_bindgen(js_name = walletCreate)]
pub fn wallet_create(protections: &JsValue, strength_bits: f64) -> Result<Object, JsValue> {
    let strength = match count(strength_bits, "strength")? {
        128 => kw::Strength::Bits128,
        256 => kw::Strength::Bits256,
        _ => return Err(invalid("strength must be 128 or 256 (bits)")),
    };
    let protections = ProtectionSet::read(protections)?;
    let set =
        kw::create(strength, &protections.protections(), &mut rng()?).map_err(wallet_error)?;
    Ok(share_set_to_js(&set))
}

/// An existing BIP-39 mnemonic as a new wallet (epoch 0).
#[wasm_bindgen(js_name = walletImport)]
pub fn wallet_import(mnemonic: &JsValue, protections: &JsValue) -> Result<Object, JsValue> {
    let phrase = crate::convert::text(mnemonic, "mnemonic")?;
    let protections = ProtectionSet::read(protections)?;
    let set = kw::import(&phrase, &protections.protections(), &mut rng()?).map_err(wallet_error)?;
    Ok(share_set_to_js(&set))
}

/// The address of account `index` on `chain` (`"ethereum"` or `"solana"`).
#[wasm_bindgen(js_name = walletAddress)]
pub fn wallet_address(
    info: &JsValue,
    first: &JsValue,
    second: &JsValue,
    chain: &str,
    index_: f64,
) -> Result<String, JsValue> {
    let index = index(index_)?;
    let wallet = open(info, first, second)?;
    match chain {
        "ethereum" => Ok(wallet
            .ethereum_address(index)
            .map_err(wallet_error)?
            .to_checksum()),
        "solana" => Ok(wallet
            .solana_address(index)
            .map_err(wallet_error)?
            .to_base58()),
        _ => Err(invalid("chain must be \"ethereum\" or \"solana\"")),
    }
}

/// What [`wallet_sign`] signs, read from its arguments before the wallet is opened.
enum SignRequest {
    /// EIP-191 `personal_sign` of bytes (a string as UTF-8).
    Message(Zeroizing<Vec<u8>>),
    /// A 32-byte digest (recoverable ECDSA, RFC 6979, low s).
    Digest(Zeroizing<[u8; 32]>),
    /// EIP-712: domain separator and struct hash.
    TypedData(Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>),
    /// ed25519 of bytes by the Solana account.
    Solana(Zeroizing<Vec<u8>>),
}

/// Signs with account `index` of the wallet opened by two shares. `kind` says what:
/// `"message"` (EIP-191 `personal_sign` of `a`, bytes or a string as UTF-8; 65 bytes
/// `r || s || v`), `"digest"` (a 32-byte `a`; 65 bytes), `"typedData"` (EIP-712 with
/// domain separator `a` and struct hash `b`, 32 bytes each; 65 bytes) or `"solana"`
/// (ed25519 of `a`; 64 bytes).
#[wasm_bindgen(js_name = walletSign)]
pub fn wallet_sign(
    kind: &str,
    info: &JsValue,
    first: &JsValue,
    second: &JsValue,
    index_: f64,
    a: &JsValue,
    b: &JsValue,
) -> Result<Uint8Array, JsValue> {
    let index = index(index_)?;
    let request = match kind {
        "message" => SignRequest::Message(bytes_or_text(a, "message")?),
        "digest" => SignRequest::Digest(fixed::<32>(a, "digest")?),
        "typedData" => SignRequest::TypedData(
            fixed::<32>(a, "domainSeparator")?,
            fixed::<32>(b, "structHash")?,
        ),
        "solana" => SignRequest::Solana(bytes_or_text(a, "message")?),
        _ => return Err(invalid("unknown signature kind")),
    };
    let wallet = open(info, first, second)?;
    let signature = match &request {
        SignRequest::Message(message) => wallet
            .sign_personal_message(index, message)
            .map(|s| to_js_bytes(&s)),
        SignRequest::Digest(digest) => {
            keysplit_wallet::hazmat::sign_digest(&wallet, index, digest).map(|s| to_js_bytes(&s))
        }
        SignRequest::TypedData(domain, hash) => {
            keysplit_wallet::hazmat::sign_typed_data_hashes(&wallet, index, domain, hash)
                .map(|s| to_js_bytes(&s))
        }
        SignRequest::Solana(message) => wallet
            .sign_solana_message(index, message)
            .map(|s| to_js_bytes(&s)),
    };
    signature.map_err(wallet_error)
}

/// The wallet's BIP-39 mnemonic (English). This reveals the wallet: call it only on an
/// explicit user request.
#[wasm_bindgen(js_name = walletExportMnemonic)]
pub fn wallet_export_mnemonic(
    info: &JsValue,
    first: &JsValue,
    second: &JsValue,
) -> Result<String, JsValue> {
    let wallet = open(info, first, second)?;
    // The returned JS string cannot be wiped; the module's copy is.
    let phrase = wallet.mnemonic();
    Ok(String::from(phrase.as_str()))
}

/// Any two shares -> a fresh set of three at epoch + 1 (same keys and addresses).
#[wasm_bindgen(js_name = walletRotate)]
pub fn wallet_rotate(
    info: &JsValue,
    first: &JsValue,
    second: &JsValue,
    protections: &JsValue,
) -> Result<Object, JsValue> {
    let info = info_from_js(info)?;
    let first = Input::read(first, "first")?;
    let second = Input::read(second, "second")?;
    let protections = ProtectionSet::read(protections)?;
    let set = kw::rotate(
        &info,
        first.input(),
        second.input(),
        &protections.protections(),
        &mut rng()?,
    )
    .map_err(wallet_error)?;
    Ok(share_set_to_js(&set))
}

/// Recovery on a new device: the auth and recovery shares -> a fresh set of three at
/// epoch + 1.
#[wasm_bindgen(js_name = walletRecover)]
pub fn wallet_recover(
    info: &JsValue,
    auth: &JsValue,
    recovery: &JsValue,
    protections: &JsValue,
) -> Result<Object, JsValue> {
    let info = info_from_js(info)?;
    let auth = Input::read(auth, "auth")?;
    let recovery = Input::read(recovery, "recovery")?;
    let protections = ProtectionSet::read(protections)?;
    let set = kw::recover(
        &info,
        auth.input(),
        recovery.input(),
        &protections.protections(),
        &mut rng()?,
    )
    .map_err(wallet_error)?;
    Ok(share_set_to_js(&set))
}

/// Public facts of a sealed share: `{ role, walletId, epoch, passwordSealed, argon2 }`.
#[wasm_bindgen(js_name = sealedShareInfo)]
pub fn sealed_share_info(sealed: &JsValue) -> Result<Object, JsValue> {
    let sealed =
        kw::SealedShare::from_bytes(&bytes(sealed, "sealed share")?).map_err(wallet_error)?;
    let argon2 = match sealed.argon2_params() {
        Some(p) => object(&[
            ("memoryKib", JsValue::from(p.memory_kib)),
            ("iterations", JsValue::from(p.iterations)),
            ("parallelism", JsValue::from(p.parallelism)),
        ])
        .into(),
        None => JsValue::NULL,
    };
    Ok(object(&[
        ("role", JsValue::from_str(sealed.role().as_str())),
        (
            "walletId",
            JsValue::from_str(&sealed.wallet_id().to_string()),
        ),
        ("epoch", JsValue::from(sealed.epoch())),
        (
            "passwordSealed",
            JsValue::from_bool(sealed.is_password_sealed()),
        ),
        ("argon2", argon2),
    ]))
}

/// Seals a keysplit envelope share for `role` of wallet `wallet_id` (32 hex digits) at
/// `epoch`, under `protection` (`{ key }` or `{ password, argon2? }`).
#[wasm_bindgen(js_name = sealShare)]
pub fn seal_share(
    share: &JsValue,
    role_: &JsValue,
    wallet_id: &str,
    epoch: f64,
    protection: &JsValue,
) -> Result<Uint8Array, JsValue> {
    let share =
        keysplit::Share::from_bytes(&bytes(share, "share")?).map_err(crate::convert::core_error)?;
    let role = role(role_, "role")?;
    let wallet_id: kw::WalletId = wallet_id
        .parse()
        .map_err(|_| invalid("walletId must be 32 hex digits"))?;
    let epoch =
        u32::try_from(count(epoch, "epoch")?).map_err(|_| invalid("epoch must fit in 32 bits"))?;
    let protection = secret(protection, "protection")?;
    let sealed = kw::SealedShare::seal(
        &share,
        role,
        &wallet_id,
        epoch,
        protection.protection(),
        &mut rng()?,
    )
    .map_err(wallet_error)?;
    Ok(to_js_bytes(sealed.as_bytes()))
}

/// Hazmat: decrypts a sealed share to its keysplit envelope (`unlock`: `{ key }` or
/// `{ password }`). The result is a live share of the wallet.
#[wasm_bindgen(js_name = openSealedShare)]
pub fn open_sealed_share(sealed: &JsValue, unlock: &JsValue) -> Result<Uint8Array, JsValue> {
    let sealed =
        kw::SealedShare::from_bytes(&bytes(sealed, "sealed share")?).map_err(wallet_error)?;
    let secret = secret(unlock, "unlock")?;
    let share = sealed.open(secret.unlock()).map_err(wallet_error)?;
    Ok(to_js_bytes(share.as_bytes()))
}

/// The address that signed `message` with EIP-191 `personal_sign` (checksummed).
#[wasm_bindgen(js_name = recoverMessageSigner)]
pub fn recover_message_signer(message: &JsValue, signature: &JsValue) -> Result<String, JsValue> {
    let message = bytes_or_text(message, "message")?;
    let signature = fixed::<65>(signature, "signature")?;
    let digest = kw::ethereum::personal_message_digest(&message);
    kw::ethereum::recover_address(&digest, &signature)
        .map(|address| address.to_checksum())
        .map_err(wallet_error)
}

/// Whether `signature` (64 bytes) is `address`'s ed25519 signature of `message`.
#[wasm_bindgen(js_name = verifySolanaSignature)]
pub fn verify_solana_signature(
    address: &str,
    message: &JsValue,
    signature: &JsValue,
) -> Result<bool, JsValue> {
    let address = kw::SolanaAddress::parse(address).map_err(wallet_error)?;
    let message = bytes_or_text(message, "message")?;
    let signature = fixed::<64>(signature, "signature")?;
    Ok(address.verify(&message, &signature).is_ok())
}
