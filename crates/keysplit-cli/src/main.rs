//! `keysplit`: split a secret into Shamir shares and put it back together.
//!
//! Secrets never come from the command line (other users can read argv): they are read
//! from standard input or a file. Every failure exits 1 with one line on stderr.

#![forbid(unsafe_code)]

mod authz_cmd;
mod core_cmd;
mod demo;
mod io;
mod serve_cmd;
mod slip39_cmd;
mod wallet;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Constant-time Shamir secret sharing with authenticated shares.
#[derive(Parser, Debug)]
#[command(name = "keysplit", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Split a secret read from stdin into shares, printed one per line.
    Split(core_cmd::SplitArgs),
    /// Rebuild a secret from shares read from stdin, one per line.
    Combine(core_cmd::CombineArgs),
    /// Rebuild a secret from envelope shares on stdin and print a fresh, unrelated set.
    Reshare(core_cmd::ReshareArgs),
    /// Run keysplit's main job end to end on built-in defaults.
    Demo,
    /// SLIP-0039 mnemonic shares (Trezor's Shamir backup), for paper backups.
    #[command(subcommand)]
    Slip39(slip39_cmd::Slip39Command),
    /// An embedded wallet held as device/auth/recovery 2-of-3 shares in a directory.
    #[command(subcommand)]
    Wallet(wallet::WalletCommand),
    /// P-256 authorization keys and key quorums (Privy-compatible request signing).
    #[command(subcommand)]
    Authz(authz_cmd::AuthzCommand),
    /// Run the share custody server (keysplit-server) for embedded wallets.
    Serve(serve_cmd::ServeArgs),
}

/// An error for the user: one line, exit status 1.
#[derive(Debug)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<keysplit::Error> for CliError {
    fn from(e: keysplit::Error) -> Self {
        CliError(e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError(format!("I/O error: {e}"))
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                // `print!` panics when stdout is closed (`keysplit --help | grep -q`).
                use std::io::Write;
                let _ = write!(std::io::stdout(), "{e}");
                return ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                eprint!("{e}");
                return ExitCode::from(1);
            }
            // clap's message is several lines (usage, tip); the first says what is wrong.
            let rendered = e.to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            eprintln!("keysplit: {}", first.trim_start_matches("error: "));
            return ExitCode::from(1);
        }
    };
    let result = match cli.command {
        Command::Split(args) => core_cmd::split(args),
        Command::Combine(args) => core_cmd::combine(args),
        Command::Reshare(args) => core_cmd::reshare(args),
        Command::Demo => demo::run(),
        Command::Slip39(command) => slip39_cmd::run(command),
        Command::Wallet(command) => wallet::run(command),
        Command::Authz(command) => authz_cmd::run(command),
        Command::Serve(args) => serve_cmd::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keysplit: error: {e}");
            ExitCode::from(1)
        }
    }
}
