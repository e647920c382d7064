//! The custody channel of the wallet iframe (`keysplit_wallet::custody`): HPKE release
//! keys whose private half never leaves the module, request digests, upload statements
//! and encrypted exports. Only in the `requests` build.

use alloc::format;
use alloc::string::String;

use js_sys::{Object, Uint8Array};
use keysplit_wallet as kw;
use kw::authz::RequestPayload;
use kw::custody::{self, ReleaseAnswer, ReleaseKey};
use wasm_bindgen::prelude::*;

use crate::convert::{bytes, count, invalid, js_error, object, to_js_bytes};
use crate::wallet::{info_from_js, wallet_error};

fn rng() -> Result<keysplit::hazmat::SimdChaCha20Rng, JsValue> {
    crate::engine::os_rng().map_err(crate::convert::core_error)
}

fn wallet_id(text: &str) -> Result<kw::WalletId, JsValue> {
    kw::WalletId::from_hex(text).ok_or_else(|| invalid("walletId must be 32 hex digits"))
}

fn epoch(value: f64) -> Result<u32, JsValue> {
    count(value, "epoch")
        .ok()
        .and_then(|e| u32::try_from(e).ok())
        .ok_or_else(|| invalid("epoch must be a non-negative 32-bit integer"))
}

/// The suite, as the server's release answer names it.
fn suite() -> Object {
    object(&[
        ("kem", JsValue::from_str("DHKEM(P-256, HKDF-SHA256)")),
        ("kdf", JsValue::from_str("HKDF-SHA256")),
        ("aead", JsValue::from_str("ChaCha20-Poly1305")),
    ])
}

/// An HPKE key for one share release. The private key lives only in this struct (wasm
/// memory) and is wiped when the struct is dropped: by `free()`, by [`Self::open`]
/// (whatever its outcome: one key per release), or by the garbage collector's finalizer.
#[wasm_bindgen]
pub struct CustodyReleaseKey {
    key: Option<ReleaseKey>,
}

fn used() -> JsValue {
    js_error(
        "RELEASE_KEY_USED",
        "this release key was already used or freed: make a new key for each release",
    )
}

#[wasm_bindgen]
impl CustodyReleaseKey {
    /// The public key to send with the release request: an uncompressed P-256 point.
    #[wasm_bindgen(js_name = publicKey)]
    pub fn public_key(&self) -> Result<Uint8Array, JsValue> {
        let key = self.key.as_ref().ok_or_else(used)?;
        Ok(to_js_bytes(&key.public_key()))
    }

    /// Opens a release with the caller's own wallet id (32 hex digits), epoch and
    /// request digest: for an auth-share release (`recovery_key` false)
    /// `{ authKey, authShare }`, for a recovery-key release (automatic recovery) the
    /// 32-byte key. The key is taken first, so it is dropped and wiped whatever the
    /// outcome.
    #[wasm_bindgen(js_name = openRelease)]
    pub fn open_release(
        &mut self,
        recovery_key: bool,
        wallet_id_hex: &str,
        epoch_: f64,
        request_digest: &JsValue,
        enc: &JsValue,
        ciphertext: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let key = self.key.take().ok_or_else(used)?;
        let wallet = wallet_id(wallet_id_hex)?;
        let epoch = epoch(epoch_)?;
        let digest = bytes(request_digest, "requestDigest")?;
        let digest: &[u8; 32] = digest[..]
            .try_into()
            .map_err(|_| invalid("requestDigest must be exactly 32 bytes"))?;
        let enc = bytes(enc, "enc")?;
        let ciphertext = bytes(ciphertext, "ciphertext")?;
        let answer = ReleaseAnswer {
            wallet_id: &wallet,
            epoch,
            request_digest: digest,
            enc: &enc,
            ciphertext: &ciphertext,
        };
        if recovery_key {
            let opened = key.open_recovery_key(&answer).map_err(wallet_error)?;
            return Ok(to_js_bytes(&opened[..]).into());
        }
        let released = key.open(&answer).map_err(wallet_error)?;
        Ok(object(&[
            ("authKey", to_js_bytes(&released.auth_key[..]).into()),
            ("authShare", to_js_bytes(&released.sealed_auth_share).into()),
        ])
        .into())
    }
}

/// A fresh release key.
#[wasm_bindgen(js_name = custodyGenerateReleaseKey)]
pub fn custody_generate_release_key() -> Result<CustodyReleaseKey, JsValue> {
    Ok(CustodyReleaseKey {
        key: Some(ReleaseKey::generate(&mut rng()?)),
    })
}

/// SHA-256 of the RFC 8785 form of a request payload (JSON text).
#[wasm_bindgen(js_name = custodyRequestDigest)]
pub fn custody_request_digest(payload_json: &str) -> Result<Uint8Array, JsValue> {
    let payload = RequestPayload::from_json(payload_json.as_bytes()).map_err(wallet_error)?;
    Ok(to_js_bytes(&custody::request_digest(&payload)))
}

/// The upload statement of a wallet info object.
#[wasm_bindgen(js_name = custodyUploadStatement)]
pub fn custody_upload_statement(info: &JsValue) -> Result<String, JsValue> {
    Ok(custody::upload_statement(&info_from_js(info)?))
}

/// Seals `plaintext` to a recipient's P-256 public key (65 bytes, uncompressed) for an
/// encrypted export of wallet `walletId`: `{ enc, ciphertext, suite }`.
#[wasm_bindgen(js_name = custodySealToRecipient)]
pub fn custody_seal_to_recipient(
    recipient_public_key: &JsValue,
    wallet_id_hex: &str,
    plaintext: &JsValue,
) -> Result<Object, JsValue> {
    let recipient = bytes(recipient_public_key, "recipientPublicKey")?;
    let wallet = wallet_id(wallet_id_hex)?;
    let plaintext = bytes(plaintext, "plaintext")?;
    let sealed =
        custody::seal_to_recipient(&recipient, &wallet, &plaintext, &mut rng()?).map_err(|e| {
            match e {
                kw::Error::InvalidHpkePublicKey => {
                    js_error(e.code(), &format!("recipientPublicKey: {e}"))
                }
                other => wallet_error(other),
            }
        })?;
    Ok(object(&[
        ("enc", to_js_bytes(&sealed.enc).into()),
        ("ciphertext", to_js_bytes(&sealed.ciphertext).into()),
        ("suite", suite().into()),
    ]))
}
