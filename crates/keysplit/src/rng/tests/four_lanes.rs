//! The four-lane ChaCha20 (with its portable lanes: the simd128 lanes run in the wasm
//! crate's wasm-bindgen tests) against RustCrypto's `ChaCha20Rng` and RFC 8439's vector.

use chacha20::ChaCha20Rng;
use proptest::prelude::*;
use rand_core::{Rng, SeedableRng};

use super::{call, run, Call};
use crate::rng::four_lanes::{blocks4, SimdChaCha20Rng, BATCH};

fn key_words(seed: &[u8; 32]) -> [u32; 8] {
    core::array::from_fn(|i| {
        u32::from_le_bytes([
            seed[4 * i],
            seed[4 * i + 1],
            seed[4 * i + 2],
            seed[4 * i + 3],
        ])
    })
}

#[test]
fn rfc8439_block_vector() {
    // RFC 8439 2.3.2: key 00..1f, nonce 00:00:00:09 00:00:00:4a 00:00:00:00, block count
    // 1. In the 64/64 layout the nonce's first word is the counter's high word.
    let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
    let mut out = [0u8; BATCH];
    blocks4(
        &key_words(&seed),
        (0x0900_0000u64 << 32) | 1,
        [0x4a00_0000, 0],
        &mut out,
    );
    let expected = hex::decode(
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e\
         d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
    )
    .unwrap();
    assert_eq!(out[..64], expected[..]);
}

#[test]
fn all_zero_key_vector() {
    // RFC 8439 A.1, test vector #1: the all-zero key and nonce, block 0.
    let mut rng = SimdChaCha20Rng::from_seed([0; 32]);
    let mut out = [0u8; 64];
    rng.fill_bytes(&mut out);
    let expected = hex::decode(
        "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7\
         da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
    )
    .unwrap();
    assert_eq!(out[..], expected[..]);
}

#[test]
fn four_blocks_match_chacha20rng_across_counter_carries() {
    let seed: [u8; 32] = core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5c);
    for stream in [0u64, 0xA0B0_C0D0_0102_0304] {
        for counter in [0u64, 5, 0xFFFF_FFFE, 0xFFFF_FFFF, 0x1_FFFF_FFFD] {
            let mut out = [0u8; BATCH];
            blocks4(
                &key_words(&seed),
                counter,
                [stream as u32, (stream >> 32) as u32],
                &mut out,
            );
            let mut reference = ChaCha20Rng::from_seed(seed);
            reference.set_stream(stream);
            reference.set_block_pos(counter);
            let mut expected = [0u8; BATCH];
            reference.fill_bytes(&mut expected);
            assert_eq!(out, expected, "stream {stream:#x}, counter {counter:#x}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any sequence of calls gives what `ChaCha20Rng` gives for it: the same keystream,
    /// consumed the same way (whole words, a partly used word dropped).
    #[test]
    fn any_calls_match_chacha20rng(
        seed in any::<[u8; 32]>(),
        calls in proptest::collection::vec(call(), 0..40),
    ) {
        let ours = run(&mut SimdChaCha20Rng::from_seed(seed), &calls);
        let reference = run(&mut ChaCha20Rng::from_seed(seed), &calls);
        prop_assert_eq!(ours, reference);
    }
}

#[test]
fn the_exported_type_matches_chacha20rng() {
    let calls = [
        Call::Bytes(1),
        Call::U64,
        Call::Bytes(300),
        Call::U32,
        Call::Bytes(4097),
    ];
    let seed = [0x42; 32];
    assert_eq!(
        run(&mut crate::hazmat::SimdChaCha20Rng::from_seed(seed), &calls),
        run(&mut ChaCha20Rng::from_seed(seed), &calls)
    );
}

#[test]
fn debug_hides_the_state() {
    let rng = SimdChaCha20Rng::from_seed([7; 32]);
    assert_eq!(alloc::format!("{rng:?}"), "SimdChaCha20Rng { .. }");
}
