//! [`AesCtrRng`]: AES-256 in counter mode (NIST SP 800-38A) as a generator of random
//! bytes. The block cipher is RustCrypto's `aes` crate, which runs AES-NI or VAES on x86,
//! the ARMv8 AES instructions on aarch64, and a bitsliced constant-time software AES
//! elsewhere; this module only writes counter blocks and hands out the encrypted ones.

use aes::cipher::{consts::U16, Array, BlockCipherEncrypt, KeyInit};
use aes::Aes256Enc;
use rand_core::{SeedableRng, TryCryptoRng, TryRng};
use zeroize::Zeroize;

/// One AES block: a counter block before encryption, 16 keystream bytes after.
type Block = Array<u8, U16>;

/// Blocks kept for reads shorter than a block: eight, as many as the AES-NI backend
/// encrypts in one interleaved pass.
const BUFFERED_BLOCKS: usize = 8;

/// Blocks encrypted straight into a caller's buffer per pass: writing the counters and
/// encrypting them are two passes over the same bytes, so a pass stays within 4 KiB (L1).
const BLOCKS_PER_PASS: usize = 256;

/// Blocks one key encrypts before the generator re-keys itself (2^32 blocks, 64 GiB).
/// AES-CTR output is told apart from random bytes by the lack of repeated blocks, with an
/// advantage of about q^2 / 2^129 for q blocks: under 2^-64 per key at this limit.
const BLOCKS_PER_KEY: u64 = 1 << 32;

/// AES-256 in counter mode: block `i` of the output is `AES-256(key, counter + i)`, the
/// counter a 128-bit big-endian integer that starts at 0. After 2^32 blocks under one key
/// the next two blocks become the new key (they are never output) and the counter starts
/// again at 0. Bytes are handed out in order; `next_u32` and `next_u64` take the next 4
/// or 8 bytes, little-endian. Wiped on drop (the round keys by `aes`'s `zeroize`).
///
/// Deterministic for a seed on every target: where the CPU has no AES instructions the
/// `aes` crate's constant-time software AES gives the same bytes, slowly. keysplit's
/// [`DefaultRng`](crate::DefaultRng) uses this generator only where the CPU has them.
///
/// # Example
/// ```
/// use keysplit::AesCtrRng;
/// use rand_core::SeedableRng;
///
/// let mut rng = AesCtrRng::from_seed([7; 32]); // keysplit::os_rng() in real use
/// let shares = keysplit::split(b"secret", 2, 3, &mut rng)?;
/// assert_eq!(shares.len(), 3);
/// # Ok::<(), keysplit::Error>(())
/// ```
pub struct AesCtrRng {
    keystream: Keystream,
    /// Keystream for reads shorter than a block; `buffer_used` bytes of it are gone.
    buffer: [Block; BUFFERED_BLOCKS],
    buffer_used: usize,
}

/// The cipher and its position, apart from the buffer so that the buffer is refilled in
/// place (no copy of unused keystream on the stack).
struct Keystream {
    cipher: Aes256Enc,
    /// The counter block of the next block made.
    counter: u128,
    /// Blocks the current key may still encrypt.
    blocks_left: u64,
}

impl AesCtrRng {
    /// A generator keyed with `key` whose first block encrypts `counter`: the known-answer
    /// tests start at SP 800-38A's counter block.
    pub(super) fn with_counter(mut key: [u8; 32], counter: u128) -> Self {
        let rng = AesCtrRng {
            keystream: Keystream {
                cipher: Aes256Enc::new(&Array::from(key)),
                counter,
                blocks_left: BLOCKS_PER_KEY,
            },
            buffer: [Block::default(); BUFFERED_BLOCKS],
            buffer_used: BUFFERED_BLOCKS * 16,
        };
        key.zeroize();
        rng
    }

    /// Like [`AesCtrRng::with_counter`] with `blocks_left` blocks left under the key, for
    /// the test of the re-keying.
    #[cfg(test)]
    pub(super) fn near_rekey(key: [u8; 32], counter: u128, blocks_left: u64) -> Self {
        let mut rng = AesCtrRng::with_counter(key, counter);
        rng.keystream.blocks_left = blocks_left;
        rng
    }

    /// Hands out buffered keystream into the front of `dest`; returns what is left of it.
    fn take_buffered<'a>(&mut self, dest: &'a mut [u8]) -> &'a mut [u8] {
        let buffered = Block::slice_as_flattened(&self.buffer);
        let available = buffered.get(self.buffer_used..).unwrap_or_default();
        let n = dest.len().min(available.len());
        let (head, rest) = dest.split_at_mut(n);
        head.copy_from_slice(&available[..n]);
        self.buffer_used += n;
        rest
    }
}

impl Keystream {
    /// Encrypts the next `out.len()` counter blocks into `out`, re-keying whenever the
    /// current key has made its [`BLOCKS_PER_KEY`].
    fn fill(&mut self, mut out: &mut [Block]) {
        while !out.is_empty() {
            if self.blocks_left == 0 {
                self.rekey();
            }
            let room = usize::try_from(self.blocks_left).unwrap_or(usize::MAX);
            let n = out.len().min(room);
            let (now, rest) = core::mem::take(&mut out).split_at_mut(n);
            for block in now.iter_mut() {
                *block = Block::from(self.counter.to_be_bytes());
                self.counter = self.counter.wrapping_add(1);
            }
            self.cipher.encrypt_blocks(now);
            // `now.len() <= blocks_left`, so this cannot wrap.
            self.blocks_left -= now.len() as u64;
            out = rest;
        }
    }

    /// The next two blocks under the old key become the new key; the counter restarts.
    fn rekey(&mut self) {
        let mut key_blocks = [Block::default(); 2];
        for block in key_blocks.iter_mut() {
            *block = Block::from(self.counter.to_be_bytes());
            self.counter = self.counter.wrapping_add(1);
        }
        self.cipher.encrypt_blocks(&mut key_blocks);
        let mut key = [0u8; 32];
        key.copy_from_slice(Block::slice_as_flattened(&key_blocks));
        crate::secret::wipe(Block::slice_as_flattened_mut(&mut key_blocks));
        self.cipher = Aes256Enc::new(&Array::from(key));
        key.zeroize();
        self.counter = 0;
        self.blocks_left = BLOCKS_PER_KEY;
    }
}

impl SeedableRng for AesCtrRng {
    type Seed = [u8; 32];

    /// The seed is the AES-256 key; the counter starts at 0.
    fn from_seed(seed: [u8; 32]) -> Self {
        AesCtrRng::with_counter(seed, 0)
    }
}

impl TryRng for AesCtrRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        let dest = self.take_buffered(dest);
        // Whole blocks are encrypted in place in the caller's buffer.
        let (blocks, tail) = Block::slice_as_chunks_mut(dest);
        for pass in blocks.chunks_mut(BLOCKS_PER_PASS) {
            self.keystream.fill(pass);
        }
        if !tail.is_empty() {
            // The buffer is used up here; it is refilled in place.
            self.keystream.fill(&mut self.buffer);
            self.buffer_used = 0;
            self.take_buffered(tail);
        }
        Ok(())
    }
}

impl TryCryptoRng for AesCtrRng {}

impl Drop for AesCtrRng {
    fn drop(&mut self) {
        self.keystream.counter.zeroize();
        crate::secret::wipe(Block::slice_as_flattened_mut(&mut self.buffer));
    }
}

impl zeroize::ZeroizeOnDrop for AesCtrRng {}

/// Never prints the key or the buffered keystream.
impl core::fmt::Debug for AesCtrRng {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AesCtrRng { .. }")
    }
}
