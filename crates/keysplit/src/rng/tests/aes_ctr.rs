//! AES-256-CTR against NIST SP 800-38A F.5.5 and against AES applied one counter block at
//! a time; `DefaultRng` against the generator it says it runs.

use alloc::vec::Vec;

use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};
use aes::Aes256;
#[cfg(feature = "os-rng")]
use chacha20::ChaCha20Rng;
use proptest::prelude::*;
use rand_core::{Rng, SeedableRng};

#[cfg(feature = "os-rng")]
use super::Call;
use super::{call, run};
use crate::rng::AesCtrRng;
#[cfg(feature = "os-rng")]
use crate::rng::DefaultRng;

/// `AES-256(key, counter)`, `AES-256(key, counter + 1)`, ...: `blocks` blocks, each
/// encrypted on its own (no buffering, no batching: the plainest reading of CTR mode).
fn block_by_block(key: [u8; 32], counter: u128, blocks: usize) -> Vec<u8> {
    let cipher = Aes256::new(&Array::from(key));
    let mut out = Vec::new();
    for i in 0..blocks {
        let mut block = Array::from(counter.wrapping_add(i as u128).to_be_bytes());
        cipher.encrypt_block(&mut block);
        out.extend_from_slice(&block);
    }
    out
}

#[test]
fn sp800_38a_f55_keystream() {
    // NIST SP 800-38A, F.5.5 CTR-AES256.Encrypt: the keystream is ciphertext XOR
    // plaintext.
    let key: [u8; 32] =
        hex::decode("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
            .unwrap()
            .try_into()
            .unwrap();
    let counter = u128::from_be_bytes(
        hex::decode("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
            .unwrap()
            .try_into()
            .unwrap(),
    );
    let plaintext = hex::decode(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
         30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
    )
    .unwrap();
    let ciphertext = hex::decode(
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5\
         2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
    )
    .unwrap();
    let expected: Vec<u8> = plaintext
        .iter()
        .zip(&ciphertext)
        .map(|(p, c)| p ^ c)
        .collect();

    // In one call (whole blocks straight into the caller's buffer) ...
    let mut whole = [0u8; 64];
    AesCtrRng::with_counter(key, counter).fill_bytes(&mut whole);
    assert_eq!(whole[..], expected[..]);

    // ... and in pieces that cross the block boundaries (through the buffer).
    let mut rng = AesCtrRng::with_counter(key, counter);
    let mut pieces = Vec::new();
    pieces.extend_from_slice(&rng.next_u32().to_le_bytes());
    let mut odd = [0u8; 13];
    rng.fill_bytes(&mut odd);
    pieces.extend_from_slice(&odd);
    pieces.extend_from_slice(&rng.next_u64().to_le_bytes());
    let mut rest = [0u8; 39];
    rng.fill_bytes(&mut rest);
    pieces.extend_from_slice(&rest);
    assert_eq!(pieces, expected);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any sequence of calls hands out the keystream in order, no byte skipped or repeated.
    #[test]
    fn any_calls_give_the_keystream_in_order(
        seed in any::<[u8; 32]>(),
        calls in proptest::collection::vec(call(), 0..40),
    ) {
        let ours = run(&mut AesCtrRng::from_seed(seed), &calls);
        let reference = block_by_block(seed, 0, ours.len().div_ceil(16));
        prop_assert_eq!(&ours[..], &reference[..ours.len()]);
    }
}

#[test]
fn rekeys_from_its_own_keystream_after_the_limit() {
    let key = [0x3c; 32];
    let counter = 0x0123_4567_89ab_cdef_u128 << 40;
    // Three blocks left under `key`, then the next two blocks are the new key, never
    // output, and the counter restarts at 0 under it.
    let old = block_by_block(key, counter, 5);
    let new_key: [u8; 32] = old[48..80].try_into().unwrap();
    let mut expected = old[..48].to_vec();
    expected.extend(block_by_block(new_key, 0, 300));

    let mut bulk = alloc::vec![0u8; expected.len()];
    AesCtrRng::near_rekey(key, counter, 3).fill_bytes(&mut bulk);
    assert_eq!(bulk, expected, "one call across the limit");

    let mut rng = AesCtrRng::near_rekey(key, counter, 3);
    let mut small = Vec::new();
    while small.len() < expected.len() {
        small.extend_from_slice(&rng.next_u32().to_le_bytes());
    }
    assert_eq!(small, expected, "four bytes at a time across the limit");
}

#[cfg(feature = "os-rng")]
#[test]
fn default_rng_runs_the_generator_it_names() {
    let seed = [0x5a; 32];
    let calls = [Call::Bytes(3), Call::U64, Call::Bytes(4100), Call::U32];

    let mut aes = DefaultRng::from_seed_choosing(seed, true);
    assert_eq!(aes.algorithm(), "AES-256-CTR");
    assert_eq!(
        run(&mut aes, &calls),
        run(&mut AesCtrRng::from_seed(seed), &calls)
    );

    let mut chacha = DefaultRng::from_seed_choosing(seed, false);
    assert_eq!(chacha.algorithm(), "ChaCha20");
    assert_eq!(
        run(&mut chacha, &calls),
        run(&mut ChaCha20Rng::from_seed(seed), &calls)
    );
}

/// AES only where the CPU has it, asked here through `std`'s own detection.
#[cfg(all(feature = "os-rng", feature = "std", target_arch = "x86_64"))]
#[test]
fn default_rng_uses_aes_exactly_where_the_cpu_has_it() {
    let expected = if std::arch::is_x86_feature_detected!("aes") {
        "AES-256-CTR"
    } else {
        "ChaCha20"
    };
    assert_eq!(DefaultRng::from_seed([1; 32]).algorithm(), expected);
}

#[test]
fn debug_hides_the_state() {
    assert_eq!(
        alloc::format!("{:?}", AesCtrRng::from_seed([7; 32])),
        "AesCtrRng { .. }"
    );
}

#[cfg(feature = "os-rng")]
#[test]
fn debug_names_the_default_generator_only() {
    let rng = DefaultRng::from_seed_choosing([7; 32], true);
    assert_eq!(alloc::format!("{rng:?}"), "DefaultRng(AES-256-CTR { .. })");
}
