//! `keysplit wallet ...`: an embedded wallet kept as three sealed 2-of-3 shares in a
//! directory (see `wallet/store.rs` for the files and the crash-safe write order).
//!
//! The device and auth keys are files in the directory (standing in for the device's
//! storage and the app's backend), so the only secret a user supplies is the recovery
//! password: from the environment variable named by `--password-env`
//! (`KEYSPLIT_RECOVERY_PASSWORD` by default), `--password-file`, or `--password-stdin`.
//! Never from the command line.

mod demo;
mod password;
mod sign_tx;
mod sign_typed;
mod store;

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use keysplit_wallet::{
    Protection, Protections, Role, SealedShare, ShareInput, ShareKey, ShareSet, Strength, Unlock,
    Wallet, WalletInfo,
};
use zeroize::Zeroizing;

use crate::io::write_stdout;
use crate::{CliError, CliResult};
pub use demo::demo;
use password::{read_password, PasswordSource};
use store::Store;

#[derive(Subcommand, Debug)]
pub enum WalletCommand {
    /// Create a wallet: fresh 128-bit entropy, split 2-of-3 and sealed into DIR; prints
    /// the Ethereum address.
    Create(CreateArgs),
    /// Import a BIP-39 mnemonic read from stdin into a new wallet in DIR.
    Import(ImportArgs),
    /// Print an address, derived from two shares (device + auth unless --using says
    /// otherwise) and checked against the metadata: never the metadata's word alone.
    Address(AddressArgs),
    /// Sign a message with two shares: EIP-191 personal_sign (Ethereum) or ed25519 (Solana).
    SignMessage(SignArgs),
    /// Sign EIP-712 typed data (eth_signTypedData_v4 JSON on stdin) with two shares;
    /// prints the 65-byte signature as 0x hex.
    SignTypedData(sign_typed::SignTypedDataArgs),
    /// Sign one transaction read from stdin with two shares: Ethereum (JSON in, signed
    /// serialized transaction as 0x hex out) or Solana (base64 message in, base64
    /// signature out), optionally checked against a policy first.
    SignTransaction(sign_tx::SignTransactionArgs),
    /// Recover on a new device: auth + recovery shares -> a fresh set of three (new device
    /// key), epoch + 1; the old shares stop working.
    Recover(ReshareArgs),
    /// Rotate: any two shares -> a fresh set of three, epoch + 1; the old shares stop working.
    Rotate(ReshareArgs),
    /// Print the mnemonic (stdout) after opening the wallet with two shares.
    Export(ExportArgs),
    /// Show the wallet's public metadata and which share files are present; the
    /// addresses are marked unverified unless --using opens the wallet to check them.
    Status(StatusArgs),
}

#[derive(Args, Debug)]
pub struct DirArgs {
    /// The wallet directory.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
}

/// Where the recovery password comes from (never the command line).
#[derive(Args, Debug)]
pub struct PasswordArgs {
    /// Environment variable holding the recovery password.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "KEYSPLIT_RECOVERY_PASSWORD"
    )]
    password_env: String,
    /// Read the recovery password from this file (one trailing newline is ignored).
    #[arg(long, value_name = "FILE", conflicts_with = "password_stdin")]
    password_file: Option<PathBuf>,
    /// Read the recovery password from the first line of stdin.
    #[arg(long)]
    password_stdin: bool,
}

/// Argon2id costs for sealing a new recovery share: these flags, else 19 MiB, 2 passes,
/// 1 lane (OWASP's minimum, which is also the floor). Never taken from an existing share:
/// its header is unauthenticated until that share is opened, so copying it would let
/// whoever can write `recovery.share` choose the cost of the next one.
#[derive(Args, Debug, Default)]
pub struct KdfArgs {
    /// Argon2id memory in KiB.
    #[arg(long, value_name = "KIB")]
    argon2_memory_kib: Option<u32>,
    /// Argon2id passes.
    #[arg(long, value_name = "N")]
    argon2_iterations: Option<u32>,
    /// Argon2id lanes.
    #[arg(long, value_name = "N")]
    argon2_parallelism: Option<u32>,
    /// Tests only: allow Argon2id costs below the floor (19 MiB, 2 passes). A recovery
    /// share sealed this way falls to offline password guessing far sooner.
    #[arg(long)]
    insecure_fast_kdf: bool,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// Entropy bits: 128 (12 words) or 256 (24 words).
    #[arg(long, value_enum, default_value = "128")]
    bits: Bits,
    #[command(flatten)]
    password: PasswordArgs,
    #[command(flatten)]
    kdf: KdfArgs,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// Environment variable holding the recovery password.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "KEYSPLIT_RECOVERY_PASSWORD"
    )]
    password_env: String,
    /// Read the recovery password from this file (stdin carries the mnemonic).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    #[command(flatten)]
    kdf: KdfArgs,
    /// Stdin carries SLIP-39 shares (one per line) instead of a BIP-39 mnemonic; their
    /// passphrase comes from $KEYSPLIT_SLIP39_PASSPHRASE. The wallet's BIP-32 seed is the
    /// master secret, as on a Trezor restored from the same shares.
    #[arg(long)]
    slip39: bool,
}

/// The two shares to open the wallet with.
#[derive(Args, Debug)]
pub struct UsingArgs {
    /// Two share roles, e.g. `device,auth`, `auth,recovery` or `device,recovery`.
    #[arg(long, value_name = "A,B", value_parser = parse_pair)]
    using: RolePair,
}

/// A wallet directory, the two shares that open it and where the recovery password
/// comes from (read only if one of them is the recovery share).
#[derive(Args, Debug)]
pub struct OpenArgs {
    #[command(flatten)]
    dir: DirArgs,
    #[command(flatten)]
    using: UsingArgs,
    #[command(flatten)]
    password: PasswordArgs,
}

impl OpenArgs {
    /// Opens the wallet of `--dir` with the two shares of `--using`.
    fn open(&self) -> CliResult<Wallet> {
        let password = PasswordSource::Args(&self.password);
        open_dir(&self.dir.dir, self.using.using, password).map(|(wallet, _)| wallet)
    }
}

/// Two roles from `--using A,B`.
#[derive(Clone, Copy, Debug)]
pub struct RolePair(Role, Role);

fn parse_pair(text: &str) -> Result<RolePair, String> {
    let usage = "expected two of device, auth, recovery separated by a comma, e.g. device,auth";
    let mut parts = text.split(',');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), None) => {
            let a: Role = a
                .parse()
                .map_err(|_| format!("unknown role {a:?}; {usage}"))?;
            let b: Role = b
                .parse()
                .map_err(|_| format!("unknown role {b:?}; {usage}"))?;
            Ok(RolePair(a, b))
        }
        _ => Err(usage.into()),
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Bits {
    #[value(name = "128")]
    B128,
    #[value(name = "256")]
    B256,
}

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum Chain {
    #[default]
    Ethereum,
    Solana,
}

#[derive(Args, Debug)]
pub struct AddressArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// Which chain's address.
    #[arg(long, value_enum, default_value_t = Chain::Ethereum)]
    chain: Chain,
    /// Account index (m/44'/60'/0'/0/I or m/44'/501'/I'/0').
    #[arg(long, default_value_t = 0)]
    index: u32,
    /// The two shares to derive the address with (default: device,auth, whose keys are
    /// in DIR, so no password is needed).
    #[arg(long, value_name = "A,B", value_parser = parse_pair)]
    using: Option<RolePair>,
    #[command(flatten)]
    password: PasswordArgs,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// Open the wallet with these two shares and check the metadata's addresses against
    /// them (without it, the addresses shown are wallet.json's unverified claim).
    #[arg(long, value_name = "A,B", value_parser = parse_pair)]
    using: Option<RolePair>,
    #[command(flatten)]
    password: PasswordArgs,
}

#[derive(Args, Debug)]
pub struct SignArgs {
    #[command(flatten)]
    open: OpenArgs,
    /// The message (UTF-8 text; it is not secret).
    #[arg(long, value_name = "TEXT", required_unless_present = "message_hex")]
    message: Option<String>,
    /// The message as bytes in hex (`0x` optional), as dapps pass to personal_sign.
    #[arg(long, value_name = "HEX", conflicts_with = "message")]
    message_hex: Option<String>,
    /// Sign with this chain's key: Ethereum (EIP-191, 0x + 65 bytes hex) or Solana
    /// (ed25519, base58).
    #[arg(long, value_enum, default_value_t = Chain::Ethereum)]
    chain: Chain,
    /// Account index.
    #[arg(long, default_value_t = 0)]
    index: u32,
}

/// A new recovery password for the new recovery share (default: keep the current one).
#[derive(Args, Debug)]
pub struct NewPasswordArgs {
    /// Seal the new recovery share with the password in this environment variable.
    #[arg(long, value_name = "NAME")]
    new_password_env: Option<String>,
    /// Seal the new recovery share with the password in this file.
    #[arg(long, value_name = "FILE", conflicts_with = "new_password_env")]
    new_password_file: Option<PathBuf>,
}

/// The arguments of `recover` and `rotate`: both open with two shares and seal a fresh set.
#[derive(Args, Debug)]
pub struct ReshareArgs {
    #[command(flatten)]
    open: OpenArgs,
    #[command(flatten)]
    new_password: NewPasswordArgs,
    #[command(flatten)]
    kdf: KdfArgs,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    open: OpenArgs,
    #[command(flatten)]
    slip39: crate::slip39_cmd::WalletExportArgs,
}

pub fn run(command: WalletCommand) -> CliResult {
    match command {
        WalletCommand::Create(args) => create(args),
        WalletCommand::Import(args) => import(args),
        WalletCommand::Address(args) => address(args),
        WalletCommand::SignMessage(args) => sign_message(args),
        WalletCommand::SignTypedData(args) => sign_typed::sign_typed_data(args),
        WalletCommand::SignTransaction(args) => sign_tx::sign_transaction(args),
        WalletCommand::Recover(args) => reshare_command(args, true),
        WalletCommand::Rotate(args) => reshare_command(args, false),
        WalletCommand::Export(args) => export(args),
        WalletCommand::Status(args) => status(args),
    }
}

/// A library error, prefixed with what the CLI was doing.
fn wallet_error(e: keysplit_wallet::Error) -> CliError {
    CliError(format!("{e} [{}]", e.code()))
}

/// The shares and keys to open a wallet with, read from the store.
struct Opening {
    roles: [Role; 2],
    shares: [SealedShare; 2],
    keys: [Option<ShareKey>; 2],
}

fn load_opening(
    store: &Store,
    info: &WalletInfo,
    (a, b): (Role, Role),
    password_needed: &mut bool,
) -> CliResult<Opening> {
    if a == b {
        return Err(wallet_error(keysplit_wallet::Error::DuplicateRole {
            role: a,
        }));
    }
    let mut load = |role: Role| -> CliResult<(SealedShare, Option<ShareKey>)> {
        let share = store.share(info, role)?;
        if role == Role::Recovery {
            *password_needed = true;
            Ok((share, None))
        } else {
            let key = store.key_for(role, &share)?;
            Ok((share, Some(key)))
        }
    };
    let (share_a, key_a) = load(a)?;
    let (share_b, key_b) = load(b)?;
    Ok(Opening {
        roles: [a, b],
        shares: [share_a, share_b],
        keys: [key_a, key_b],
    })
}

impl Opening {
    /// The two shares as the library takes them: a key or, for the recovery share, the
    /// password.
    fn inputs<'a>(&'a self, password: &'a [u8]) -> [ShareInput<'a>; 2] {
        let input = |i: usize| {
            let unlock = match &self.keys[i] {
                Some(key) => Unlock::Key(key),
                None => Unlock::Password(password),
            };
            ShareInput::new(self.roles[i], &self.shares[i], unlock)
        };
        [input(0), input(1)]
    }
}

fn open_with(info: &WalletInfo, opening: &Opening, password: &[u8]) -> CliResult<Wallet> {
    let [first, second] = opening.inputs(password);
    keysplit_wallet::open(info, first, second).map_err(wallet_error)
}

/// Opens the wallet in `dir` with the two shares of `using`.
fn open_dir(
    dir: &std::path::Path,
    using: RolePair,
    password: PasswordSource<'_>,
) -> CliResult<(Wallet, WalletInfo)> {
    let store = Store::new(dir.to_path_buf());
    let _lock = store.lock(false)?;
    let info = store.metadata()?;
    let mut needs_password = false;
    let opening = load_opening(&store, &info, (using.0, using.1), &mut needs_password)?;
    let password = if needs_password {
        password.read()?
    } else {
        Zeroizing::new(Vec::new())
    };
    let wallet = open_with(&info, &opening, &password)?;
    Ok((wallet, info))
}

fn print_line(text: &str) -> CliResult {
    write_stdout(format!("{text}\n").as_bytes())
}

fn new_wallet(
    dir: PathBuf,
    kdf: &KdfArgs,
    password: &[u8],
    make: impl FnOnce(
        &Protections<'_>,
        &mut keysplit::DefaultRng,
    ) -> Result<ShareSet, keysplit_wallet::Error>,
) -> CliResult<ShareSet> {
    let mut store = Store::new(dir);
    store.create_dir()?;
    let _lock = store.lock(true)?;
    // Another create may have finished between the check above and the lock.
    store.create_dir()?;
    let recovery = kdf.protection(password)?;
    let mut rng = keysplit::os_rng()?;
    let device_key = ShareKey::generate(&mut rng);
    let auth_key = ShareKey::generate(&mut rng);
    let protect = Protections {
        device: Protection::Key(&device_key),
        auth: Protection::Key(&auth_key),
        recovery,
    };
    let set = make(&protect, &mut rng).map_err(wallet_error)?;
    store.write_new(&set, &device_key, &auth_key)?;
    Ok(set)
}

fn report_new(dir: &std::path::Path, set: &ShareSet) -> CliResult {
    eprintln!(
        "keysplit: wallet {} created in {} (epoch 0): device.share, auth.share, recovery.share",
        set.info.wallet_id,
        dir.display()
    );
    print_line(&set.info.ethereum_address.to_checksum())
}

fn create(args: CreateArgs) -> CliResult {
    let password = args.password.read()?;
    let strength = match args.bits {
        Bits::B128 => Strength::Bits128,
        Bits::B256 => Strength::Bits256,
    };
    let set = new_wallet(
        args.dir.dir.clone(),
        &args.kdf,
        &password,
        |protect, rng| keysplit_wallet::create(strength, protect, rng),
    )?;
    report_new(&args.dir.dir, &set)
}

fn import(args: ImportArgs) -> CliResult {
    let password = read_password(&args.password_env, args.password_file.as_ref(), false)?;
    if args.slip39 {
        let master = crate::slip39_cmd::read_master_secret()?;
        let set = new_wallet(
            args.dir.dir.clone(),
            &args.kdf,
            &password,
            |protect, rng| keysplit_wallet::import_slip39(&master, protect, rng),
        )?;
        return report_new(&args.dir.dir, &set);
    }
    let input = crate::io::read_stdin_secret()?;
    let phrase = std::str::from_utf8(&input)
        .map_err(|_| CliError("the mnemonic on stdin is not UTF-8 text".into()))?;
    if phrase.trim().is_empty() {
        return Err(CliError(
            "no mnemonic on stdin (pipe the words in, e.g. `keysplit wallet import --dir DIR < words.txt`)".into(),
        ));
    }
    let set = new_wallet(
        args.dir.dir.clone(),
        &args.kdf,
        &password,
        |protect, rng| keysplit_wallet::import(phrase, protect, rng),
    )?;
    report_new(&args.dir.dir, &set)
}

/// The shares that open a wallet without asking for anything: both keys are in DIR.
const KEYS_IN_DIR: RolePair = RolePair(Role::Device, Role::Auth);

/// `wallet.json` is writable by whoever can write DIR, so it cannot vouch for itself: the
/// address printed is derived from two shares, and opening refuses (`ADDRESS_MISMATCH`)
/// when the metadata names another one.
fn address(args: AddressArgs) -> CliResult {
    let using = args.using.unwrap_or(KEYS_IN_DIR);
    let (wallet, _) = open_dir(&args.dir.dir, using, PasswordSource::Args(&args.password))?;
    let text = match args.chain {
        Chain::Ethereum => wallet.ethereum_address(args.index).map(|a| a.to_checksum()),
        Chain::Solana => wallet.solana_address(args.index).map(|a| a.to_base58()),
    }
    .map_err(wallet_error)?;
    drop(wallet);
    print_line(&text)
}

/// Opens the wallet, signs `message`, and returns the signature's text form.
fn sign_text(
    dir: &std::path::Path,
    using: RolePair,
    password: PasswordSource<'_>,
    chain: Chain,
    index: u32,
    message: &[u8],
) -> CliResult<String> {
    let (wallet, _) = open_dir(dir, using, password)?;
    match chain {
        Chain::Ethereum => wallet
            .sign_personal_message(index, message)
            .map(|sig| format!("0x{}", keysplit::hazmat::encode_hex(&sig).as_str())),
        Chain::Solana => wallet
            .sign_solana_message(index, message)
            .map(|sig| bs58::encode(sig).into_string()),
    }
    .map_err(wallet_error)
}

fn sign_message(args: SignArgs) -> CliResult {
    let message = match (&args.message, &args.message_hex) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (None, Some(hex)) => {
            let digits = hex.trim();
            let digits = digits.strip_prefix("0x").unwrap_or(digits);
            keysplit::hazmat::decode_hex(digits)
                .map(|bytes| bytes.to_vec())
                .map_err(|_| CliError("--message-hex is not hex".into()))?
        }
        (None, None) => return Err(CliError("give --message TEXT or --message-hex HEX".into())),
    };
    let text = sign_text(
        &args.open.dir.dir,
        args.open.using.using,
        PasswordSource::Args(&args.open.password),
        args.chain,
        args.index,
        &message,
    )?;
    print_line(&text)
}

/// rotate and recover: open with two shares, seal a fresh set at epoch + 1, replace the
/// files crash-safely.
fn reshare(
    dir: PathBuf,
    using: RolePair,
    password_source: PasswordSource<'_>,
    new_password: Option<Zeroizing<Vec<u8>>>,
    kdf: &KdfArgs,
    recovery: bool,
) -> CliResult<(ShareSet, u32)> {
    let mut store = Store::new(dir);
    let _lock = store.lock(true)?;
    let info = store.metadata()?;
    store.settle(&info)?;
    let roles = (using.0, using.1);
    if recovery {
        // Before loading shares or asking for the password.
        keysplit_wallet::check_recovery_roles(roles.0, roles.1).map_err(wallet_error)?;
    }
    let mut needs_password = true; // the new recovery share is sealed with it
    let opening = load_opening(&store, &info, roles, &mut needs_password)?;
    let password = password_source.read()?;
    let new_recovery = kdf.protection(new_password.as_deref().unwrap_or(&password))?;
    let mut rng = keysplit::os_rng()?;
    let auth_key = match store.current_key(Role::Auth)? {
        Some(key) => key,
        None => {
            return Err(CliError(
                "the auth key is missing (auth.key not found)".into(),
            ))
        }
    };
    let (device_key, new_device_key) = if recovery {
        (ShareKey::generate(&mut rng), true)
    } else {
        match store.current_key(Role::Device)? {
            Some(key) => (key, false),
            None => (ShareKey::generate(&mut rng), true),
        }
    };
    let protect = Protections {
        device: Protection::Key(&device_key),
        auth: Protection::Key(&auth_key),
        recovery: new_recovery,
    };
    let [first, second] = opening.inputs(&password);
    let set = if recovery {
        keysplit_wallet::recover(&info, first, second, &protect, &mut rng)
    } else {
        keysplit_wallet::rotate(&info, first, second, &protect, &mut rng)
    }
    .map_err(wallet_error)?;
    store.replace(&set, new_device_key.then_some(&device_key))?;
    Ok((set, info.epoch))
}

fn report_reshare(what: &str, (set, old_epoch): (ShareSet, u32)) -> CliResult {
    eprintln!(
        "keysplit: {what} wallet {}: new device, auth and recovery shares at epoch {}; the epoch-{old_epoch} shares no longer open it",
        set.info.wallet_id,
        set.info.epoch,
    );
    print_line(&set.info.ethereum_address.to_checksum())
}

/// `recover` (`recovery` true) or `rotate`.
fn reshare_command(args: ReshareArgs, recovery: bool) -> CliResult {
    let open = &args.open;
    let done = reshare(
        open.dir.dir.clone(),
        open.using.using,
        PasswordSource::Args(&open.password),
        args.new_password.read()?,
        &args.kdf,
        recovery,
    )?;
    report_reshare(if recovery { "recovered" } else { "rotated" }, done)
}

fn export(args: ExportArgs) -> CliResult {
    let wallet = args.open.open()?;
    if args.slip39.slip39 || wallet.is_slip39() {
        return crate::slip39_cmd::wallet_export(wallet, &args.slip39);
    }
    let mut mnemonic = wallet.mnemonic();
    drop(wallet);
    eprintln!(
        "keysplit: WARNING: the mnemonic below is the whole wallet; anyone who sees it can take the funds. \
         Write it down offline and clear your terminal."
    );
    mnemonic.push('\n');
    write_stdout(mnemonic.as_bytes())
}

fn status(args: StatusArgs) -> CliResult {
    let dir = args.dir.dir;
    // Opening checks the metadata's addresses against the shares (or fails saying why).
    let checked = match args.using {
        Some(using) => {
            drop(open_dir(&dir, using, PasswordSource::Args(&args.password))?);
            Some(using)
        }
        None => None,
    };
    let store = Store::new(dir);
    let _lock = store.lock(false)?;
    let info = store.metadata()?;
    let verified = match checked {
        Some(RolePair(a, b)) => format!("verified: the {a} and {b} shares rebuild these addresses"),
        None => {
            "UNVERIFIED: read from wallet.json; add --using A,B to check them against the shares"
                .to_string()
        }
    };
    let mut out = format!(
        "wallet    {}\nepoch     {}\nethereum  {}\nsolana    {}\naddresses {verified}\n",
        info.wallet_id,
        info.epoch,
        info.ethereum_address.to_checksum(),
        info.solana_address.to_base58()
    );
    for role in Role::ALL {
        let state = match store.share(&info, role) {
            Ok(share) if share.epoch() == info.epoch => "present".to_string(),
            Ok(share) => format!("stale (epoch {})", share.epoch()),
            Err(_) => "missing".to_string(),
        };
        out.push_str(&format!("{:<9} {state}\n", role.as_str()));
    }
    write_stdout(out.as_bytes())
}
