//! `split`, `combine` and `reshare`.

use std::path::PathBuf;

use clap::Args;
use zeroize::Zeroizing;

use crate::io::{read_secret, read_share_lines, write_stdout};
use crate::{CliError, CliResult};

// File mode (--in/--out): src/core_cmd/files.rs.
mod files;

#[derive(Args, Debug)]
pub struct SplitArgs {
    /// Shares needed to rebuild the secret (2..=shares).
    #[arg(short = 'k', long)]
    threshold: usize,
    /// Shares to make (2..=255).
    #[arg(short = 'n', long)]
    shares: usize,
    /// Print Privy/Vault-compatible raw shares (`y || x`, hex) instead of envelopes. With
    /// --in, write them as binary files `<name>.share<i>.raw`. Raw shares have no
    /// threshold, set id or checksum (like gfsplit's): a corrupted, foreign or missing
    /// share gives a wrong secret without an error. Prefer the default envelopes.
    #[arg(long)]
    raw: bool,
    /// The secret on stdin is one hex string rather than raw bytes.
    #[arg(long)]
    hex: bool,
    /// Print envelopes in the `ks1...` text form (bech32m, typo-detecting) instead of hex.
    #[arg(long, conflicts_with = "raw")]
    text: bool,
    /// Split this file instead of stdin, streamed in bounded memory (any size); writes
    /// one binary share file per share into --out-dir (`<name>.share<i>.ks`, envelopes).
    #[arg(long = "in", value_name = "FILE", requires = "out_dir", conflicts_with_all = ["hex", "text"])]
    input: Option<PathBuf>,
    /// Directory for the share files of --in (created if missing; existing files are
    /// never overwritten).
    #[arg(long, value_name = "DIR", requires = "input")]
    out_dir: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CombineArgs {
    /// The shares are Privy/Vault raw shares (hex, `y || x`; with --out, binary files
    /// from `split --raw --in`). Nothing can check them: a wrong share gives a wrong
    /// secret.
    #[arg(long)]
    raw: bool,
    /// Print the secret as hex (with a newline) rather than raw bytes.
    #[arg(long)]
    hex: bool,
    /// Write the secret to this file instead of stdout, streamed in bounded memory from
    /// the SHARE_FILEs; the file appears only once every check has passed.
    #[arg(
        long,
        value_name = "FILE",
        requires = "share_files",
        conflicts_with = "hex"
    )]
    out: Option<PathBuf>,
    /// Binary share files (from `split --in`, or `split --raw --in` with --raw), with
    /// --out.
    #[arg(value_name = "SHARE_FILE", requires = "out")]
    share_files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ReshareArgs {
    /// Shares needed to rebuild the secret from the new set.
    #[arg(short = 'k', long)]
    threshold: usize,
    /// Shares in the new set.
    #[arg(short = 'n', long)]
    shares: usize,
    /// Print the new envelopes in the `ks1...` text form.
    #[arg(long)]
    text: bool,
}

fn print_lines<'a>(lines: impl Iterator<Item = Zeroizing<String>> + 'a) -> CliResult {
    let lines: Vec<Zeroizing<String>> = lines.collect();
    // Reserve everything up front: a growing String would free (unwiped) copies of the
    // share text on every reallocation.
    let total = lines.iter().map(|l| l.len() + 1).sum();
    let mut out = Zeroizing::new(String::with_capacity(total));
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    write_stdout(out.as_bytes())
}

fn print_envelopes(shares: &[keysplit::Share], text: bool) -> CliResult {
    print_lines(
        shares
            .iter()
            .map(|s| if text { s.to_text() } else { s.to_hex() }),
    )
}

pub fn split(args: SplitArgs) -> CliResult {
    // Check the parameters before reading a possibly large secret.
    keysplit::check_parameters(args.threshold, args.shares)?;
    if let (Some(input), Some(out_dir)) = (&args.input, &args.out_dir) {
        return files::split(args.threshold, args.shares, input, out_dir, args.raw);
    }
    let secret = read_secret(args.hex)?;
    let mut rng = keysplit::os_rng()?;
    if args.raw {
        let shares = keysplit::raw::split(&secret, args.threshold, args.shares, &mut rng)?;
        print_lines(shares.iter().map(|s| s.to_hex()))
    } else {
        let shares = keysplit::split(&secret, args.threshold, args.shares, &mut rng)?;
        print_envelopes(&shares, args.text)
    }
}

fn write_secret(secret: &[u8], hex: bool) -> CliResult {
    if hex {
        // Two writes rather than a push: pushing onto the exactly-sized hex string would
        // reallocate and leave an unwiped copy of the secret behind.
        let line = keysplit::hazmat::encode_hex(secret);
        write_stdout(line.as_bytes())?;
        write_stdout(b"\n")
    } else {
        write_stdout(secret)
    }
}

/// Prints one warning line per share that was given but not used.
fn report(recovery: &keysplit::Recovery) {
    for (index, cause) in recovery.rejected() {
        eprintln!(
            "keysplit: warning: share #{} was skipped: {cause}; replace it",
            index + 1
        );
    }
    for index in recovery.inconsistent() {
        eprintln!(
            "keysplit: warning: share #{} does not agree with the others (altered or forged); replace it",
            index + 1
        );
    }
}

pub fn combine(args: CombineArgs) -> CliResult {
    if let Some(out) = &args.out {
        return files::combine(out, &args.share_files, args.raw);
    }
    let lines = read_share_lines()?;
    if lines.is_empty() {
        return Err(CliError(
            "no shares on standard input (one share per line)".into(),
        ));
    }
    if args.raw {
        let mut shares = Vec::with_capacity(lines.len());
        for (index, line) in lines.iter().enumerate() {
            let bytes = keysplit::hazmat::decode_hex(line)
                .map_err(|cause| keysplit::Error::BadShare { index, cause })?;
            shares.push(bytes);
        }
        let secret = keysplit::raw::combine(&shares)?;
        write_secret(&secret, args.hex)
    } else {
        let recovery = keysplit::combine_text(&lines)?;
        report(&recovery);
        write_secret(recovery.secret(), args.hex)
    }
}

pub fn reshare(args: ReshareArgs) -> CliResult {
    let lines = read_share_lines()?;
    let recovery = keysplit::combine_text(&lines)?;
    report(&recovery);
    let mut rng = keysplit::os_rng()?;
    let shares = keysplit::split(recovery.secret(), args.threshold, args.shares, &mut rng)?;
    print_envelopes(&shares, args.text)
}
