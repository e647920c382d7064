//! `keysplit serve`: the share custody service (crates/keysplit-server). This file only
//! parses arguments; everything else is the library's.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::{CliError, CliResult};

/// `keysplit serve [--listen ADDR] [--db URL] [--config FILE]`, or a dev-issuer helper.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServeArgs {
    #[command(subcommand)]
    command: Option<ServeCommand>,
    /// Address to listen on [default: 127.0.0.1:8787]
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Database URL: sqlite://FILE or postgres://... [default: sqlite://keysplit-server.sqlite3]
    #[arg(long, value_name = "URL")]
    db: Option<String>,
    /// TOML configuration file (issuers, master key file, CORS origins, limits)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum ServeCommand {
    /// DEVELOPMENT ONLY: write a token issuer key, jwks.json and config.toml into DIR.
    DevInit {
        /// Folder to write into (created if missing; existing files are not overwritten).
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Signature algorithm of the dev issuer.
        #[arg(long, value_enum, default_value_t = Alg::Eddsa)]
        alg: Alg,
        /// A wallet origin allowed by CORS, e.g. http://127.0.0.1:4710 (repeatable;
        /// written as `allowed_origins` into config.toml).
        #[arg(long = "allowed-origin", value_name = "URL")]
        allowed_origins: Vec<String>,
    },
    /// DEVELOPMENT ONLY: print an access token of DIR's dev issuer for a user.
    DevToken {
        /// The folder `dev-init` wrote.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The user (`sub` claim).
        #[arg(long)]
        sub: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: i64,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Alg {
    /// Ed25519.
    Eddsa,
    /// ECDSA P-256.
    Es256,
}

fn error(e: impl std::fmt::Display) -> CliError {
    CliError(e.to_string())
}

/// Runs `keysplit serve`.
pub fn run(args: ServeArgs) -> CliResult {
    match args.command {
        None => keysplit_server::run(&keysplit_server::ServeOptions {
            listen: args.listen,
            db: args.db,
            config: args.config,
        })
        .map_err(error),
        Some(ServeCommand::DevInit {
            dir,
            alg,
            allowed_origins,
        }) => {
            let alg = match alg {
                Alg::Eddsa => keysplit_server::DevAlg::EdDSA,
                Alg::Es256 => keysplit_server::DevAlg::ES256,
            };
            let issuer = keysplit_server::DevIssuer::generate(alg).map_err(error)?;
            issuer.save_with(&dir, &allowed_origins).map_err(error)?;
            eprintln!(
                "wrote {0}/config.toml, jwks.json and dev-issuer.pem (DEVELOPMENT ONLY); \
                 start with: keysplit serve --config {0}/config.toml",
                dir.display()
            );
            Ok(())
        }
        Some(ServeCommand::DevToken { dir, sub, ttl }) => {
            let issuer = keysplit_server::DevIssuer::load(&dir).map_err(error)?;
            let token = issuer.mint(&sub, ttl).map_err(error)?;
            use std::io::Write;
            writeln!(std::io::stdout(), "{token}")?;
            Ok(())
        }
    }
}
