//! `keysplit slip39 split | combine`: SLIP-0039 mnemonic shares (Trezor's Shamir backup).
//! The rules live in keysplit-slip39; this parses arguments and prints.

use clap::{Args, Subcommand};
use zeroize::Zeroizing;

use crate::io::{read_secret, read_share_lines, write_stdout};
use crate::{CliError, CliResult};

/// Where the passphrase comes from (never argv: other users can read it).
pub const PASSPHRASE_ENV: &str = "KEYSPLIT_SLIP39_PASSPHRASE";

#[derive(Subcommand, Debug)]
pub enum Slip39Command {
    /// Split a master secret (hex on stdin, 16 to 32 bytes) into SLIP-39 mnemonics, one per
    /// line, groups separated by a blank line. Passphrase: $KEYSPLIT_SLIP39_PASSPHRASE.
    Split(SplitArgs),
    /// Rebuild the master secret (printed as hex) from SLIP-39 mnemonics on stdin, one per
    /// line. Passphrase: $KEYSPLIT_SLIP39_PASSPHRASE.
    Combine,
}

#[derive(Args, Debug)]
pub struct SplitArgs {
    /// Groups needed to rebuild the secret.
    #[arg(long, value_name = "G")]
    group_threshold: u8,
    /// One group: T of its N shares are needed (1 <= T <= N <= 16; T = 1 only as 1/1).
    /// Repeat for each group.
    #[arg(long = "group", value_name = "T/N", required = true, value_parser = parse_group)]
    groups: Vec<(u8, u8)>,
    /// Passphrase encryption cost: 10000 << E PBKDF2 iterations (0..=15).
    #[arg(long, value_name = "E", default_value_t = 1)]
    iteration_exponent: u8,
    /// Make a non-extendable backup (the passphrase salt then depends on the identifier).
    #[arg(long)]
    no_extendable: bool,
}

fn parse_group(text: &str) -> Result<(u8, u8), String> {
    let bad = || format!("{text:?} is not T/N (e.g. 2/3)");
    let (t, n) = text.split_once('/').ok_or_else(bad)?;
    let t = t.trim().parse::<u8>().map_err(|_| bad())?;
    let n = n.trim().parse::<u8>().map_err(|_| bad())?;
    Ok((t, n))
}

impl From<keysplit_slip39::Error> for CliError {
    fn from(e: keysplit_slip39::Error) -> Self {
        CliError(e.to_string())
    }
}

/// The passphrase from the environment, empty when unset.
pub fn passphrase() -> CliResult<Zeroizing<String>> {
    match std::env::var_os(PASSPHRASE_ENV) {
        None => Ok(Zeroizing::new(String::new())),
        Some(value) => value
            .into_string()
            .map(Zeroizing::new)
            .map_err(|_| CliError(format!("{PASSPHRASE_ENV} is not valid UTF-8"))),
    }
}

pub fn run(command: Slip39Command) -> CliResult {
    match command {
        Slip39Command::Split(args) => split(args),
        Slip39Command::Combine => combine(),
    }
}

fn split(args: SplitArgs) -> CliResult {
    let secret = read_secret(true)?;
    let passphrase = passphrase()?;
    let options = keysplit_slip39::SplitOptions {
        iteration_exponent: args.iteration_exponent,
        extendable: !args.no_extendable,
    };
    let groups = keysplit_slip39::split_with_os_rng(
        &secret,
        passphrase.as_bytes(),
        args.group_threshold,
        &args.groups,
        options,
    )?;
    print_groups(&groups)
}

fn combine() -> CliResult {
    let secret = read_master_secret()?;
    let mut hex = keysplit::hazmat::encode_hex(&secret);
    hex.push('\n');
    write_stdout(hex.as_bytes())
}

/// `wallet export --slip39 ...`: the shares to write down for a SLIP-39 wallet.
#[derive(Args, Debug, Default)]
pub struct WalletExportArgs {
    /// Print the wallet as SLIP-39 shares (a SLIP-39 wallet only), with the passphrase
    /// from $KEYSPLIT_SLIP39_PASSPHRASE; needs --group-threshold and --group.
    #[arg(long)]
    pub slip39: bool,
    /// With --slip39: groups needed.
    #[arg(long, value_name = "G", requires = "slip39")]
    group_threshold: Option<u8>,
    /// With --slip39: one group, T of N shares needed; repeat for each group.
    #[arg(long = "group", value_name = "T/N", value_parser = parse_group, requires = "slip39")]
    groups: Vec<(u8, u8)>,
    /// With --slip39: passphrase encryption cost, 10000 << E PBKDF2 iterations.
    #[arg(long, value_name = "E", default_value_t = 1, requires = "slip39")]
    iteration_exponent: u8,
    /// With --slip39: a non-extendable backup.
    #[arg(long, requires = "slip39")]
    no_extendable: bool,
}

/// SLIP-39 mnemonics on stdin (one per line, blank lines ignored) -> the master secret,
/// decrypted with the passphrase from the environment.
pub fn read_master_secret() -> CliResult<Zeroizing<Vec<u8>>> {
    let lines = read_share_lines()?;
    let passphrase = passphrase()?;
    let lines: Vec<&str> = lines.iter().map(|l| l.as_str()).collect();
    Ok(keysplit_slip39::combine_mnemonics(
        &lines,
        passphrase.as_bytes(),
    )?)
}

/// Prints an opened wallet as SLIP-39 shares (refusing a BIP-39 wallet, and `export`
/// without --slip39 of a SLIP-39 wallet, whose BIP-39 words would restore another wallet).
pub fn wallet_export(wallet: keysplit_wallet::Wallet, args: &WalletExportArgs) -> CliResult {
    if !wallet.is_slip39() {
        return Err(CliError(
            "this is a BIP-39 wallet: SLIP-39 shares of it would restore other addresses; export it without --slip39".into(),
        ));
    }
    if !args.slip39 {
        return Err(CliError(
            "this is a SLIP-39 wallet: its BIP-39 words would restore another wallet; export it with --slip39 --group-threshold G --group T/N".into(),
        ));
    }
    let group_threshold = args.group_threshold.ok_or_else(|| {
        CliError("--slip39 needs --group-threshold G and at least one --group T/N".into())
    })?;
    let passphrase = passphrase()?;
    let options = keysplit_slip39::SplitOptions {
        iteration_exponent: args.iteration_exponent,
        extendable: !args.no_extendable,
    };
    let groups = keysplit_slip39::split_with_os_rng(
        wallet.entropy().as_bytes(),
        passphrase.as_bytes(),
        group_threshold,
        &args.groups,
        options,
    )?;
    drop(wallet);
    eprintln!(
        "keysplit: WARNING: the shares below are the whole wallet; anyone with enough of them can take the funds. \
         Write them down offline and clear your terminal."
    );
    print_groups(&groups)
}

/// One mnemonic per line, groups separated by one blank line.
fn print_groups(groups: &[Vec<keysplit_slip39::Share>]) -> CliResult {
    let mut out = Zeroizing::new(String::new());
    for (i, group) in groups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for share in group {
            out.push_str(&share.to_mnemonic());
            out.push('\n');
        }
    }
    write_stdout(out.as_bytes())
}
