//! A wallet's public metadata ([`WalletInfo`]) and its one text form, used by every
//! place that stores or passes it (the CLI's `wallet.json`, the JavaScript API).

use alloc::string::{String, ToString};
use core::fmt;

use rand_core::CryptoRng;

use crate::error::Error;
use crate::ethereum::EthereumAddress;
use crate::solana::SolanaAddress;

/// 32 hex digits (either case; ASCII whitespace ignored, as wherever keysplit reads hex)
/// as 16 bytes.
fn id16(text: &str) -> Option<[u8; 16]> {
    let bytes = keysplit::hazmat::decode_hex(text).ok()?;
    <[u8; 16]>::try_from(&bytes[..]).ok()
}

/// A wallet's random 16-byte identifier; it stays the same across rotations.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct WalletId(pub [u8; 16]);

impl WalletId {
    /// A fresh random id.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> WalletId {
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        WalletId(id)
    }

    /// Reads 32 hex digits (ASCII whitespace ignored).
    pub fn from_hex(text: &str) -> Option<WalletId> {
        id16(text.trim()).map(WalletId)
    }
}

impl fmt::Display for WalletId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&keysplit::hazmat::encode_hex(&self.0))
    }
}

impl fmt::Debug for WalletId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WalletId({self})")
    }
}

impl core::str::FromStr for WalletId {
    type Err = Error;

    /// 32 hex digits (ASCII whitespace ignored).
    fn from_str(text: &str) -> Result<WalletId, Error> {
        id16(text)
            .map(WalletId)
            .ok_or(Error::InvalidWalletInfo { field: "wallet_id" })
    }
}

/// A wallet's public metadata: what is needed to check shares before and after
/// combining them. Nothing here is secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletInfo {
    /// The wallet's id, fixed for its life.
    pub wallet_id: WalletId,
    /// The generation of the current share set; each rotation or recovery adds one.
    pub epoch: u32,
    /// The keysplit set id of the current shares.
    pub share_set_id: keysplit::SetId,
    /// The Ethereum address at `m/44'/60'/0'/0/0`.
    pub ethereum_address: EthereumAddress,
    /// The Solana address at `m/44'/501'/0'/0'`.
    pub solana_address: SolanaAddress,
}

/// [`WalletInfo`] as text: ids as 32 lower-case hex digits, the Ethereum address with its
/// EIP-55 checksum, the Solana address in base58. Each binding names the fields its own
/// way (`wallet_id` in `wallet.json`, `walletId` in JavaScript) but reads and writes them
/// only through [`WalletInfo::to_text`] and [`WalletInfo::from_text`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletInfoText {
    /// 32 hex digits.
    pub wallet_id: String,
    /// The epoch.
    pub epoch: u32,
    /// 32 hex digits.
    pub share_set_id: String,
    /// `0x` and 40 hex digits with the EIP-55 checksum.
    pub ethereum_address: String,
    /// Base58.
    pub solana_address: String,
}

impl WalletInfo {
    /// The text form.
    pub fn to_text(&self) -> WalletInfoText {
        WalletInfoText {
            wallet_id: self.wallet_id.to_string(),
            epoch: self.epoch,
            share_set_id: String::from(keysplit::hazmat::encode_hex(&self.share_set_id.0).as_str()),
            ethereum_address: self.ethereum_address.to_checksum(),
            solana_address: self.solana_address.to_base58(),
        }
    }

    /// Reads the text form.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWalletInfo`] naming the first field that does not read (`wallet_id`,
    /// `share_set_id`, `ethereum_address` or `solana_address`).
    pub fn from_text(text: &WalletInfoText) -> Result<WalletInfo, Error> {
        let bad = |field| Error::InvalidWalletInfo { field };
        Ok(WalletInfo {
            wallet_id: text.wallet_id.parse()?,
            epoch: text.epoch,
            share_set_id: keysplit::SetId(id16(&text.share_set_id).ok_or(bad("share_set_id"))?),
            ethereum_address: text
                .ethereum_address
                .parse()
                .map_err(|_| bad("ethereum_address"))?,
            solana_address: SolanaAddress::parse(&text.solana_address)
                .map_err(|_| bad("solana_address"))?,
        })
    }
}
