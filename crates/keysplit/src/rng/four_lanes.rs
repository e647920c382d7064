//! ChaCha20 four blocks at a time: sixteen vectors of four 32-bit lanes, lane `b` holding
//! block `b`'s word. simd128 `v128` values on wasm32, where the rounds stay straight-line
//! vector code; plain `[u32; 4]` arrays elsewhere, compiled only for the native tests of
//! the same algorithm. ARX only: no secret-dependent branch or memory index.
//!
//! The state layout is that of `chacha20::ChaCha20Rng` (the "legacy" variant): words 12-13
//! the 64-bit block counter, words 14-15 the 64-bit nonce, here always 0. The buffer of
//! four blocks and the way calls consume it are those of rand_core's `BlockRng` under
//! `ChaCha20Rng` (whole 32-bit words, the rest of a partly used word dropped), so both
//! give the same values for the same calls; only whole batches go straight to the
//! caller's buffer instead of through this one.

use rand_core::{SeedableRng, TryCryptoRng, TryRng};
use zeroize::Zeroize;

/// Bytes produced per call of [`blocks4`]: four 64-byte blocks.
pub(super) const BATCH: usize = 256;
/// 32-bit words per batch.
const WORDS: usize = BATCH / 4;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod lanes {
    use core::arch::wasm32::{
        i32x4_add, i32x4_shl, i32x4_shuffle, i64x2_shuffle, i8x16_shuffle, u32x4, u32x4_shr,
        u32x4_splat, v128, v128_or, v128_xor,
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
    /// from two 64-bit immediates at every use (four instructions before the `pshufb`).
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

    /// Writes words `4g..4g + 4` of the four blocks (`a`..`d` hold those words, lane =
    /// block) to `out` in little-endian order, block `k` at byte `64k`. `g < 4` is a
    /// constant at every call site.
    #[inline(always)]
    pub fn store(out: &mut [u8; super::BATCH], g: usize, a: V, b: V, c: V, d: V) {
        // 4x4 transpose: row `k` becomes block `k`'s four words.
        let t0 = i32x4_shuffle::<0, 4, 1, 5>(a, b);
        let t1 = i32x4_shuffle::<2, 6, 3, 7>(a, b);
        let t2 = i32x4_shuffle::<0, 4, 1, 5>(c, d);
        let t3 = i32x4_shuffle::<2, 6, 3, 7>(c, d);
        // The batch as sixteen 16-byte rows: row `4k + g` holds words `4g..4g + 4` of block
        // `k`. Whole-array assignments, written out (no loop, no slice copy), so that each
        // is one `v128.store`; wasm32 is little-endian, so the lanes' bytes are the words'
        // LE bytes.
        let out: &mut [[u8; 16]; 16] = bytemuck::cast_mut(out);
        let mut put = |k: usize, row: V| {
            if let Some(slot) = out.get_mut(4 * k + g) {
                *slot = bytemuck::cast::<V, [u8; 16]>(row);
            }
        };
        put(0, i64x2_shuffle::<0, 2>(t0, t2));
        put(1, i64x2_shuffle::<1, 3>(t0, t2));
        put(2, i64x2_shuffle::<0, 2>(t1, t3));
        put(3, i64x2_shuffle::<1, 3>(t1, t3));
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod lanes {
    //! The same four lanes as plain arrays (native tests of the algorithm).
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
                let at = 64 * block + 16 * g + 4 * w;
                if let Some(bytes) = out.get_mut(at..at + 4) {
                    bytes.copy_from_slice(&word[block].to_le_bytes());
                }
            }
        }
    }
}

use lanes::{add, from4, rotl12, rotl16, rotl7, rotl8, splat, store, xor};

/// Four consecutive ChaCha20 blocks (counters `counter..counter + 4`, 64-bit, wrapping)
/// for `key` and the 64-bit `nonce` (words 14 and 15), written to `out` in stream order.
pub(super) fn blocks4(key: &[u32; 8], counter: u64, nonce: [u32; 2], out: &mut [u8; BATCH]) {
    let c = [
        counter,
        counter.wrapping_add(1),
        counter.wrapping_add(2),
        counter.wrapping_add(3),
    ];
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
    let [i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12, i13, i14, i15] = init;
    store(out, 0, add(x0, i0), add(x1, i1), add(x2, i2), add(x3, i3));
    store(out, 1, add(x4, i4), add(x5, i5), add(x6, i6), add(x7, i7));
    store(
        out,
        2,
        add(x8, i8),
        add(x9, i9),
        add(x10, i10),
        add(x11, i11),
    );
    store(
        out,
        3,
        add(x12, i12),
        add(x13, i13),
        add(x14, i14),
        add(x15, i15),
    );
}

/// See [`crate::hazmat::SimdChaCha20Rng`]: the wasm32 simd128 implementation.
pub struct SimdChaCha20Rng {
    key: [u32; 8],
    /// The block counter of the next batch.
    counter: u64,
    /// The current batch, handed out word by word from `buffer[4 * index..]`.
    buffer: [u8; BATCH],
    /// Words of `buffer` already used (`WORDS`: none left).
    index: usize,
}

impl SimdChaCha20Rng {
    /// The next batch into `buffer`, none of it used yet.
    fn refill(&mut self) {
        blocks4(&self.key, self.counter, [0, 0], &mut self.buffer);
        self.counter = self.counter.wrapping_add(4);
        self.index = 0;
    }

    /// Word `i` of the batch (0 past its end; callers stay below `WORDS`).
    fn word(&self, i: usize) -> u32 {
        let mut le = [0u8; 4];
        if let Some(bytes) = self.buffer.get(4 * i..4 * i + 4) {
            le.copy_from_slice(bytes);
        }
        u32::from_le_bytes(le)
    }
}

impl SeedableRng for SimdChaCha20Rng {
    type Seed = [u8; 32];

    /// The key is `seed` as eight little-endian words, as `ChaCha20Rng::from_seed`.
    fn from_seed(mut seed: [u8; 32]) -> Self {
        let mut rng = SimdChaCha20Rng {
            key: [0; 8],
            counter: 0,
            buffer: [0; BATCH],
            index: WORDS,
        };
        for (word, bytes) in rng.key.iter_mut().zip(seed.chunks_exact(4)) {
            let mut le = [0u8; 4];
            le.copy_from_slice(bytes);
            *word = u32::from_le_bytes(le);
            le.zeroize();
        }
        seed.zeroize();
        rng
    }
}

impl TryRng for SimdChaCha20Rng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        if self.index >= WORDS {
            self.refill();
        }
        let value = self.word(self.index);
        self.index += 1;
        Ok(value)
    }

    /// Two words, low first; across a batch boundary the last word of the old batch and
    /// the first of the new one (as `BlockRng::next_u64_from_u32`).
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let (lo, hi);
        if self.index + 1 < WORDS {
            (lo, hi) = (self.word(self.index), self.word(self.index + 1));
            self.index += 2;
        } else if self.index + 1 == WORDS {
            lo = self.word(self.index);
            self.refill();
            hi = self.word(0);
            self.index = 1;
        } else {
            self.refill();
            (lo, hi) = (self.word(0), self.word(1));
            self.index = 2;
        }
        Ok((u64::from(hi) << 32) | u64::from(lo))
    }

    fn try_fill_bytes(&mut self, mut dest: &mut [u8]) -> Result<(), Self::Error> {
        while !dest.is_empty() {
            if self.index >= WORDS {
                if dest.len() >= BATCH {
                    // A whole batch straight to the caller (the buffer stays used up).
                    let (batch, rest) = core::mem::take(&mut dest).split_at_mut(BATCH);
                    if let Ok(batch) = <&mut [u8; BATCH]>::try_from(batch) {
                        blocks4(&self.key, self.counter, [0, 0], batch);
                        self.counter = self.counter.wrapping_add(4);
                    }
                    dest = rest;
                    continue;
                }
                self.refill();
            }
            let available = &self.buffer[(4 * self.index).min(BATCH)..];
            let n = dest.len().min(available.len());
            let (head, rest) = core::mem::take(&mut dest).split_at_mut(n);
            head.copy_from_slice(&available[..n]);
            // A partly used word is used up.
            self.index += n.div_ceil(4);
            dest = rest;
        }
        Ok(())
    }
}

impl Drop for SimdChaCha20Rng {
    fn drop(&mut self) {
        self.key.zeroize();
        self.counter.zeroize();
        crate::secret::wipe(&mut self.buffer);
    }
}

impl TryCryptoRng for SimdChaCha20Rng {}

impl zeroize::ZeroizeOnDrop for SimdChaCha20Rng {}

/// Never prints the key or the buffered keystream.
impl core::fmt::Debug for SimdChaCha20Rng {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SimdChaCha20Rng { .. }")
    }
}
