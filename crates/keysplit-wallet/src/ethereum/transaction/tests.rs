//! Unit tests of Ethereum transactions: EIP-155's example, ethers' vectors, the refusals.

use super::rlp::SECP256K1_HALF_ORDER;
use super::*;
use crate::ethereum::keccak256;
use alloc::format;

const KEY_46: [u8; 32] = [0x46; 32];
const TO_35: &str = "0x3535353535353535353535353535353535353535";

fn decode(json: &str) -> Result<EthereumTransactionRequest, Error> {
    EthereumTransactionRequest::from_json(json.as_bytes(), &EthereumTransactionOptions::default())
}

fn hex(bytes: &[u8]) -> String {
    hex_prefixed(bytes)
}

/// Signs with a bare key the way the wallet signs with a derived one.
fn sign_with_key(
    request: &EthereumTransactionRequest,
    key: &[u8; 32],
) -> SignedEthereumTransaction {
    let signing_key = k256::ecdsa::SigningKey::from_slice(key).unwrap();
    let point = signing_key.verifying_key().as_affine();
    let encoded = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(point, false);
    let uncompressed: [u8; 65] = encoded.as_bytes().try_into().unwrap();
    let from = EthereumAddress::from_uncompressed_public_key(&uncompressed);
    let signature =
        crate::ethereum::sign_digest_with_secret_key(key, &request.signing_hash()).unwrap();
    request.with_signature(from, &signature).unwrap()
}

/// EIP-155's own example (the spec's "Example" section), which ethers v6 also signs to
/// these bytes.
#[test]
fn eip155_example() {
    let request = decode(&format!(
        r#"{{"type": 0, "nonce": 9, "gasPrice": "20000000000", "gasLimit": "21000",
                "to": "{TO_35}", "value": "1000000000000000000", "data": "0x", "chainId": 1}}"#
    ))
    .unwrap();
    assert_eq!(
            hex(&request.signing_payload()),
            "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080"
        );
    assert_eq!(
        hex(&request.signing_hash()),
        "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
    );
    let signed = sign_with_key(&request, &KEY_46);
    assert_eq!(
            signed.to_hex(),
            "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
        );
    assert_eq!(signed.hash, keccak256(&signed.serialized));
    assert_eq!(
        signed.summary.from.to_checksum(),
        "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"
    );
}

/// Types 1 and 2 signed by ethers v6.17 (`new Wallet("0x46..46").signTransaction`).
#[test]
fn typed_vectors_from_ethers() {
    let t1 = decode(&format!(
        r#"{{"type": 1, "nonce": 0, "gasPrice": "0x3b9aca00", "gasLimit": 50000, "to": "{TO_35}",
                "value": "1", "data": "0xdeadbeef", "chainId": "5",
                "accessList": [{{"address": "{TO_35}", "storageKeys":
                  ["0x0000000000000000000000000000000000000000000000000000000000000001"]}}]}}"#
    ))
    .unwrap();
    assert_eq!(
            sign_with_key(&t1, &KEY_46).to_hex(),
            "0x01f8a20580843b9aca0082c3509435353535353535353535353535353535353535350184deadbeeff838f7943535353535353535353535353535353535353535e1a0000000000000000000000000000000000000000000000000000000000000000180a0d8f81fce0d8791c81f39a358743037813684e8c54af15f3a6b2819cf035013eaa002d723774f3ddc9210c563d76d383d52066d8e3844f74373daa407600530e972"
        );
    let t2 = decode(&format!(
            r#"{{"type": 2, "nonce": 42, "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "2000000000",
                "gasLimit": "21000", "to": "{TO_35}", "chainId": 137, "accessList": [],
                "value": "115792089237316195423570985008687907853269984665640564039457584007913129639935"}}"#
        ))
        .unwrap();
    let signed = sign_with_key(&t2, &KEY_46);
    assert_eq!(
            signed.to_hex(),
            "0x02f88c81892a84773594008506fc23ac00825208943535353535353535353535353535353535353535a0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80c080a0239acfca0a9f09415d6eaf586bd3a565a91a5a2dbe8329677dc9a1eb731b81e7a066f39988f25921be1c5378ea3fa0968471916334d0b838ad27c5b22d2e9736be"
        );
    assert_eq!(signed.summary.value, U256::MAX);
    assert_eq!(
        signed.summary.max_priority_fee_per_gas,
        Some(U256::from(2_000_000_000u64))
    );
    assert_eq!(
        signed.summary.transaction_type,
        EthereumTransactionType::Eip1559
    );
}

fn code(json: &str) -> &'static str {
    match decode(json) {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

/// A valid type 2 transaction with `extra` spliced in (later keys are not allowed to
/// override: duplicates are refused, so `extra` only adds fields).
fn t2(extra: &str) -> String {
    format!(
        r#"{{"nonce": 1, "gasLimit": "21000", "maxFeePerGas": "2", "maxPriorityFeePerGas": "1"{extra}}}"#
    )
}

#[test]
fn refusals() {
    let to = format!(r#", "to": "{TO_35}""#);
    let ok = t2(&format!(r#"{to}, "chainId": 1"#));
    assert_eq!(code(&ok), "OK");
    assert_eq!(code(&t2(&to)), "MISSING_CHAIN_ID");
    assert_eq!(
        code(&t2(&format!(r#"{to}, "chainId": null"#))),
        "MISSING_CHAIN_ID"
    );
    assert_eq!(
        code(&t2(&format!(r#"{to}, "chainId": "0x0""#))),
        "MISSING_CHAIN_ID"
    );
    assert_eq!(
        code(&t2(&format!(r#"{to}, "chainId": "18446744073709551616""#))),
        "VALUE_OVERFLOW"
    );
    assert_eq!(
        code(&t2(r#", "chainId": 1"#)),
        "CONTRACT_CREATION_NOT_ALLOWED"
    );
    assert_eq!(
        code(&t2(r#", "chainId": 1, "to": null"#)),
        "CONTRACT_CREATION_NOT_ALLOWED"
    );
    let created = EthereumTransactionRequest::from_json(
        t2(r#", "chainId": 1, "data": "0x6000""#).as_bytes(),
        &EthereumTransactionOptions {
            allow_contract_creation: true,
        },
    )
    .unwrap();
    assert_eq!(created.summary(EthereumAddress([1; 20])).unwrap().to, None);

    let with = |more: &str| t2(&format!(r#"{to}, "chainId": 1{more}"#));
    let cases = [
        (r#", "gas": 5"#, "UNKNOWN_TRANSACTION_FIELD"),
        (r#", "Value": "1""#, "UNKNOWN_TRANSACTION_FIELD"),
        (
            r#", "value": "1", "value": "1""#,
            "DUPLICATE_TRANSACTION_FIELD",
        ),
        (
            r#", "accessList": [], "accessList": []"#,
            "DUPLICATE_TRANSACTION_FIELD",
        ),
        (
            r#", "value": "115792089237316195423570985008687907853269984665640564039457584007913129639936""#,
            "VALUE_OVERFLOW",
        ),
        (
            r#", "value": "0x10000000000000000000000000000000000000000000000000000000000000000""#,
            "VALUE_OVERFLOW",
        ),
        (r#", "value": "0x""#, "INVALID_TRANSACTION_FIELD"),
        (r#", "value": "0xg1""#, "INVALID_TRANSACTION_FIELD"),
        (r#", "value": """#, "INVALID_TRANSACTION_FIELD"),
        (r#", "value": "-1""#, "INVALID_TRANSACTION_FIELD"),
        (r#", "value": -1"#, "INVALID_TRANSACTION_FIELD"),
        (r#", "value": 1.5"#, "INVALID_TRANSACTION_FIELD"),
        (r#", "value": 1e3"#, "INVALID_TRANSACTION_FIELD"),
        (
            r#", "value": 9007199254740992"#,
            "INVALID_TRANSACTION_FIELD",
        ),
        (r#", "value": 9007199254740991"#, "OK"),
        (r#", "value": " 1""#, "INVALID_TRANSACTION_FIELD"),
        (r#", "value": true"#, "INVALID_TRANSACTION_FIELD"),
        (r#", "value": "1e18""#, "INVALID_TRANSACTION_FIELD"),
        (r#", "data": "0xabc""#, "INVALID_TRANSACTION_FIELD"),
        (r#", "data": "0xzz""#, "INVALID_TRANSACTION_FIELD"),
        (r#", "data": "abcd""#, "INVALID_TRANSACTION_FIELD"),
        (r#", "data": "0x""#, "OK"),
        (r#", "gasPrice": "1""#, "TRANSACTION_TYPE_CONFLICT"),
        (r#", "type": 0"#, "TRANSACTION_TYPE_CONFLICT"),
        (r#", "type": 1"#, "TRANSACTION_TYPE_CONFLICT"),
        (r#", "type": 3"#, "UNSUPPORTED_TRANSACTION_TYPE"),
        (r#", "type": "0x4""#, "UNSUPPORTED_TRANSACTION_TYPE"),
        (r#", "type": "0x2""#, "OK"),
        (r#", "sig": null, "from": null"#, "OK"),
        (r#", "sig": {}"#, "INVALID_TRANSACTION_FIELD"),
        (r#", "from": "0x12""#, "INVALID_TRANSACTION_FIELD"),
        (
            r#", "accessList": [{"address": "0x3535353535353535353535353535353535353535", "storageKeys": ["0x01"]}]"#,
            "INVALID_TRANSACTION_FIELD",
        ),
        (
            r#", "accessList": [{"address": "0x3535353535353535353535353535353535353535", "storageKeys": [], "x": 1}]"#,
            "TRANSACTION_JSON",
        ),
    ];
    for (more, expected) in cases {
        assert_eq!(code(&with(more)), expected, "{more}");
    }
    // EIP-55: mixed case must match the checksum.
    assert_eq!(
        code(&t2(
            r#", "chainId": 1, "to": "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F""#
        )),
        "OK"
    );
    assert_eq!(
        code(&t2(
            r#", "chainId": 1, "to": "0x9d8a62f656a8d1615C1294fd71e9CFb3E4855A4F""#
        )),
        "INVALID_TRANSACTION_FIELD"
    );
    // Fees.
    let base = format!(r#""nonce": 1, "gasLimit": 21000, "chainId": 1, "to": "{TO_35}""#);
    assert_eq!(code(&format!("{{{base}}}")), "MISSING_TRANSACTION_FIELD");
    assert_eq!(
        code(&format!(r#"{{{base}, "type": 0}}"#)),
        "MISSING_TRANSACTION_FIELD"
    );
    assert_eq!(
        code(&format!(r#"{{{base}, "maxFeePerGas": "1"}}"#)),
        "MISSING_TRANSACTION_FIELD"
    );
    assert_eq!(
        code(&format!(
            r#"{{{base}, "maxFeePerGas": "1", "maxPriorityFeePerGas": "2"}}"#
        )),
        "INVALID_TRANSACTION_FIELD"
    );
    assert_eq!(
        code(&format!(
            r#"{{{base}, "type": 0, "gasPrice": "1", "accessList": [{{"address": "{TO_35}", "storageKeys": []}}]}}"#
        )),
        "TRANSACTION_TYPE_CONFLICT"
    );
    assert_eq!(
        code(&format!(
            r#"{{{base}, "type": 0, "gasPrice": "1", "accessList": []}}"#
        )),
        "OK"
    );
    assert_eq!(
        code(r#"{"chainId": 1, "gasLimit": 1, "gasPrice": "1", "to": null}"#),
        "MISSING_TRANSACTION_FIELD"
    );
    // Not an object, trailing garbage, deep nesting.
    for json in ["", "[]", "1", "null", "{} x", "{", "\"x\""] {
        assert_eq!(code(json), "TRANSACTION_JSON", "{json}");
    }
    let deep = format!(r#"{{"x": {}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
    assert_ne!(code(&deep), "OK");
}

#[test]
fn type_inference_follows_ethers() {
    let base = format!(r#""nonce": 1, "gasLimit": 21000, "chainId": 1, "to": "{TO_35}""#);
    let ty = |more: &str| {
        decode(&format!(r#"{{{base}{more}}}"#))
            .unwrap()
            .transaction_type()
    };
    // What ethers v6.17's Transaction.inferType() returns for the same fields.
    assert_eq!(ty(r#", "gasPrice": "1""#), EthereumTransactionType::Eip2930);
    assert_eq!(
        ty(r#", "gasPrice": "1", "accessList": []"#),
        EthereumTransactionType::Eip2930
    );
    assert_eq!(
        ty(r#", "maxFeePerGas": "1", "maxPriorityFeePerGas": "1""#),
        EthereumTransactionType::Eip1559
    );
    assert_eq!(
        ty(r#", "type": 0, "gasPrice": "1""#),
        EthereumTransactionType::Legacy
    );
}

#[test]
fn from_must_be_the_signer() {
    let json = t2(&format!(
        r#", "to": "{TO_35}", "chainId": 1, "from": "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f""#
    ));
    let request = decode(&json).unwrap();
    let signer: EthereumAddress = "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"
        .parse()
        .unwrap();
    assert!(request.summary(signer).is_ok());
    assert_eq!(sign_with_key(&request, &KEY_46).summary.from, signer);
    assert_eq!(
        request
            .summary(EthereumAddress([0x35; 20]))
            .unwrap_err()
            .code(),
        "TRANSACTION_FROM_MISMATCH"
    );
}

#[test]
fn limits() {
    let big = format!("0x{}", "ab".repeat(MAX_DATA_BYTES));
    let json = t2(&format!(
        r#", "to": "{TO_35}", "chainId": 1, "data": "{big}""#
    ));
    assert_eq!(
        decode(&json)
            .unwrap()
            .summary(EthereumAddress([0; 20]))
            .unwrap()
            .data
            .len(),
        MAX_DATA_BYTES
    );
    let too_big = format!("0x{}", "ab".repeat(MAX_DATA_BYTES + 1));
    let json = t2(&format!(
        r#", "to": "{TO_35}", "chainId": 1, "data": "{too_big}""#
    ));
    assert_eq!(code(&json), "TRANSACTION_TOO_LARGE");
    let entry = format!(r#"{{"address": "{TO_35}", "storageKeys": []}}"#);
    let list = alloc::vec![entry.as_str(); MAX_ACCESS_LIST_ADDRESSES + 1].join(",");
    let json = t2(&format!(
        r#", "to": "{TO_35}", "chainId": 1, "accessList": [{list}]"#
    ));
    assert_eq!(code(&json), "TRANSACTION_TOO_LARGE");
}

#[test]
fn high_s_is_refused() {
    let request = decode(&t2(&format!(r#", "to": "{TO_35}", "chainId": 1"#))).unwrap();
    let signed = sign_with_key(&request, &KEY_46);
    // The same signature with s -> n - s and the parity flipped: valid ECDSA, not EIP-2.
    let n = U256::from_be_bytes(SECP256K1_HALF_ORDER) * U256::from(2u8) + U256::from(1u8);
    let mut s = [0u8; 32];
    s.copy_from_slice(&signed.signature[32..64]);
    let high_s = n - U256::from_be_bytes(s);
    let mut flipped = signed.signature;
    flipped[32..64].copy_from_slice(&high_s.to_be_bytes::<32>());
    flipped[64] ^= 1;
    let from = signed.summary.from;
    // k256 refuses to recover from it already; with_signature checks s itself too.
    assert!(crate::ethereum::recover_address(&request.signing_hash(), &flipped).is_err());
    assert_eq!(
        request.with_signature(from, &flipped).unwrap_err().code(),
        "INVALID_SIGNATURE"
    );
}

#[test]
fn signature_must_recover_to_from() {
    let request = decode(&t2(&format!(r#", "to": "{TO_35}", "chainId": 1"#))).unwrap();
    let signature =
        crate::ethereum::sign_digest_with_secret_key(&KEY_46, &request.signing_hash()).unwrap();
    assert_eq!(
        request
            .with_signature(EthereumAddress([0x35; 20]), &signature)
            .unwrap_err()
            .code(),
        "INVALID_SIGNATURE"
    );
}
