//! `keysplit wallet sign-transaction --chain solana` through the binary: base64 message in,
//! base64 signature out, and every refusal with its code. (`interop/
//! solana-transactions.test.mjs` checks the signatures with `@solana/web3.js`.)

mod common;

use base64ct::{Base64, Encoding};
use common::{wallet_args, Run, KDF};
use keysplit_wallet::solana::transaction::{
    CompiledInstruction, MessageHeader, SolanaMessage, SYSTEM_PROGRAM_ID,
};
use keysplit_wallet::SolanaAddress;

fn keysplit(args: &[&str], stdin: &[u8]) -> Run {
    common::run_with_password(args, &[], stdin)
}

fn create(dir: &str) -> SolanaAddress {
    let mut args = vec!["wallet", "create", "--dir", dir];
    args.extend(KDF);
    assert_eq!(keysplit(&args, b"").code, Some(0));
    let run = keysplit(
        &["wallet", "address", "--dir", dir, "--chain", "solana"],
        b"",
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    SolanaAddress::parse(run.stdout.trim()).unwrap()
}

fn sign(dir: &str, extra: &[&str], stdin: &[u8]) -> Run {
    let mut args = wallet_args(
        "sign-transaction",
        dir,
        "device,auth",
        &["--chain", "solana"],
    );
    args.extend(extra);
    keysplit(&args, stdin)
}

/// A legacy message: `payer` pays and sends 1000 lamports to `to` (hand-assembled:
/// header 1/0/1, three keys, a Transfer instruction).
fn transfer_message(payer: SolanaAddress, to: SolanaAddress) -> Vec<u8> {
    let mut data = vec![2, 0, 0, 0];
    data.extend_from_slice(&1000u64.to_le_bytes());
    let mut out = vec![1, 0, 1, 3];
    for key in [payer, to, SYSTEM_PROGRAM_ID] {
        out.extend_from_slice(&key.0);
    }
    out.extend_from_slice(&[0x42; 32]);
    out.extend_from_slice(&[1, 2, 2, 0, 1, 12]);
    out.extend_from_slice(&data);
    // The hand-assembled bytes are what the decoder reads back.
    let decoded = SolanaMessage::decode(&out).unwrap();
    assert_eq!(
        decoded.header,
        MessageHeader {
            num_required_signatures: 1,
            num_readonly_signed_accounts: 0,
            num_readonly_unsigned_accounts: 1
        }
    );
    assert_eq!(
        decoded.instructions,
        [CompiledInstruction {
            program_id_index: 2,
            accounts: vec![0, 1],
            data
        }]
    );
    out
}

fn expect_refusal(run: &Run, code: &str) {
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.starts_with("keysplit: error: ") && run.stderr.contains(&format!("[{code}]")),
        "expected {code}: {}",
        run.stderr
    );
}

#[test]
fn signs_a_message_and_refuses_what_it_must() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("w");
    let d = dir.to_str().unwrap();
    let address = create(d);
    let other = SolanaAddress([7; 32]);
    let message = transfer_message(address, other);
    let encoded = Base64::encode_string(&message);

    let run = sign(d, &[], encoded.as_bytes());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let signature: [u8; 64] = Base64::decode_vec(run.stdout.trim())
        .unwrap()
        .try_into()
        .unwrap();
    address.verify(&message, &signature).unwrap();
    assert_eq!(run.stdout, format!("{}\n", run.stdout.trim()));

    // Line breaks and surrounding whitespace (as `base64` prints) are ignored.
    let wrapped: String = encoded
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
        .collect();
    let run = sign(d, &[], format!("  {wrapped}\r\n").as_bytes());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        Base64::decode_vec(run.stdout.trim()).unwrap(),
        signature.to_vec()
    );

    // Account 1 is not the fee payer or any signer.
    expect_refusal(
        &sign(d, &["--index", "1"], encoded.as_bytes()),
        "NOT_SOLANA_SIGNER",
    );
    let someone_else = Base64::encode_string(&transfer_message(other, address));
    expect_refusal(&sign(d, &[], someone_else.as_bytes()), "NOT_SOLANA_SIGNER");

    // Malformed messages.
    let truncated = Base64::encode_string(&message[..message.len() - 1]);
    expect_refusal(
        &sign(d, &[], truncated.as_bytes()),
        "INVALID_SOLANA_MESSAGE",
    );
    let mut longer = message.clone();
    longer.push(0);
    let trailing = Base64::encode_string(&longer);
    expect_refusal(&sign(d, &[], trailing.as_bytes()), "INVALID_SOLANA_MESSAGE");
    let mut v1 = vec![0x81];
    v1.extend_from_slice(&message);
    v1.push(0);
    expect_refusal(
        &sign(d, &[], Base64::encode_string(&v1).as_bytes()),
        "UNSUPPORTED_SOLANA_VERSION",
    );

    // Not base64: other alphabets, missing padding, stray characters.
    let url_safe = encoded.replace('+', "-").replace('/', "_");
    let short = Base64::encode_string(&message[..message.len() - 1]);
    assert!(short.ends_with('='));
    let unpadded = short.trim_end_matches('=');
    for bad in [
        "not base64!",
        "AAA",
        url_safe.as_str(),
        unpadded,
        "\u{e9}\u{e9}\u{e9}\u{e9}",
    ] {
        if bad == encoded {
            continue; // no + or / in this encoding
        }
        expect_refusal(&sign(d, &[], bad.as_bytes()), "INVALID_BASE64");
    }
    let empty = sign(d, &[], b" \n");
    assert_eq!(empty.code, Some(1));
    assert!(empty.stdout.is_empty());
}

#[test]
fn a_malformed_message_fails_before_any_share_is_read() {
    let temp = tempfile::tempdir().unwrap();
    let missing = temp.path().join("no-wallet-here");
    let d = missing.to_str().unwrap();
    let run = sign(d, &[], Base64::encode_string(&[1, 0, 1, 0]).as_bytes());
    expect_refusal(&run, "INVALID_SOLANA_MESSAGE");
    let run = sign(d, &[], b"%%%%");
    expect_refusal(&run, "INVALID_BASE64");
}
