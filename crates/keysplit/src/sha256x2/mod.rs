//! SHA-256 for the envelope and the streaming module, one state per lane (the secret
//! digest and the share checksums), with a multi-lane compression for lanes fed at once:
//! with SHA-NI, one block of each lane per loop, interleaved, so the lanes' dependency
//! chains of `sha256rnds2` overlap (more bytes per second than one lane at a time).
//! Single lanes, CPUs without SHA-NI (and valgrind, whose CPUID hides it) use the `sha2`
//! crate's compression function, which picks its own backend; the hashes are the same.
//!
//! Short messages (an envelope's checksum, a wallet secret's digest) are hashed in one
//! pass from a padded copy on the stack ([`digest`], [`digest_lanes`]): one call of the
//! compression function for the whole message, several messages at once.
//!
//! A lane holds what it hashed so far (up to 63 buffered bytes and the chaining state,
//! both derived from secrets): wiped on drop, never printed.

use zeroize::Zeroize;

// The SHA-NI intrinsics need `unsafe` (target features enabled at run time, unaligned
// loads): allowed in that file only, each block with a `SAFETY` comment, as in the field
// backends (`crate::backend`).
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86;

const BLOCK: usize = 64;
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// An incremental SHA-256 (FIPS 180-4).
#[derive(Clone)]
pub(crate) struct Lane {
    state: [u32; 8],
    buffer: [u8; BLOCK],
    buffered: usize,
    /// Bytes hashed so far (public: lengths are).
    length: u64,
}

impl Drop for Lane {
    fn drop(&mut self) {
        self.state.zeroize();
        self.buffer.zeroize();
    }
}

impl Default for Lane {
    fn default() -> Self {
        Lane {
            state: IV,
            buffer: [0; BLOCK],
            buffered: 0,
            length: 0,
        }
    }
}

impl Lane {
    pub(crate) fn new() -> Self {
        Lane::default()
    }

    #[cfg(feature = "std")] // for the streaming module
    pub(crate) fn new_with_prefix(prefix: &[u8]) -> Self {
        let mut lane = Lane::new();
        lane.update(prefix);
        lane
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        let rest = self.fill(data);
        let (blocks, tail) = rest.as_chunks::<BLOCK>();
        compress1(&mut self.state, blocks);
        self.keep(tail);
    }

    /// Completes a partial block from `data`; returns the bytes left.
    fn fill<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        self.length = self.length.wrapping_add(data.len() as u64);
        if self.buffered == 0 {
            return data;
        }
        let take = (BLOCK - self.buffered).min(data.len());
        self.buffer[self.buffered..self.buffered + take].copy_from_slice(&data[..take]);
        self.buffered += take;
        if self.buffered == BLOCK {
            compress1(&mut self.state, core::slice::from_ref(&self.buffer));
            self.buffered = 0;
        }
        &data[take..]
    }

    /// Buffers the last bytes (fewer than a block) after whole blocks were compressed.
    fn keep(&mut self, tail: &[u8]) {
        if !tail.is_empty() {
            self.buffer[..tail.len()].copy_from_slice(tail);
            self.buffered = tail.len();
        }
    }

    /// The digest of everything hashed (the lane is consumed and wiped).
    pub(crate) fn finalize(mut self) -> [u8; 32] {
        let bits = self.length.wrapping_mul(8);
        let mut pad = [0u8; BLOCK + 8];
        pad[0] = 0x80;
        let zeros = (BLOCK + 56 - self.buffered - 1) % BLOCK;
        let end = 1 + zeros;
        pad[end..end + 8].copy_from_slice(&bits.to_be_bytes());
        let length = self.length;
        self.update(&pad[..end + 8]);
        self.length = length;
        let mut out = [0u8; 32];
        for (bytes, word) in out.chunks_exact_mut(4).zip(self.state) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// Hashes `a_data` into `a` and `b_data` into `b`, two blocks at a time where both lanes
/// have whole blocks and the CPU has SHA-NI.
#[cfg(feature = "std")] // for the streaming module
pub(crate) fn update2(a: &mut Lane, b: &mut Lane, a_data: &[u8], b_data: &[u8]) {
    let a_rest = a.fill(a_data);
    let b_rest = b.fill(b_data);
    let (a_blocks, a_tail) = a_rest.as_chunks::<BLOCK>();
    let (b_blocks, b_tail) = b_rest.as_chunks::<BLOCK>();
    let both = a_blocks.len().min(b_blocks.len());
    let (a_pair, a_more) = a_blocks.split_at(both);
    let (b_pair, b_more) = b_blocks.split_at(both);
    compress2(&mut a.state, &mut b.state, a_pair, b_pair);
    compress1(&mut a.state, a_more);
    compress1(&mut b.state, b_more);
    a.keep(a_tail);
    b.keep(b_tail);
}

/// Blocks of [`Padded`]: messages up to `SHORT_BLOCKS * 64 - 9` bytes (a share checksum
/// or a secret digest of secrets up to 150 bytes) are hashed from one padded copy.
const SHORT_BLOCKS: usize = 4;

/// A short message and its SHA-256 padding, copied once to the stack so the whole
/// message is one call of the compression function (no buffering, no per-byte work).
/// It holds secret-derived bytes: wiped on drop.
struct Padded {
    blocks: [[u8; BLOCK]; SHORT_BLOCKS],
    /// Blocks in use (public: a function of the message length).
    used: usize,
}

impl Padded {
    fn new() -> Padded {
        Padded {
            blocks: [[0; BLOCK]; SHORT_BLOCKS],
            used: 0,
        }
    }

    /// Holds the concatenation of `parts`, padded (on a fresh `Padded`); false if it
    /// does not fit.
    fn fill(&mut self, parts: &[&[u8]]) -> bool {
        let Some(total) = parts
            .iter()
            .try_fold(0usize, |sum, part| sum.checked_add(part.len()))
        else {
            return false;
        };
        // Room for the 0x80 byte and the 8-byte bit length after the message.
        if total > SHORT_BLOCKS * BLOCK - 9 {
            return false;
        }
        self.used = (total + 9).div_ceil(BLOCK);
        let bytes = self.blocks.as_flattened_mut();
        let mut at = 0;
        for part in parts {
            bytes[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        bytes[at] = 0x80;
        let end = self.used * BLOCK;
        bytes[end - 8..end].copy_from_slice(&(total as u64).wrapping_mul(8).to_be_bytes());
        true
    }

    fn blocks(&self) -> &[[u8; BLOCK]] {
        &self.blocks[..self.used]
    }
}

impl Drop for Padded {
    fn drop(&mut self) {
        crate::secret::wipe(self.blocks[..self.used].as_flattened_mut());
    }
}

/// The digest bytes of a final state (the state is wiped).
fn output(mut state: [u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    state.zeroize();
    out
}

/// SHA-256 of the concatenation of `parts`, in one pass.
pub(crate) fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut padded = Padded::new();
    if padded.fill(parts) {
        let mut state = IV;
        compress1(&mut state, padded.blocks());
        return output(state);
    }
    let mut lane = Lane::new();
    for part in parts {
        lane.update(part);
    }
    lane.finalize()
}

/// SHA-256 of each of `messages` (up to 4 are interleaved well): where all are short
/// and the CPU has SHA-NI, their blocks go through the multi-lane compression together.
pub(crate) fn digest_lanes<const N: usize>(messages: [&[u8]; N]) -> [[u8; 32]; N] {
    let mut padded: [Padded; N] = core::array::from_fn(|_| Padded::new());
    let short = padded
        .iter_mut()
        .zip(messages)
        .all(|(padded, message)| padded.fill(&[message]));
    if !short {
        return messages.map(|message| digest(&[message]));
    }
    let mut states = [IV; N];
    // Blocks every lane has go through the multi-lane compression where the CPU can.
    #[cfg(target_arch = "x86_64")]
    let done = {
        let count = padded.iter().map(|p| p.used).min().unwrap_or(0);
        let blocks: [&[[u8; BLOCK]]; N] = core::array::from_fn(|l| &padded[l].blocks()[..count]);
        if count > 0 && x86::compress_if_supported(states.each_mut(), blocks) {
            count
        } else {
            0
        }
    };
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for (state, padded) in states.iter_mut().zip(&padded) {
        compress1(state, &padded.blocks()[done..]);
    }
    states.map(output)
}

fn compress1(state: &mut [u32; 8], blocks: &[[u8; BLOCK]]) {
    if !blocks.is_empty() {
        sha2::block_api::compress256(state, blocks);
    }
}

#[cfg(feature = "std")] // for the streaming module
fn compress2(
    a: &mut [u32; 8],
    b: &mut [u32; 8],
    a_blocks: &[[u8; BLOCK]],
    b_blocks: &[[u8; BLOCK]],
) {
    #[cfg(target_arch = "x86_64")]
    if x86::compress_if_supported([&mut *a, &mut *b], [a_blocks, b_blocks]) {
        return;
    }
    compress1(a, a_blocks);
    compress1(b, b_blocks);
}
