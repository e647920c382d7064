//! Reading secrets and shares, writing results, and the progress indicator.

use std::io::{IsTerminal, Read, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use zeroize::Zeroizing;

use crate::{CliError, CliResult};

/// Inputs at least this large get a progress indicator (when stderr is a terminal).
const PROGRESS_FROM: u64 = 8 << 20;

/// A progress bar on stderr, hidden when stderr is not a terminal (pipes, CI, tests).
pub fn progress(total: Option<u64>, what: &str) -> ProgressBar {
    let bar = match total {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::new_spinner(),
    };
    if !std::io::stderr().is_terminal() || total.is_some_and(|n| n < PROGRESS_FROM) {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    } else {
        bar.set_draw_target(ProgressDrawTarget::stderr());
    }
    if let Ok(style) =
        ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
    {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

/// All of stdin, in a buffer that is wiped on drop.
pub fn read_stdin_secret() -> CliResult<Zeroizing<Vec<u8>>> {
    let mut input = std::io::stdin().lock();
    let mut data = Zeroizing::new(Vec::new());
    let bar = progress(None, "reading secret");
    let mut chunk = Zeroizing::new(vec![0u8; 1 << 16]);
    loop {
        let n = match input.read(&mut chunk[..]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        // Grow by doubling inside Zeroizing buffers so no unwiped copy is left behind
        // by a reallocation.
        if data.len() + n > data.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(
                (data.len() + n).max(2 * data.capacity()),
            ));
            bigger.extend_from_slice(&data);
            data = bigger;
        }
        data.extend_from_slice(&chunk[..n]);
        if data.len() as u64 >= PROGRESS_FROM && bar.is_hidden() && std::io::stderr().is_terminal()
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_position(data.len() as u64);
    }
    bar.finish_and_clear();
    Ok(data)
}

/// The secret from stdin: raw bytes, or one hex string with `hex`.
pub fn read_secret(hex: bool) -> CliResult<Zeroizing<Vec<u8>>> {
    let data = read_stdin_secret()?;
    let secret = if hex {
        let text =
            std::str::from_utf8(&data).map_err(|_| CliError("--hex input is not text".into()))?;
        keysplit::hazmat::decode_hex(text.trim())
            .map_err(|e| CliError(format!("--hex input: {e}")))?
    } else {
        data
    };
    if secret.is_empty() {
        return Err(CliError(
            "no secret on standard input (pipe the secret in, e.g. `keysplit split -k 2 -n 3 < secret.bin`)".into(),
        ));
    }
    Ok(secret)
}

/// Share lines from stdin: blank lines and lines starting with `#` are skipped.
pub fn read_share_lines() -> CliResult<Vec<Zeroizing<String>>> {
    let data = read_stdin_secret()?;
    let text = std::str::from_utf8(&data)
        .map_err(|_| CliError("shares on standard input are not text".into()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| Zeroizing::new(l.to_string()))
        .collect())
}

/// Writes `bytes` to stdout and flushes, mapping a closed pipe to a clear error.
pub fn write_stdout(bytes: &[u8]) -> CliResult {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| CliError(format!("cannot write to standard output: {e}")))
}

/// A request (a transaction, a payload, a policy) read from stdin: public data, but from
/// outside, so its size is bounded before it is parsed.
pub fn read_stdin_request(what: &str) -> CliResult<Vec<u8>> {
    const LIMIT: u64 = 1 << 20;
    let mut data = Vec::new();
    std::io::stdin()
        .lock()
        .take(LIMIT + 1)
        .read_to_end(&mut data)?;
    if data.len() as u64 > LIMIT {
        return Err(CliError(format!(
            "{what} on standard input is over {LIMIT} bytes"
        )));
    }
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(CliError(format!("no {what} on standard input")));
    }
    Ok(data)
}
