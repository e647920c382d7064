//! A wallet directory: public metadata, three sealed shares, and the two keys that seal
//! the device and auth shares (standing in for the device's storage and the app's
//! backend).
//!
//! ```text
//! DIR/wallet.json       public metadata (wallet id, epoch, share set id, addresses)
//! DIR/device.share      sealed shares, hex (keysplit-wallet's SealedShare)
//! DIR/auth.share
//! DIR/recovery.share
//! DIR/device.key        32-byte keys, hex, mode 0600
//! DIR/auth.key
//! DIR/wallet.lock       empty; locked while a command uses DIR (see below)
//! ```
//!
//! # Crash safety
//! Every file is written atomically: a temporary file in DIR, fsync, rename over the
//! target, fsync of DIR. A new share set (rotate, recover) is written in three phases:
//!
//! 1. **stage**: `device.key.next` (recover only), `{device,auth,recovery}.share.next`
//!    and `wallet.json.next` are written. `wallet.json` still names the old epoch and the
//!    old shares are untouched, so the old set opens as before.
//! 2. **commit**: `wallet.json.next` is renamed over `wallet.json`. One rename, atomic:
//!    from here on the new epoch is current and its three shares exist as `.next` files.
//! 3. **install**: each `.next` file is renamed over its plain name.
//!
//! Opening looks, for each role, at both `X.share` and `X.share.next` and takes the one
//! whose epoch is the metadata's (and tries `X.key`, then `X.key.next`). So after a crash
//! at any point, two shares of the current epoch exist and open the wallet; the next
//! rotate or recover first finishes (or discards) what an interrupted one left behind.
//! `tests/wallet_cli.rs` crashes the CLI after every single write and checks this.
//!
//! # One writer at a time
//! `DIR/wallet.lock` is locked (`flock`-style, released by the OS however the process
//! ends) for the whole command: exclusively by the commands that change the wallet
//! (create, import, rotate, recover), shared by those that only read it. Two rotates
//! running at once would otherwise both reshare epoch N and interleave their staged files
//! and renames (in `tests/wallet_cli.rs`, without the lock, one of them fails renaming a
//! `.next` file the other has already moved). A command that finds the lock taken stops
//! at once with a message rather than waiting.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use keysplit_wallet::{Role, SealedShare, ShareKey, ShareSet, Unlock, WalletInfo, WalletInfoText};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{CliError, CliResult};

const FORMAT: &str = "keysplit-wallet/1";
const METADATA: &str = "wallet.json";
const NEXT: &str = ".next";
const LOCK: &str = "wallet.lock";
/// Largest file a wallet directory holds: a sealed share is under 2 KiB of hex, the
/// metadata and keys far less. Anything larger is refused unread.
pub const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The lock on a wallet directory, held until dropped (see the module docs).
pub struct DirLock {
    _file: Option<File>,
}

/// `wallet.json`.
#[derive(Serialize, Deserialize)]
struct MetadataFile {
    format: String,
    wallet_id: String,
    epoch: u32,
    share_set_id: String,
    ethereum_address: String,
    solana_address: String,
}

pub struct Store {
    dir: PathBuf,
    /// Test hook: how many durable steps (file writes, renames) remain before the
    /// process simulates a crash. Debug builds only; see `KEYSPLIT_TEST_CRASH_AFTER_WRITES`.
    crash_after: Option<u32>,
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> CliError {
    CliError(format!("cannot {what} {}: {e}", path.display()))
}

fn share_name(role: Role) -> String {
    format!("{}.share", role.as_str())
}

fn key_name(role: Role) -> String {
    format!("{}.key", role.as_str())
}

fn next_name(name: &str) -> String {
    format!("{name}{NEXT}")
}

impl Store {
    pub fn new(dir: PathBuf) -> Store {
        #[cfg(debug_assertions)]
        let crash_after = std::env::var("KEYSPLIT_TEST_CRASH_AFTER_WRITES")
            .ok()
            .and_then(|v| v.parse().ok());
        #[cfg(not(debug_assertions))]
        let crash_after = None;
        Store { dir, crash_after }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Counts one durable step and simulates a crash when the test hook says so.
    fn step(&mut self) {
        if let Some(left) = self.crash_after.as_mut() {
            if *left == 0 {
                eprintln!("keysplit: simulated crash (KEYSPLIT_TEST_CRASH_AFTER_WRITES)");
                std::process::exit(86);
            }
            *left -= 1;
        }
    }

    fn sync_dir(&self) -> CliResult {
        // Directories can be fsynced on Unix; elsewhere the rename is as durable as it gets.
        #[cfg(unix)]
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error("sync directory", &self.dir, e))?;
        Ok(())
    }

    /// Writes `name` atomically: temp file, fsync, rename, fsync of the directory.
    fn write_atomic(&mut self, name: &str, contents: &[u8], private: bool) -> CliResult {
        self.step();
        let target = self.path(name);
        let temp = self.path(&format!(".{name}.tmp-{}", std::process::id()));
        // A stale or planted temp file (or a symlink) must not be reused: remove it, then
        // create the file anew so the private mode below always applies.
        match fs::remove_file(&temp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("remove stale", &temp, e)),
        }
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(if private { 0o600 } else { 0o644 });
        }
        #[cfg(not(unix))]
        let _ = private;
        let result = options.open(&temp).and_then(|mut file| {
            file.write_all(contents)?;
            file.sync_all()
        });
        if let Err(e) = result {
            let _ = fs::remove_file(&temp);
            return Err(io_error("write", &temp, e));
        }
        if let Err(e) = fs::rename(&temp, &target) {
            let _ = fs::remove_file(&temp);
            return Err(io_error("replace", &target, e));
        }
        self.sync_dir()
    }

    fn rename(&mut self, from: &str, to: &str) -> CliResult {
        self.step();
        fs::rename(self.path(from), self.path(to))
            .map_err(|e| io_error("rename", &self.path(from), e))?;
        self.sync_dir()
    }

    fn remove_if_present(&self, name: &str) -> CliResult {
        match fs::remove_file(self.path(name)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error("remove", &self.path(name), e)),
        }
    }

    /// Reads `name` if it exists: a regular file of at most [`MAX_FILE_BYTES`], opened
    /// without following a symlink and without blocking (a FIFO planted in place of a
    /// share would otherwise hang the command, and a huge file would be read whole).
    fn read_optional(&self, name: &str) -> CliResult<Option<Zeroizing<String>>> {
        let path = self.path(name);
        let mut options = OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let file = match options.open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            #[cfg(unix)]
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(CliError(format!(
                "{} is a symbolic link; wallet files must be plain files in the wallet directory",
                path.display()
            )))
            }
            Err(e) => return Err(io_error("read", &path, e)),
        };
        let meta = file.metadata().map_err(|e| io_error("read", &path, e))?;
        if !meta.is_file() {
            return Err(CliError(format!(
                "{} is not a regular file (a directory, FIFO or device); wallet files must be plain files",
                path.display()
            )));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(CliError(format!(
                "{} is {} bytes; a wallet file is never larger than {MAX_FILE_BYTES} bytes, so this is not one",
                path.display(),
                meta.len()
            )));
        }
        // The size may change after the check: read at most one byte past the cap.
        let mut bytes = Zeroizing::new(Vec::with_capacity(meta.len() as usize + 1));
        std::io::Read::read_to_end(
            &mut std::io::Read::take(&file, MAX_FILE_BYTES + 1),
            &mut bytes,
        )
        .map_err(|e| io_error("read", &path, e))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(CliError(format!(
                "{} grew past {MAX_FILE_BYTES} bytes while it was read; a wallet file is never that large",
                path.display()
            )));
        }
        match std::str::from_utf8(&bytes) {
            Ok(text) => Ok(Some(Zeroizing::new(text.to_string()))),
            Err(_) => Err(CliError(format!("{} is not text", path.display()))),
        }
    }

    /// Locks DIR for this command: `exclusive` for commands that change the wallet,
    /// shared for those that only read it. Never waits: a lock held by another command
    /// is an error that says so. Without DIR (or, for readers, without write access to
    /// it, where no writer can run either) there is nothing to lock, and the command's
    /// own first read reports what is wrong.
    pub fn lock(&self, exclusive: bool) -> CliResult<DirLock> {
        let path = self.path(LOCK);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = match options.open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DirLock { _file: None })
            }
            Err(e)
                if !exclusive
                    && matches!(
                        e.kind(),
                        std::io::ErrorKind::PermissionDenied
                            | std::io::ErrorKind::ReadOnlyFilesystem
                    ) =>
            {
                return Ok(DirLock { _file: None })
            }
            Err(e) => return Err(io_error("open the lock file", &path, e)),
        };
        let held = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match held {
            Ok(()) => Ok(DirLock { _file: Some(file) }),
            Err(fs::TryLockError::WouldBlock) => Err(CliError(format!(
                "another keysplit command is {} the wallet in {} (it holds {}); run this again once it has finished",
                if exclusive { "using" } else { "changing" },
                self.dir.display(),
                path.display()
            ))),
            Err(fs::TryLockError::Error(e)) => Err(io_error("lock", &path, e)),
        }
    }

    pub fn exists(&self) -> bool {
        self.path(METADATA).exists()
    }

    /// Creates DIR (owner-only) for a new wallet; refuses to overwrite an existing one.
    pub fn create_dir(&self) -> CliResult {
        if self.exists() {
            return Err(CliError(format!(
                "{} already holds a wallet; refusing to overwrite it (use another --dir)",
                self.dir.display()
            )));
        }
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(&self.dir)
            .map_err(|e| io_error("create directory", &self.dir, e))
    }

    fn parse_metadata(&self, text: &str) -> CliResult<WalletInfo> {
        let bad = |what: &str| CliError(format!("{}: {what}", self.path(METADATA).display()));
        let file: MetadataFile = serde_json::from_str(text)
            .map_err(|e| bad(&format!("not valid wallet metadata ({e})")))?;
        if file.format != FORMAT {
            return Err(bad(&format!(
                "format {:?} is not supported (this keysplit reads {FORMAT:?})",
                file.format
            )));
        }
        let text = WalletInfoText {
            wallet_id: file.wallet_id,
            epoch: file.epoch,
            share_set_id: file.share_set_id,
            ethereum_address: file.ethereum_address,
            solana_address: file.solana_address,
        };
        WalletInfo::from_text(&text).map_err(|e| match e {
            keysplit_wallet::Error::InvalidWalletInfo { field } => bad(&format!("bad {field}")),
            other => bad(&other.to_string()),
        })
    }

    fn metadata_text(info: &WalletInfo) -> CliResult<String> {
        let text = info.to_text();
        let file = MetadataFile {
            format: FORMAT.into(),
            wallet_id: text.wallet_id,
            epoch: text.epoch,
            share_set_id: text.share_set_id,
            ethereum_address: text.ethereum_address,
            solana_address: text.solana_address,
        };
        let mut text = serde_json::to_string_pretty(&file)
            .map_err(|e| CliError(format!("cannot encode wallet metadata: {e}")))?;
        text.push('\n');
        Ok(text)
    }

    /// The current metadata.
    pub fn metadata(&self) -> CliResult<WalletInfo> {
        let text = self.read_optional(METADATA)?.ok_or_else(|| {
            CliError(format!(
                "no wallet in {} (wallet.json is missing); create one with `keysplit wallet create --dir {}`",
                self.dir.display(),
                self.dir.display()
            ))
        })?;
        self.parse_metadata(&text)
    }

    fn read_share(&self, name: &str) -> CliResult<Option<SealedShare>> {
        match self.read_optional(name)? {
            None => Ok(None),
            Some(text) => SealedShare::from_hex(&text)
                .map(Some)
                .map_err(|e| CliError(format!("{}: {e}", self.path(name).display()))),
        }
    }

    /// The share of `role` for the current epoch (from `X.share` or `X.share.next`).
    pub fn share(&self, info: &WalletInfo, role: Role) -> CliResult<SealedShare> {
        let name = share_name(role);
        let mut found = None;
        for candidate in [name.clone(), next_name(&name)] {
            if let Some(share) = self.read_share(&candidate)? {
                if share.epoch() == info.epoch && share.wallet_id() == info.wallet_id {
                    return Ok(share);
                }
                found.get_or_insert(share);
            }
        }
        match found {
            // A share of another epoch or wallet: let the library explain the mismatch.
            Some(share) => Ok(share),
            None => Err(CliError(format!(
                "the {role} share is missing ({} not found)",
                self.path(&name).display()
            ))),
        }
    }

    fn read_key(&self, name: &str) -> CliResult<Option<ShareKey>> {
        let Some(text) = self.read_optional(name)? else {
            return Ok(None);
        };
        let bytes = keysplit::hazmat::decode_hex(text.trim())
            .map_err(|_| CliError(format!("{} is not a hex key", self.path(name).display())))?;
        let array: &[u8; 32] = bytes[..].try_into().map_err(|_| {
            CliError(format!(
                "{} is not a 32-byte key",
                self.path(name).display()
            ))
        })?;
        Ok(Some(ShareKey::from_bytes(array)))
    }

    /// The key that opens `share` (device or auth), from `X.key` or `X.key.next`.
    pub fn key_for(&self, role: Role, share: &SealedShare) -> CliResult<ShareKey> {
        let name = key_name(role);
        let mut first = None;
        for candidate in [name.clone(), next_name(&name)] {
            if let Some(key) = self.read_key(&candidate)? {
                match share.open(Unlock::Key(&key)) {
                    Err(keysplit_wallet::Error::WrongKey { .. }) => {
                        first.get_or_insert(key);
                    }
                    _ => return Ok(key),
                }
            }
        }
        first.ok_or_else(|| {
            CliError(format!(
                "the {role} key is missing ({} not found)",
                self.path(&name).display()
            ))
        })
    }

    /// The key of `role` to seal new shares with (the current one).
    pub fn current_key(&self, role: Role) -> CliResult<Option<ShareKey>> {
        self.read_key(&key_name(role))
    }

    /// Writes a brand-new wallet (create, import): keys, shares, then the metadata last.
    pub fn write_new(&mut self, set: &ShareSet, device: &ShareKey, auth: &ShareKey) -> CliResult {
        self.write_key(&key_name(Role::Device), device)?;
        self.write_key(&key_name(Role::Auth), auth)?;
        for role in Role::ALL {
            let text = format!("{}\n", set.share(role).to_hex());
            self.write_atomic(&share_name(role), text.as_bytes(), true)?;
        }
        let metadata = Self::metadata_text(&set.info)?;
        self.write_atomic(METADATA, metadata.as_bytes(), false)
    }

    fn write_key(&mut self, name: &str, key: &ShareKey) -> CliResult {
        let hex = keysplit::hazmat::encode_hex(key.as_bytes());
        // Sized up front: pushing onto `hex` would reallocate and free an unwiped copy.
        let mut text = Zeroizing::new(String::with_capacity(hex.len() + 1));
        text.push_str(&hex);
        text.push('\n');
        self.write_atomic(name, text.as_bytes(), true)
    }

    /// Replaces the share set (rotate, recover) in the stage / commit / install order
    /// described in the module docs. `new_device_key` is written when the device key
    /// changes (recovery on a new device).
    pub fn replace(&mut self, set: &ShareSet, new_device_key: Option<&ShareKey>) -> CliResult {
        // Stage.
        if let Some(key) = new_device_key {
            self.write_key(&next_name(&key_name(Role::Device)), key)?;
        }
        for role in Role::ALL {
            let text = format!("{}\n", set.share(role).to_hex());
            self.write_atomic(&next_name(&share_name(role)), text.as_bytes(), true)?;
        }
        let metadata = Self::metadata_text(&set.info)?;
        self.write_atomic(&next_name(METADATA), metadata.as_bytes(), false)?;
        // Commit.
        self.rename(&next_name(METADATA), METADATA)?;
        // Install.
        if new_device_key.is_some() {
            let name = key_name(Role::Device);
            self.rename(&next_name(&name), &name)?;
        }
        for role in Role::ALL {
            let name = share_name(role);
            self.rename(&next_name(&name), &name)?;
        }
        Ok(())
    }

    /// Finishes or discards what an interrupted rotate/recover left behind, so that the
    /// plain file names hold the current epoch again.
    pub fn settle(&mut self, info: &WalletInfo) -> CliResult {
        self.remove_if_present(&next_name(METADATA))?;
        for role in Role::ALL {
            let name = share_name(role);
            let next = next_name(&name);
            let Some(staged) = self.read_share(&next).ok().flatten() else {
                self.remove_if_present(&next)?;
                continue;
            };
            let current_ok = matches!(
                self.read_share(&name),
                Ok(Some(share)) if share.epoch() == info.epoch && share.wallet_id() == info.wallet_id
            );
            if staged.epoch() == info.epoch && staged.wallet_id() == info.wallet_id && !current_ok {
                self.rename(&next, &name)?;
            } else {
                self.remove_if_present(&next)?;
            }
        }
        let key = key_name(Role::Device);
        let next = next_name(&key);
        if let Some(staged) = self.read_key(&next).ok().flatten() {
            let fits = self
                .read_share(&share_name(Role::Device))
                .ok()
                .flatten()
                .is_some_and(|share| {
                    share.epoch() == info.epoch && share.open(Unlock::Key(&staged)).is_ok()
                });
            if fits {
                self.rename(&next, &key)?;
            } else {
                self.remove_if_present(&next)?;
            }
        }
        // Temporary files of an interrupted atomic write.
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') && name.contains(".tmp-") {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }
}
