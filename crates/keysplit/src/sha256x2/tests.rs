use super::*;
use alloc::vec;
use alloc::vec::Vec;
use sha2::{Digest, Sha256};

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed)
        .collect()
}

#[test]
fn nist_vectors() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            b"abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
    ];
    for (input, expected) in cases {
        let mut lane = Lane::new();
        lane.update(input);
        assert_eq!(hex::encode(lane.finalize()), expected);
        let (mut a, mut b) = (Lane::new(), Lane::new());
        update2(&mut a, &mut b, input, input);
        assert_eq!(hex::encode(a.finalize()), expected);
        assert_eq!(hex::encode(b.finalize()), expected);
    }
    // One million 'a' (FIPS 180-2 appendix B.3), in uneven pieces, two lanes at once.
    let million = vec![b'a'; 1_000_000];
    let (mut a, mut b) = (Lane::new(), Lane::new());
    for piece in million.chunks(99_991) {
        update2(&mut a, &mut b, piece, piece);
    }
    let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    assert_eq!(hex::encode(a.finalize()), expected);
    assert_eq!(hex::encode(b.finalize()), expected);
}

#[test]
fn equals_the_sha2_crate_on_every_short_length() {
    for len in 0..300 {
        let x = data(len, 1);
        let y = data(len + 7, 2);
        let mut one = Lane::new();
        one.update(&x);
        assert_eq!(one.finalize()[..], Sha256::digest(&x)[..], "len {len}");
        // Two lanes at different offsets in their blocks, fed in pieces.
        let mut a = Lane::new_with_prefix(&y[..7]);
        let mut b = Lane::new_with_prefix(&x[..len.min(3)]);
        let (xs, ys) = (&x[len.min(3)..], &y[7..]);
        let cut = len / 3;
        update2(&mut a, &mut b, &ys[..cut], &xs[..cut.min(xs.len())]);
        update2(&mut a, &mut b, &ys[cut..], &xs[cut.min(xs.len())..]);
        assert_eq!(a.finalize()[..], Sha256::digest(&y)[..], "len {len}");
        assert_eq!(b.finalize()[..], Sha256::digest(&x)[..], "len {len}");
    }
}

#[test]
fn equals_the_sha2_crate_on_large_inputs_split_across_updates() {
    let x = data(1 << 20, 3);
    let y = data((1 << 20) + 33, 4);
    for pieces in [1usize, 7, 64, 4097] {
        let (mut a, mut b) = (Lane::new_with_prefix(b"header"), Lane::new());
        let mut sa = Sha256::new_with_prefix(b"header");
        let step = x.len() / pieces + 1;
        let mut used = 0;
        for (px, py) in x.chunks(step).zip(y.chunks(step)) {
            update2(&mut a, &mut b, px, py);
            sa.update(px);
            used += py.len();
        }
        b.update(&y[used..]);
        assert_eq!(a.finalize()[..], sa.finalize()[..], "pieces {pieces}");
        assert_eq!(b.finalize()[..], Sha256::digest(&y)[..], "pieces {pieces}");
    }
}

#[test]
fn one_shot_digests_equal_the_sha2_crate_around_the_padded_limit() {
    // 0..300 crosses every block boundary of the padded copy and its limit (247 bytes),
    // beyond which the incremental lane takes over.
    for len in 0..300 {
        let x = data(len, 5);
        let expected = Sha256::digest(&x);
        let cut = len / 3;
        assert_eq!(digest(&[&x])[..], expected[..], "len {len}");
        assert_eq!(
            digest(&[&x[..cut], &x[cut..]])[..],
            expected[..],
            "len {len}"
        );
        assert_eq!(digest_lanes([&x[..]])[0][..], expected[..], "len {len}");
    }
}

#[test]
fn lanes_of_unequal_lengths_each_get_their_own_digest() {
    let lens = [0usize, 55, 56, 64, 93, 119, 120, 200, 247, 248, 1000];
    for &a in &lens {
        for &b in &lens {
            let (x, y) = (data(a, 6), data(b, 7));
            let z = data(a + b / 2, 8);
            let w = data(b + 3, 9);
            let [dx, dy] = digest_lanes([&x, &y]);
            assert_eq!(dx[..], Sha256::digest(&x)[..], "lens {a} {b}");
            assert_eq!(dy[..], Sha256::digest(&y)[..], "lens {a} {b}");
            let three = digest_lanes([&x, &y, &z]);
            let four = digest_lanes([&w, &x, &y, &z]);
            for (got, input) in three.iter().zip([&x, &y, &z]) {
                assert_eq!(got[..], Sha256::digest(input)[..], "lens {a} {b}");
            }
            for (got, input) in four.iter().zip([&w, &x, &y, &z]) {
                assert_eq!(got[..], Sha256::digest(input)[..], "lens {a} {b}");
            }
        }
    }
}
