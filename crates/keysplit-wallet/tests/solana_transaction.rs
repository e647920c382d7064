//! Solana transaction messages: decoding, summaries and refusals, on messages made by
//! `@solana/web3.js` 1.98.4 (independent bytes; the generator is in the comment below).
//!
//! ```js
//! const kp = (n) => Keypair.fromSeed(new Uint8Array(32).fill(n));
//! payer = kp(1), alice = kp(2), bob = kp(3), carol = kp(4); blockhash = kp(9).publicKey
//! LEGACY_TRANSFER: new Transaction({feePayer: payer, recentBlockhash})
//!     .add(SystemProgram.transfer({fromPubkey: payer, toPubkey: alice, lamports: 1234567})).serializeMessage()
//! LEGACY_MULTI: transfer payer->alice 5000000000; a Memo-program instruction
//!     (data "hello memo", payer read-only signer); transfer bob->carol 2^64-1;
//!     transfer with seed (base bob, seed "seed-1", owner System) -> carol, 42
//! V0_TRANSFER: new TransactionMessage({payerKey: payer, recentBlockhash,
//!     instructions: [transfer payer->bob 777]}).compileToV0Message().serialize()
//! V0_LOOKUP: instructions [transfer payer->alice 1000, transfer payer->carol 2000],
//!     compileToV0Message([table kp(7) holding [kp(20), carol, kp(21)]])
//! ```

use keysplit_wallet::solana::transaction::{summarize, SolanaMessage, SYSTEM_PROGRAM_ID};
use keysplit_wallet::summary::SolanaTransfer;
use keysplit_wallet::{Error, SolanaAddress, Wallet};

const PAYER: &str = "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c";
const ALICE: &str = "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394";
const BOB: &str = "ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1";
const CAROL: &str = "ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333dbdabe7c";
const MEMO: &str = "054a535a992921064d24e87160da387c7c35b5ddbc92bb81e41fa8404105448d";
const SEEDFROM: &str = "4fd42392565e16417f092276f0b672687adb34770f88362b9146afaad95c0361";
const TABLE: &str = "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
const BLOCKHASH: &str = "fd1724385aa0c75b64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f618";

const LEGACY_TRANSFER: &[&str] = &[
    "010001038a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c8139770ea87d175f56a35466",
    "c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b39400000000000000000000000000000000000000000000000000000000",
    "00000000fd1724385aa0c75b64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f61801020200010c0200000087d6",
    "120000000000",
];

const LEGACY_MULTI: &[&str] = &[
    "020002078a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5ced4928c628d1c2c6eae90338",
    "905995612959273a5c63f93636c14614ac8737d14fd42392565e16417f092276f0b672687adb34770f88362b9146afaa",
    "d95c03618139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394ca93ac1705187071d67b83c7",
    "ff0efe8108e8ec4530575d7726879333dbdabe7c00000000000000000000000000000000000000000000000000000000",
    "00000000054a535a992921064d24e87160da387c7c35b5ddbc92bb81e41fa8404105448dfd1724385aa0c75b64fb78cd",
    "602fa1d991fdebf76b13c58ed702eac835e9f61804050200030c0200000000f2052a010000000601000a68656c6c6f20",
    "6d656d6f050201040c02000000ffffffffffffffff05030201043a0b0000002a00000000000000060000000000000073",
    "6565642d310000000000000000000000000000000000000000000000000000000000000000",
];

const V0_TRANSFER: &[&str] = &[
    "80010001038a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5ced4928c628d1c2c6eae903",
    "38905995612959273a5c63f93636c14614ac8737d1000000000000000000000000000000000000000000000000000000",
    "0000000000fd1724385aa0c75b64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f61801020200010c0200000009",
    "0300000000000000",
];

const V0_LOOKUP: &[&str] = &[
    "80010001038a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c8139770ea87d175f56a354",
    "66c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394000000000000000000000000000000000000000000000000000000",
    "0000000000fd1724385aa0c75b64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f61802020200010c02000000e8",
    "03000000000000020200030c02000000d00700000000000001ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b",
    "92421eea691446d22c010100",
];

const PHRASE: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

fn bytes(parts: &[&str]) -> Vec<u8> {
    hex::decode(parts.concat()).unwrap()
}

fn key(hex_text: &str) -> SolanaAddress {
    SolanaAddress(hex::decode(hex_text).unwrap().try_into().unwrap())
}

fn transfer(from: &str, to: &str, lamports: u64) -> Option<SolanaTransfer> {
    Some(SolanaTransfer {
        from: key(from),
        to: key(to),
        lamports,
    })
}

/// The error code of decoding `message` (panics if it decodes).
fn refusal(message: &[u8]) -> &'static str {
    SolanaMessage::decode(message).unwrap_err().code()
}

fn invalid_reason(message: &[u8]) -> &'static str {
    match SolanaMessage::decode(message).unwrap_err() {
        Error::InvalidSolanaMessage { reason, .. } => reason,
        other => panic!("expected INVALID_SOLANA_MESSAGE, got {other:?}"),
    }
}

#[test]
fn system_program_id_is_the_base58_ones() {
    assert_eq!(
        SYSTEM_PROGRAM_ID,
        SolanaAddress::parse("11111111111111111111111111111111").unwrap()
    );
}

#[test]
fn legacy_transfer_summary() {
    let message = bytes(LEGACY_TRANSFER);
    let decoded = SolanaMessage::decode(&message).unwrap();
    assert!(!decoded.versioned);
    assert_eq!(decoded.encode(), message);
    let summary = summarize(&message, key(PAYER)).unwrap();
    assert_eq!(summary.from, key(PAYER));
    assert_eq!(summary.fee_payer, key(PAYER));
    assert!(!summary.versioned);
    assert_eq!(hex::encode(summary.recent_blockhash), BLOCKHASH);
    assert_eq!(summary.unresolved_lookups, 0);
    assert_eq!(summary.instructions.len(), 1);
    let ix = &summary.instructions[0];
    assert_eq!(ix.program_id, SYSTEM_PROGRAM_ID);
    assert_eq!(ix.transfer, transfer(PAYER, ALICE, 1_234_567));
    assert!(!ix.opaque);
    // The recipient does not sign, so it cannot ask for a signature.
    assert_eq!(
        summarize(&message, key(ALICE)).unwrap_err(),
        Error::NotSolanaSigner {
            account: key(ALICE)
        }
    );
    assert_eq!(
        summarize(&message, key(ALICE)).unwrap_err().code(),
        "NOT_SOLANA_SIGNER"
    );
}

#[test]
fn legacy_multi_instruction_summary() {
    let message = bytes(LEGACY_MULTI);
    assert_eq!(SolanaMessage::decode(&message).unwrap().encode(), message);
    for signer in [PAYER, BOB] {
        let summary = summarize(&message, key(signer)).unwrap();
        assert_eq!(summary.from, key(signer));
        assert_eq!(summary.fee_payer, key(PAYER));
        let programs: Vec<_> = summary.instructions.iter().map(|i| i.program_id).collect();
        assert_eq!(
            programs,
            [
                SYSTEM_PROGRAM_ID,
                key(MEMO),
                SYSTEM_PROGRAM_ID,
                SYSTEM_PROGRAM_ID
            ]
        );
        let transfers: Vec<_> = summary
            .instructions
            .iter()
            .map(|i| i.transfer.clone())
            .collect();
        assert_eq!(
            transfers,
            [
                transfer(PAYER, ALICE, 5_000_000_000),
                None,
                transfer(BOB, CAROL, u64::MAX),
                transfer(SEEDFROM, CAROL, 42),
            ]
        );
        assert!(summary.instructions.iter().all(|i| !i.opaque));
    }
    // Accounts that only appear (even writable, even as a transfer's payer) do not sign.
    for outsider in [ALICE, CAROL, SEEDFROM, MEMO] {
        assert_eq!(
            summarize(&message, key(outsider)).unwrap_err().code(),
            "NOT_SOLANA_SIGNER"
        );
    }
}

#[test]
fn v0_transfer_summary() {
    let message = bytes(V0_TRANSFER);
    let decoded = SolanaMessage::decode(&message).unwrap();
    assert!(decoded.versioned);
    assert!(decoded.address_table_lookups.is_empty());
    assert_eq!(decoded.encode(), message);
    let summary = summarize(&message, key(PAYER)).unwrap();
    assert!(summary.versioned);
    assert_eq!(summary.instructions.len(), 1);
    assert_eq!(summary.instructions[0].transfer, transfer(PAYER, BOB, 777));
    assert_eq!(summary.unresolved_lookups, 0);
}

#[test]
fn v0_lookup_table_accounts_are_opaque() {
    let message = bytes(V0_LOOKUP);
    let decoded = SolanaMessage::decode(&message).unwrap();
    assert_eq!(decoded.encode(), message);
    assert_eq!(decoded.address_table_lookups.len(), 1);
    assert_eq!(decoded.address_table_lookups[0].account_key, key(TABLE));
    // carol is entry 1 of the table, loaded writable.
    assert_eq!(decoded.address_table_lookups[0].writable_indexes, [1]);
    assert!(decoded.address_table_lookups[0].readonly_indexes.is_empty());
    let summary = summarize(&message, key(PAYER)).unwrap();
    assert_eq!(summary.unresolved_lookups, 1);
    assert_eq!(
        summary.instructions[0].transfer,
        transfer(PAYER, ALICE, 1000)
    );
    assert!(!summary.instructions[0].opaque);
    // The transfer to carol names her through the table: not resolvable offline.
    assert_eq!(summary.instructions[1].program_id, SYSTEM_PROGRAM_ID);
    assert_eq!(summary.instructions[1].transfer, None);
    assert!(summary.instructions[1].opaque);
}

#[test]
fn every_truncation_and_any_trailing_byte_is_refused() {
    for fixture in [LEGACY_TRANSFER, LEGACY_MULTI, V0_TRANSFER, V0_LOOKUP] {
        let message = bytes(fixture);
        for len in 0..message.len() {
            assert_eq!(
                refusal(&message[..len]),
                "INVALID_SOLANA_MESSAGE",
                "length {len}"
            );
        }
        for extra in [0u8, 1, 0xff] {
            let mut longer = message.clone();
            longer.push(extra);
            assert_eq!(invalid_reason(&longer), "trailing bytes after the message");
        }
    }
}

#[test]
fn whole_transactions_are_refused() {
    // A serialized transaction: one signature (compact-u16 1, 64 bytes), then the message.
    let mut wire = vec![1u8];
    wire.extend_from_slice(&[0x5a; 64]);
    wire.extend_from_slice(&bytes(LEGACY_TRANSFER));
    assert!(SolanaMessage::decode(&wire).is_err());
    let mut wire = vec![1u8];
    wire.extend_from_slice(&[0u8; 64]);
    wire.extend_from_slice(&bytes(V0_TRANSFER));
    assert!(SolanaMessage::decode(&wire).is_err());
}

#[test]
fn other_versions_are_refused() {
    let mut message = bytes(V0_TRANSFER);
    for prefix in [0x81u8, 0x82, 0xff] {
        message[0] = prefix;
        assert_eq!(
            SolanaMessage::decode(&message).unwrap_err(),
            Error::UnsupportedSolanaVersion {
                version: prefix & 0x7f
            }
        );
        assert_eq!(refusal(&message), "UNSUPPORTED_SOLANA_VERSION");
    }
}

#[test]
fn non_canonical_and_overlong_lengths_are_refused() {
    let message = bytes(LEGACY_TRANSFER);
    // The key count (3) is at byte 3.
    assert_eq!(message[3], 3);
    for encoding in [
        &[0x83u8, 0x00][..],
        &[0x83, 0x80, 0x00],
        &[0x83, 0x80, 0x80, 0x00],
    ] {
        let mut bad = message[..3].to_vec();
        bad.extend_from_slice(encoding);
        bad.extend_from_slice(&message[4..]);
        let reason = invalid_reason(&bad);
        assert!(
            reason == "non-canonical length encoding"
                || reason == "length encoding longer than 3 bytes",
            "{encoding:02x?}: {reason}"
        );
    }
    // A canonical two-byte count that is too large for the bytes that follow.
    let mut bad = message[..3].to_vec();
    bad.extend_from_slice(&[0x80, 0x01]); // 128 keys
    bad.extend_from_slice(&message[4..]);
    assert_eq!(refusal(&bad), "INVALID_SOLANA_MESSAGE");
    // Over 65535.
    let mut bad = message[..3].to_vec();
    bad.extend_from_slice(&[0xff, 0xff, 0x04]);
    bad.extend_from_slice(&message[4..]);
    assert_eq!(invalid_reason(&bad), "length over 65535");
    // Over 256 keys (300 = 0xac 0x02) is refused before reading them.
    let mut bad = message[..3].to_vec();
    bad.extend_from_slice(&[0xac, 0x02]);
    bad.extend_from_slice(&[7u8; 300 * 32 + 100]);
    assert_eq!(invalid_reason(&bad), "more than 256 account keys");
}

#[test]
fn headers_the_runtime_refuses_are_refused() {
    let message = bytes(LEGACY_TRANSFER); // header 01 00 01, three keys
    let cases: [([u8; 3], &str); 4] = [
        (
            [0, 0, 1],
            "the header asks for no signature (a message needs a fee payer)",
        ),
        (
            [4, 0, 0],
            "the header asks for more signers than there are account keys",
        ),
        ([1, 1, 1], "the header makes the fee payer read-only"),
        (
            [1, 0, 3],
            "the header has more read-only unsigned accounts than unsigned accounts",
        ),
    ];
    for (header, reason) in cases {
        let mut bad = message.clone();
        bad[..3].copy_from_slice(&header);
        assert_eq!(invalid_reason(&bad), reason, "{header:?}");
    }
    // Legal variations decode: all three keys sign, or both unsigned keys read-only.
    for header in [[3u8, 2, 0], [1, 0, 2], [2, 1, 0]] {
        let mut ok = message.clone();
        ok[..3].copy_from_slice(&header);
        assert!(SolanaMessage::decode(&ok).is_ok(), "{header:?}");
    }
}

#[test]
fn bad_indexes_and_duplicate_keys_are_refused() {
    let message = bytes(LEGACY_TRANSFER);
    // Layout: header 0..3, count 3, keys 4..100, blockhash 100..132, instruction count
    // 132, program index 133, account count 134, accounts 135..137, data 137...
    assert_eq!(&message[132..137], &[1, 2, 2, 0, 1]);
    let mut bad = message.clone();
    bad[133] = 0;
    assert_eq!(
        invalid_reason(&bad),
        "an instruction's program is the fee payer"
    );
    bad[133] = 3;
    assert_eq!(
        invalid_reason(&bad),
        "an instruction's program index is not a static account key"
    );
    let mut bad = message.clone();
    bad[136] = 3;
    assert_eq!(
        invalid_reason(&bad),
        "an instruction's account index is out of range"
    );
    let mut bad = message.clone();
    bad.copy_within(4..36, 36); // key 1 := key 0
    assert_eq!(invalid_reason(&bad), "an account key is listed twice");

    // v0 with one table-loaded account: index 3 is that account, 4 is nothing; the
    // program must still be a static key.
    let lookup = bytes(V0_LOOKUP);
    let second = 133 + 1 + 17; // instruction count, then the first instruction (17 bytes)
    assert_eq!(&lookup[second..second + 4], &[2, 2, 0, 3]);
    let mut bad = lookup.clone();
    bad[second + 3] = 4;
    assert_eq!(
        invalid_reason(&bad),
        "an instruction's account index is out of range"
    );
    let mut bad = lookup.clone();
    bad[second] = 3;
    assert_eq!(
        invalid_reason(&bad),
        "an instruction's program index is not a static account key"
    );
    // A lookup that loads nothing.
    let mut bad = bytes(V0_TRANSFER);
    assert_eq!(bad.pop(), Some(0)); // no lookups
    bad.push(1);
    bad.extend_from_slice(&[9u8; 32]);
    bad.extend_from_slice(&[0, 0]);
    assert_eq!(
        invalid_reason(&bad),
        "an address table lookup loads no account"
    );
    // Lookups that would take the account count over 256.
    let mut bad = bytes(V0_TRANSFER);
    bad.pop();
    bad.push(1);
    bad.extend_from_slice(&[9u8; 32]);
    bad.extend_from_slice(&[0xfe, 0x01]); // 254 writable entries + 3 static keys
    bad.extend_from_slice(&[0u8; 254]);
    bad.push(0);
    assert_eq!(
        invalid_reason(&bad),
        "more than 256 accounts with the lookup tables"
    );
}

#[test]
fn transfer_decoding_follows_the_system_program() {
    let message = bytes(LEGACY_TRANSFER);
    // Data length at 137, data 138..150 (tag 2, lamports).
    assert_eq!(message[137], 12);
    // The System Program ignores bytes after an instruction's fields: still a transfer.
    let mut longer = message.clone();
    longer[137] = 13;
    longer.push(0xee);
    let summary = summarize(&longer, key(PAYER)).unwrap();
    assert_eq!(
        summary.instructions[0].transfer,
        transfer(PAYER, ALICE, 1_234_567)
    );
    assert!(!summary.instructions[0].opaque);
    // A transfer too short to read: not a transfer, but flagged.
    let mut shorter = message.clone();
    shorter[137] = 11;
    shorter.pop();
    let summary = summarize(&shorter, key(PAYER)).unwrap();
    assert_eq!(summary.instructions[0].transfer, None);
    assert!(summary.instructions[0].opaque);
    // A transfer with one account: flagged.
    let mut one_account = message[..134].to_vec();
    one_account.extend_from_slice(&[1, 0]);
    one_account.extend_from_slice(&message[137..]);
    let summary = summarize(&one_account, key(PAYER)).unwrap();
    assert_eq!(summary.instructions[0].transfer, None);
    assert!(summary.instructions[0].opaque);
    // Another System instruction (tag 0, CreateAccount) is not a transfer and not flagged.
    let mut other = message.clone();
    other[138] = 0;
    let summary = summarize(&other, key(PAYER)).unwrap();
    assert_eq!(summary.instructions[0].transfer, None);
    assert!(!summary.instructions[0].opaque);
    // TransferWithSeed with its owner cut short: flagged.
    let multi = bytes(LEGACY_MULTI);
    let data_len_at = multi.len() - 59; // data is the last 58 bytes, its length before it
    let mut cut = multi[..multi.len() - 1].to_vec();
    assert_eq!(cut[data_len_at], 58);
    cut[data_len_at] = 57;
    let summary = summarize(&cut, key(PAYER)).unwrap();
    assert_eq!(summary.instructions[3].transfer, None);
    assert!(summary.instructions[3].opaque);
}

#[test]
fn the_wallet_signs_only_messages_it_must_sign() {
    let wallet = Wallet::from_mnemonic(PHRASE).unwrap();
    let address = wallet.solana_address(0).unwrap();
    assert_eq!(
        address.to_base58(),
        "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk"
    );
    let original = bytes(LEGACY_TRANSFER);
    assert_eq!(
        wallet.sign_solana_transaction(0, &original).unwrap_err(),
        Error::NotSolanaSigner { account: address }
    );
    // The same message with the wallet's account as fee payer.
    let mut message = original.clone();
    message[4..36].copy_from_slice(&address.0);
    let (signature, summary) = wallet.sign_solana_transaction(0, &message).unwrap();
    address.verify(&message, &signature).unwrap();
    assert_eq!(
        summary,
        wallet.solana_transaction_summary(0, &message).unwrap()
    );
    assert_eq!(summary.fee_payer, address);
    assert_eq!(
        summary.instructions[0].transfer,
        Some(SolanaTransfer {
            from: address,
            to: key(ALICE),
            lamports: 1_234_567
        })
    );
    // Account 1 is another key: not a signer of this message.
    assert_eq!(
        wallet
            .sign_solana_transaction(1, &message)
            .unwrap_err()
            .code(),
        "NOT_SOLANA_SIGNER"
    );
    let mut trailing = message.clone();
    trailing.push(0);
    assert_eq!(
        wallet
            .sign_solana_transaction(0, &trailing)
            .unwrap_err()
            .code(),
        "INVALID_SOLANA_MESSAGE"
    );
}
