//! Where the recovery password comes from (never the command line), and the Argon2id
//! costs a new recovery share is sealed with.

use std::io::Read;
use std::path::PathBuf;

use keysplit_wallet::{Argon2Params, Protection};
use zeroize::Zeroizing;

use super::{wallet_error, KdfArgs, NewPasswordArgs, PasswordArgs};
use crate::{CliError, CliResult};

fn strip_newline(mut text: Zeroizing<Vec<u8>>) -> Zeroizing<Vec<u8>> {
    if text.last() == Some(&b'\n') {
        text.pop();
        if text.last() == Some(&b'\r') {
            text.pop();
        }
    }
    text
}

/// Longest password file read: far above any password, far below a mistaken `--password-file`.
const MAX_PASSWORD_FILE: u64 = 64 * 1024;

pub(super) fn read_password(
    env: &str,
    file: Option<&PathBuf>,
    stdin: bool,
) -> CliResult<Zeroizing<Vec<u8>>> {
    let password = if let Some(path) = file {
        // A FIFO is fine here (`--password-file <(pass show ...)`), but not an endless
        // stream: at most MAX_PASSWORD_FILE bytes are read.
        let cannot = |e: std::io::Error| {
            CliError(format!("cannot read password file {}: {e}", path.display()))
        };
        let file = std::fs::File::open(path).map_err(cannot)?;
        let mut bytes = Zeroizing::new(Vec::with_capacity(1024));
        file.take(MAX_PASSWORD_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
        if bytes.len() as u64 > MAX_PASSWORD_FILE {
            return Err(CliError(format!(
                "password file {} is longer than {MAX_PASSWORD_FILE} bytes; is it the right file?",
                path.display()
            )));
        }
        strip_newline(bytes)
    } else if stdin {
        let mut line = Zeroizing::new(Vec::new());
        let mut byte = [0u8; 1];
        let mut input = std::io::stdin().lock();
        loop {
            match input.read(&mut byte) {
                Ok(0) => break,
                Ok(_) if byte[0] == b'\n' => break,
                Ok(_) => line.push(byte[0]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(CliError(format!(
                        "cannot read the password from stdin: {e}"
                    )))
                }
            }
        }
        zeroize::Zeroize::zeroize(&mut byte);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        line
    } else {
        match std::env::var_os(env) {
            Some(value) => {
                let value = value.into_string().map_err(|_| {
                    CliError(format!("the password in ${env} is not valid UTF-8"))
                })?;
                Zeroizing::new(value.into_bytes())
            }
            None => {
                return Err(CliError(format!(
                    "the recovery password is needed: set ${env}, or use --password-file FILE or --password-stdin"
                )))
            }
        }
    };
    if password.is_empty() {
        return Err(CliError("the recovery password is empty".into()));
    }
    // NFKD, so the same password typed on another system (composed or decomposed
    // accents) derives the same key.
    let text = std::str::from_utf8(&password)
        .map_err(|_| CliError("the recovery password is not UTF-8 text".into()))?;
    let normalized = keysplit_wallet::normalize_password(text).map_err(wallet_error)?;
    Ok(Zeroizing::new(normalized.as_bytes().to_vec()))
}

impl PasswordArgs {
    pub(super) fn read(&self) -> CliResult<Zeroizing<Vec<u8>>> {
        read_password(
            &self.password_env,
            self.password_file.as_ref(),
            self.password_stdin,
        )
    }
}

/// Where a command gets the recovery password: the user's flags, or (for the demo) a
/// built-in one. Read only when a share needs it.
#[derive(Clone, Copy)]
pub(super) enum PasswordSource<'a> {
    Args(&'a PasswordArgs),
    Given(&'a [u8]),
}

impl PasswordSource<'_> {
    pub(super) fn read(self) -> CliResult<Zeroizing<Vec<u8>>> {
        match self {
            PasswordSource::Args(args) => args.read(),
            PasswordSource::Given(password) => Ok(Zeroizing::new(password.to_vec())),
        }
    }
}

impl KdfArgs {
    /// How to seal the new recovery share under `password`: the flags' costs over the
    /// defaults, checked against the floor unless `--insecure-fast-kdf` was given.
    pub(super) fn protection<'a>(&self, password: &'a [u8]) -> CliResult<Protection<'a>> {
        let base = Argon2Params::default();
        let params = Argon2Params {
            memory_kib: self.argon2_memory_kib.unwrap_or(base.memory_kib),
            iterations: self.argon2_iterations.unwrap_or(base.iterations),
            parallelism: self.argon2_parallelism.unwrap_or(base.parallelism),
        };
        if self.insecure_fast_kdf {
            params.check().map_err(wallet_error)?;
            Ok(Protection::InsecureFastPassword { password, params })
        } else {
            params.check_for_sealing().map_err(wallet_error)?;
            Ok(Protection::Password { password, params })
        }
    }
}

impl NewPasswordArgs {
    pub(super) fn read(&self) -> CliResult<Option<Zeroizing<Vec<u8>>>> {
        match (&self.new_password_env, &self.new_password_file) {
            (None, None) => Ok(None),
            (env, file) => {
                read_password(env.as_deref().unwrap_or(""), file.as_ref(), false).map(Some)
            }
        }
    }
}
