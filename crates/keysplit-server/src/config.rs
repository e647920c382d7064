//! Settings: the command line (`--listen`, `--db`, `--config`) over a TOML file over
//! defaults. Paths in the file are relative to the file's folder.
//!
//! ```toml
//! listen = "127.0.0.1:8787"
//! db = "sqlite://keysplit-server.sqlite3"     # or "postgres://user@127.0.0.1:5432/db"
//! master_key_file = "master.key"              # 64 hex digits; created when missing
//! allowed_origins = ["https://wallet.example"]
//! public_url = "https://keysplit.example"    # signed requests must name this origin
//! max_body_bytes = 65536
//! release_per_minute = 30
//! leeway_seconds = 30
//!
//! [[issuer]]
//! iss = "https://id.example"
//! audiences = ["keysplit"]
//! jwks_file = "jwks.json"                     # or pem_file = "key.pem" (+ optional alg, kid)
//! ```

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroizing;

use crate::auth::Verifier;

/// The default listening address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// The default database: a SQLite file in the working directory, created when missing.
pub const DEFAULT_DB: &str = "sqlite://keysplit-server.sqlite3";
/// The default master key file, created when missing (see docs/server.md).
pub const DEFAULT_MASTER_KEY_FILE: &str = "keysplit-server.key";
/// The default request body limit.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// The default number of share releases (and recovery-share fetches) per subject and minute.
pub const DEFAULT_RELEASE_PER_MINUTE: u32 = 30;
/// The default clock skew allowed on `exp` and `nbf`.
pub const DEFAULT_LEEWAY_SECONDS: u64 = 30;

/// What `keysplit serve` was given on its command line.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// `--listen ADDR`.
    pub listen: Option<String>,
    /// `--db URL`.
    pub db: Option<String>,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
}

/// A configuration error: one line for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Listening address.
    pub listen: Option<String>,
    /// Database URL.
    pub db: Option<String>,
    /// File holding the master key as 64 hex digits.
    pub master_key_file: Option<PathBuf>,
    /// Origins allowed by CORS (the wallet iframe's origin); none means no CORS headers.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// The origin clients reach the server at (`https://keysplit.example`): when set, a
    /// signed request's `url` must be exactly this origin followed by the endpoint's path.
    pub public_url: Option<String>,
    /// Largest accepted request body.
    pub max_body_bytes: Option<usize>,
    /// Releases per subject and minute.
    pub release_per_minute: Option<u32>,
    /// Clock skew allowed on `exp` and `nbf`, seconds.
    pub leeway_seconds: Option<u64>,
    /// Token issuers.
    #[serde(default, rename = "issuer")]
    pub issuers: Vec<IssuerConfig>,
}

/// One token issuer (identity provider).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The exact `iss` claim.
    pub iss: String,
    /// Accepted `aud` values (at least one).
    pub audiences: Vec<String>,
    /// A JWKS file (Ed25519 `OKP` and P-256 `EC` keys).
    pub jwks_file: Option<PathBuf>,
    /// A PEM public key (SPKI), Ed25519 or P-256.
    pub pem_file: Option<PathBuf>,
    /// `EdDSA` or `ES256`; must agree with the key when given.
    pub alg: Option<String>,
    /// The key id of `pem_file`'s key, matched against the token's `kid`.
    pub kid: Option<String>,
}

/// The key that encrypts every stored auth-share key (XChaCha20-Poly1305).
#[derive(Clone)]
pub struct MasterKey(pub(crate) Zeroizing<[u8; 32]>);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// A key from 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> MasterKey {
        MasterKey(Zeroizing::new(*bytes))
    }

    /// Reads 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Option<MasterKey> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).ok()?);
        let array: [u8; 32] = bytes.as_slice().try_into().ok()?;
        let key = MasterKey::from_bytes(&array);
        let mut array = array;
        zeroize::Zeroize::zeroize(&mut array);
        Some(key)
    }

    /// Reads the key file, or creates it with a fresh key (mode 0600) when it is missing.
    pub fn load_or_create(path: &Path) -> Result<MasterKey, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let text = Zeroizing::new(text);
                MasterKey::from_hex(&text).ok_or_else(|| {
                    ConfigError(format!(
                        "master key file {} does not hold 64 hex digits",
                        path.display()
                    ))
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut rng = keysplit::os_rng()
                    .map_err(|_| ConfigError("no randomness from the OS".into()))?;
                let mut bytes = Zeroizing::new([0u8; 32]);
                rand_core::Rng::fill_bytes(&mut rng, &mut bytes[..]);
                let text = Zeroizing::new(hex::encode(&bytes[..]) + "\n");
                write_private(path, text.as_bytes())
                    .map_err(|e| ConfigError(format!("cannot create {}: {e}", path.display())))?;
                tracing::warn!(path = %path.display(), "created a new master key file; back it up, it opens every stored auth-share key");
                Ok(MasterKey::from_bytes(&bytes))
            }
            Err(e) => Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
        }
    }
}

/// Checks an origin as a browser sends it in `Origin`: `http://` or `https://`, a lower-case
/// host name, IPv4 address or bracketed IPv6 address, an optional port other than the
/// scheme's default, and nothing else (no path, not even `/`). CORS compares origins
/// byte for byte, so anything else would silently never match.
pub fn check_origin(origin: &str) -> Result<(), ConfigError> {
    let bad = |why: &str| ConfigError(format!("origin {origin:?}: {why}"));
    let (scheme, rest) = if let Some(rest) = origin.strip_prefix("https://") {
        ("https", rest)
    } else if let Some(rest) = origin.strip_prefix("http://") {
        ("http", rest)
    } else {
        return Err(bad("must start with https:// or http://"));
    };
    let (_host, port) = match rest.strip_prefix('[') {
        Some(v6) => {
            let (inside, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("unclosed [ in the host"))?;
            let hex_or_colon =
                |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b':';
            if inside.is_empty() || !inside.bytes().all(|b| hex_or_colon(b) || b == b'.') {
                return Err(bad("not a lower-case IPv6 address in brackets"));
            }
            let port = match after {
                "" => None,
                after => Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| bad("nothing may follow the host but :port"))?,
                ),
            };
            (inside, port)
        }
        None => {
            let (host, port) = match rest.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            };
            let host_byte =
                |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-';
            if host.is_empty() || !host.bytes().all(host_byte) {
                return Err(bad(
                    "the host must be lower-case letters, digits, dots and hyphens, and no \
                     path may follow (not even a trailing /)",
                ));
            }
            (host, port)
        }
    };
    if let Some(port) = port {
        let digits = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        let number: u16 = port
            .parse()
            .ok()
            .filter(|n| digits && *n != 0 && !port.starts_with('0'))
            .ok_or_else(|| bad("the port must be a number 1..65535 and no path may follow (not even a trailing /)"))?;
        if (scheme, number) == ("https", 443) || (scheme, number) == ("http", 80) {
            return Err(bad("leave out the scheme's default port (browsers do)"));
        }
    }
    Ok(())
}

/// Writes a new file readable by its owner only; refuses to overwrite.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Everything the server runs with, resolved and checked.
#[derive(Debug)]
pub struct Settings {
    /// Listening address.
    pub listen: SocketAddr,
    /// Database URL.
    pub db_url: String,
    /// The master key.
    pub master_key: MasterKey,
    /// CORS origins.
    pub allowed_origins: Vec<String>,
    /// The public origin signed requests must name (`None`: any `http(s)` origin).
    pub public_url: Option<String>,
    /// Body limit.
    pub max_body_bytes: usize,
    /// Release rate per subject and minute.
    pub release_per_minute: u32,
    /// Token verifier.
    pub verifier: Verifier,
}

impl Settings {
    /// Resolves the command line over the file over the defaults.
    pub fn load(options: &ServeOptions) -> Result<Settings, ConfigError> {
        let (file, base) = match &options.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
                let file: ConfigFile = toml::from_str(&text)
                    .map_err(|e| ConfigError(format!("{}: {}", path.display(), e.message())))?;
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                (file, base)
            }
            None => (ConfigFile::default(), PathBuf::new()),
        };
        let listen_text = options
            .listen
            .clone()
            .or(file.listen.clone())
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen_text
            .parse()
            .map_err(|_| ConfigError(format!("--listen {listen_text:?} is not an IP:port")))?;
        let db_url = options
            .db
            .clone()
            .or(file.db.clone())
            .unwrap_or_else(|| DEFAULT_DB.into());
        let master_key_path = match &file.master_key_file {
            Some(path) => base.join(path),
            None => PathBuf::from(DEFAULT_MASTER_KEY_FILE),
        };
        let master_key = MasterKey::load_or_create(&master_key_path)?;
        let leeway = file.leeway_seconds.unwrap_or(DEFAULT_LEEWAY_SECONDS);
        if leeway > 300 {
            return Err(ConfigError("leeway_seconds is at most 300".into()));
        }
        let verifier = Verifier::from_config(&file.issuers, &base, leeway)?;
        let release_per_minute = file
            .release_per_minute
            .unwrap_or(DEFAULT_RELEASE_PER_MINUTE);
        if release_per_minute == 0 {
            return Err(ConfigError("release_per_minute must be at least 1".into()));
        }
        for origin in &file.allowed_origins {
            check_origin(origin).map_err(|e| ConfigError(format!("allowed_origins: {e}")))?;
        }
        if let Some(url) = &file.public_url {
            check_origin(url).map_err(|e| ConfigError(format!("public_url: {e}")))?;
        }
        Ok(Settings {
            listen,
            db_url,
            master_key,
            allowed_origins: file.allowed_origins,
            public_url: file.public_url,
            max_body_bytes: file.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            release_per_minute,
            verifier,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::check_origin;

    /// `public_url` and `allowed_origins` are read and checked at start.
    #[test]
    fn public_url_is_checked_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let load = |text: &str| {
            let path = dir.path().join("config.toml");
            // The master key file next to the config, never in the working folder.
            std::fs::write(&path, format!("master_key_file = \"master.key\"\n{text}")).unwrap();
            super::Settings::load(&super::ServeOptions {
                config: Some(path),
                ..Default::default()
            })
        };
        let settings = load("public_url = \"https://keysplit.example\"\n").unwrap();
        assert_eq!(
            settings.public_url.as_deref(),
            Some("https://keysplit.example")
        );
        assert_eq!(load("").unwrap().public_url, None);
        let error = load("public_url = \"https://keysplit.example/\"\n").unwrap_err();
        assert!(error.0.starts_with("public_url: "), "{error}");
        let error = load("allowed_origins = [\"https://Wallet.example\"]\n").unwrap_err();
        assert!(error.0.starts_with("allowed_origins: "), "{error}");
    }

    #[test]
    fn origins_are_checked_as_browsers_send_them() {
        for good in [
            "https://wallet.example",
            "http://127.0.0.1:4710",
            "https://wallet.example:8443",
            "http://[::1]:4710",
            "http://localhost",
        ] {
            assert_eq!(check_origin(good), Ok(()), "{good}");
        }
        for bad in [
            "https://wallet.example/",
            "https://wallet.example/path",
            "https://Wallet.example",
            "wallet.example",
            "ftp://wallet.example",
            "*",
            "null",
            "https://",
            "https://wallet.example:",
            "https://wallet.example:0",
            "https://wallet.example:65536",
            "https://wallet.example:443",
            "http://wallet.example:80",
            "https://wallet.example:08443",
            "https://user@wallet.example",
            "https://wallet.example?x",
            "http://[::1",
            "http://[::1]x",
            "http://[]:1",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
    }
}
