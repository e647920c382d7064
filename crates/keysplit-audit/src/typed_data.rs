//! Invariants of the EIP-712 typed-data decoder (`eth_signTypedData_v4` JSON) on untrusted
//! input.

use keysplit_wallet::ethereum::typed_data::TypedData;
use keysplit_wallet::ethereum::typed_data_digest;

/// Fuzz target `decode_typed_data`: arbitrary bytes as typed-data JSON. Never a panic;
/// a refusal is a `TYPED_DATA_*` error; an accepted request's digest is
/// `keccak256(0x1901 || domainSeparator || hashStruct(message))` of its own parts, and the
/// same JSON re-serialised (keys sorted, whitespace gone) decodes to the same request.
pub fn decode_typed_data(data: &[u8]) {
    let typed = match TypedData::from_json(data) {
        Ok(typed) => typed,
        Err(error) => {
            assert!(
                error.code().starts_with("TYPED_DATA_"),
                "unexpected error {error:?}"
            );
            return;
        }
    };
    assert_eq!(
        typed.digest(),
        typed_data_digest(&typed.domain_separator(), &typed.message_hash()),
        "digest of the parts"
    );
    let value: serde_json::Value =
        serde_json::from_slice(data).expect("accepted typed data is JSON");
    let again = serde_json::to_vec(&value).expect("JSON re-serialises");
    let reparsed = TypedData::from_json(&again).expect("re-serialised typed data decodes");
    assert_eq!(reparsed, typed, "re-serialised typed data differs");
}
