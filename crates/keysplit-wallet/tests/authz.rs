//! Authorization keys, RFC 8785 and key quorums. Expected values come from RFC 8785's text
//! and from Node's `crypto` + npm `canonicalize` 2.1.0 (fixtures below), never from
//! this crate.

use keysplit_wallet::authz::{
    jcs, split_signature_header, AuthorizationKey, AuthorizationPublicKey, AuthorizationSignature,
    KeyQuorum, RequestPayload, SignatureFailure,
};
use keysplit_wallet::Error;
use rand_core::SeedableRng;

// Made by Node 20: generateKeyPairSync('ec', {namedCurve: 'P-256'}), exported pkcs8/spki
// DER; signatures by crypto.sign('sha256', canonicalize(payload), key) (DER and
// dsaEncoding 'ieee-p1363'); NODE_P1363_OTHER_S is the same signature with s -> n - s,
// which Node's crypto.verify also accepts.
const NODE_KEY: &str = "wallet-auth:MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6A9BK2t2ygL51g8rCEz5uMMEYKSBH6aOkd656+Wih+ihRANCAARnaPtISkH3YHpgV2kAJmIv71z51UWta1NzuvQgR3Cc9YwmBU5R36+rczhY0LcNYmCOSdbWKD/0m11Ye/bBSvEc";
const NODE_SPKI: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZ2j7SEpB92B6YFdpACZiL+9c+dVFrWtTc7r0IEdwnPWMJgVOUd+vq3M4WNC3DWJgjknW1ig/9JtdWHv2wUrxHA==";
const NODE_CANONICAL: &str = r#"{"body":{"method":"eth_signTransaction","params":{"transaction":{"chain_id":1,"to":"0x0000000000000000000000000000000000000001","value":1.5e+21}}},"headers":{"privy-app-id":"app-1","privy-idempotency-key":"k-1","privy-request-expiry":"1800000000000"},"method":"POST","url":"https://api.privy.io/v1/wallets/abc/rpc","version":1}"#;
const NODE_DER: &str = "MEUCIQCGAo5KnfVz7UAzHVdazXMigX0aoX/6/cxxSBUyiTAFAgIgZ2IpF4mFOsO6Js+scb5IItK506HLDhTfkrxqfjZGBks=";
const NODE_P1363: &str =
    "8l26N3RhW6/PGtmz+VxVqqDLNDVu8BUfYEnS7PSQILlf8cwF2tAtizwQV2Bq23QsuhwHJ+E8V+OA0B1Lp8aZnw==";
const NODE_P1363_OTHER_S: &str =
    "8l26N3RhW6/PGtmz+VxVqqDLNDVu8BUfYEnS7PSQILmgDjP5JS/SdcPvqJ+VJIvTAsrzhcXbRqFy6a13VJyLsg==";

/// The Node payload with members shuffled, whitespace added and the number spelled
/// differently.
const NODE_PAYLOAD_SHUFFLED: &str = r#"
  { "url" : "https://api.privy.io/v1/wallets/abc/rpc",
    "headers": { "privy-request-expiry": "1800000000000", "privy-app-id": "app-1",
                 "privy-idempotency-key": "k-1" },
    "method": "POST",
    "body": { "params": { "transaction": { "value": 1500000000000000000000,
        "to": "0x0000000000000000000000000000000000000001", "chain_id": 1.0 } },
        "method": "eth_signTransaction" },
    "version": 1 }
"#;

const BEFORE_EXPIRY: u64 = 1_700_000_000_000;

fn canonical(text: &str) -> String {
    String::from_utf8(jcs::canonicalize(
        &jcs::parse_strict(text.as_bytes()).unwrap(),
    ))
    .unwrap()
}

fn rng(seed: u8) -> chacha20::ChaCha20Rng {
    chacha20::ChaCha20Rng::from_seed([seed; 32])
}

// ---- RFC 8785 -------------------------------------------------------------------------

/// RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical text (the same values
/// printed by Node's canonicalize).
#[test]
fn rfc8785_appendix_b_numbers() {
    let cases: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];
    for &(bits, expected) in cases {
        let f = f64::from_bits(bits);
        let value = serde_json::Number::from_f64(f)
            .map(serde_json::Value::Number)
            .unwrap();
        let got = String::from_utf8(jcs::canonicalize(&value)).unwrap();
        assert_eq!(got, expected, "bits {bits:016x}");
        // Reading the canonical text back gives the same double and the same text.
        assert_eq!(canonical(expected), expected, "re-read {expected}");
        // And the shortest form ryu/serde_json prints (1e21 style) reads to the same.
        let plain = format!("{f:e}");
        assert_eq!(canonical(&plain), expected, "from {plain}");
    }
}

/// RFC 8785 section 3.2.2 / 3.2.4 sample.
#[test]
fn rfc8785_section_3_2_2_sample() {
    let input = r#"{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#;
    let expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
    assert_eq!(canonical(input), expected);
}

/// RFC 8785 section 3.2.3: member names sorted by UTF-16 code units.
#[test]
fn rfc8785_section_3_2_3_sorting() {
    let input = r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(canonical(input), expected);
}

#[test]
fn jcs_escapes_and_nesting() {
    assert_eq!(
        canonical(r#"[ "\u0001\u001f\u007f\u2028", {} , [] ]"#),
        "[\"\\u0001\\u001f\u{7f}\u{2028}\",{},[]]"
    );
    assert_eq!(canonical("-0.0"), "0");
    assert_eq!(canonical("1e-7"), "1e-7");
    assert_eq!(
        canonical("123456789012345678901234"),
        "1.2345678901234569e+23"
    ); // Node: String(123456789012345678901234)
    assert_eq!(canonical("9007199254740993"), "9007199254740992");
}

#[test]
fn jcs_refuses_duplicates_and_bad_json() {
    assert_eq!(
        jcs::parse_strict(br#"{"a":1,"a":2}"#),
        Err(jcs::ParseError::DuplicateMember)
    );
    assert_eq!(
        jcs::parse_strict(br#"[{"b":{"a":1,"a":1}}]"#),
        Err(jcs::ParseError::DuplicateMember)
    );
    for bad in [
        &b"{"[..],
        b"[1,]",
        b"\"\\ud800\"",
        b"1 2",
        b"NaN",
        b"",
        b"{\"a\":1}x",
    ] {
        assert_eq!(
            jcs::parse_strict(bad),
            Err(jcs::ParseError::Syntax),
            "{bad:?}"
        );
    }
    let deep = "[".repeat(200) + &"]".repeat(200);
    assert_eq!(
        jcs::parse_strict(deep.as_bytes()),
        Err(jcs::ParseError::Syntax)
    );
}

// ---- keys and signatures --------------------------------------------------------------

#[test]
fn node_key_reads_and_round_trips() {
    let key = AuthorizationKey::from_text(NODE_KEY).unwrap();
    assert_eq!(key.public_key().to_base64(), NODE_SPKI);
    // Bare base64 PKCS#8 (WebCrypto exportKey('pkcs8')) reads too.
    let bare = NODE_KEY.strip_prefix("wallet-auth:").unwrap();
    assert_eq!(
        AuthorizationKey::from_text(bare)
            .unwrap()
            .public_key()
            .to_base64(),
        NODE_SPKI
    );
    // Re-encoding reads back to the same key.
    let text = key.to_wallet_auth().unwrap();
    assert!(text.starts_with("wallet-auth:"));
    let again = AuthorizationKey::from_text(&text).unwrap();
    assert_eq!(again.public_key(), key.public_key());
    // Debug never shows the private key.
    let debug = format!("{key:?}");
    assert!(
        !debug.contains(bare) && !debug.contains(&text[12..]),
        "{debug}"
    );
    assert!(debug.contains(NODE_SPKI));
}

#[test]
fn pem_forms_read() {
    let der = <base64ct::Base64 as base64ct::Encoding>::decode_vec(
        NODE_KEY.strip_prefix("wallet-auth:").unwrap(),
    )
    .unwrap();
    let pem = pem_wrap("PRIVATE KEY", &der);
    assert_eq!(
        AuthorizationKey::from_text(&pem)
            .unwrap()
            .public_key()
            .to_base64(),
        NODE_SPKI
    );
    let spki = <base64ct::Base64 as base64ct::Encoding>::decode_vec(NODE_SPKI).unwrap();
    let pem = pem_wrap("PUBLIC KEY", &spki);
    assert_eq!(
        AuthorizationPublicKey::from_text(&pem).unwrap().to_base64(),
        NODE_SPKI
    );
}

fn pem_wrap(label: &str, der: &[u8]) -> String {
    let b64 = <base64ct::Base64 as base64ct::Encoding>::encode_string(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[test]
fn bad_keys_are_refused() {
    for bad in [
        "",
        "wallet-auth:",
        "wallet-auth:not base64!",
        "wallet-auth:AAAA",
        NODE_SPKI, // a public key is not a private key
        &NODE_KEY[..NODE_KEY.len() - 8],
    ] {
        assert_eq!(
            AuthorizationKey::from_text(bad).unwrap_err(),
            Error::InvalidAuthorizationKey,
            "{bad}"
        );
    }
    for bad in ["", "AAAA", "%%%", &NODE_KEY[12..], &NODE_SPKI[..40]] {
        assert_eq!(
            AuthorizationPublicKey::from_text(bad).unwrap_err().code(),
            "INVALID_AUTHORIZATION_PUBLIC_KEY",
            "{bad}"
        );
    }
    // A secp256k1 SPKI key (Node: generateKeyPairSync('ec', {namedCurve: 'secp256k1'})) is refused.
    let k1 = "MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEI+e3LigTRzU5mfUP0ln2hmrgcqvMUZhlGB9C6GtEROc8j2liU60R4p45DHKW/dJbt0wuT6ppY9jQF5jjpLBZnA==";
    assert!(AuthorizationPublicKey::from_text(k1).is_err());
}

#[test]
fn node_signatures_verify_in_every_form() {
    let payload = RequestPayload::from_json(NODE_PAYLOAD_SHUFFLED.as_bytes()).unwrap();
    assert_eq!(
        std::str::from_utf8(payload.canonical_bytes()).unwrap(),
        NODE_CANONICAL
    );
    let public = AuthorizationPublicKey::from_text(NODE_SPKI).unwrap();
    for sig in [NODE_DER, NODE_P1363, NODE_P1363_OTHER_S] {
        let sig = AuthorizationSignature::from_base64(sig).unwrap();
        assert!(public.verify(&payload, &sig), "{sig:?}");
    }
    // DER and P1363 forms of one signature are the same signature.
    let der = AuthorizationSignature::from_base64(NODE_DER).unwrap();
    let p1363 = <base64ct::Base64 as base64ct::Encoding>::encode_string(&der.to_p1363());
    assert_eq!(AuthorizationSignature::from_base64(&p1363).unwrap(), der);
    assert_eq!(
        AuthorizationSignature::from_base64(&p1363)
            .unwrap()
            .to_base64(),
        NODE_DER
    );
    // A changed payload does not verify.
    let other =
        RequestPayload::from_json(NODE_PAYLOAD_SHUFFLED.replace("k-1", "k-2").as_bytes()).unwrap();
    assert!(!public.verify(
        &other,
        &AuthorizationSignature::from_base64(NODE_DER).unwrap()
    ));
}

#[test]
fn keysplit_signs_deterministic_low_s() {
    let key = AuthorizationKey::from_text(NODE_KEY).unwrap();
    let payload = RequestPayload::from_json(NODE_CANONICAL.as_bytes()).unwrap();
    let a = key.sign(&payload);
    let b = key.sign(&payload);
    assert_eq!(a, b, "RFC 6979");
    assert!(key.public_key().verify(&payload, &a));
    // Low s: the upper half of the order starts at 0x7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8.
    let s = &a.to_p1363()[32..];
    let half: [u8; 32] =
        hex::decode("7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8")
            .unwrap()
            .try_into()
            .unwrap();
    assert!(s <= &half[..]);
}

#[test]
fn bad_signatures_are_refused() {
    for bad in [
        "",
        "AAAA",
        "not base64",
        &"A".repeat(200),
        "MAYCAQACAQA=",
        &NODE_P1363[..84],
    ] {
        assert_eq!(
            AuthorizationSignature::from_base64(bad).unwrap_err(),
            Error::InvalidAuthorizationSignature,
            "{bad}"
        );
    }
    // r = 0 in P1363 form.
    let zero = <base64ct::Base64 as base64ct::Encoding>::encode_string(&[0u8; 64]);
    assert!(AuthorizationSignature::from_base64(&zero).is_err());
}

// ---- payloads -------------------------------------------------------------------------

#[test]
fn malformed_payloads_have_reasons() {
    let cases: &[(&str, &str)] = &[
        ("[]", "not a JSON object"),
        ("{", "not valid JSON"),
        (r#"{"method":"POST","url":"u"}"#, "no version"),
        (r#"{"version":2,"method":"POST","url":"u"}"#, "not 1"),
        (r#"{"version":"1","method":"POST","url":"u"}"#, "not 1"),
        (r#"{"version":1,"url":"u"}"#, "no method"),
        (r#"{"version":1,"method":"POST"}"#, "no url"),
        (r#"{"version":1,"method":7,"url":"u"}"#, "method"),
        (
            r#"{"version":1,"method":"POST","url":"u","headers":[]}"#,
            "headers",
        ),
        (
            r#"{"version":1,"method":"POST","url":"u","extra":1}"#,
            "other than",
        ),
        (
            r#"{"version":1,"version":1,"method":"POST","url":"u"}"#,
            "twice",
        ),
        (
            r#"{"version":1,"method":"POST","url":"u","headers":{"privy-request-expiry":"soon"}}"#,
            "expiry",
        ),
        (
            r#"{"version":1,"method":"POST","url":"u","headers":{"privy-request-expiry":-5}}"#,
            "expiry",
        ),
        (
            r#"{"version":1,"method":"POST","url":"u","headers":{"privy-request-expiry":"99999999999999999999"}}"#,
            "expiry",
        ),
    ];
    for (text, reason) in cases {
        let err = RequestPayload::from_json(text.as_bytes()).unwrap_err();
        assert_eq!(err.code(), "INVALID_REQUEST_PAYLOAD", "{text}");
        assert!(err.to_string().contains(reason), "{text}: {err}");
    }
    // body and headers may be left out.
    assert!(RequestPayload::from_json(br#"{"version":1,"method":"DELETE","url":"u"}"#).is_ok());
}

#[test]
fn expiry() {
    let p = |e: &str| {
        RequestPayload::from_json(
            format!(r#"{{"version":1,"method":"POST","url":"u","body":{{}},"headers":{{"privy-request-expiry":{e}}}}}"#).as_bytes(),
        )
        .unwrap()
    };
    assert_eq!(p("\"1000\"").expiry_ms(), Some(1000));
    assert_eq!(p("1000").expiry_ms(), Some(1000));
    assert_eq!(p("1e3").expiry_ms(), Some(1000));
    assert_eq!(p("9007199254740991").expiry_ms(), Some(9007199254740991));
    // Beyond 2^53 a JSON number is not one exact instant once signed as a double.
    for bad in ["9223372036854775808", "9007199254740993", "1.5", "-1"] {
        let text = format!(
            r#"{{"version":1,"method":"POST","url":"u","headers":{{"privy-request-expiry":{bad}}}}}"#
        );
        assert_eq!(
            RequestPayload::from_json(text.as_bytes())
                .unwrap_err()
                .code(),
            "INVALID_REQUEST_PAYLOAD",
            "{bad}"
        );
    }
    assert!(p("\"1000\"").check_expiry(999).is_ok());
    assert!(p("\"1000\"").check_expiry(1000).is_ok());
    assert_eq!(
        p("\"1000\"").check_expiry(1001).unwrap_err(),
        Error::RequestExpired {
            expiry_ms: 1000,
            now_ms: 1001
        }
    );
    assert_eq!(
        p("\"1000\"").check_expiry(1001).unwrap_err().code(),
        "REQUEST_EXPIRED"
    );
}

// ---- quorums --------------------------------------------------------------------------

fn three_keys() -> [AuthorizationKey; 3] {
    let mut r = rng(7);
    [
        AuthorizationKey::generate(&mut r),
        AuthorizationKey::generate(&mut r),
        AuthorizationKey::generate(&mut r),
    ]
}

fn quorum_json(threshold: usize, keys: &[&AuthorizationPublicKey]) -> String {
    let members: Vec<String> = keys
        .iter()
        .map(|k| format!("\"{}\"", k.to_base64()))
        .collect();
    format!(
        r#"{{"threshold": {threshold}, "members": [{}]}}"#,
        members.join(",")
    )
}

#[test]
fn two_of_three() {
    let keys = three_keys();
    let publics: Vec<_> = keys.iter().map(|k| k.public_key()).collect();
    let quorum =
        KeyQuorum::from_json(quorum_json(2, &[&publics[0], &publics[1], &publics[2]]).as_bytes())
            .unwrap();
    assert_eq!(quorum.threshold(), 2);
    let payload = RequestPayload::from_json(NODE_PAYLOAD_SHUFFLED.as_bytes()).unwrap();
    let s: Vec<String> = keys.iter().map(|k| k.sign(&payload).to_base64()).collect();
    let outsider = AuthorizationKey::generate(&mut rng(9))
        .sign(&payload)
        .to_base64();

    // Met: members 0 and 2.
    let report = quorum
        .verify(&payload, &[&s[2], &s[0]], BEFORE_EXPIRY)
        .unwrap();
    assert_eq!(report.signers, vec![2, 0]);
    assert!(report.failures.is_empty());
    // Met with all three, and through a comma-separated header with spaces.
    let header = format!("{}, {},{}", s[0], s[1], s[2]);
    assert_eq!(
        quorum
            .verify_header(&payload, &header, BEFORE_EXPIRY)
            .unwrap()
            .signed(),
        3
    );

    // One member only.
    let err = quorum
        .verify(&payload, &[&s[1]], BEFORE_EXPIRY)
        .unwrap_err();
    assert_eq!(
        err,
        Error::QuorumNotMet {
            threshold: 2,
            signed: 1,
            first_failure: None
        }
    );
    assert_eq!(err.code(), "QUORUM_NOT_MET");

    // The same signature twice counts once.
    let err = quorum
        .verify(&payload, &[&s[1], &s[1]], BEFORE_EXPIRY)
        .unwrap_err();
    assert_eq!(
        err,
        Error::QuorumNotMet {
            threshold: 2,
            signed: 1,
            first_failure: Some((1, SignatureFailure::Duplicate { member: 1 }))
        }
    );
    // A high-s twin of a member's signature is the same signer: still one.
    let p1363 = AuthorizationSignature::from_base64(&s[1])
        .unwrap()
        .to_p1363();
    let twin = negate_s(&p1363);
    let twin_b64 = <base64ct::Base64 as base64ct::Encoding>::encode_string(&twin);
    assert_ne!(twin_b64, s[1]);
    let report = quorum.evaluate(&payload, &[&s[1], &twin_b64]);
    assert_eq!(report.signers, vec![1]);
    assert_eq!(
        report.failures,
        vec![(1, SignatureFailure::Duplicate { member: 1 })]
    );

    // A non-member does not count.
    let err = quorum
        .verify(&payload, &[outsider.as_str(), &s[0]], BEFORE_EXPIRY)
        .unwrap_err();
    assert_eq!(
        err,
        Error::QuorumNotMet {
            threshold: 2,
            signed: 1,
            first_failure: Some((0, SignatureFailure::NoMember))
        }
    );
    // A malformed signature does not count and does not stop the others.
    let report = quorum.evaluate(&payload, &["???", &s[0], &s[1]]);
    assert_eq!(report.signers, vec![0, 1]);
    assert_eq!(report.failures, vec![(0, SignatureFailure::Malformed)]);
    assert!(report.is_met());

    // A tampered payload: nobody's signature verifies.
    let tampered = RequestPayload::from_json(
        NODE_PAYLOAD_SHUFFLED
            .replace(
                "0x0000000000000000000000000000000000000001",
                "0x0000000000000000000000000000000000000002",
            )
            .as_bytes(),
    )
    .unwrap();
    let report = quorum.evaluate(&tampered, &[&s[0], &s[1], &s[2]]);
    assert_eq!(report.signed(), 0);
    assert_eq!(report.failures.len(), 3);

    // Expired: refused before any signature is looked at.
    let err = quorum
        .verify(&payload, &[&s[0], &s[1]], 1_800_000_000_001)
        .unwrap_err();
    assert_eq!(err.code(), "REQUEST_EXPIRED");
    assert!(err.to_string().contains("1800000000000"));
}

/// s -> n - s on a P1363 signature (big-endian subtraction from the P-256 order).
fn negate_s(sig: &[u8; 64]) -> [u8; 64] {
    let n =
        hex::decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551").unwrap();
    let mut out = *sig;
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = n[i] as i16 - sig[32 + i] as i16 - borrow;
        borrow = if d < 0 { 1 } else { 0 };
        out[32 + i] = (d + 256 * borrow) as u8;
    }
    out
}

#[test]
fn quorum_json_refusals() {
    let keys = three_keys();
    let p: Vec<_> = keys.iter().map(|k| k.public_key()).collect();
    let m = |s: &str| KeyQuorum::from_json(s.as_bytes()).unwrap_err();
    let cases = [
        (quorum_json(0, &[&p[0], &p[1]]), "threshold is 0"),
        (quorum_json(3, &[&p[0], &p[1]]), "above"),
        (quorum_json(1, &[&p[0], &p[0]]), "twice"),
        (quorum_json(1, &[]), "no members"),
        (r#"{"threshold":1}"#.to_string(), "no members"),
        (format!(r#"{{"members":["{}"]}}"#, p[0]), "no threshold"),
        (
            format!(r#"{{"threshold":1,"members":["{}"],"name":"x"}}"#, p[0]),
            "other than",
        ),
        (
            format!(r#"{{"threshold":1.5,"members":["{}"]}}"#, p[0]),
            "whole number",
        ),
        (
            format!(r#"{{"threshold":-1,"members":["{}"]}}"#, p[0]),
            "whole number",
        ),
        (
            format!(r#"{{"threshold":"1","members":["{}"]}}"#, p[0]),
            "not a number",
        ),
        (r#"{"threshold":1,"members":["AAAA"]}"#.to_string(), "SPKI"),
        (r#"{"threshold":1,"members":[7]}"#.to_string(), "SPKI"),
        (r#"{"threshold":1,"members":"x"}"#.to_string(), "not a list"),
        ("[]".to_string(), "not a JSON object"),
        ("nope".to_string(), "not valid JSON"),
    ];
    for (text, reason) in cases {
        let err = m(&text);
        assert_eq!(err.code(), "INVALID_KEY_QUORUM", "{text}");
        assert!(err.to_string().contains(reason), "{text}: {err}");
    }
    // The same key in PEM and base64 forms is still the same member.
    let spki = <base64ct::Base64 as base64ct::Encoding>::decode_vec(&p[0].to_base64()).unwrap();
    let pem = pem_wrap("PUBLIC KEY", &spki).replace('\n', "\\n");
    let text = format!(r#"{{"threshold":1,"members":["{}","{pem}"]}}"#, p[0]);
    assert!(m(&text).to_string().contains("twice"));
}

#[test]
fn header_splitting() {
    assert_eq!(
        split_signature_header(" a ,b,, c ").unwrap(),
        vec!["a", "b", "c"]
    );
    assert!(split_signature_header("").unwrap().is_empty());
    let many = vec!["x"; 65].join(",");
    assert_eq!(
        split_signature_header(&many).unwrap_err().code(),
        "TOO_MANY_SIGNATURES"
    );
}
