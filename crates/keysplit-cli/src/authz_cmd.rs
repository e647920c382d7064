//! `keysplit authz ...`: P-256 authorization keys and key quorums, compatible with Privy's
//! request signing (see docs/authorization.md).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use keysplit_wallet::authz::{split_signature_header, AuthorizationKey, KeyQuorum, RequestPayload};
use zeroize::Zeroizing;

use crate::io::{read_stdin_request, write_stdout};
use crate::{CliError, CliResult};

#[derive(Subcommand, Debug)]
pub enum AuthzCommand {
    /// Create a P-256 authorization key: writes the private key (wallet-auth: form) to a new
    /// file with mode 0600 and prints the public key (base64 SPKI DER).
    Keygen(KeygenArgs),
    /// Sign a request payload (JSON on stdin) over its RFC 8785 form; prints the base64
    /// DER signature.
    Sign(SignArgs),
    /// Check a request payload (JSON on stdin) against a key quorum; exit 0 when enough
    /// distinct members signed and the request is not expired.
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// The new private key file (refused if it exists).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args, Debug)]
pub struct SignArgs {
    /// The private key file (wallet-auth: + base64 PKCS#8 DER, bare base64, or PEM).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The quorum: {"threshold": m, "members": ["<base64 SPKI>", ...]}.
    #[arg(long, value_name = "FILE")]
    quorum: PathBuf,
    /// A base64 signature (DER or P1363); repeat it, or give a comma-separated list as in
    /// the privy-authorization-signature header.
    #[arg(long = "signature", value_name = "SIG")]
    signatures: Vec<String>,
}

pub fn run(command: AuthzCommand) -> CliResult {
    match command {
        AuthzCommand::Keygen(args) => keygen(&args),
        AuthzCommand::Sign(args) => sign(&args),
        AuthzCommand::Verify(args) => verify(&args),
    }
}

fn authz_error(e: keysplit_wallet::Error) -> CliError {
    CliError(format!("{e} [{}]", e.code()))
}

/// Key and quorum files are small; anything larger is not one.
const MAX_FILE: u64 = 64 * 1024;

fn read_small_file(path: &Path, what: &str) -> CliResult<Zeroizing<Vec<u8>>> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| CliError(format!("cannot read the {what} {}: {e}", path.display())))?;
    let mut data = Zeroizing::new(Vec::new());
    file.take(MAX_FILE + 1)
        .read_to_end(&mut data)
        .map_err(|e| CliError(format!("cannot read the {what} {}: {e}", path.display())))?;
    if data.len() as u64 > MAX_FILE {
        return Err(CliError(format!(
            "the {what} {} is over {MAX_FILE} bytes",
            path.display()
        )));
    }
    Ok(data)
}

fn keygen(args: &KeygenArgs) -> CliResult {
    let mut rng = keysplit::os_rng()?;
    let key = AuthorizationKey::generate(&mut rng);
    let text = key.to_wallet_auth().map_err(authz_error)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&args.out).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CliError(format!(
                "{} already exists; refusing to overwrite a key file",
                args.out.display()
            ))
        } else {
            CliError(format!("cannot create {}: {e}", args.out.display()))
        }
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError(format!("cannot write {}: {e}", args.out.display())))?;
    write_stdout(format!("{}\n", key.public_key().to_base64()).as_bytes())
}

fn sign(args: &SignArgs) -> CliResult {
    let data = read_small_file(&args.key, "key file")?;
    let text = std::str::from_utf8(&data)
        .map_err(|_| authz_error(keysplit_wallet::Error::InvalidAuthorizationKey))?;
    let key = AuthorizationKey::from_text(text).map_err(authz_error)?;
    let payload = read_stdin_request("request payload")?;
    let payload = RequestPayload::from_json(&payload).map_err(authz_error)?;
    write_stdout(format!("{}\n", key.sign(&payload).to_base64()).as_bytes())
}

fn verify(args: &VerifyArgs) -> CliResult {
    let quorum = read_small_file(&args.quorum, "quorum file")?;
    let quorum = KeyQuorum::from_json(&quorum).map_err(authz_error)?;
    let mut signatures = Vec::new();
    for arg in &args.signatures {
        signatures.extend(split_signature_header(arg).map_err(authz_error)?);
    }
    let payload = read_stdin_request("request payload")?;
    let payload = RequestPayload::from_json(&payload).map_err(authz_error)?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| CliError("the system clock is before 1970".into()))?
        .as_millis();
    let now_ms = u64::try_from(now_ms).unwrap_or(u64::MAX);
    let report = quorum
        .verify(&payload, &signatures, now_ms)
        .map_err(authz_error)?;
    write_stdout(
        format!(
            "quorum met: {} of {} members signed (threshold {})\n",
            report.signed(),
            report.members,
            report.threshold
        )
        .as_bytes(),
    )
}
