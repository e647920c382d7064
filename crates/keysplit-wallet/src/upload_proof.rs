//! Proof that whoever uploads a share set to a custody server rebuilt the wallet.
//!
//! A custody server holds one share of a wallet and cannot check that an uploaded share
//! set belongs to the wallet its metadata names: any holder of the user's access token
//! could otherwise replace a wallet's shares with those of another secret under the same
//! addresses, and the owner would find the wallet unusable at the next signature. With
//! each upload the client therefore signs [`statement`] (EIP-191 `personal_sign`) with
//! the wallet's index-0 Ethereum key, which it has in memory while it splits the new set;
//! the server checks it with [`verify`] against the uploaded metadata.
//!
//! ```
//! use keysplit_wallet::{upload_proof, Wallet};
//! # fn main() -> Result<(), keysplit_wallet::Error> {
//! # let mut rng = keysplit::os_rng().map_err(|_| keysplit_wallet::Error::Rng)?;
//! let wallet = Wallet::generate(keysplit_wallet::Strength::Bits128, &mut rng);
//! # let info = keysplit_wallet::WalletInfo {
//! #     wallet_id: keysplit_wallet::WalletId([7; 16]),
//! #     epoch: 3,
//! #     share_set_id: keysplit::SetId([9; 16]),
//! #     ethereum_address: wallet.ethereum_address(0)?,
//! #     solana_address: wallet.solana_address(0)?,
//! # };
//! let proof = upload_proof::sign(&wallet, &info)?;
//! upload_proof::verify(&info, &proof)?;
//! # Ok(())
//! # }
//! ```
//!
//! # Security
//!
//! The statement names the wallet id, the epoch and the share set id, so a proof is bound
//! to one upload and cannot be replayed for another epoch or share set. It proves
//! possession of the key behind `ethereum_address`; it does not prove that the uploaded
//! shares rebuild that key (only two shares can show that), so the client that rebuilds
//! the wallet still checks the addresses, as every keysplit rebuild does.

use alloc::format;
use alloc::string::String;

use crate::ethereum::{personal_message_digest, recover_address};
use crate::{Error, Wallet, WalletInfo};

/// The text signed for an upload of the share set `info` describes:
///
/// ```text
/// keysplit share upload
/// wallet: <32 hex digits>
/// epoch: <decimal>
/// share set: <32 hex digits>
/// ```
///
/// (lines separated by `\n`, no trailing newline).
pub fn statement(info: &WalletInfo) -> String {
    let text = info.to_text();
    format!(
        "keysplit share upload\nwallet: {}\nepoch: {}\nshare set: {}",
        text.wallet_id, text.epoch, text.share_set_id
    )
}

/// Signs [`statement`] with the wallet's index-0 Ethereum key: `r || s || v`.
///
/// # Errors
///
/// [`Error::AddressMismatch`] when `info` names another Ethereum address than the
/// wallet's; key derivation errors otherwise (never for a valid wallet).
pub fn sign(wallet: &Wallet, info: &WalletInfo) -> Result<[u8; 65], Error> {
    if wallet.ethereum_address(0)? != info.ethereum_address {
        return Err(Error::AddressMismatch);
    }
    wallet.sign_personal_message(0, statement(info).as_bytes())
}

/// Checks that `proof` is a signature of [`statement`]`(info)` by `info.ethereum_address`.
///
/// # Errors
///
/// [`Error::InvalidUploadProof`] when the signature does not parse, does not recover, or
/// recovers another address (a proof for another wallet, epoch or share set).
pub fn verify(info: &WalletInfo, proof: &[u8; 65]) -> Result<(), Error> {
    let digest = personal_message_digest(statement(info).as_bytes());
    match recover_address(&digest, proof) {
        Ok(address) if address == info.ethereum_address => Ok(()),
        _ => Err(Error::InvalidUploadProof),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{WalletId, WalletInfo};

    // BIP-39's all-"abandon" test mnemonic: its index-0 Ethereum address is
    // 0x9858EfFD232B4033E47d90003D41EC34EcaEda94 (the address MetaMask and ethers show).
    const MNEMONIC: &str = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    fn wallet_and_info() -> (Wallet, WalletInfo) {
        let wallet = Wallet::from_mnemonic(MNEMONIC).unwrap();
        let info = WalletInfo {
            wallet_id: WalletId([0x11; 16]),
            epoch: 4,
            share_set_id: keysplit::SetId([0x22; 16]),
            ethereum_address: wallet.ethereum_address(0).unwrap(),
            solana_address: wallet.solana_address(0).unwrap(),
        };
        (wallet, info)
    }

    #[test]
    fn statement_text_is_fixed() {
        let (_, info) = wallet_and_info();
        assert_eq!(
            statement(&info),
            "keysplit share upload\nwallet: 11111111111111111111111111111111\nepoch: 4\n\
             share set: 22222222222222222222222222222222"
        );
        assert_eq!(
            info.ethereum_address.to_checksum(),
            "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
        );
    }

    #[test]
    fn a_proof_verifies_for_its_upload_only() {
        let (wallet, info) = wallet_and_info();
        let proof = sign(&wallet, &info).unwrap();
        verify(&info, &proof).unwrap();

        let mut other_epoch = info.clone();
        other_epoch.epoch += 1;
        assert_eq!(verify(&other_epoch, &proof), Err(Error::InvalidUploadProof));
        let mut other_set = info.clone();
        other_set.share_set_id = keysplit::SetId([0x23; 16]);
        assert_eq!(verify(&other_set, &proof), Err(Error::InvalidUploadProof));
        let mut other_wallet = info.clone();
        other_wallet.wallet_id = WalletId([0x12; 16]);
        assert_eq!(
            verify(&other_wallet, &proof),
            Err(Error::InvalidUploadProof)
        );

        let mut tampered = proof;
        tampered[10] ^= 1;
        assert_eq!(verify(&info, &tampered), Err(Error::InvalidUploadProof));
        let mut bad_v = proof;
        bad_v[64] = 5;
        assert_eq!(verify(&info, &bad_v), Err(Error::InvalidUploadProof));
        assert_eq!(verify(&info, &[0u8; 65]), Err(Error::InvalidUploadProof));
    }

    #[test]
    fn another_wallet_cannot_prove_for_these_addresses() {
        let (_, info) = wallet_and_info();
        let other = Wallet::from_entropy(&[0x5a; 16]).unwrap();
        assert_eq!(sign(&other, &info), Err(Error::AddressMismatch));
        let mut claimed = info.clone();
        claimed.ethereum_address = other.ethereum_address(0).unwrap();
        let forged = sign(&other, &claimed).unwrap();
        assert_eq!(verify(&info, &forged), Err(Error::InvalidUploadProof));
    }
}
