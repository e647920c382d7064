//! Unit tests of EIP-712 typed data: the specification's example and every refusal.

use super::json::{parse_json, Json, Path};
use super::types::{parse_field_type, Types};
use super::*;
use crate::summary::U256;

/// The example of the EIP-712 specification (eips.ethereum.org/EIPS/eip-712,
/// `assets/eip-712/Example.js`), with the hashes it prints.
const MAIL: &str = r#"{
      "types": {
        "EIP712Domain": [
          {"name": "name", "type": "string"},
          {"name": "version", "type": "string"},
          {"name": "chainId", "type": "uint256"},
          {"name": "verifyingContract", "type": "address"}
        ],
        "Person": [
          {"name": "name", "type": "string"},
          {"name": "wallet", "type": "address"}
        ],
        "Mail": [
          {"name": "from", "type": "Person"},
          {"name": "to", "type": "Person"},
          {"name": "contents", "type": "string"}
        ]
      },
      "primaryType": "Mail",
      "domain": {
        "name": "Ether Mail",
        "version": "1",
        "chainId": 1,
        "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
      },
      "message": {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": "Hello, Bob!"
      }
    }"#;

fn hex32(text: &str) -> [u8; 32] {
    let bytes = hex::decode(text).expect("test hex");
    bytes.try_into().expect("32 bytes")
}

fn code(json: &str) -> &'static str {
    match TypedData::from_json(json.as_bytes()) {
        Ok(_) => "OK",
        Err(e) => e.code(),
    }
}

#[test]
fn eip712_mail_example() {
    let typed = TypedData::from_json(MAIL.as_bytes()).expect("the spec's example");
    assert_eq!(
        typed.domain_separator(),
        hex32("f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f")
    );
    assert_eq!(
        typed.message_hash(),
        hex32("c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e")
    );
    assert_eq!(
        typed.digest(),
        hex32("be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")
    );
    assert_eq!(typed.primary_type(), "Mail");
    let domain = typed.domain();
    assert_eq!(domain.name.as_deref(), Some("Ether Mail"));
    assert_eq!(domain.version.as_deref(), Some("1"));
    assert_eq!(domain.chain_id, Some(U256::from(1u8)));
    assert_eq!(
        domain
            .verifying_contract
            .map(|a| a.to_checksum())
            .as_deref(),
        Some("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC")
    );
    assert_eq!(domain.salt, None);
}

#[test]
fn eip712_mail_signature() {
    // The spec's example signs with keccak256("cow"); its signature is
    // v = 28, r = 0x4355c47d..., s = 0x07299936... .
    let key = crate::ethereum::keccak256(b"cow");
    let typed = TypedData::from_json(MAIL.as_bytes()).expect("example");
    let sig = crate::ethereum::sign_digest_with_secret_key(&key, &typed.digest()).expect("sign");
    assert_eq!(
        hex::encode(&sig[..32]),
        "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
    );
    assert_eq!(
        hex::encode(&sig[32..64]),
        "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"
    );
    assert_eq!(sig[64], 28);
}

#[test]
fn refusals_have_their_codes() {
    let with = |from: &str, to: &str| MAIL.replacen(from, to, 1);
    assert_eq!(code(MAIL), "OK");
    assert_eq!(code("[]"), "TYPED_DATA_WRONG_KIND");
    assert_eq!(code("{"), "TYPED_DATA_JSON");
    assert_eq!(
        code(&with(r#""primaryType""#, r#""extra": 1, "primaryType""#)),
        "TYPED_DATA_UNKNOWN_FIELD"
    );
    assert_eq!(
        code(&with(
            r#""contents": "Hello, Bob!""#,
            r#""contents": "a", "contents": "b""#
        )),
        "TYPED_DATA_DUPLICATE_KEY"
    );
    assert_eq!(
        code(&with(r#""type": "Person"}"#, r#""type": "Persona"}"#)),
        "TYPED_DATA_UNDEFINED_TYPE"
    );
    assert_eq!(
        code(&with(
            r#"{"name": "wallet", "type": "address"}"#,
            r#"{"name": "wallet", "type": "address"}, {"name": "boss", "type": "Mail"}"#
        )),
        "TYPED_DATA_CYCLIC_TYPE"
    );
    assert_eq!(
        code(&with(
            "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB",
            "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbb"
        )),
        "TYPED_DATA_INVALID_ADDRESS"
    );
    assert_eq!(
        code(&with(
            r#""contents": "Hello, Bob!""#,
            r#""contents": "x", "cc": 1"#
        )),
        "TYPED_DATA_UNKNOWN_FIELD"
    );
    assert_eq!(
        code(&with(
            r#""name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826""#,
            r#""name": "Cow""#
        )),
        "TYPED_DATA_MISSING_FIELD"
    );
    assert_eq!(
        code(&with(r#""chainId": 1"#, r#""chainId": 1.5"#)),
        "TYPED_DATA_NOT_INTEGER"
    );
    assert_eq!(
        code(&with(r#""chainId": 1"#, r#""chainId": -1"#)),
        "TYPED_DATA_OUT_OF_RANGE"
    );
    assert_eq!(
        code(&with(
            r#""primaryType": "Mail""#,
            r#""primaryType": "EIP712Domain""#
        )),
        "TYPED_DATA_PRIMARY_TYPE"
    );
    assert_eq!(
        code(&with(r#"{"name": "salt""#, r#"{"name": "nonce""#)),
        "OK",
        "no salt field in the example: the replacement must not apply"
    );
    assert_eq!(
        code(&with(
            r#"{"name": "version", "type": "string"}"#,
            r#"{"name": "version", "type": "uint256"}"#
        )),
        "TYPED_DATA_DOMAIN_FIELD"
    );
    assert_eq!(
        code(&with(
            r#""name": "contents", "type": "string""#,
            r#""name": "contents", "type": "string,address x""#
        )),
        "TYPED_DATA_INVALID_TYPE"
    );
    assert_eq!(
        code(&with(r#""name": "contents""#, r#""name": "con tents""#)),
        "TYPED_DATA_INVALID_FIELD_NAME"
    );
}

fn one_field(ty: &str, value: &str) -> &'static str {
    let json = alloc::format!(
        r#"{{"types": {{"EIP712Domain": [], "T": [{{"name": "v", "type": "{ty}"}}]}},
               "primaryType": "T", "domain": {{}}, "message": {{"v": {value}}}}}"#
    );
    code(&json)
}

#[test]
fn integer_ranges() {
    assert_eq!(one_field("uint8", "255"), "OK");
    assert_eq!(one_field("uint8", "256"), "TYPED_DATA_OUT_OF_RANGE");
    assert_eq!(one_field("uint8", "\"0xff\""), "OK");
    assert_eq!(one_field("uint8", "\"0x100\""), "TYPED_DATA_OUT_OF_RANGE");
    assert_eq!(one_field("uint8", "-1"), "TYPED_DATA_OUT_OF_RANGE");
    assert_eq!(one_field("uint8", "\"-0\""), "OK");
    assert_eq!(one_field("int8", "-128"), "OK");
    assert_eq!(one_field("int8", "-129"), "TYPED_DATA_OUT_OF_RANGE");
    assert_eq!(one_field("int8", "127"), "OK");
    assert_eq!(one_field("int8", "128"), "TYPED_DATA_OUT_OF_RANGE");
    let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    assert_eq!(one_field("uint256", &alloc::format!("\"{max}\"")), "OK");
    assert_eq!(
        one_field(
            "uint256",
            "\"115792089237316195423570985008687907853269984665640564039457584007913129639936\""
        ),
        "TYPED_DATA_OUT_OF_RANGE"
    );
    assert_eq!(
        one_field(
            "int256",
            "\"-57896044618658097711785492504343953926634992332820282019728792003956564819968\""
        ),
        "OK"
    );
    assert_eq!(
        one_field(
            "int256",
            "\"57896044618658097711785492504343953926634992332820282019728792003956564819968\""
        ),
        "TYPED_DATA_OUT_OF_RANGE"
    );
    assert_eq!(one_field("uint256", "1e3"), "TYPED_DATA_NOT_INTEGER");
    assert_eq!(one_field("uint64", "9007199254740991"), "OK");
    assert_eq!(
        one_field("uint64", "9007199254740992"),
        "TYPED_DATA_NOT_INTEGER"
    );
    assert_eq!(one_field("uint64", "\"9007199254740992\""), "OK");
    assert_eq!(one_field("int64", "-9007199254740991"), "OK");
    assert_eq!(
        one_field("int64", "-9007199254740992"),
        "TYPED_DATA_NOT_INTEGER"
    );
    assert_eq!(one_field("uint256", "\"\""), "TYPED_DATA_NOT_INTEGER");
    assert_eq!(one_field("uint256", "\"0x\""), "TYPED_DATA_NOT_INTEGER");
    assert_eq!(one_field("uint256", "\"12a\""), "TYPED_DATA_NOT_INTEGER");
    assert_eq!(one_field("uint256", "\" 1\""), "TYPED_DATA_NOT_INTEGER");
    assert_eq!(one_field("uint7", "1"), "TYPED_DATA_INVALID_TYPE");
    assert_eq!(one_field("uint264", "1"), "TYPED_DATA_INVALID_TYPE");
    assert_eq!(one_field("uint08", "1"), "TYPED_DATA_INVALID_TYPE");
    assert_eq!(one_field("bytes33", "1"), "TYPED_DATA_INVALID_TYPE");
    assert_eq!(one_field("bytes2", "\"0x0102\""), "OK");
    assert_eq!(one_field("bytes2", "\"0x01\""), "TYPED_DATA_BYTES_LENGTH");
    assert_eq!(one_field("bytes", "\"0x0\""), "TYPED_DATA_INVALID_HEX");
    assert_eq!(one_field("bytes", "\"0xzz\""), "TYPED_DATA_INVALID_HEX");
    assert_eq!(one_field("bool", "1"), "TYPED_DATA_WRONG_KIND");
    assert_eq!(one_field("uint8[2]", "[1, 2]"), "OK");
    assert_eq!(one_field("uint8[2]", "[1]"), "TYPED_DATA_ARRAY_LENGTH");
    assert_eq!(one_field("uint8[0]", "[]"), "TYPED_DATA_INVALID_TYPE");
    assert_eq!(one_field("uint8[][]", "[[1], []]"), "OK");
    assert_eq!(one_field("uint8[", "[]"), "TYPED_DATA_INVALID_TYPE");
    assert_eq!(one_field("uint8[]x", "[]"), "TYPED_DATA_INVALID_TYPE");
    assert_eq!(
        one_field("uint8[][][][][][][][][]", "[]"),
        "TYPED_DATA_TOO_COMPLEX"
    );
}

#[test]
fn negative_int_is_twos_complement() {
    // hashStruct(T{v: -1}) = keccak(typeHash || 0xff..ff); the encoding is checked
    // through the word, the hashes through the oracle tests.
    let types = Types::parse(
        &parse_json(br#"{"EIP712Domain": [], "T": [{"name": "v", "type": "int16"}]}"#)
            .expect("json"),
    )
    .expect("types");
    let ty = parse_field_type("int16").expect("type");
    let word = types
        .encode_value(&ty, &[], &Json::Int(-1), &Path::Root("v"))
        .expect("encode");
    assert_eq!(word, [0xff; 32]);
    let word = types
        .encode_value(&ty, &[], &Json::Str("-0x8000".into()), &Path::Root("v"))
        .expect("encode");
    let mut expected = [0xff; 32];
    expected[30] = 0x80;
    expected[31] = 0x00;
    assert_eq!(word, expected);
}

#[test]
fn encode_type_sorts_dependencies() {
    let types = Types::parse(
        &parse_json(
            br#"{"EIP712Domain": [],
                "Z": [{"name": "b", "type": "B[]"}, {"name": "a", "type": "A"}],
                "A": [{"name": "x", "type": "uint256"}],
                "B": [{"name": "a", "type": "A[2]"}]}"#,
        )
        .expect("json"),
    )
    .expect("types");
    assert_eq!(types.encode_type("Z"), "Z(B[] b,A a)A(uint256 x)B(A[2] a)");
}
