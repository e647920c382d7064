//! Access tokens (JWT) from the app's identity provider.
//!
//! Every configured key carries its algorithm (`EdDSA` for Ed25519, `ES256` for P-256),
//! fixed when the key is loaded; a token is checked with that algorithm only, so a token
//! cannot choose its own (`none`, HMAC with a public key as secret, or another curve).
//! Checked: signature, `iss` (the key's issuer, exactly), `aud` (one of the issuer's
//! audiences), `exp` (required), `nbf` (when present), with a small leeway, and a
//! non-empty `sub`. The JWT mechanics are the `jsonwebtoken` crate's (RustCrypto back
//! end); keys are parsed and checked here first, so a bad key in the configuration is a
//! start-up error rather than a refusal of every token.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use base64ct::{Base64UrlUnpadded, Encoding};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::config::{ConfigError, IssuerConfig};
use crate::error::ApiError;

/// Longest accepted token, in bytes (bounded parsing).
pub const MAX_TOKEN_LEN: usize = 8 * 1024;
/// Longest accepted `sub` claim.
pub const MAX_SUBJECT_LEN: usize = 255;

/// An authenticated caller: the token's issuer and subject. Wallets are owned by the pair.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    /// The `iss` claim.
    pub issuer: String,
    /// The `sub` claim.
    pub subject: String,
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Caller({} @ {})", self.subject, self.issuer)
    }
}

/// One verification key of one issuer.
struct IssuerKey {
    iss: String,
    audiences: Vec<String>,
    kid: Option<String>,
    alg: Algorithm,
    key: DecodingKey,
}

/// Checks access tokens against the configured issuers.
pub struct Verifier {
    keys: Vec<IssuerKey>,
    leeway: u64,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let issuers: Vec<&str> = self.keys.iter().map(|k| k.iss.as_str()).collect();
        f.debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .field("issuers", &issuers)
            .field("leeway", &self.leeway)
            .finish()
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    iss: String,
}

fn config_error(what: &str, detail: impl fmt::Display) -> ConfigError {
    ConfigError(format!("{what}: {detail}"))
}

/// 32 bytes from unpadded base64url.
fn b64_32(text: &str) -> Option<[u8; 32]> {
    let bytes = Base64UrlUnpadded::decode_vec(text).ok()?;
    bytes.as_slice().try_into().ok()
}

/// An Ed25519 public key as a `DecodingKey`, checked to be a valid point.
fn ed25519_key(x: &[u8; 32]) -> Result<DecodingKey, String> {
    ed25519_dalek::VerifyingKey::from_bytes(x).map_err(|_| "not an Ed25519 public key")?;
    DecodingKey::from_ed_components(&Base64UrlUnpadded::encode_string(x)).map_err(|e| e.to_string())
}

/// A P-256 public key as a `DecodingKey`, checked to be on the curve.
fn p256_key(x: &[u8; 32], y: &[u8; 32]) -> Result<DecodingKey, String> {
    let mut sec1 = [0u8; 65];
    sec1[0] = 4;
    sec1[1..33].copy_from_slice(x);
    sec1[33..].copy_from_slice(y);
    p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| "not a P-256 public key")?;
    DecodingKey::from_ec_components(
        &Base64UrlUnpadded::encode_string(x),
        &Base64UrlUnpadded::encode_string(y),
    )
    .map_err(|e| e.to_string())
}

fn parse_alg(text: &str) -> Result<Algorithm, String> {
    match text {
        "EdDSA" => Ok(Algorithm::EdDSA),
        "ES256" => Ok(Algorithm::ES256),
        other => Err(format!(
            "algorithm {other:?} is not supported (EdDSA, ES256)"
        )),
    }
}

fn check_alg(named: Option<Algorithm>, of_key: Algorithm) -> Result<Algorithm, String> {
    match named {
        Some(alg) if alg != of_key => Err(format!("alg {alg:?} does not fit a {of_key:?} key")),
        _ => Ok(of_key),
    }
}

/// The keys of a JWKS document: Ed25519 (`OKP`) and P-256 (`EC`) only.
fn keys_from_jwks(
    text: &str,
    alg: Option<Algorithm>,
) -> Result<Vec<(Option<String>, Algorithm, DecodingKey)>, String> {
    let set: JwkSet = serde_json::from_str(text).map_err(|e| format!("not a JWKS: {e}"))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let (of_key, key) = match &jwk.algorithm {
            AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                let x = b64_32(&p.x).ok_or("an OKP key's x is not 32 bytes of base64url")?;
                (Algorithm::EdDSA, ed25519_key(&x)?)
            }
            AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
                let x = b64_32(&p.x).ok_or("an EC key's x is not 32 bytes of base64url")?;
                let y = b64_32(&p.y).ok_or("an EC key's y is not 32 bytes of base64url")?;
                (Algorithm::ES256, p256_key(&x, &y)?)
            }
            _ => return Err("only Ed25519 (OKP) and P-256 (EC) keys are supported".into()),
        };
        let named = match jwk.common.key_algorithm {
            None => None,
            Some(KeyAlgorithm::EdDSA) => Some(Algorithm::EdDSA),
            Some(KeyAlgorithm::ES256) => Some(Algorithm::ES256),
            Some(other) => return Err(format!("alg {other:?} is not supported")),
        };
        let of_key = check_alg(named, of_key)?;
        let of_key = check_alg(alg, of_key)?;
        keys.push((jwk.common.key_id.clone(), of_key, key));
    }
    if keys.is_empty() {
        return Err("the JWKS holds no keys".into());
    }
    Ok(keys)
}

/// An SPKI PEM public key, Ed25519 or P-256.
fn key_from_pem(text: &str) -> Result<(Algorithm, DecodingKey), String> {
    use ed25519_dalek::pkcs8::DecodePublicKey as _;
    if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_pem(text) {
        return Ok((Algorithm::EdDSA, ed25519_key(key.as_bytes())?));
    }
    if let Ok(key) = p256::PublicKey::from_public_key_pem(text) {
        let point = p256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&key, false);
        let bytes = point.as_bytes();
        let x: [u8; 32] = bytes
            .get(1..33)
            .and_then(|s| s.try_into().ok())
            .ok_or("bad P-256 point")?;
        let y: [u8; 32] = bytes
            .get(33..65)
            .and_then(|s| s.try_into().ok())
            .ok_or("bad P-256 point")?;
        return Ok((Algorithm::ES256, p256_key(&x, &y)?));
    }
    Err("not an Ed25519 or P-256 public key in SPKI PEM form".into())
}

impl Verifier {
    /// A verifier that accepts no token (no issuer configured).
    pub fn none() -> Verifier {
        Verifier {
            keys: Vec::new(),
            leeway: 0,
        }
    }

    /// Loads the keys of every configured issuer; relative paths are taken from `base`.
    pub fn from_config(
        issuers: &[IssuerConfig],
        base: &Path,
        leeway: u64,
    ) -> Result<Verifier, ConfigError> {
        let mut keys = Vec::new();
        for issuer in issuers {
            let what = format!("issuer {:?}", issuer.iss);
            if issuer.iss.is_empty() {
                return Err(config_error(&what, "iss is empty"));
            }
            if issuer.audiences.is_empty() || issuer.audiences.iter().any(String::is_empty) {
                return Err(config_error(&what, "needs at least one non-empty audience"));
            }
            let alg = issuer
                .alg
                .as_deref()
                .map(parse_alg)
                .transpose()
                .map_err(|e| config_error(&what, e))?;
            let loaded = match (&issuer.jwks_file, &issuer.pem_file) {
                (Some(path), None) => {
                    let path = base.join(path);
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| config_error(&what, format!("{}: {e}", path.display())))?;
                    if issuer.kid.is_some() {
                        return Err(config_error(&what, "kid belongs in the JWKS"));
                    }
                    keys_from_jwks(&text, alg).map_err(|e| config_error(&what, e))?
                }
                (None, Some(path)) => {
                    let path = base.join(path);
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| config_error(&what, format!("{}: {e}", path.display())))?;
                    let (of_key, key) = key_from_pem(&text).map_err(|e| config_error(&what, e))?;
                    let of_key = check_alg(alg, of_key).map_err(|e| config_error(&what, e))?;
                    vec![(issuer.kid.clone(), of_key, key)]
                }
                _ => {
                    return Err(config_error(
                        &what,
                        "needs exactly one of jwks_file, pem_file",
                    ))
                }
            };
            for (kid, alg, key) in loaded {
                keys.push(IssuerKey {
                    iss: issuer.iss.clone(),
                    audiences: issuer.audiences.clone(),
                    kid,
                    alg,
                    key,
                });
            }
        }
        Ok(Verifier { keys, leeway })
    }

    /// How many keys are loaded.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Checks a token (without its `Bearer ` prefix).
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(ApiError::unauthenticated("malformed access token"));
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| ApiError::unauthenticated("malformed access token"))?;
        let mut refusal = ApiError::unauthenticated("no configured issuer key fits the token");
        for key in &self.keys {
            if let (Some(wanted), Some(have)) = (&header.kid, &key.kid) {
                if wanted != have {
                    continue;
                }
            }
            if header.alg != key.alg {
                refusal = ApiError::unauthenticated("token algorithm does not fit the issuer key");
                continue;
            }
            let mut validation = Validation::new(key.alg);
            validation.algorithms = vec![key.alg];
            validation.leeway = self.leeway;
            validation.validate_exp = true;
            validation.validate_nbf = true;
            validation.validate_aud = true;
            validation.set_issuer(&[key.iss.as_str()]);
            validation.set_audience(&key.audiences);
            validation.required_spec_claims = ["exp", "iss", "aud", "sub"]
                .iter()
                .map(|s| s.to_string())
                .collect::<HashSet<_>>();
            match jsonwebtoken::decode::<Claims>(token, &key.key, &validation) {
                Ok(data) => {
                    let claims = data.claims;
                    if claims.sub.is_empty() || claims.sub.len() > MAX_SUBJECT_LEN {
                        return Err(ApiError::unauthenticated(
                            "token subject is empty or too long",
                        ));
                    }
                    return Ok(Caller {
                        issuer: claims.iss,
                        subject: claims.sub,
                    });
                }
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind as K;
                    let message = match e.kind() {
                        K::ExpiredSignature => "access token expired",
                        K::ImmatureSignature => "access token not yet valid",
                        K::InvalidAudience => "access token audience not accepted",
                        K::InvalidIssuer => "access token issuer not accepted",
                        K::InvalidSignature => "access token signature invalid",
                        K::MissingRequiredClaim(_) => "access token lacks a required claim",
                        _ => "access token invalid",
                    };
                    refusal = ApiError::unauthenticated(message);
                }
            }
        }
        Err(refusal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::{DevAlg, DevIssuer};

    fn issuer(_dir: &Path, file: &str, alg: Option<&str>) -> IssuerConfig {
        IssuerConfig {
            iss: "https://id.example".into(),
            audiences: vec!["keysplit".into()],
            jwks_file: file.ends_with(".json").then(|| file.into()),
            pem_file: file.ends_with(".pem").then(|| file.into()),
            alg: alg.map(String::from),
            kid: None,
        }
    }

    #[test]
    fn pem_keys_fix_the_algorithm() {
        let dir = std::env::temp_dir().join(format!("keysplit-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (alg, name, other) in [
            (DevAlg::EdDSA, "EdDSA", "ES256"),
            (DevAlg::ES256, "ES256", "EdDSA"),
        ] {
            let dev = DevIssuer::generate(alg).unwrap();
            // The public half as SPKI PEM, from the JWK via the key types.
            let jwks: serde_json::Value = serde_json::from_str(&dev.jwks_json()).unwrap();
            let jwk = &jwks["keys"][0];
            let pem = match alg {
                DevAlg::EdDSA => {
                    use ed25519_dalek::pkcs8::EncodePublicKey as _;
                    let x = b64_32(jwk["x"].as_str().unwrap()).unwrap();
                    let key = ed25519_dalek::VerifyingKey::from_bytes(&x).unwrap();
                    key.to_public_key_pem(Default::default()).unwrap()
                }
                DevAlg::ES256 => {
                    use p256::pkcs8::EncodePublicKey as _;
                    let mut sec1 = vec![4u8];
                    sec1.extend(b64_32(jwk["x"].as_str().unwrap()).unwrap());
                    sec1.extend(b64_32(jwk["y"].as_str().unwrap()).unwrap());
                    let key = p256::PublicKey::from_sec1_bytes(&sec1).unwrap();
                    key.to_public_key_pem(Default::default()).unwrap()
                }
            };
            std::fs::write(dir.join("key.pem"), pem).unwrap();
            let verifier =
                Verifier::from_config(&[issuer(&dir, "key.pem", Some(name))], &dir, 30).unwrap();
            assert_eq!(verifier.key_count(), 1);
            let exp = crate::db::now() + 60;
            let claims = serde_json::json!({"iss": "https://id.example", "aud": "keysplit", "sub": "alice", "exp": exp});
            let token = dev.sign_claims(&claims).unwrap();
            let caller = verifier.verify(&token).unwrap();
            assert_eq!(caller.subject, "alice");
            // A configured alg that does not fit the key is a start-up error.
            assert!(
                Verifier::from_config(&[issuer(&dir, "key.pem", Some(other))], &dir, 30).is_err()
            );
            assert!(
                Verifier::from_config(&[issuer(&dir, "key.pem", Some("HS256"))], &dir, 30).is_err()
            );
        }
        std::fs::write(
            dir.join("bad.json"),
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AAAA"}]}"#,
        )
        .unwrap();
        assert!(Verifier::from_config(&[issuer(&dir, "bad.json", None)], &dir, 30).is_err());
        std::fs::write(dir.join("empty.json"), r#"{"keys":[]}"#).unwrap();
        assert!(Verifier::from_config(&[issuer(&dir, "empty.json", None)], &dir, 30).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
