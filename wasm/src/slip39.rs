//! SLIP-39 mnemonic shares (`slip39Split`, `slip39Combine`), only in the build with the
//! `slip39` feature (`scripts/build.sh --slip39`, package `keysplit-wasm-slip39`): they add
//! about 14 KB gzipped, more than the default module's size budget leaves.

use alloc::format;
use alloc::vec::Vec;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::convert::{bytes, count, invalid, js_error, text, text_list, to_js_bytes};

/// A keysplit-slip39 error as a thrown `KeysplitError`, code `SLIP39_<CODE>`.
fn slip39_error(error: keysplit_slip39::Error) -> JsValue {
    let code = format!("SLIP39_{}", error.code()).to_ascii_uppercase();
    js_error(&code, &format!("{error}"))
}

fn small(value: f64, what: &str) -> Result<u8, JsValue> {
    u8::try_from(count(value, what)?).map_err(|_| invalid(&format!("{what} is too large")))
}

/// Splits a master secret (16 to 32 bytes, even) into SLIP-39 mnemonics, one array of
/// strings per group. `groups` holds `(member threshold, member count)` byte pairs.
#[wasm_bindgen(js_name = slip39Split)]
pub fn slip39_split(
    secret: &JsValue,
    group_threshold: f64,
    groups: &JsValue,
    passphrase: &JsValue,
    iteration_exponent: f64,
    extendable: bool,
) -> Result<Array, JsValue> {
    let secret = bytes(secret, "secret")?;
    let pairs = bytes(groups, "groups")?;
    if pairs.len() % 2 != 0 {
        return Err(invalid("groups must be [threshold, count] pairs"));
    }
    let groups: Vec<(u8, u8)> = pairs.chunks_exact(2).map(|p| (p[0], p[1])).collect();
    let passphrase = text(passphrase, "passphrase")?;
    let options = keysplit_slip39::SplitOptions {
        iteration_exponent: small(iteration_exponent, "iterationExponent")?,
        extendable,
    };
    let group_threshold = small(group_threshold, "groupThreshold")?;
    let made = keysplit_slip39::split_with_os_rng(
        &secret,
        passphrase.as_bytes(),
        group_threshold,
        &groups,
        options,
    )
    .map_err(slip39_error)?;
    Ok(made
        .iter()
        .map(|group| -> JsValue {
            group
                .iter()
                .map(|share| JsValue::from_str(&share.to_mnemonic()))
                .collect::<Array>()
                .into()
        })
        .collect())
}

/// Rebuilds the master secret from SLIP-39 mnemonics and their passphrase.
#[wasm_bindgen(js_name = slip39Combine)]
pub fn slip39_combine(mnemonics: &JsValue, passphrase: &JsValue) -> Result<Uint8Array, JsValue> {
    let list = text_list(mnemonics, "mnemonics")?;
    let passphrase = text(passphrase, "passphrase")?;
    let refs: Vec<&str> = list.iter().map(|s| s.as_str()).collect();
    let secret =
        keysplit_slip39::combine_mnemonics(&refs, passphrase.as_bytes()).map_err(slip39_error)?;
    Ok(to_js_bytes(&secret))
}
