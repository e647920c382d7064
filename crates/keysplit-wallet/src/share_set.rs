//! The wallet and its share set: three role-tagged, sealed 2-of-3 shares of the entropy.

use alloc::string::String;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::bip32::{DerivationPath, ExtendedPrivateKey};
use crate::error::Error;
use crate::ethereum::{self, EthereumAddress};
use crate::info::{WalletId, WalletInfo};
use crate::mnemonic::{Entropy, Seed, Strength};
use crate::role::Role;
use crate::seal::{Protection, SealedShare, Unlock};
use crate::solana::{Ed25519ExtendedKey, SolanaAddress};

/// A wallet's metadata and its three sealed shares.
#[derive(Clone, Debug)]
pub struct ShareSet {
    /// Public metadata.
    pub info: WalletInfo,
    /// The device share.
    pub device: SealedShare,
    /// The auth share.
    pub auth: SealedShare,
    /// The recovery share.
    pub recovery: SealedShare,
}

impl ShareSet {
    /// The share of one role.
    pub fn share(&self, role: Role) -> &SealedShare {
        match role {
            Role::Device => &self.device,
            Role::Auth => &self.auth,
            Role::Recovery => &self.recovery,
        }
    }
}

/// How each of the three new shares is sealed.
#[derive(Clone, Copy, Debug)]
pub struct Protections<'a> {
    /// For the device share (normally a device key).
    pub device: Protection<'a>,
    /// For the auth share (normally the backend's key).
    pub auth: Protection<'a>,
    /// For the recovery share (a password, or a random recovery key).
    pub recovery: Protection<'a>,
}

impl<'a> Protections<'a> {
    fn of(&self, role: Role) -> Protection<'a> {
        match role {
            Role::Device => self.device,
            Role::Auth => self.auth,
            Role::Recovery => self.recovery,
        }
    }
}

/// One sealed share offered to [`open`], with the role the caller believes it has.
#[derive(Clone, Copy, Debug)]
pub struct ShareInput<'a> {
    /// The role the caller expects (where the share was found).
    pub role: Role,
    /// The sealed share.
    pub share: &'a SealedShare,
    /// Its key or password.
    pub unlock: Unlock<'a>,
}

impl<'a> ShareInput<'a> {
    /// A share input.
    pub fn new(role: Role, share: &'a SealedShare, unlock: Unlock<'a>) -> Self {
        ShareInput {
            role,
            share,
            unlock,
        }
    }
}

/// A wallet rebuilt in memory: its entropy and seed, wiped when it is dropped. Keep it
/// for one operation and drop it.
///
/// Two kinds: a BIP-39 wallet (the BIP-32 seed is `PBKDF2(mnemonic)`), and a SLIP-39
/// wallet, whose BIP-32 seed is the SLIP-39 master secret itself, as a Trezor restored
/// from the same SLIP-39 shares derives it (see `docs/slip39.md`).
pub struct Wallet {
    entropy: Entropy,
    seed: Seed,
    /// SLIP-39 wallet: `entropy` is the master secret and the BIP-32 seed; `seed` unused.
    slip39: bool,
}

/// First byte of the shared secret of a SLIP-39 wallet's share set, before the master
/// secret (so the secret has an odd length; BIP-39 entropy always has an even one).
/// Releases without SLIP-39 wallets refuse such a set (`ENTROPY_LENGTH`), never misread it.
const SLIP39_TAG: u8 = 0x39;

impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Wallet(redacted)")
    }
}

impl Wallet {
    /// A new wallet from fresh entropy.
    pub fn generate<R: CryptoRng + ?Sized>(strength: Strength, rng: &mut R) -> Wallet {
        Self::from_checked_entropy(Entropy::generate(strength, rng))
    }

    /// The wallet of given entropy (16..=32 bytes).
    pub fn from_entropy(entropy: &[u8]) -> Result<Wallet, Error> {
        Ok(Self::from_checked_entropy(Entropy::from_bytes(entropy)?))
    }

    /// The wallet of a BIP-39 mnemonic (no BIP-39 passphrase, as embedded wallets use).
    pub fn from_mnemonic(phrase: &str) -> Result<Wallet, Error> {
        Ok(Self::from_checked_entropy(Entropy::from_mnemonic(phrase)?))
    }

    fn from_checked_entropy(entropy: Entropy) -> Wallet {
        // An empty passphrase is ASCII, so this cannot fail; fall back to a zero seed
        // rather than panic, which the address check in `open` would catch.
        let seed = entropy
            .to_seed("")
            .unwrap_or_else(|_| Seed::from_bytes([0u8; 64]));
        Wallet {
            entropy,
            seed,
            slip39: false,
        }
    }

    /// The SLIP-39 wallet of a master secret (16, 20, 24, 28 or 32 bytes; Trezor makes 16
    /// or 32): its BIP-32 and SLIP-10 seed is the master secret itself.
    pub fn from_slip39_master_secret(master_secret: &[u8]) -> Result<Wallet, Error> {
        Ok(Wallet {
            entropy: Entropy::from_bytes(master_secret)?,
            seed: Seed::from_bytes([0u8; 64]),
            slip39: true,
        })
    }

    /// True for a SLIP-39 wallet: [`Wallet::entropy`] is then its SLIP-39 master secret,
    /// and [`Wallet::mnemonic`] is not its backup (split the master secret with SLIP-39).
    pub fn is_slip39(&self) -> bool {
        self.slip39
    }

    /// The wallet of a share set's shared secret: BIP-39 entropy, or the SLIP-39 tag and
    /// a master secret (the kind is public; the length tells it).
    fn from_shared_secret(secret: &[u8]) -> Result<Wallet, Error> {
        use subtle::ConstantTimeEq;
        match secret.split_first() {
            Some((tag, master)) if !secret.len().is_multiple_of(2) => {
                if bool::from(tag.ct_eq(&SLIP39_TAG)) {
                    Self::from_slip39_master_secret(master)
                } else {
                    Err(Error::EntropyLength { len: secret.len() })
                }
            }
            _ => Self::from_entropy(secret),
        }
    }

    /// The BIP-32 / SLIP-10 seed.
    fn seed_bytes(&self) -> &[u8] {
        if self.slip39 {
            self.entropy.as_bytes()
        } else {
            self.seed.as_bytes()
        }
    }

    /// The entropy (hazmat: this is the wallet).
    pub fn entropy(&self) -> &Entropy {
        &self.entropy
    }

    /// The English BIP-39 mnemonic phrase of the entropy. Only a BIP-39 wallet's backup:
    /// for a SLIP-39 wallet ([`Wallet::is_slip39`]) these words restore another wallet.
    pub fn mnemonic(&self) -> Zeroizing<String> {
        self.entropy.to_mnemonic()
    }

    /// The BIP-32 key at any path.
    pub fn derive(&self, path: &DerivationPath) -> Result<ExtendedPrivateKey, Error> {
        ExtendedPrivateKey::from_seed_bytes(self.seed_bytes())?.derive_path(path)
    }

    /// The Ethereum key at `m/44'/60'/0'/0/index`.
    pub fn ethereum_key(&self, index: u32) -> Result<ExtendedPrivateKey, Error> {
        self.derive(&DerivationPath::ethereum(index)?)
    }

    /// The Ethereum address at `m/44'/60'/0'/0/index`.
    pub fn ethereum_address(&self, index: u32) -> Result<EthereumAddress, Error> {
        Ok(EthereumAddress::from_extended_public_key(
            &self.ethereum_key(index)?.to_extended_public_key(),
        ))
    }

    /// The Solana key at `m/44'/501'/index'/0'`.
    pub fn solana_key(&self, index: u32) -> Result<Ed25519ExtendedKey, Error> {
        Ed25519ExtendedKey::from_seed_bytes(self.seed_bytes())
            .derive_path(&DerivationPath::solana(index)?)
    }

    /// The Solana address at `m/44'/501'/index'/0'`.
    pub fn solana_address(&self, index: u32) -> Result<SolanaAddress, Error> {
        Ok(SolanaAddress(self.solana_key(index)?.public_key_bytes()))
    }

    /// EIP-191 `personal_sign` of `message` by account `index`: 65 bytes `r || s || v`.
    pub fn sign_personal_message(&self, index: u32, message: &[u8]) -> Result<[u8; 65], Error> {
        self.sign_digest(index, &ethereum::personal_message_digest(message))
    }

    /// Signs a 32-byte digest with account `index` (recoverable, RFC 6979, low s): the
    /// one signing primitive of the crate. Public only as [`crate::hazmat::sign_digest`],
    /// because nobody can see what a bare digest stands for.
    pub(crate) fn sign_digest(&self, index: u32, digest: &[u8; 32]) -> Result<[u8; 65], Error> {
        ethereum::sign_digest(&self.ethereum_key(index)?, digest)
    }

    /// An ed25519 signature of `message` by Solana account `index`.
    pub fn sign_solana_message(&self, index: u32, message: &[u8]) -> Result<[u8; 64], Error> {
        Ok(self.solana_key(index)?.sign(message))
    }

    /// The public metadata this wallet would have with a given share set.
    fn info(
        &self,
        wallet_id: WalletId,
        epoch: u32,
        set: keysplit::SetId,
    ) -> Result<WalletInfo, Error> {
        Ok(WalletInfo {
            wallet_id,
            epoch,
            share_set_id: set,
            ethereum_address: self.ethereum_address(0)?,
            solana_address: self.solana_address(0)?,
        })
    }

    /// Splits the entropy into a fresh 2-of-3 set (new polynomial, new set id) and seals
    /// the three shares for `wallet_id` at `epoch`.
    pub fn split<R: CryptoRng + ?Sized>(
        &self,
        wallet_id: WalletId,
        epoch: u32,
        protections: &Protections<'_>,
        rng: &mut R,
    ) -> Result<ShareSet, Error> {
        let mut secret = Zeroizing::new(alloc::vec::Vec::with_capacity(33));
        if self.slip39 {
            secret.push(SLIP39_TAG);
        }
        secret.extend_from_slice(self.entropy.as_bytes());
        let shares = keysplit::split(&secret, 2, 3, rng)?;
        let [device, auth, recovery] = match <[keysplit::Share; 3]>::try_from(shares) {
            Ok(three) => three,
            Err(_) => {
                return Err(Error::Core(keysplit::Error::InvalidShareCount {
                    shares: 3,
                }))
            }
        };
        let seal = |share: &keysplit::Share, role: Role, rng: &mut R| {
            SealedShare::seal(share, role, &wallet_id, epoch, protections.of(role), rng)
        };
        Ok(ShareSet {
            info: self.info(wallet_id, epoch, device.set_id())?,
            device: seal(&device, Role::Device, rng)?,
            auth: seal(&auth, Role::Auth, rng)?,
            recovery: seal(&recovery, Role::Recovery, rng)?,
        })
    }
}

/// A new wallet: fresh entropy, split and sealed at epoch 0.
pub fn create<R: CryptoRng + ?Sized>(
    strength: Strength,
    protections: &Protections<'_>,
    rng: &mut R,
) -> Result<ShareSet, Error> {
    let wallet = Wallet::generate(strength, rng);
    wallet.split(WalletId::generate(rng), 0, protections, rng)
}

/// An existing mnemonic, split and sealed as a new wallet at epoch 0.
pub fn import<R: CryptoRng + ?Sized>(
    phrase: &str,
    protections: &Protections<'_>,
    rng: &mut R,
) -> Result<ShareSet, Error> {
    let wallet = Wallet::from_mnemonic(phrase)?;
    wallet.split(WalletId::generate(rng), 0, protections, rng)
}

/// A SLIP-39 master secret (e.g. from `keysplit_slip39::combine_mnemonics`), split and
/// sealed as a new SLIP-39 wallet at epoch 0: its addresses are those of a Trezor restored
/// from the same SLIP-39 shares.
pub fn import_slip39<R: CryptoRng + ?Sized>(
    master_secret: &[u8],
    protections: &Protections<'_>,
    rng: &mut R,
) -> Result<ShareSet, Error> {
    let wallet = Wallet::from_slip39_master_secret(master_secret)?;
    wallet.split(WalletId::generate(rng), 0, protections, rng)
}

/// Checks a share's public claims against the metadata, then decrypts it.
fn unseal(info: &WalletInfo, input: &ShareInput<'_>) -> Result<keysplit::Share, Error> {
    let found = input.share.role();
    if found != input.role {
        return Err(Error::RoleMismatch {
            expected: input.role,
            found,
        });
    }
    if input.share.wallet_id() != info.wallet_id {
        return Err(Error::WalletMismatch { role: found });
    }
    if input.share.epoch() != info.epoch {
        return Err(Error::EpochMismatch {
            role: found,
            expected: info.epoch,
            found: input.share.epoch(),
        });
    }
    // Decryption authenticates the header, so the claims checked above are now proven.
    let share = input.share.open(input.unlock)?;
    if share.set_id() != info.share_set_id {
        return Err(Error::ShareSetMismatch { role: found });
    }
    Ok(share)
}

/// Rebuilds the wallet from two shares of its current epoch, and checks it against the
/// stored addresses before returning it.
pub fn open(
    info: &WalletInfo,
    first: ShareInput<'_>,
    second: ShareInput<'_>,
) -> Result<Wallet, Error> {
    if first.role == second.role {
        return Err(Error::DuplicateRole { role: first.role });
    }
    let shares = [unseal(info, &first)?, unseal(info, &second)?];
    let entropy = keysplit::combine(&shares)?;
    let wallet = Wallet::from_shared_secret(&entropy)?;
    if wallet.ethereum_address(0)? != info.ethereum_address
        || wallet.solana_address(0)? != info.solana_address
    {
        return Err(Error::AddressMismatch);
    }
    Ok(wallet)
}

/// Any two shares -> a fresh set of three at epoch + 1 (same wallet id, same keys and
/// addresses, new polynomial and set id). The old shares no longer open the wallet once
/// the new metadata is stored.
///
/// # Errors
///
/// [`Error::EpochExhausted`] at the last epoch; otherwise those of [`open`] and of
/// sealing ([`SealedShare::seal`]).
pub fn rotate<R: CryptoRng + ?Sized>(
    info: &WalletInfo,
    first: ShareInput<'_>,
    second: ShareInput<'_>,
    protections: &Protections<'_>,
    rng: &mut R,
) -> Result<ShareSet, Error> {
    let epoch = info.epoch.checked_add(1).ok_or(Error::EpochExhausted)?;
    let wallet = open(info, first, second)?;
    wallet.split(info.wallet_id, epoch, protections, rng)
}

/// Checks that two roles, in either order, are the pair [`recover`] uses: the auth share
/// and the recovery share. Callers that load shares or ask for a password first can call
/// it before doing so.
///
/// # Errors
///
/// [`Error::RecoverNeedsAuthAndRecovery`] for any other pair.
pub fn check_recovery_roles(a: Role, b: Role) -> Result<(), Error> {
    match (a, b) {
        (Role::Auth, Role::Recovery) | (Role::Recovery, Role::Auth) => Ok(()),
        _ => Err(Error::RecoverNeedsAuthAndRecovery),
    }
}

/// Recovery on a new device: the auth and recovery shares (in either order) -> a fresh
/// set of three (a new device share under the new device's key) at epoch + 1.
///
/// # Errors
///
/// [`Error::RecoverNeedsAuthAndRecovery`] unless the inputs are the auth and the
/// recovery share; otherwise those of [`rotate`].
pub fn recover<R: CryptoRng + ?Sized>(
    info: &WalletInfo,
    auth: ShareInput<'_>,
    recovery: ShareInput<'_>,
    protections: &Protections<'_>,
    rng: &mut R,
) -> Result<ShareSet, Error> {
    check_recovery_roles(auth.role, recovery.role)?;
    rotate(info, auth, recovery, protections, rng)
}
