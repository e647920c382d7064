//! Bindings of the core: envelope shares (the default), raw shares (Privy/Vault format)
//! and the text forms.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::convert::{
    byte_list, bytes, core_error, count, object, text, text_list, to_js_byte_list, to_js_bytes,
};

fn decode_shares(value: &JsValue) -> Result<Vec<keysplit::Share>, JsValue> {
    let encoded = byte_list(value, "shares")?;
    encoded
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            keysplit::Share::from_bytes(bytes).map_err(|error| match error {
                keysplit::Error::Decode(cause) => {
                    core_error(keysplit::Error::BadShare { index, cause })
                }
                other => core_error(other),
            })
        })
        .collect()
}

fn share_list(shares: &[keysplit::Share]) -> Array {
    to_js_byte_list(shares.iter().map(keysplit::Share::as_bytes))
}

fn hex(bytes: &[u8]) -> String {
    // Public ids only (set ids, wallet ids).
    String::from(keysplit::hazmat::encode_hex(bytes).as_str())
}

/// Splits `secret` into `shares` envelope shares, any `threshold` of which rebuild it.
/// Randomness: `crypto.getRandomValues` (through getrandom) keying the core's
/// `hazmat::SimdChaCha20Rng`.
#[wasm_bindgen(js_name = split)]
pub fn split(secret: &JsValue, threshold: f64, shares: f64) -> Result<Array, JsValue> {
    let secret = bytes(secret, "secret")?;
    let threshold = count(threshold, "threshold")?;
    let shares = count(shares, "shares")?;
    let mut rng = crate::engine::os_rng().map_err(core_error)?;
    let made = keysplit::split(&secret, threshold, shares, &mut rng).map_err(core_error)?;
    Ok(share_list(&made))
}

/// Rebuilds the secret from envelope shares (binary). Undecodable shares are skipped if
/// enough good ones remain; otherwise the error names the first bad one.
#[wasm_bindgen(js_name = combine)]
pub fn combine(shares: &JsValue) -> Result<js_sys::Uint8Array, JsValue> {
    let encoded = byte_list(shares, "shares")?;
    let recovery = keysplit::combine_encoded(&encoded).map_err(core_error)?;
    Ok(to_js_bytes(recovery.secret()))
}

/// Like [`combine`], and reports on every share: `{ secret, setId, threshold, used,
/// inconsistent, rejected: [{ index, code, message }] }` (indexes count from 0).
#[wasm_bindgen(js_name = combineDetailed)]
pub fn combine_detailed(shares: &JsValue) -> Result<js_sys::Object, JsValue> {
    let encoded = byte_list(shares, "shares")?;
    let recovery = keysplit::combine_encoded(&encoded).map_err(core_error)?;
    let indexes = |list: &[usize]| -> JsValue {
        list.iter()
            .map(|&i| JsValue::from(i as u32))
            .collect::<Array>()
            .into()
    };
    let rejected: Array = recovery
        .rejected()
        .iter()
        .map(|(index, cause)| -> JsValue {
            object(&[
                ("index", JsValue::from(*index as u32)),
                ("code", JsValue::from_str(cause.code())),
                ("message", JsValue::from_str(&format!("{cause}"))),
            ])
            .into()
        })
        .collect();
    Ok(object(&[
        ("secret", to_js_bytes(recovery.secret()).into()),
        ("setId", JsValue::from_str(&hex(&recovery.set_id().0))),
        ("threshold", JsValue::from(recovery.threshold())),
        ("used", indexes(recovery.used())),
        ("inconsistent", indexes(recovery.inconsistent())),
        ("rejected", rejected.into()),
        ("clean", JsValue::from_bool(recovery.is_clean())),
    ]))
}

/// Rebuilds the secret from text shares (`ks1...` or hex), skipping undecodable ones
/// if enough good ones remain.
#[wasm_bindgen(js_name = combineText)]
pub fn combine_text(shares: &JsValue) -> Result<js_sys::Uint8Array, JsValue> {
    let texts = text_list(shares, "shares")?;
    let recovery = keysplit::combine_text(&texts).map_err(core_error)?;
    Ok(to_js_bytes(recovery.secret()))
}

/// Rebuilds the secret from envelope shares and splits it again with a fresh set id and
/// polynomial: old and new shares never mix.
#[wasm_bindgen(js_name = reshare)]
pub fn reshare(shares: &JsValue, threshold: f64, new_shares: f64) -> Result<Array, JsValue> {
    let decoded = decode_shares(shares)?;
    let threshold = count(threshold, "threshold")?;
    let new_count = count(new_shares, "shares")?;
    let mut rng = crate::engine::os_rng().map_err(core_error)?;
    let made = keysplit::reshare(&decoded, threshold, new_count, &mut rng).map_err(core_error)?;
    Ok(share_list(&made))
}

/// Public facts about one envelope share: `{ setId, threshold, x, secretLength }`.
/// Verifies the share's checksum.
#[wasm_bindgen(js_name = shareInfo)]
pub fn share_info(share: &JsValue) -> Result<js_sys::Object, JsValue> {
    let share = keysplit::Share::from_bytes(&bytes(share, "share")?).map_err(core_error)?;
    Ok(object(&[
        ("setId", JsValue::from_str(&hex(&share.set_id().0))),
        ("threshold", JsValue::from(share.threshold())),
        ("x", JsValue::from(share.x())),
        ("secretLength", JsValue::from(share.secret_len() as f64)),
    ]))
}

/// The `ks1...` text form (bech32m) of a binary envelope share.
#[wasm_bindgen(js_name = shareToText)]
pub fn share_to_text(share: &JsValue) -> Result<String, JsValue> {
    let share = keysplit::Share::from_bytes(&bytes(share, "share")?).map_err(core_error)?;
    Ok(String::from(share.to_text().as_str()))
}

/// Decodes a text envelope share (`ks1...` or hex) to bytes, checking it.
#[wasm_bindgen(js_name = shareFromText)]
pub fn share_from_text(share: &JsValue) -> Result<js_sys::Uint8Array, JsValue> {
    let text = text(share, "share")?;
    let share = keysplit::Share::from_text(&text).map_err(core_error)?;
    Ok(to_js_bytes(share.as_bytes()))
}

/// Raw shares (`y bytes || x`), byte-compatible with Privy's `shamir-secret-sharing`
/// and Vault. No integrity: prefer [`split`].
///
/// The JS API reaches this through [`crate::raw_split_into`] (fewer crossings); this form
/// is for Rust callers and the binding tests, and runs the same code.
pub fn raw_split(secret: &JsValue, threshold: f64, shares: f64) -> Result<Array, JsValue> {
    let secret = bytes(secret, "secret")?;
    let threshold = count(threshold, "threshold")?;
    let shares = count(shares, "shares")?;
    let mut engine = crate::Engine::new();
    let list = engine
        .split(&secret, threshold, shares)
        .map(|flat| to_js_byte_list(flat.chunks_exact(secret.len() + 1)));
    engine.wipe();
    list.map_err(core_error)
}

/// Rebuilds a secret from raw shares. Refuses x = 0, duplicate x, unequal lengths and
/// fewer than two shares; cannot detect too few or foreign shares.
///
/// The JS API reaches this through [`crate::raw_combine_into`]; same code.
pub fn raw_combine(shares: &JsValue) -> Result<js_sys::Uint8Array, JsValue> {
    let encoded = byte_list(shares, "shares")?;
    let slices: Vec<&[u8]> = encoded.iter().map(|share| &share[..]).collect();
    let secret = crate::engine::combine(&slices)?;
    Ok(to_js_bytes(&secret.0))
}

/// Name of the GF(256) backend in use (e.g. `"portable"`).
#[wasm_bindgen(js_name = backendName)]
pub fn backend_name() -> String {
    String::from(keysplit::hazmat::Backend::detect().name())
}

/// The version of this package.
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    String::from(env!("CARGO_PKG_VERSION"))
}
