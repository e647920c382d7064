//! Writes the seed corpora under `fuzz/corpus/<target>/` from valid shares, envelopes
//! and text forms made with a fixed seed (so re-running it gives the same files).
//!
//! `cargo run -p keysplit-audit --example make_corpus`

use std::path::{Path, PathBuf};

use keysplit::{raw, ChaCha20Rng};
use keysplit_audit::join_items;
use rand_core::SeedableRng;

fn write(root: &Path, target: &str, name: &str, data: &[u8]) {
    let dir = root.join(target);
    std::fs::create_dir_all(&dir).expect("create corpus dir");
    std::fs::write(dir.join(name), data).expect("write corpus file");
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut rng = ChaCha20Rng::seed_from_u64(2024);
    let secret = b"correct horse battery staple";
    let shares = keysplit::split(secret, 2, 3, &mut rng).expect("split");
    let other = keysplit::split(secret, 3, 5, &mut rng).expect("split");
    let raw_shares = raw::split(secret, 2, 3, &mut rng).expect("raw split");

    write(&root, "decode_raw", "valid", raw_shares[0].as_bytes());
    write(
        &root,
        "decode_raw",
        "hex",
        raw_shares[1].to_hex().as_bytes(),
    );
    write(&root, "decode_raw", "zero-x", b"\x12\x34\x00");

    write(&root, "decode_envelope", "valid-2of3", shares[0].as_bytes());
    write(&root, "decode_envelope", "valid-3of5", other[4].as_bytes());
    let mut flipped = shares[1].as_bytes().to_vec();
    flipped[40] ^= 1;
    write(&root, "decode_envelope", "bad-checksum", &flipped);

    write(&root, "decode_text", "ks1", shares[0].to_text().as_bytes());
    write(&root, "decode_text", "hex", shares[1].to_hex().as_bytes());
    let spaced: String = shares[2]
        .to_text()
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    write(
        &root,
        "decode_text",
        "ks1-grouped",
        spaced.to_uppercase().as_bytes(),
    );

    let enc = |s: &keysplit::Share| s.as_bytes().to_vec();
    write(
        &root,
        "combine_arbitrary",
        "two-of-three",
        &join_items(&[enc(&shares[0]), enc(&shares[2])]),
    );
    write(
        &root,
        "combine_arbitrary",
        "three-with-foreign",
        &join_items(&[enc(&shares[0]), enc(&other[0]), enc(&shares[1])]),
    );
    write(
        &root,
        "combine_arbitrary",
        "raw-pair",
        &join_items(&[raw_shares[0].as_bytes(), raw_shares[1].as_bytes()]),
    );
    write(
        &root,
        "combine_arbitrary",
        "duplicate",
        &join_items(&[enc(&shares[1]), enc(&shares[1])]),
    );

    write(
        &root,
        "split_roundtrip",
        "2of3",
        b"\x01\x00\x07\x02\x00\x01secret",
    );
    write(
        &root,
        "split_roundtrip",
        "5of9",
        b"\x07\x03\x09\x08\x07\x06\x05\x04\x03\x02\x01\x00entropy entropy entropy!",
    );
    let mut long = vec![14u8, 200, 3];
    long.extend((0..16u8).rev());
    long.extend((0..=255u8).cycle().take(4200));
    write(&root, "split_roundtrip", "16-shares-two-blocks", &long);

    let mut diff = vec![0x53u8, 3];
    diff.extend((0..=255u8).cycle().take(300));
    write(&root, "backend_differential", "c53-300", &diff);
    write(
        &root,
        "backend_differential",
        "c01-short",
        b"\x01\x00abcdefgh12345678",
    );
    write(&root, "backend_differential", "c00", b"\x00\x05xyzxyzxyz");

    let mut reshare = vec![0x32u8];
    reshare.extend(join_items(&[enc(&shares[0]), enc(&shares[1])]));
    write(&root, "reshare_arbitrary", "2of3-to-3of5", &reshare);
    let mut reshare = vec![0x00u8];
    reshare.extend(join_items(&[
        enc(&other[0]),
        enc(&other[2]),
        enc(&other[3]),
    ]));
    write(&root, "reshare_arbitrary", "3of5-to-2of2", &reshare);

    write(
        &root,
        "stream_combine",
        "two-of-three",
        &join_items(&[enc(&shares[2]), enc(&shares[0])]),
    );
    write(
        &root,
        "stream_combine",
        "one-short",
        &join_items(&[enc(&other[1]), enc(&other[2])]),
    );
    write(
        &root,
        "stream_combine",
        "set-mismatch",
        &join_items(&[enc(&shares[0]), enc(&other[1])]),
    );
    // Wallet: sealed shares, text inputs, and open/rotate/recover cases.
    let sealed = keysplit_audit::fixture_sealed_shares();
    write(&root, "decode_sealed", "device", &sealed[0]);
    write(&root, "decode_sealed", "recovery-password", &sealed[2]);
    let hex: String = sealed[1].iter().map(|b| format!("{b:02x}")).collect();
    write(&root, "decode_sealed", "auth-hex", hex.as_bytes());

    let abandon = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    write(&root, "wallet_text", "mnemonic-12", abandon.as_bytes());
    write(&root, "wallet_text", "mnemonic-24", "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote".as_bytes());
    write(&root, "wallet_text", "path", b"m/44'/60'/0'/0/0");
    // BIP-32 test vector 1, chain m.
    write(&root, "wallet_text", "xprv", b"xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LogHx4yB6Yy8NNY1ioqKnmMrW3MzjsAX2x");
    write(&root, "wallet_text", "xpub", b"xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8");
    write(
        &root,
        "wallet_text",
        "eth-address",
        b"0x9858EfFD232B4033E47d90003D41EC34EcaEda94",
    );
    write(
        &root,
        "wallet_text",
        "sol-address",
        b"HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk",
    );

    write(&root, "wallet_open", "open-device-auth", &[0, 1, 0x00]);
    write(&root, "wallet_open", "open-auth-recovery", &[1, 2, 0x00]);
    write(
        &root,
        "wallet_open",
        "rotate-device-recovery",
        &[0, 2, 0x20],
    );
    write(&root, "wallet_open", "recover-auth-recovery", &[1, 2, 0x40]);
    write(&root, "wallet_open", "wrong-password", &[1, 2, 0x08]);
    write(&root, "wallet_open", "stale-metadata", &[0, 1, 0x10]);
    let mut forged = vec![0u8, 1, 0x01];
    let mut flipped = sealed[0].clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    forged.extend(join_items(&[flipped]));
    write(&root, "wallet_open", "tampered-device", &forged);
    let mut swapped = vec![0u8, 1, 0x01];
    swapped.extend(join_items(&[sealed[1].clone()]));
    write(&root, "wallet_open", "auth-share-as-device", &swapped);

    // Solana messages made by @solana/web3.js 1.98.4 (the fixtures of
    // crates/keysplit-wallet/tests/solana_transaction.rs).
    for (name, hex) in [
        ("legacy-transfer", "010001038a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b3940000000000000000000000000000000000000000000000000000000000000000fd1724385aa0c75b64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f61801020200010c0200000087d6120000000000"),
        ("legacy-multi", "020002078a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5ced4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d14fd42392565e16417f092276f0b672687adb34770f88362b9146afaad95c03618139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333dbdabe7c0000000000000000000000000000000000000000000000000000000000000000054a535a992921064d24e87160da387c7c35b5ddbc92bb81e41fa8404105448dfd1724385aa0c75b64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f61804050200030c0200000000f2052a010000000601000a68656c6c6f206d656d6f050201040c02000000ffffffffffffffff05030201043a0b0000002a000000000000000600000000000000736565642d310000000000000000000000000000000000000000000000000000000000000000"),
        ("v0-transfer", "80010001038a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5ced4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d10000000000000000000000000000000000000000000000000000000000000000fd1724385aa0c75b64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f61801020200010c02000000090300000000000000"),
        ("v0-lookup", "80010001038a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b3940000000000000000000000000000000000000000000000000000000000000000fd1724385aa0c75b64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f61802020200010c02000000e803000000000000020200030c02000000d00700000000000001ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c010100"),
    ] {
        write(&root, "decode_solana_message", name, &unhex(hex));
    }
    // Ethereum transactions: the EIP-155 example, types 1 and 2, ethers' toJSON form,
    // an inferred type with `from`, and a refusal of several kinds at once.
    write(
        &root,
        "decode_ethereum_transaction",
        "eip155-example",
        br#"{"type": 0, "nonce": 9, "gasPrice": "20000000000", "gasLimit": "21000", "to": "0x3535353535353535353535353535353535353535", "value": "1000000000000000000", "data": "0x", "chainId": 1}"#,
    );
    write(
        &root,
        "decode_ethereum_transaction",
        "inferred-type2-from",
        br#"{"maxFeePerGas": "2", "maxPriorityFeePerGas": "1", "nonce": 1, "gasLimit": 1, "chainId": 1, "to": "0x9858effd232b4033e47d90003d41ec34ecaeda94", "from": "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"}"#,
    );
    write(
        &root,
        "decode_ethereum_transaction",
        "refused-overflow-unknown-duplicate",
        br#"{"chainId": 1, "value": "0x10000000000000000000000000000000000000000000000000000000000000000", "gas": 1, "value": 1}"#,
    );
    write(
        &root,
        "decode_ethereum_transaction",
        "type1-access-list",
        br#"{"type": 1, "nonce": 0, "gasPrice": "0x3b9aca00", "gasLimit": 50000, "to": "0x3535353535353535353535353535353535353535", "value": "1", "data": "0xdeadbeef", "chainId": "5", "accessList": [{"address": "0x3535353535353535353535353535353535353535", "storageKeys": ["0x0000000000000000000000000000000000000000000000000000000000000001"]}]}"#,
    );
    write(
        &root,
        "decode_ethereum_transaction",
        "type2-ethers-json-creation",
        br#"{"type":2,"to":null,"data":"0x6000","nonce":42,"gasLimit":"21000","gasPrice":null,"maxPriorityFeePerGas":"2000000000","maxFeePerGas":"30000000000","value":"115792089237316195423570985008687907853269984665640564039457584007913129639935","chainId":"137","sig":null,"accessList":[]}"#,
    );
    // issue 15: authorization payloads, quorums and signatures.
    let (keys, quorum) = keysplit_audit::fixture_authz();
    let payload = br#"{"version":1,"method":"POST","url":"https://api.privy.io/v1/wallets/w1/rpc","body":{"method":"personal_sign","params":{"message":"hi","n":[1e21,-0,1e-7,333333333.33333329]}},"headers":{"privy-app-id":"app","privy-request-expiry":"1800000000000"}}"#;
    let parsed = keysplit_wallet::authz::RequestPayload::from_json(payload).expect("payload");
    let members: Vec<String> = quorum
        .members()
        .iter()
        .map(|m| format!("\"{}\"", m.to_base64()))
        .collect();
    let quorum_json = format!(r#"{{"threshold":2,"members":[{}]}}"#, members.join(","));
    let s0 = keys[0].sign(&parsed).to_base64();
    let s1 = keys[1].sign(&parsed).to_base64();
    let p1363 = keysplit_audit::base64_p1363(&keys[2].sign(&parsed));
    write(
        &root,
        "decode_authz",
        "quorum-met",
        &join_items(&[
            &payload[..],
            quorum_json.as_bytes(),
            s0.as_bytes(),
            s1.as_bytes(),
        ]),
    );
    let header = format!("{s0},{s1}, {p1363}");
    write(
        &root,
        "decode_authz",
        "header-with-p1363",
        &join_items(&[&payload[..], quorum_json.as_bytes(), header.as_bytes()]),
    );
    write(
        &root,
        "decode_authz",
        "duplicate-and-garbage",
        &join_items(&[
            &payload[..],
            quorum_json.as_bytes(),
            s0.as_bytes(),
            s0.as_bytes(),
            b"MAYCAQACAQA=",
        ]),
    );
    write(
        &root,
        "decode_authz",
        "rfc8785-sample",
        &join_items(&[&br#"{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}"#[..]]),
    );
    write(
        &root,
        "decode_authz",
        "bad-quorum",
        &join_items(&[&payload[..], br#"{"threshold":0,"members":[]}"#]),
    );

    println!("corpora written under {}", root.display());
}
