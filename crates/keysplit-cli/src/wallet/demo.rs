//! `keysplit demo`: the wallet's whole life in a temporary directory.

use super::*;

/// The wallet part of `keysplit demo`: the CLI's whole flow in a throw-away directory,
/// with a built-in password (a real wallet asks its user).
pub fn demo() -> CliResult {
    const PASSWORD: &[u8] = b"keysplit demo password";
    let dir = std::env::temp_dir().join(format!("keysplit-demo-wallet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let result = demo_in(&dir, PASSWORD);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn demo_in(dir: &std::path::Path, password: &[u8]) -> CliResult {
    let source = PasswordSource::Given(password);
    let device_auth = RolePair(Role::Device, Role::Auth);
    let message = "keysplit demo";
    let sign = || {
        sign_text(
            dir,
            device_auth,
            source,
            Chain::Ethereum,
            0,
            message.as_bytes(),
        )
    };
    println!("\nthe wallet on top: entropy -> BIP-39 mnemonic -> Ethereum and Solana keys,");
    println!(
        "held as device / auth / recovery shares (2-of-3, each sealed with XChaCha20-Poly1305)"
    );
    let kdf = KdfArgs::default();
    let set = new_wallet(dir.to_path_buf(), &kdf, password, |protect, rng| {
        keysplit_wallet::create(Strength::Bits128, protect, rng)
    })?;
    let address = set.info.ethereum_address;
    println!(
        "  created in {} (wallet {}, epoch 0)",
        dir.display(),
        set.info.wallet_id
    );
    println!("  ethereum address  {address}");
    println!("  solana address    {}", set.info.solana_address);
    println!(
        "  (the recovery share is sealed under the password through Argon2id, 19 MiB, 2 passes)"
    );

    let signature = sign()?;
    let bytes = keysplit::hazmat::decode_hex(signature.trim_start_matches("0x"))
        .ok()
        .and_then(|b| <[u8; 65]>::try_from(&b[..]).ok())
        .ok_or_else(|| CliError("demo: the signature is not 65 bytes".into()))?;
    let digest = keysplit_wallet::ethereum::personal_message_digest(message.as_bytes());
    let signer =
        keysplit_wallet::ethereum::recover_address(&digest, &bytes).map_err(wallet_error)?;
    println!("\n  personal_sign({message:?}) with device + auth:");
    println!("    {signature}");
    println!(
        "    recovers to {signer}: {}",
        if signer == address {
            "the wallet"
        } else {
            "MISMATCH"
        }
    );
    if signer != address {
        return Err(CliError(
            "demo failed: the signature does not recover to the wallet".into(),
        ));
    }

    std::fs::remove_file(dir.join("device.share"))?;
    let refused = match sign() {
        Ok(_) => "ACCEPTED (unexpected)".to_string(),
        Err(e) => format!("refused: {e}"),
    };
    println!("\n  device.share deleted (a lost phone); device + auth: {refused}");
    let (set, _) = reshare(
        dir.to_path_buf(),
        RolePair(Role::Auth, Role::Recovery),
        source,
        None,
        &kdf,
        true,
    )?;
    println!(
        "  recovered with auth + recovery (the password): new device key, fresh shares, epoch {}",
        set.info.epoch
    );
    let same = sign()? == signature;
    println!(
        "  device + auth sign again: {}",
        if same {
            "the same signature (same key; RFC 6979 nonces)"
        } else {
            "DIFFERENT"
        }
    );
    let (set, old) = reshare(
        dir.to_path_buf(),
        RolePair(Role::Device, Role::Recovery),
        source,
        None,
        &kdf,
        false,
    )?;
    println!(
        "  rotated with device + recovery: epoch {old} -> {}; shares of epoch {old} no longer open it",
        set.info.epoch
    );
    if !same || set.info.ethereum_address != address {
        return Err(CliError(
            "demo failed: the wallet changed across recovery".into(),
        ));
    }
    println!("  the address is unchanged: {}", set.info.ethereum_address);
    Ok(())
}
