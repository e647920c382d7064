//! ChaCha20 keystream, four blocks at a time in simd128 lanes: the CSPRNG of the raw
//! fast paths ([`crate::engine`]).
//!
//! Why not `chacha20::ChaCha20Rng`: that crate has no simd128 backend, and its portable
//! rounds are generic code, compiled into this crate at the module's size-first
//! `opt-level = "z"`, where they are not inlined (a call per quarter round on a state in
//! memory; speeds in BENCHMARKING.md). The same algorithm written here on sixteen `v128`
//! values (lane `b` holds block `b`'s word) stays straight-line code at any opt-level.
//!
//! The block function is ChaCha20 as in RFC 8439 with the original 64-bit block counter
//! (words 12-13) and 64-bit nonce (words 14-15), the layout of `chacha20::ChaCha20Rng`
//! (nonce 0). Tests check it against RFC 8439's block vector and the all-zero vector, and
//! across a carry of the 64-bit counter; ARX only, so it has no secret-dependent branch or
//! memory index.

/// Bytes produced per call of [`blocks4`].
pub const BATCH: usize = 256;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use core::arch::wasm32::{
        i32x4_add, i32x4_shl, i32x4_shuffle, i64x2_shuffle, i8x16_shuffle, u32x4, u32x4_shr,
        u32x4_splat, v128, v128_or, v128_store, v128_xor,
    };

    pub type V = v128;

    #[inline(always)]
    pub fn splat(x: u32) -> V {
        u32x4_splat(x)
    }
    #[inline(always)]
    pub fn from4(a: u32, b: u32, c: u32, d: u32) -> V {
        u32x4(a, b, c, d)
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        i32x4_add(a, b)
    }
    #[inline(always)]
    pub fn xor(a: V, b: V) -> V {
        v128_xor(a, b)
    }
    /// A shuffle of 16-bit halves: V8 emits `pshuflw` + `pshufhw`, no mask to build.
    #[inline(always)]
    pub fn rotl16(x: V) -> V {
        i8x16_shuffle::<2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13>(x, x)
    }
    /// Two shifts and an OR, not a byte shuffle: V8 rebuilds a shuffle's 16-byte mask
    /// from two 64-bit immediates at every use (four instructions before the `pshufb`);
    /// the shifts measured faster (BENCHMARKING.md).
    #[inline(always)]
    pub fn rotl8(x: V) -> V {
        v128_or(i32x4_shl(x, 8), u32x4_shr(x, 24))
    }
    #[inline(always)]
    pub fn rotl12(x: V) -> V {
        v128_or(i32x4_shl(x, 12), u32x4_shr(x, 20))
    }
    #[inline(always)]
    pub fn rotl7(x: V) -> V {
        v128_or(i32x4_shl(x, 7), u32x4_shr(x, 25))
    }

    /// Writes words `4g..4g+4` of the four blocks (`a`..`d` hold those words, lane = block).
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn store(out: &mut [u8; super::BATCH], g: usize, a: V, b: V, c: V, d: V) {
        // 4x4 transpose: row `k` becomes block `k`'s four words.
        let t0 = i32x4_shuffle::<0, 4, 1, 5>(a, b);
        let t1 = i32x4_shuffle::<2, 6, 3, 7>(a, b);
        let t2 = i32x4_shuffle::<0, 4, 1, 5>(c, d);
        let t3 = i32x4_shuffle::<2, 6, 3, 7>(c, d);
        assert!(g < 4); // a constant at every call site: folded away
        let at = out.as_mut_ptr().wrapping_add(16 * g);
        // SAFETY: `g < 4`, so each 16-byte store at `64 * block + 16 * g` (block < 4) ends
        // at most at byte 256 of `out`; `v128_store` has no alignment requirement. (Safe
        // code has no v128-to-bytes conversion: copying lanes out one by one at this
        // crate's opt-level "z" costs a third of the generator's speed.)
        unsafe {
            v128_store(at.cast(), i64x2_shuffle::<0, 2>(t0, t2));
            v128_store(at.add(64).cast(), i64x2_shuffle::<1, 3>(t0, t2));
            v128_store(at.add(128).cast(), i64x2_shuffle::<0, 2>(t1, t3));
            v128_store(at.add(192).cast(), i64x2_shuffle::<1, 3>(t1, t3));
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod lanes {
    //! The same four lanes as plain arrays, for builds without simd128 (native checks).
    pub type V = [u32; 4];

    #[inline(always)]
    fn map2(a: V, b: V, f: impl Fn(u32, u32) -> u32) -> V {
        [f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3])]
    }
    #[inline(always)]
    pub fn splat(x: u32) -> V {
        [x; 4]
    }
    #[inline(always)]
    pub fn from4(a: u32, b: u32, c: u32, d: u32) -> V {
        [a, b, c, d]
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        map2(a, b, u32::wrapping_add)
    }
    #[inline(always)]
    pub fn xor(a: V, b: V) -> V {
        map2(a, b, |x, y| x ^ y)
    }
    #[inline(always)]
    pub fn rotl16(x: V) -> V {
        x.map(|w| w.rotate_left(16))
    }
    #[inline(always)]
    pub fn rotl8(x: V) -> V {
        x.map(|w| w.rotate_left(8))
    }
    #[inline(always)]
    pub fn rotl12(x: V) -> V {
        x.map(|w| w.rotate_left(12))
    }
    #[inline(always)]
    pub fn rotl7(x: V) -> V {
        x.map(|w| w.rotate_left(7))
    }
    #[inline(always)]
    pub fn store(out: &mut [u8; super::BATCH], g: usize, a: V, b: V, c: V, d: V) {
        for block in 0..4 {
            for (w, word) in [a, b, c, d].into_iter().enumerate() {
                let at = block * 64 + g * 16 + w * 4;
                out[at..at + 4].copy_from_slice(&word[block].to_le_bytes());
            }
        }
    }
}

use lanes::{add, from4, rotl12, rotl16, rotl7, rotl8, splat, store, xor};

/// Four consecutive ChaCha20 blocks (counters `counter..counter + 4`, 64-bit, wrapping)
/// for `key` and the 64-bit `nonce`, written to `out` in stream order.
pub fn blocks4(key: &[u32; 8], counter: u64, nonce: [u32; 2], out: &mut [u8; BATCH]) {
    let c: [u64; 4] = core::array::from_fn(|i| counter.wrapping_add(i as u64));
    let init = [
        splat(0x6170_7865),
        splat(0x3320_646e),
        splat(0x7962_2d32),
        splat(0x6b20_6574),
        splat(key[0]),
        splat(key[1]),
        splat(key[2]),
        splat(key[3]),
        splat(key[4]),
        splat(key[5]),
        splat(key[6]),
        splat(key[7]),
        from4(c[0] as u32, c[1] as u32, c[2] as u32, c[3] as u32),
        from4(
            (c[0] >> 32) as u32,
            (c[1] >> 32) as u32,
            (c[2] >> 32) as u32,
            (c[3] >> 32) as u32,
        ),
        splat(nonce[0]),
        splat(nonce[1]),
    ];
    let [mut x0, mut x1, mut x2, mut x3, mut x4, mut x5, mut x6, mut x7, mut x8, mut x9, mut x10, mut x11, mut x12, mut x13, mut x14, mut x15] =
        init;
    macro_rules! qr {
        ($a:ident, $b:ident, $c:ident, $d:ident) => {
            $a = add($a, $b);
            $d = rotl16(xor($d, $a));
            $c = add($c, $d);
            $b = rotl12(xor($b, $c));
            $a = add($a, $b);
            $d = rotl8(xor($d, $a));
            $c = add($c, $d);
            $b = rotl7(xor($b, $c));
        };
    }
    macro_rules! double_round {
        () => {
            qr!(x0, x4, x8, x12);
            qr!(x1, x5, x9, x13);
            qr!(x2, x6, x10, x14);
            qr!(x3, x7, x11, x15);
            qr!(x0, x5, x10, x15);
            qr!(x1, x6, x11, x12);
            qr!(x2, x7, x8, x13);
            qr!(x3, x4, x9, x14);
        };
    }
    // Ten double rounds, two per iteration: V8 shuffles registers at every loop edge.
    for _ in 0..5 {
        double_round!();
        double_round!();
    }
    store(
        out,
        0,
        add(x0, init[0]),
        add(x1, init[1]),
        add(x2, init[2]),
        add(x3, init[3]),
    );
    store(
        out,
        1,
        add(x4, init[4]),
        add(x5, init[5]),
        add(x6, init[6]),
        add(x7, init[7]),
    );
    store(
        out,
        2,
        add(x8, init[8]),
        add(x9, init[9]),
        add(x10, init[10]),
        add(x11, init[11]),
    );
    store(
        out,
        3,
        add(x12, init[12]),
        add(x13, init[13]),
        add(x14, init[14]),
        add(x15, init[15]),
    );
}

/// A ChaCha20 keystream used as a byte generator: key from the caller (the OS CSPRNG),
/// nonce 0, counter from 0, re-keyed from its own output after every operation
/// ([`Stream::rekey`]). Wiped on drop.
pub struct Stream {
    key: [u32; 8],
    counter: u64,
    buffer: [u8; BATCH],
    /// Bytes of `buffer` already handed out (BATCH: empty).
    used: usize,
}

impl Stream {
    /// A stream keyed with `seed` (little-endian words, as `ChaCha20Rng::from_seed`).
    pub fn new(seed: &[u8; 32]) -> Stream {
        let mut stream = Stream {
            key: [0; 8],
            counter: 0,
            buffer: [0; BATCH],
            used: BATCH,
        };
        stream.set_key(seed);
        stream
    }

    fn set_key(&mut self, seed: &[u8; 32]) {
        for (word, bytes) in self.key.iter_mut().zip(seed.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        self.counter = 0;
        crate::engine::wipe(&mut self.buffer);
        self.used = BATCH;
    }

    /// Fills `out` with the next keystream bytes.
    pub fn fill(&mut self, mut out: &mut [u8]) {
        while !out.is_empty() {
            if self.used == BATCH && out.len() >= BATCH {
                // Whole batches go straight to the caller's buffer.
                let (batch, rest) = out.split_at_mut(BATCH);
                if let Ok(batch) = <&mut [u8; BATCH]>::try_from(batch) {
                    blocks4(&self.key, self.counter, [0, 0], batch);
                }
                self.counter = self.counter.wrapping_add(4);
                out = rest;
                continue;
            }
            if self.used == BATCH {
                blocks4(&self.key, self.counter, [0, 0], &mut self.buffer);
                self.counter = self.counter.wrapping_add(4);
                self.used = 0;
            }
            let n = out.len().min(BATCH - self.used);
            let (head, rest) = out.split_at_mut(n);
            head.copy_from_slice(&self.buffer[self.used..self.used + n]);
            // Handed-out bytes are wiped by `rekey`, at the end of the caller's operation.
            self.used += n;
            out = rest;
        }
    }

    /// Fast key erasure, at the end of every operation: the next 32 keystream bytes
    /// (never handed out) become the key and every byte already handed out is wiped, so
    /// this state cannot reproduce earlier output. The unread rest of the current batch
    /// stays as the start of the future output.
    pub fn rekey(&mut self) {
        let mut seed = [0u8; 32];
        self.fill(&mut seed);
        for (word, bytes) in self.key.iter_mut().zip(seed.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        self.counter = 0;
        crate::engine::wipe(&mut seed);
        let used = self.used.min(BATCH);
        crate::engine::wipe(&mut self.buffer[..used]);
    }

    /// Replaces the key with `seed` mixed with 32 bytes of this stream (XOR), so that a
    /// fresh OS seed is added to, never substituted for, the current state.
    pub fn reseed(&mut self, seed: &[u8; 32]) {
        let mut mixed = [0u8; 32];
        self.fill(&mut mixed);
        for (m, s) in mixed.iter_mut().zip(seed) {
            *m ^= s;
        }
        self.set_key(&mixed);
        crate::engine::wipe(&mut mixed);
    }
}

/// The stream as the core's generator: a plain byte stream (`fill_bytes` hands out the
/// next bytes, a word is its 4 or 8 next bytes in little-endian order), so the core's x
/// draw reads one keystream byte per draw and its coefficients the bytes after.
impl rand_core::TryRng for Stream {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut word = [0u8; 4];
        self.fill(&mut word);
        Ok(u32::from_le_bytes(word))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut word = [0u8; 8];
        self.fill(&mut word);
        Ok(u64::from_le_bytes(word))
    }

    fn try_fill_bytes(&mut self, out: &mut [u8]) -> Result<(), Self::Error> {
        self.fill(out);
        Ok(())
    }
}

/// ChaCha20 keyed from the OS (see the module docs).
impl rand_core::TryCryptoRng for Stream {}

impl Drop for Stream {
    fn drop(&mut self) {
        for word in self.key.iter_mut() {
            *word = 0;
        }
        core::hint::black_box(&mut self.key);
        crate::engine::wipe(&mut self.buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn hex(text: &str) -> alloc::vec::Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// One block, word by word as RFC 8439 section 2.3 describes it (the reference).
    fn reference_block(key: &[u32; 8], counter: u64, nonce: [u32; 2]) -> [u8; 64] {
        let mut s = [0u32; 16];
        s[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
        s[4..12].copy_from_slice(key);
        s[12] = counter as u32;
        s[13] = (counter >> 32) as u32;
        s[14] = nonce[0];
        s[15] = nonce[1];
        let mut x = s;
        fn q(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
            x[a] = x[a].wrapping_add(x[b]);
            x[d] = (x[d] ^ x[a]).rotate_left(16);
            x[c] = x[c].wrapping_add(x[d]);
            x[b] = (x[b] ^ x[c]).rotate_left(12);
            x[a] = x[a].wrapping_add(x[b]);
            x[d] = (x[d] ^ x[a]).rotate_left(8);
            x[c] = x[c].wrapping_add(x[d]);
            x[b] = (x[b] ^ x[c]).rotate_left(7);
        }
        for _ in 0..10 {
            q(&mut x, 0, 4, 8, 12);
            q(&mut x, 1, 5, 9, 13);
            q(&mut x, 2, 6, 10, 14);
            q(&mut x, 3, 7, 11, 15);
            q(&mut x, 0, 5, 10, 15);
            q(&mut x, 1, 6, 11, 12);
            q(&mut x, 2, 7, 8, 13);
            q(&mut x, 3, 4, 9, 14);
        }
        let mut out = [0u8; 64];
        for (i, chunk) in out.chunks_exact_mut(4).enumerate() {
            chunk.copy_from_slice(&x[i].wrapping_add(s[i]).to_le_bytes());
        }
        out
    }

    fn key_words(bytes: &[u8]) -> [u32; 8] {
        core::array::from_fn(|i| {
            u32::from_le_bytes([
                bytes[4 * i],
                bytes[4 * i + 1],
                bytes[4 * i + 2],
                bytes[4 * i + 3],
            ])
        })
    }

    #[test]
    fn rfc8439_block_vector() {
        // RFC 8439 2.3.2: key 00..1f, nonce 000000090000004a00000000, counter 1. In the
        // 64/64 layout, nonce word 0 is the counter's high word.
        let key: alloc::vec::Vec<u8> = (0..32).collect();
        let mut out = [0u8; BATCH];
        blocks4(
            &key_words(&key),
            (0x0900_0000u64 << 32) | 1,
            [0x4a00_0000, 0],
            &mut out,
        );
        assert_eq!(
            out[..64],
            hex(
                "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e\
                 d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"
            )[..]
        );
    }

    #[test]
    fn zero_key_stream_vector() {
        // The all-zero key and nonce, block 0 (also ChaCha20Rng::from_seed([0; 32])).
        let mut stream = Stream::new(&[0; 32]);
        let mut out = [0u8; 64];
        stream.fill(&mut out);
        assert_eq!(
            out[..],
            hex(
                "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7\
                 da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"
            )[..]
        );
    }

    #[test]
    fn four_lanes_match_the_reference_across_a_counter_carry() {
        let key: alloc::vec::Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(37) ^ 0x5c).collect();
        let key = key_words(&key);
        for counter in [0u64, 5, 0xFFFF_FFFE, 0xFFFF_FFFF, u64::MAX - 1] {
            let mut out = [0u8; BATCH];
            blocks4(&key, counter, [0x0102_0304, 0xA0B0_C0D0], &mut out);
            for b in 0..4 {
                let expected =
                    reference_block(&key, counter.wrapping_add(b), [0x0102_0304, 0xA0B0_C0D0]);
                assert_eq!(
                    out[b as usize * 64..][..64],
                    expected[..],
                    "counter {counter} + {b}"
                );
            }
        }
    }

    #[test]
    fn fill_is_one_stream_whatever_the_chunking() {
        let seed = [9u8; 32];
        let mut whole = alloc::vec![0u8; 1000];
        Stream::new(&seed).fill(&mut whole);
        let mut stream = Stream::new(&seed);
        let mut pieces = alloc::vec![0u8; 1000];
        let mut at = 0;
        for size in [1usize, 3, 0, 256, 255, 17, 300, 168] {
            stream.fill(&mut pieces[at..at + size]);
            at += size;
        }
        assert_eq!(at, 1000);
        assert_eq!(whole, pieces);
        // Through the generator interface (single bytes as the core's x draw reads them,
        // words as their little-endian bytes) it is the same stream too.
        use rand_core::Rng;
        let mut bytewise = Stream::new(&seed);
        let mut mixed = alloc::vec![0u8; 1000];
        for slot in &mut mixed[..3] {
            bytewise.fill_bytes(core::slice::from_mut(slot));
        }
        mixed[3..7].copy_from_slice(&bytewise.next_u32().to_le_bytes());
        mixed[7..15].copy_from_slice(&bytewise.next_u64().to_le_bytes());
        bytewise.fill_bytes(&mut mixed[15..300]);
        for slot in &mut mixed[300..] {
            bytewise.fill_bytes(core::slice::from_mut(slot));
        }
        assert_eq!(whole, mixed);
        // Rekeying wipes what was handed out, and the stream goes on with new bytes.
        stream.rekey();
        assert!(stream.buffer[..stream.used].iter().all(|&b| b == 0));
        let mut next = [0u8; 64];
        stream.fill(&mut next);
        assert_ne!(next[..], whole[..64]);
        assert!(!whole.windows(64).any(|w| w == next));
    }
}
