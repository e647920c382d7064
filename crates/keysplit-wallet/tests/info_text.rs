//! The one text form of a wallet's metadata, and the recovery role rule.

use keysplit_wallet::{
    check_recovery_roles, Error, Role, Wallet, WalletId, WalletInfo, WalletInfoText,
};

/// The BIP-39 test mnemonic whose first Ethereum account is well known (MetaMask,
/// ethers and every BIP-44 tool derive this address from it).
const PHRASE: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const ETHEREUM: &str = "0x9858EfFD232B4033E47d90003D41EC34EcaEda94";

fn info() -> WalletInfo {
    let wallet = Wallet::from_mnemonic(PHRASE).unwrap();
    WalletInfo {
        wallet_id: WalletId([0xAB; 16]),
        epoch: 7,
        share_set_id: keysplit::SetId([0x01; 16]),
        ethereum_address: wallet.ethereum_address(0).unwrap(),
        solana_address: wallet.solana_address(0).unwrap(),
    }
}

#[test]
fn the_text_form_is_lower_hex_ids_and_checksummed_addresses() {
    let text = info().to_text();
    assert_eq!(text.wallet_id, "ab".repeat(16));
    assert_eq!(text.share_set_id, "01".repeat(16));
    assert_eq!(text.epoch, 7);
    assert_eq!(text.ethereum_address, ETHEREUM);
    assert_eq!(WalletInfo::from_text(&text).unwrap(), info());
}

/// A field's expected name in the error, and how to spoil the text.
type Spoil = (&'static str, fn(&mut WalletInfoText));

#[test]
fn each_malformed_field_is_named() {
    let good = info().to_text();
    let cases: [Spoil; 8] = [
        ("wallet_id", |t| t.wallet_id.truncate(31)),
        ("wallet_id", |t| t.wallet_id.insert(0, '-')),
        ("wallet_id", |t| t.wallet_id.replace_range(0..1, "g")),
        ("share_set_id", |t| t.share_set_id.push_str("00")),
        ("share_set_id", |t| t.share_set_id.clear()),
        // One letter's case flipped breaks the EIP-55 checksum.
        ("ethereum_address", |t| {
            t.ethereum_address = t.ethereum_address.replacen("Ef", "ef", 1)
        }),
        ("solana_address", |t| t.solana_address.push('0')),
        ("solana_address", |t| t.solana_address.truncate(10)),
    ];
    for (field, spoil) in cases {
        let mut text = good.clone();
        spoil(&mut text);
        assert_eq!(
            WalletInfo::from_text(&text),
            Err(Error::InvalidWalletInfo { field }),
            "{text:?}"
        );
        assert_eq!(
            Error::InvalidWalletInfo { field }.code(),
            "INVALID_WALLET_INFO"
        );
    }
    // Upper-case hex is the same id.
    let mut upper = good.clone();
    upper.wallet_id = upper.wallet_id.to_uppercase();
    assert_eq!(WalletInfo::from_text(&upper).unwrap(), info());
}

#[test]
fn wallet_ids_read_like_every_hex_input() {
    let hex = "ab".repeat(16);
    assert_eq!(hex.parse::<WalletId>().unwrap(), WalletId([0xAB; 16]));
    // ASCII whitespace is ignored, as in shares and keys pasted from elsewhere.
    assert_eq!(
        format!(" {}\n{}", &hex[..8], &hex[8..]).parse::<WalletId>(),
        Ok(WalletId([0xAB; 16]))
    );
    assert_eq!(
        WalletId::from_hex(&format!(" {hex}\n")),
        Some(WalletId([0xAB; 16]))
    );
    assert_eq!(WalletId::from_hex(&hex[2..]), None);
    assert!(format!("0x{hex}").parse::<WalletId>().is_err());
}

#[test]
fn recovery_takes_auth_and_recovery_in_either_order() {
    assert_eq!(check_recovery_roles(Role::Auth, Role::Recovery), Ok(()));
    assert_eq!(check_recovery_roles(Role::Recovery, Role::Auth), Ok(()));
    for (a, b) in [
        (Role::Device, Role::Auth),
        (Role::Auth, Role::Device),
        (Role::Device, Role::Recovery),
        (Role::Recovery, Role::Recovery),
        (Role::Auth, Role::Auth),
    ] {
        assert_eq!(
            check_recovery_roles(a, b),
            Err(Error::RecoverNeedsAuthAndRecovery),
            "{a} {b}"
        );
    }
}
