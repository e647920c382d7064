//! Authorization requests: payload, quorum and signature parsing (issue 15).

use std::sync::OnceLock;

use chacha20::ChaCha20Rng;
use keysplit_wallet::authz::{
    jcs, split_signature_header, AuthorizationKey, AuthorizationPublicKey, AuthorizationSignature,
    KeyQuorum, RequestPayload, SignatureFailure,
};
use rand_core::SeedableRng;

use crate::items;

/// Three fixed authorization keys and their 2-of-3 quorum.
pub fn fixture_authz() -> &'static (Vec<AuthorizationKey>, KeyQuorum) {
    static FIXTURE: OnceLock<(Vec<AuthorizationKey>, KeyQuorum)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = ChaCha20Rng::from_seed([15; 32]);
        let keys: Vec<AuthorizationKey> = (0..3)
            .map(|_| AuthorizationKey::generate(&mut rng))
            .collect();
        let quorum = KeyQuorum::new(2, keys.iter().map(|k| k.public_key()).collect())
            .expect("fixture quorum");
        (keys, quorum)
    })
}

/// Items: a request payload (JSON), a key quorum (JSON), then signature texts (each may
/// be a comma-separated header value). Nothing panics; canonical JSON is a fixed point;
/// parsed quorums, keys and signatures re-encode to themselves; a quorum report counts
/// each signature once, as a distinct signer or a failure; the fixture's own signature
/// over an accepted payload always counts.
pub fn decode_authz(data: &[u8]) {
    let parts = items(data);
    let payload_text = parts.first().copied().unwrap_or(data);
    let quorum_text = parts.get(1).copied().unwrap_or(&[]);
    let signature_items = parts.get(2..).unwrap_or(&[]);

    // RFC 8785 on any JSON: canonical form is a fixed point.
    if let Ok(value) = jcs::parse_strict(payload_text) {
        let canonical = jcs::canonicalize(&value);
        let again = jcs::parse_strict(&canonical).expect("canonical JSON must parse");
        assert_eq!(
            jcs::canonicalize(&again),
            canonical,
            "JCS is not idempotent"
        );
    }

    let payload = RequestPayload::from_json(payload_text).ok();
    if let Some(payload) = &payload {
        let again = RequestPayload::from_json(payload.canonical_bytes())
            .expect("a payload's canonical form must be a payload");
        assert_eq!(again.canonical_bytes(), payload.canonical_bytes());
        assert_eq!(again.expiry_ms(), payload.expiry_ms());
    }

    let quorum = KeyQuorum::from_json(quorum_text).ok();
    if let Some(quorum) = &quorum {
        assert!(quorum.threshold() >= 1 && quorum.threshold() <= quorum.members().len());
        for member in quorum.members() {
            let again = AuthorizationPublicKey::from_text(&member.to_base64()).expect("own SPKI");
            assert_eq!(&again, member, "public key round trip");
        }
    }
    let _ = AuthorizationPublicKey::from_text(&String::from_utf8_lossy(quorum_text));
    let _ = AuthorizationKey::from_text(&String::from_utf8_lossy(quorum_text));

    let mut signatures: Vec<String> = Vec::new();
    for item in signature_items {
        let text = String::from_utf8_lossy(item);
        if let Ok(sig) = AuthorizationSignature::from_base64(&text) {
            let again = AuthorizationSignature::from_base64(&sig.to_base64()).expect("own DER");
            assert_eq!(again, sig, "signature round trip");
            let p1363 = AuthorizationSignature::from_bytes(&sig.to_p1363()).expect("own P1363");
            assert_eq!(p1363, sig, "P1363 round trip");
        }
        if let Ok(list) = split_signature_header(&text) {
            signatures.extend(list.into_iter().map(str::to_owned));
        }
    }
    signatures.truncate(16);

    let Some(payload) = payload else { return };
    let (keys, fixture) = fixture_authz();
    for quorum in [Some(fixture), quorum.as_ref()].into_iter().flatten() {
        let report = quorum.evaluate(&payload, &signatures);
        assert_eq!(
            report.signers.len() + report.failures.len(),
            signatures.len()
        );
        let mut seen = report.signers.clone();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), report.signers.len(), "a member counted twice");
        assert!(report.signers.iter().all(|&m| m < quorum.members().len()));
        let _ = quorum.verify(&payload, &signatures, 0);
    }
    // A genuine member signature over an accepted payload always counts, once.
    let own = keys[0].sign(&payload).to_base64();
    let report = fixture.evaluate(&payload, &[own.as_str(), own.as_str()]);
    assert_eq!(report.signers, vec![0]);
    assert_eq!(
        report.failures,
        vec![(1, SignatureFailure::Duplicate { member: 0 })]
    );
}

/// Base64 of a signature's 64-byte IEEE P1363 form (for corpora).
pub fn base64_p1363(signature: &AuthorizationSignature) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(&signature.to_p1363())
}
