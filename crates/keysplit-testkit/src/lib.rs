//! Deterministic byte generators for keysplit's tests, benchmarks and constant-time
//! harness. **Never for real use**: they implement [`CryptoRng`](rand_core::CryptoRng)
//! only so that keysplit's functions accept them.
//!
//! Every generator here is a [`TestRng`]: a plain byte stream, however the reads are
//! sized. `next_u32` and `next_u64` read the next 4 or 8 bytes of the stream as a
//! little-endian number, so a test's expectations depend only on the bytes, never on how
//! keysplit asks for them.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use chacha20::cipher::{KeyIvInit, StreamCipher};

/// Where a [`TestRng`] gets its bytes.
pub trait Bytes {
    /// Fills `dst` with the next `dst.len()` bytes of the stream.
    fn fill(&mut self, dst: &mut [u8]);
}

impl<F: FnMut(&mut [u8])> Bytes for F {
    fn fill(&mut self, dst: &mut [u8]) {
        self(dst)
    }
}

/// A deterministic generator serving the byte stream of `B` (see the crate docs).
pub struct TestRng<B>(pub B);

impl<B: Bytes> rand_core::TryRng for TestRng<B> {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.0.fill(&mut bytes);
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.0.fill(&mut bytes);
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill(dst);
        Ok(())
    }
}

// Marked only so that keysplit accepts it; see the crate docs.
impl<B: Bytes> rand_core::TryCryptoRng for TestRng<B> {}

/// The bytes `next` makes, one call per byte.
pub fn from_fn(mut next: impl FnMut() -> u8) -> TestRng<impl Bytes> {
    TestRng(move |dst: &mut [u8]| dst.fill_with(&mut next))
}

/// `byte, byte, byte, ...`: a split without the cost of its randomness (for a byte every
/// x-coordinate draw accepts, such as 0x53, the generator calls are those of a real split).
pub fn constant(byte: u8) -> TestRng<impl Bytes> {
    TestRng(move |dst: &mut [u8]| dst.fill(byte))
}

/// `start, start + 1, start + 2, ...`, wrapping after 0xFF.
pub fn counting(start: u8) -> TestRng<impl Bytes> {
    let mut next = start;
    from_fn(move || {
        let byte = next;
        next = next.wrapping_add(1);
        byte
    })
}

/// The documented generator of `test-vectors/`: the ChaCha20 keystream of RFC 8439 with
/// key `seed`, a zero nonce and the block counter from 0, as one continuous byte stream.
pub fn chacha20_keystream(seed: [u8; 32]) -> TestRng<impl Bytes> {
    let mut cipher = chacha20::ChaCha20::new(&seed.into(), &[0u8; 12].into());
    TestRng(move |dst: &mut [u8]| {
        dst.fill(0);
        cipher.apply_keystream(dst);
    })
}

#[cfg(test)]
mod tests {
    use rand_core::Rng;

    use super::*;

    #[test]
    fn words_are_little_endian_bytes_of_the_stream() {
        let mut rng = counting(1);
        assert_eq!(rng.next_u32(), 0x0403_0201);
        assert_eq!(rng.next_u64(), 0x0C0B_0A09_0807_0605);
        let mut rest = [0u8; 3];
        rng.fill_bytes(&mut rest);
        assert_eq!(rest, [13, 14, 15]);
        assert_eq!(constant(0x53).next_u64(), 0x5353_5353_5353_5353);
    }

    /// RFC 8439 appendix A.1, test vector #1: the keystream of the all-zero key and
    /// nonce from counter 0, read in two uneven pieces.
    #[test]
    fn keystream_matches_rfc_8439_appendix_a1() {
        let mut rng = chacha20_keystream([0u8; 32]);
        let mut first = [0u8; 5];
        let mut rest = [0u8; 11];
        rng.fill_bytes(&mut first);
        rng.fill_bytes(&mut rest);
        let expected = [
            0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90, 0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86,
            0xbd, 0x28,
        ];
        assert_eq!([&first[..], &rest[..]].concat(), expected);
    }
}
