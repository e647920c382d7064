//! The invariants of `decode_ethereum_transaction`.

use keysplit_wallet::ethereum::transaction::{
    EthereumTransactionOptions, EthereumTransactionRequest,
};
use keysplit_wallet::ethereum::{recover_address, sign_digest_with_secret_key};
use keysplit_wallet::summary::EthereumTransactionType;
use keysplit_wallet::EthereumAddress;

/// A fixed signer (the secp256k1 key 0x4646...46 of EIP-155's example).
const KEY: [u8; 32] = [0x46; 32];

fn hex(bytes: &[u8]) -> String {
    let mut out = String::from("0x");
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The decoded request written back as JSON in one canonical form (decimal quantities,
/// lower-case hex, explicit type).
fn to_json(request: &EthereumTransactionRequest, from: EthereumAddress) -> String {
    let s = request
        .summary(from)
        .expect("summary for the declared from");
    let mut fields = vec![
        format!("\"type\": {}", s.transaction_type.number()),
        format!("\"chainId\": \"{}\"", s.chain_id),
        // A JSON number where JavaScript holds it exactly, else a string.
        if s.nonce < 1 << 53 {
            format!("\"nonce\": {}", s.nonce)
        } else {
            format!("\"nonce\": \"{}\"", s.nonce)
        },
        format!("\"value\": \"{}\"", s.value),
        format!("\"data\": \"{}\"", hex(&s.data)),
        format!("\"gasLimit\": \"{}\"", s.gas_limit),
    ];
    if let Some(to) = s.to {
        fields.push(format!("\"to\": \"{}\"", to.to_checksum()));
    }
    match s.transaction_type {
        EthereumTransactionType::Eip1559 => {
            fields.push(format!("\"maxFeePerGas\": \"{:#x}\"", s.max_fee_per_gas));
            let priority = s
                .max_priority_fee_per_gas
                .expect("type 2 has a priority fee");
            fields.push(format!("\"maxPriorityFeePerGas\": \"{priority}\""));
        }
        _ => fields.push(format!("\"gasPrice\": \"{}\"", s.max_fee_per_gas)),
    }
    if s.transaction_type != EthereumTransactionType::Legacy {
        let entries: Vec<String> = request
            .access_list()
            .iter()
            .map(|item| {
                let keys: Vec<String> = item
                    .storage_keys
                    .iter()
                    .map(|k| format!("\"{}\"", hex(k)))
                    .collect();
                format!(
                    "{{\"address\": \"{}\", \"storageKeys\": [{}]}}",
                    hex(&item.address.0),
                    keys.join(",")
                )
            })
            .collect();
        fields.push(format!("\"accessList\": [{}]", entries.join(",")));
    }
    if let Some(declared) = request.declared_from() {
        fields.push(format!("\"from\": \"{declared}\""));
    }
    format!("{{{}}}", fields.join(", "))
}

/// Ethereum transaction JSON: decoding never panics; what decodes without contract
/// creation decodes the same with it; a decoded request written back as JSON decodes
/// to the same request; its signature recovers to the signer and the serialized
/// transaction's hash is Keccak-256 of its bytes.
pub fn decode_ethereum_transaction(data: &[u8]) {
    let strict = EthereumTransactionOptions::default();
    let lenient = EthereumTransactionOptions {
        allow_contract_creation: true,
    };
    let strict_result = EthereumTransactionRequest::from_json(data, &strict);
    let Ok(request) = EthereumTransactionRequest::from_json(data, &lenient) else {
        assert!(
            strict_result.is_err(),
            "accepted only without contract creation"
        );
        return;
    };
    if let Ok(strict_request) = &strict_result {
        assert_eq!(strict_request, &request, "options changed what was decoded");
    } else {
        assert_eq!(
            strict_result.as_ref().map_err(|e| e.code()).err(),
            Some("CONTRACT_CREATION_NOT_ALLOWED"),
            "refused only when contract creation was allowed: {strict_result:?}"
        );
    }
    let signer = request
        .declared_from()
        .unwrap_or(EthereumAddress([0x11; 20]));
    let json = to_json(&request, signer);
    let again = EthereumTransactionRequest::from_json(json.as_bytes(), &lenient)
        .unwrap_or_else(|e| panic!("own JSON {json} refused: {e}"));
    assert_eq!(again, request, "JSON round trip");

    // Sign with the fixed key (its address is the signer unless `from` names another).
    let digest = request.signing_hash();
    let signature = sign_digest_with_secret_key(&KEY, &digest).expect("signing");
    let key_address = recover_address(&digest, &signature).expect("recover");
    match request.with_signature(key_address, &signature) {
        Ok(signed) => {
            assert_eq!(
                signed.hash,
                keysplit_wallet::ethereum::keccak256(&signed.serialized)
            );
            assert_eq!(signed.summary.from, key_address);
            let first = signed.serialized.first().copied();
            match request.transaction_type() {
                EthereumTransactionType::Legacy => assert!(first >= Some(0xc0)),
                ty => assert_eq!(first, Some(ty.number())),
            }
        }
        Err(e) => assert_eq!(
            (e.code(), request.declared_from().is_some()),
            ("TRANSACTION_FROM_MISMATCH", true)
        ),
    }
}
