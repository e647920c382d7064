use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use hpke::Serializable;
use rand_core::SeedableRng;

use super::*;
use crate::authz::RequestPayload;
use crate::seal::{Protection, ShareKey};

/// The answer of a release for `wallet` at `epoch` with `digest`.
fn answer<'a>(
    wallet: &'a WalletId,
    epoch: u32,
    digest: &'a [u8; 32],
    enc: &'a [u8],
    ciphertext: &'a [u8],
) -> ReleaseAnswer<'a> {
    ReleaseAnswer {
        wallet_id: wallet,
        epoch,
        request_digest: digest,
        enc,
        ciphertext,
    }
}

fn unhex(text: &str) -> Vec<u8> {
    keysplit::hazmat::decode_hex(text).unwrap().to_vec()
}

fn rng() -> keysplit::ChaCha20Rng {
    keysplit::ChaCha20Rng::from_seed([0x5a; 32])
}

/// A generator that returns fixed bytes: the `ikm` of RFC 9180's test vectors.
struct Fixed(Vec<u8>);

impl rand_core::TryRng for Fixed {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!("only fill_bytes is used")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!("only fill_bytes is used")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        assert_eq!(dst.len(), self.0.len(), "one draw of the whole ikm");
        dst.copy_from_slice(&self.0);
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Fixed {}

// RFC 9180, appendix A.5.1: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305,
// base mode, encryption with sequence number 0.
const A5_INFO: &str = "4f6465206f6e2061204772656369616e2055726e";
const A5_IKM_E: &str = "f1f1a3bc95416871539ecb51c3a8f0cf608afb40fbbe305c0a72819d35c33f1f";
const A5_IKM_R: &str = "61092f3f56994dd424405899154a9918353e3e008171517ad576b900ddb275e7";
const A5_PK_RM: &str = "04a697bffde9405c992883c5c439d6cc358170b51af72812333b015621dc0f40\
                        bad9bb726f68a5c013806a790ec716ab8669f84f6b694596c2987cf35baba2a006";
const A5_ENC: &str = "04c07836a0206e04e31d8ae99bfd549380b072a1b1b82e563c935c095827824f\
                      c1559eac6fb9e3c70cd3193968994e7fe9781aa103f5b50e934b5b2f387e381291";
const A5_PT: &str = "4265617574792069732074727574682c20747275746820626561757479";
const A5_AAD: &str = "436f756e742d30";
const A5_CT: &str = "6469c41c5c81d3aa85432531ecf6460ec945bde1eb428cb2fedf7a29f5a685b4\
                     ccb0d057f03ea2952a27bb458b";

#[test]
fn rfc9180_a5_vector() {
    let key = ReleaseKey::generate(&mut Fixed(unhex(A5_IKM_R)));
    assert_eq!(key.public_key().to_vec(), unhex(A5_PK_RM));
    let recipient = HpkePublicKey::from_bytes(&key.public_key()).unwrap();
    let sealed = hpke_seal(
        recipient.as_hpke(),
        &unhex(A5_INFO),
        &unhex(A5_AAD),
        &unhex(A5_PT),
        &mut Fixed(unhex(A5_IKM_E)),
    )
    .unwrap();
    assert_eq!(sealed.enc.to_vec(), unhex(A5_ENC));
    assert_eq!(sealed.ciphertext, unhex(A5_CT));
    let opened = hpke_open(
        &key.secret,
        &unhex(A5_ENC),
        &unhex(A5_INFO),
        &unhex(A5_AAD),
        &unhex(A5_CT),
    )
    .unwrap();
    assert_eq!(&opened[..], &unhex(A5_PT)[..]);
}

#[test]
fn labels_and_info_layout() {
    assert_eq!(RELEASE_INFO_LABEL, b"keysplit-server/v1/auth-share-release");
    assert_eq!(EXPORT_INFO_LABEL, b"keysplit/v1/mnemonic-export");
    let id = WalletId([0xab; 16]);
    let mut expected = b"keysplit-server/v1/auth-share-release".to_vec();
    expected.extend_from_slice(&[0xab; 16]);
    expected.extend_from_slice(&[0, 0, 1, 2]);
    assert_eq!(release_info(&id, 0x0102), expected);
    let mut expected = b"keysplit/v1/mnemonic-export".to_vec();
    expected.extend_from_slice(&[0xab; 16]);
    assert_eq!(export_info(&id), expected);
}

#[test]
fn request_digest_is_sha256_of_the_rfc8785_form() {
    // Members out of order, whitespace, a non-ASCII string: the canonical text below was
    // written by hand (RFC 8785: sorted keys, no whitespace, UTF-8), and its SHA-256
    // computed with Python's hashlib.
    let payload = RequestPayload::from_json(
        "{ \"version\": 1, \"url\": \"https://s.example/v1/wallets/00/release\", \
         \"method\": \"POST\", \"headers\": {\"privy-request-expiry\": \"1765000000000\", \
         \"privy-idempotency-key\": \"k1\"}, \"body\": {\"params\": {\"message\": \"hi \u{20ac}\", \
         \"encoding\": \"utf-8\"}, \"method\": \"personal_sign\"} }"
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(
        payload.canonical_bytes(),
        "{\"body\":{\"method\":\"personal_sign\",\"params\":{\"encoding\":\"utf-8\",\
         \"message\":\"hi \u{20ac}\"}},\"headers\":{\"privy-idempotency-key\":\"k1\",\
         \"privy-request-expiry\":\"1765000000000\"},\"method\":\"POST\",\
         \"url\":\"https://s.example/v1/wallets/00/release\",\"version\":1}"
            .as_bytes()
    );
    assert_eq!(
        request_digest(&payload).to_vec(),
        unhex("71fc155d86e965393964ecc44c842376fc2a3fcf853668776453828886c99618")
    );
}

#[test]
fn public_keys_are_uncompressed_points_only() {
    let key = ReleaseKey::generate(&mut rng());
    let bytes = key.public_key();
    assert_eq!(bytes[0], 4);
    assert_eq!(HpkePublicKey::from_bytes(&bytes).unwrap().to_bytes(), bytes);
    let refused = |b: &[u8]| HpkePublicKey::from_bytes(b).unwrap_err();
    assert_eq!(refused(&bytes[..64]), Error::InvalidHpkePublicKey);
    assert_eq!(
        refused(&[bytes.as_slice(), &[0]].concat()),
        Error::InvalidHpkePublicKey
    );
    assert_eq!(refused(&[]), Error::InvalidHpkePublicKey);
    // The compressed form of the same point (33 bytes) and a 65-byte hybrid tag.
    let mut compressed = vec![2 + (bytes[64] & 1)];
    compressed.extend_from_slice(&bytes[1..33]);
    assert_eq!(refused(&compressed), Error::InvalidHpkePublicKey);
    let mut hybrid = bytes;
    hybrid[0] = 6 + (bytes[64] & 1);
    assert_eq!(refused(&hybrid), Error::InvalidHpkePublicKey);
    let mut off_curve = bytes;
    off_curve[64] ^= 1;
    assert_eq!(refused(&off_curve), Error::InvalidHpkePublicKey);
    assert_eq!(refused(&[4u8; 65]), Error::InvalidHpkePublicKey);
    let mut zero = [0u8; 65];
    zero[0] = 4;
    assert_eq!(refused(&zero), Error::InvalidHpkePublicKey);
    assert_eq!(
        Error::InvalidHpkePublicKey.code(),
        "INVALID_HPKE_PUBLIC_KEY"
    );
}

struct Fixture {
    wallet: WalletId,
    epoch: u32,
    digest: [u8; 32],
    auth_key: [u8; 32],
    share: SealedShare,
    key: ReleaseKey,
    sealed: Sealed,
}

impl Fixture {
    /// The fixture's own release, answered as sealed.
    fn release(&self) -> Result<Released, Error> {
        self.key.open(&answer(
            &self.wallet,
            self.epoch,
            &self.digest,
            &self.sealed.enc,
            &self.sealed.ciphertext,
        ))
    }
}

fn sealed_share(
    role: Role,
    wallet: &WalletId,
    epoch: u32,
    r: &mut keysplit::ChaCha20Rng,
) -> SealedShare {
    let share = keysplit::split(&[0x11; 16], 2, 3, r).unwrap().remove(0);
    let key = ShareKey::from_bytes(&[0x22; 32]);
    SealedShare::seal(&share, role, wallet, epoch, Protection::Key(&key), r).unwrap()
}

fn fixture() -> Fixture {
    let mut r = rng();
    let wallet = WalletId([0x3c; 16]);
    let epoch = 5;
    let share = sealed_share(Role::Auth, &wallet, epoch, &mut r);
    let key = ReleaseKey::generate(&mut r);
    let recipient = HpkePublicKey::from_bytes(&key.public_key()).unwrap();
    let digest = [0x42; 32];
    let auth_key = [0x22; 32];
    let sealed = seal_release(
        &recipient,
        &wallet,
        epoch,
        &digest,
        &auth_key,
        share.as_bytes(),
        &mut r,
    )
    .unwrap();
    Fixture {
        wallet,
        epoch,
        digest,
        auth_key,
        share,
        key,
        sealed,
    }
}

fn rejected(result: Result<Released, Error>) {
    match result {
        Err(e @ Error::ReleaseRejected { .. }) => assert_eq!(e.code(), "RELEASE_REJECTED"),
        Err(other) => panic!("expected ReleaseRejected, got {other:?}"),
        Ok(_) => panic!("expected ReleaseRejected, the release opened"),
    }
}

#[test]
fn release_round_trip() {
    let f = fixture();
    assert_eq!(
        f.sealed.ciphertext.len(),
        32 + f.share.as_bytes().len() + TAG_LEN
    );
    assert!(!f.sealed.ciphertext.windows(32).any(|w| w == f.auth_key));
    let released = f.release().unwrap();
    assert_eq!(*released.auth_key, f.auth_key);
    assert_eq!(&released.sealed_auth_share[..], f.share.as_bytes());
    // The share opens with the released key.
    let share = SealedShare::from_bytes(&released.sealed_auth_share).unwrap();
    share
        .open(crate::Unlock::Key(&ShareKey::from_bytes(
            &released.auth_key,
        )))
        .unwrap();
}

#[test]
fn release_for_another_digest_wallet_epoch_or_key_is_rejected() {
    let f = fixture();
    let (enc, ct) = (&f.sealed.enc[..], &f.sealed.ciphertext[..]);
    let mut other_digest = f.digest;
    other_digest[31] ^= 1;
    rejected(
        f.key
            .open(&answer(&f.wallet, f.epoch, &other_digest, enc, ct)),
    );
    rejected(f.key.open(&answer(&f.wallet, f.epoch, &[0; 32], enc, ct)));
    rejected(
        f.key
            .open(&answer(&WalletId([0x3d; 16]), f.epoch, &f.digest, enc, ct)),
    );
    rejected(
        f.key
            .open(&answer(&f.wallet, f.epoch + 1, &f.digest, enc, ct)),
    );
    rejected(
        f.key
            .open(&answer(&f.wallet, f.epoch - 1, &f.digest, enc, ct)),
    );
    let other_key = ReleaseKey::generate(&mut keysplit::ChaCha20Rng::from_seed([7; 32]));
    rejected(other_key.open(&answer(&f.wallet, f.epoch, &f.digest, enc, ct)));
}

#[test]
fn altered_or_truncated_releases_are_rejected() {
    let f = fixture();
    let (enc, ct) = (&f.sealed.enc[..], &f.sealed.ciphertext[..]);
    for cut in 0..ct.len() {
        rejected(
            f.key
                .open(&answer(&f.wallet, f.epoch, &f.digest, enc, &ct[..cut])),
        );
    }
    rejected(f.key.open(&answer(
        &f.wallet,
        f.epoch,
        &f.digest,
        enc,
        &[ct, &[0]].concat(),
    )));
    for at in [0, 31, 32, ct.len() - TAG_LEN - 1, ct.len() - 1] {
        let mut flipped = ct.to_vec();
        flipped[at] ^= 0x80;
        rejected(
            f.key
                .open(&answer(&f.wallet, f.epoch, &f.digest, enc, &flipped)),
        );
    }
    // enc: another point, not a point, the wrong length, the compressed form.
    let other = ReleaseKey::generate(&mut keysplit::ChaCha20Rng::from_seed([8; 32]));
    rejected(f.key.open(&answer(
        &f.wallet,
        f.epoch,
        &f.digest,
        &other.public_key(),
        ct,
    )));
    let mut off_curve = f.sealed.enc;
    off_curve[64] ^= 1;
    rejected(
        f.key
            .open(&answer(&f.wallet, f.epoch, &f.digest, &off_curve, ct)),
    );
    rejected(
        f.key
            .open(&answer(&f.wallet, f.epoch, &f.digest, &enc[..33], ct)),
    );
    rejected(f.key.open(&answer(&f.wallet, f.epoch, &f.digest, &[], ct)));
    let mut compressed = vec![2 + (enc[64] & 1)];
    compressed.extend_from_slice(&enc[1..33]);
    rejected(
        f.key
            .open(&answer(&f.wallet, f.epoch, &f.digest, &compressed, ct)),
    );
}

#[test]
fn plaintexts_that_are_not_releases_are_rejected() {
    let f = fixture();
    let recipient = HpkePublicKey::from_bytes(&f.key.public_key()).unwrap();
    let info = release_info(&f.wallet, f.epoch);
    let mut r = rng();
    let mut open_plaintext = |plaintext: &[u8]| {
        let sealed = hpke_seal(recipient.as_hpke(), &info, &f.digest, plaintext, &mut r).unwrap();
        f.key.open(&answer(
            &f.wallet,
            f.epoch,
            &f.digest,
            &sealed.enc,
            &sealed.ciphertext,
        ))
    };
    // Sealed with the right key, info and digest, but not `key || auth share`.
    rejected(open_plaintext(&[]));
    rejected(open_plaintext(&[0x22; 31]));
    rejected(open_plaintext(&[0x22; 32]));
    rejected(open_plaintext(&[0x22; 200]));
    let key_then = |share: &SealedShare| [&[0x22u8; 32][..], share.as_bytes()].concat();
    // The device or recovery share, another wallet's or another epoch's auth share.
    let device = sealed_share(Role::Device, &f.wallet, f.epoch, &mut rng());
    rejected(open_plaintext(&key_then(&device)));
    let recovery = sealed_share(Role::Recovery, &f.wallet, f.epoch, &mut rng());
    rejected(open_plaintext(&key_then(&recovery)));
    let other_wallet = sealed_share(Role::Auth, &WalletId([1; 16]), f.epoch, &mut rng());
    rejected(open_plaintext(&key_then(&other_wallet)));
    let old = sealed_share(Role::Auth, &f.wallet, f.epoch - 1, &mut rng());
    rejected(open_plaintext(&key_then(&old)));
    // A share with a byte cut off the header; and the right one still opens this way.
    let share = key_then(&f.share);
    rejected(open_plaintext(&share[..40]));
    assert!(open_plaintext(&share).is_ok());
}

#[test]
fn export_round_trip_and_refusals() {
    let mut r = rng();
    let recipient = ReleaseKey::generate(&mut r);
    let wallet = WalletId([0x77; 16]);
    let mnemonic = b"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    let sealed = seal_to_recipient(&recipient.public_key(), &wallet, mnemonic, &mut r).unwrap();
    assert_eq!(sealed.ciphertext.len(), mnemonic.len() + TAG_LEN);
    let opened = open_from_sender(&recipient, &wallet, &sealed.enc, &sealed.ciphertext).unwrap();
    assert_eq!(&opened[..], &mnemonic[..]);
    // The export info, empty aad: what an independent implementation would open.
    let raw = hpke_open(
        &recipient.secret,
        &sealed.enc,
        &export_info(&wallet),
        &[],
        &sealed.ciphertext,
    );
    assert_eq!(&raw.unwrap()[..], &mnemonic[..]);

    let refused =
        |r: Result<Zeroizing<Vec<u8>>, Error>| assert_eq!(r.unwrap_err(), Error::ExportRejected);
    refused(open_from_sender(
        &recipient,
        &WalletId([0x78; 16]),
        &sealed.enc,
        &sealed.ciphertext,
    ));
    let other = ReleaseKey::generate(&mut r);
    refused(open_from_sender(
        &other,
        &wallet,
        &sealed.enc,
        &sealed.ciphertext,
    ));
    refused(open_from_sender(
        &recipient,
        &wallet,
        &sealed.enc,
        &sealed.ciphertext[1..],
    ));
    refused(open_from_sender(
        &recipient,
        &wallet,
        &sealed.enc[1..],
        &sealed.ciphertext,
    ));
    // A release's info does not open an export, nor the other way round.
    let as_release = hpke_seal(
        &HpkePublicKey::from_bytes(&recipient.public_key())
            .unwrap()
            .into_hpke(),
        &release_info(&wallet, 0),
        &[],
        mnemonic,
        &mut r,
    )
    .unwrap();
    refused(open_from_sender(
        &recipient,
        &wallet,
        &as_release.enc,
        &as_release.ciphertext,
    ));
    assert_eq!(
        seal_to_recipient(&recipient.public_key()[..64], &wallet, mnemonic, &mut r).unwrap_err(),
        Error::InvalidHpkePublicKey
    );
    assert_eq!(Error::ExportRejected.code(), "EXPORT_REJECTED");
}

#[test]
fn debug_output_redacts_secrets() {
    let f = fixture();
    let secret_hex = keysplit::hazmat::encode_hex(&f.key.secret.to_bytes());
    let shown = format!("{:?}", f.key);
    assert!(shown.contains(keysplit::hazmat::encode_hex(&f.key.public_key()).as_str()));
    assert!(!shown.contains(secret_hex.as_str()));
    let released = f.release().unwrap();
    let shown = format!("{released:?}");
    assert!(!shown.contains("34, 34"), "{shown}");
    assert!(!shown.contains("2222"), "{shown}");
    assert!(shown.contains("redacted"));
}

#[test]
fn recovery_key_release_round_trip_and_refusals() {
    let mut r = rng();
    let wallet = WalletId([0x5e; 16]);
    let epoch = 9;
    let digest = [0x17; 32];
    let recovery_key = [0x99u8; RECOVERY_KEY_LEN];
    let key = ReleaseKey::generate(&mut r);
    let recipient = HpkePublicKey::from_bytes(&key.public_key()).unwrap();
    let sealed =
        seal_recovery_key(&recipient, &wallet, epoch, &digest, &recovery_key, &mut r).unwrap();
    assert_eq!(sealed.ciphertext.len(), RECOVERY_KEY_LEN + TAG_LEN);
    let opened = key
        .open_recovery_key(&answer(
            &wallet,
            epoch,
            &digest,
            &sealed.enc,
            &sealed.ciphertext,
        ))
        .unwrap();
    assert_eq!(*opened, recovery_key);

    // The info layout, written out by hand: label || wallet id || epoch (u32 BE).
    assert_eq!(
        RECOVERY_KEY_INFO_LABEL,
        b"keysplit-server/v1/recovery-key-release"
    );
    let mut info = b"keysplit-server/v1/recovery-key-release".to_vec();
    info.extend_from_slice(&[0x5e; 16]);
    info.extend_from_slice(&[0, 0, 0, 9]);
    assert_eq!(recovery_key_info(&wallet, epoch), info);
    let raw = hpke_open(&key.secret, &sealed.enc, &info, &digest, &sealed.ciphertext).unwrap();
    assert_eq!(&raw[..], &recovery_key[..]);

    let rejected_key = |result: Result<Zeroizing<[u8; 32]>, Error>| match result {
        Err(e @ Error::ReleaseRejected { .. }) => assert_eq!(e.code(), "RELEASE_REJECTED"),
        Err(other) => panic!("expected ReleaseRejected, got {other:?}"),
        Ok(_) => panic!("expected ReleaseRejected, the recovery key opened"),
    };
    let (enc, ct) = (&sealed.enc[..], &sealed.ciphertext[..]);
    // Another digest, wallet, epoch or key; altered or truncated.
    rejected_key(key.open_recovery_key(&answer(&wallet, epoch, &[0; 32], enc, ct)));
    rejected_key(key.open_recovery_key(&answer(&WalletId([1; 16]), epoch, &digest, enc, ct)));
    rejected_key(key.open_recovery_key(&answer(&wallet, epoch + 1, &digest, enc, ct)));
    let other = ReleaseKey::generate(&mut r);
    rejected_key(other.open_recovery_key(&answer(&wallet, epoch, &digest, enc, ct)));
    rejected_key(key.open_recovery_key(&answer(&wallet, epoch, &digest, enc, &ct[1..])));
    rejected_key(key.open_recovery_key(&answer(&wallet, epoch, &digest, &enc[..64], ct)));
    // Sealed under the auth-share release's info: neither opens as the other.
    let as_release = hpke_seal(
        recipient.as_hpke(),
        &release_info(&wallet, epoch),
        &digest,
        &recovery_key,
        &mut r,
    )
    .unwrap();
    rejected_key(key.open_recovery_key(&answer(
        &wallet,
        epoch,
        &digest,
        &as_release.enc,
        &as_release.ciphertext,
    )));
    rejected(key.open(&answer(&wallet, epoch, &digest, enc, ct)));
    // The right info, but not 32 bytes.
    for len in [0usize, 31, 33, 64] {
        let wrong =
            hpke_seal(recipient.as_hpke(), &info, &digest, &vec![7u8; len], &mut r).unwrap();
        rejected_key(key.open_recovery_key(&answer(
            &wallet,
            epoch,
            &digest,
            &wrong.enc,
            &wrong.ciphertext,
        )));
    }
}
