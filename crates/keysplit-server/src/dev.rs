//! A tiny token issuer for demos and tests: a fresh key pair, the matching configuration
//! (`config.toml` + `jwks.json`) and freshly minted access tokens, so that nothing needs an
//! outside identity provider. **Not for production**: anyone holding `dev-issuer.pem` can
//! sign in as any user.

use std::fmt;
use std::path::Path;

use base64ct::{Base64UrlUnpadded, Encoding};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use zeroize::Zeroizing;

use crate::config::{write_private, ConfigError, ConfigFile};

/// The issuer name written by [`DevIssuer::generate`].
pub const DEV_ISSUER: &str = "keysplit-dev-issuer";
/// The audience written by [`DevIssuer::generate`].
pub const DEV_AUDIENCE: &str = "keysplit-server";

/// The dev issuer's signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevAlg {
    /// Ed25519.
    EdDSA,
    /// ECDSA P-256 with SHA-256.
    ES256,
}

/// A signing key, its JWK and its issuer/audience names.
pub struct DevIssuer {
    alg: DevAlg,
    /// PKCS#8 DER of the private key.
    pkcs8: Zeroizing<Vec<u8>>,
    /// PKCS#8 PEM of the private key.
    pem: Zeroizing<String>,
    jwk: serde_json::Value,
    /// The `kid`.
    pub kid: String,
    /// The `iss` claim minted.
    pub iss: String,
    /// The `aud` claim minted.
    pub aud: String,
}

impl fmt::Debug for DevIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevIssuer")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("iss", &self.iss)
            .field("aud", &self.aud)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

fn err(e: impl fmt::Display) -> ConfigError {
    ConfigError(format!("dev issuer: {e}"))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl DevIssuer {
    /// A fresh key pair.
    pub fn generate(alg: DevAlg) -> Result<DevIssuer, ConfigError> {
        let mut rng = keysplit::os_rng().map_err(err)?;
        let mut seed = Zeroizing::new([0u8; 32]);
        loop {
            rand_core::Rng::fill_bytes(&mut rng, &mut seed[..]);
            let pem = match alg {
                DevAlg::EdDSA => {
                    use ed25519_dalek::pkcs8::EncodePrivateKey as _;
                    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                    key.to_pkcs8_pem(Default::default()).map_err(err)?
                }
                DevAlg::ES256 => {
                    use p256::pkcs8::EncodePrivateKey as _;
                    // A seed at or above the group order is refused: draw again.
                    let Ok(key) = p256::SecretKey::from_slice(&seed[..]) else {
                        continue;
                    };
                    key.to_pkcs8_pem(Default::default()).map_err(err)?
                }
            };
            return DevIssuer::from_pem(&pem, DEV_ISSUER, DEV_AUDIENCE);
        }
    }

    /// A dev issuer from a PKCS#8 PEM private key (Ed25519 or P-256).
    pub fn from_pem(pem: &str, iss: &str, aud: &str) -> Result<DevIssuer, ConfigError> {
        let (alg, pkcs8, jwk) = {
            use ed25519_dalek::pkcs8::DecodePrivateKey as _;
            if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
                use ed25519_dalek::pkcs8::EncodePrivateKey as _;
                let der = key.to_pkcs8_der().map_err(err)?;
                let x = Base64UrlUnpadded::encode_string(key.verifying_key().as_bytes());
                let jwk = serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": x, "alg": "EdDSA", "use": "sig"});
                (DevAlg::EdDSA, Zeroizing::new(der.as_bytes().to_vec()), jwk)
            } else {
                use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
                let key = p256::SecretKey::from_pkcs8_pem(pem)
                    .map_err(|_| err("not an Ed25519 or P-256 PKCS#8 private key"))?;
                let der = key.to_pkcs8_der().map_err(err)?;
                let point = p256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(
                    &key.public_key(),
                    false,
                );
                let bytes = point.as_bytes();
                let (x, y) = match (bytes.get(1..33), bytes.get(33..65)) {
                    (Some(x), Some(y)) => (x, y),
                    _ => return Err(err("bad P-256 point")),
                };
                let jwk = serde_json::json!({
                    "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
                    "x": Base64UrlUnpadded::encode_string(x),
                    "y": Base64UrlUnpadded::encode_string(y),
                });
                (DevAlg::ES256, Zeroizing::new(der.as_bytes().to_vec()), jwk)
            }
        };
        let kid = {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(jwk.to_string().as_bytes());
            hex::encode(&digest[..8])
        };
        let mut jwk = jwk;
        jwk["kid"] = serde_json::Value::String(kid.clone());
        Ok(DevIssuer {
            alg,
            pkcs8,
            pem: Zeroizing::new(pem.to_string()),
            jwk,
            kid,
            iss: iss.into(),
            aud: aud.into(),
        })
    }

    /// The algorithm.
    pub fn alg(&self) -> DevAlg {
        self.alg
    }

    /// The public key as a JWKS document.
    pub fn jwks_json(&self) -> String {
        serde_json::json!({ "keys": [self.jwk] }).to_string()
    }

    /// Signs any claims (tests use this for expired tokens, wrong audiences...).
    pub fn sign_claims(&self, claims: &serde_json::Value) -> Result<String, ConfigError> {
        let (alg, key) = match self.alg {
            DevAlg::EdDSA => (Algorithm::EdDSA, EncodingKey::from_ed_der(&self.pkcs8)),
            DevAlg::ES256 => (Algorithm::ES256, EncodingKey::from_ec_der(&self.pkcs8)),
        };
        let mut header = Header::new(alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &key).map_err(err)
    }

    /// A token for `sub`, valid from now for `ttl_seconds`.
    pub fn mint(&self, sub: &str, ttl_seconds: i64) -> Result<String, ConfigError> {
        let now = now();
        self.sign_claims(&serde_json::json!({
            "iss": self.iss, "aud": self.aud, "sub": sub,
            "iat": now, "nbf": now, "exp": now.saturating_add(ttl_seconds),
        }))
    }

    /// The `config.toml` text naming this issuer with `jwks.json` next to it, and a
    /// `master.key` file next to it.
    pub fn config_toml(&self) -> String {
        self.config_toml_with(&[])
    }

    /// [`DevIssuer::config_toml`] with `allowed_origins` (CORS; each must pass
    /// [`crate::config::check_origin`], so it needs no TOML escaping). The top-level keys
    /// come before the `[[issuer]]` table.
    pub fn config_toml_with(&self, allowed_origins: &[String]) -> String {
        let origins = if allowed_origins.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = allowed_origins.iter().map(|o| format!("{o:?}")).collect();
            format!("allowed_origins = [{}]\n", list.join(", "))
        };
        format!(
            "# Written by `keysplit serve dev-init`: a DEVELOPMENT issuer, not for production.\n\
             master_key_file = \"master.key\"\n{origins}\n\
             [[issuer]]\niss = {:?}\naudiences = [{:?}]\njwks_file = \"jwks.json\"\n",
            self.iss, self.aud
        )
    }

    /// Writes `dev-issuer.pem` (mode 0600), `jwks.json` and `config.toml` into `dir`
    /// (created if missing); refuses to overwrite.
    pub fn save(&self, dir: &Path) -> Result<(), ConfigError> {
        self.save_with(dir, &[])
    }

    /// [`DevIssuer::save`] with `allowed_origins` in `config.toml` (checked first).
    pub fn save_with(&self, dir: &Path, allowed_origins: &[String]) -> Result<(), ConfigError> {
        for origin in allowed_origins {
            crate::config::check_origin(origin)?;
        }
        std::fs::create_dir_all(dir).map_err(err)?;
        let io = |name: &str, e: std::io::Error| err(format!("{}: {e}", dir.join(name).display()));
        write_private(&dir.join("dev-issuer.pem"), self.pem.as_bytes())
            .map_err(|e| io("dev-issuer.pem", e))?;
        write_private(&dir.join("jwks.json"), self.jwks_json().as_bytes())
            .map_err(|e| io("jwks.json", e))?;
        write_private(
            &dir.join("config.toml"),
            self.config_toml_with(allowed_origins).as_bytes(),
        )
        .map_err(|e| io("config.toml", e))?;
        Ok(())
    }

    /// Reads what [`DevIssuer::save`] wrote.
    pub fn load(dir: &Path) -> Result<DevIssuer, ConfigError> {
        let pem = Zeroizing::new(std::fs::read_to_string(dir.join("dev-issuer.pem")).map_err(err)?);
        let text = std::fs::read_to_string(dir.join("config.toml")).map_err(err)?;
        let file: ConfigFile = toml::from_str(&text).map_err(|e| err(e.message()))?;
        let issuer = file
            .issuers
            .first()
            .ok_or_else(|| err("config.toml names no issuer"))?;
        let aud = issuer
            .audiences
            .first()
            .ok_or_else(|| err("config.toml names no audience"))?;
        DevIssuer::from_pem(&pem, &issuer.iss, aud)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// dev-init's config with origins loads as settings with those origins (the keys are
    /// top level, not inside the `[[issuer]]` table).
    #[test]
    fn config_with_allowed_origins_loads() {
        let dir = tempfile::tempdir().unwrap();
        let issuer = DevIssuer::generate(DevAlg::EdDSA).unwrap();
        let origins = vec![
            "http://127.0.0.1:4710".to_string(),
            "https://wallet.example".to_string(),
        ];
        issuer.save_with(dir.path(), &origins).unwrap();
        let settings = crate::config::Settings::load(&crate::config::ServeOptions {
            config: Some(dir.path().join("config.toml")),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(settings.allowed_origins, origins);
        assert_eq!(settings.verifier.key_count(), 1);
        // Loading the issuer back still works.
        assert_eq!(DevIssuer::load(dir.path()).unwrap().kid, issuer.kid);
        // A bad origin writes nothing.
        let other = tempfile::tempdir().unwrap();
        let error = issuer
            .save_with(other.path(), &["http://127.0.0.1:4710/".to_string()])
            .unwrap_err();
        assert!(error.0.contains("trailing /"), "{error}");
        assert!(!other.path().join("config.toml").exists());
    }
}
