//! Secret byte buffers, and the wipe they all use.
//!
//! Why not `Zeroizing<Vec<u8>>`: `zeroize` clears a `[u8]` with one volatile write per
//! byte, which the compiler may not merge: on a large secret that costs more than the
//! combine that rebuilt it. [`wipe`] keeps the guarantee (volatile writes, which the
//! optimiser must keep, then zeroize's fence) but writes 8 bytes at a time, 16 on x86_64
//! from 256 bytes, and 32 from 4 KiB where the CPU has AVX2 (see BENCHMARKING.md).

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::ops::{Deref, DerefMut};

use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Overwrites `bytes` with zeros using volatile writes, 8 bytes per write (16 for large
/// buffers on x86_64; on wasm32 a large buffer is one fill that zeroize's optimisation
/// barrier keeps), so that the wipe survives optimisation even right before the memory is
/// freed.
#[inline]
pub fn wipe(bytes: &mut [u8]) {
    // An empty region has nothing to clear. Returning here also keeps `zeroize` from
    // calling `memset` with a length of 0 (zeroize 1.9.2 does): an empty `Vec`'s pointer
    // is dangling (0x1), and some `memset`s are slow for such an address. The length is
    // public, so this branch reveals nothing.
    if bytes.is_empty() {
        return;
    }
    // SSE2 is part of x86_64: 16-byte stores, half as many, on large buffers; on small
    // ones the longer unaligned head would cost more than it saves.
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= 256 {
        // From 4 KiB, 32-byte stores where the CPU has them (checking costs a few loads).
        if bytes.len() >= 4096 && crate::backend::wipe_wide(bytes) {
            return;
        }
        return wipe_with::<core::arch::x86_64::__m128i>(bytes);
    }
    // wasm32 has no wider volatile store; a fill is one `memory.fill` instruction, and the
    // barrier makes the optimiser assume the zeros are read, so it cannot drop the fill.
    #[cfg(target_arch = "wasm32")]
    if bytes.len() >= 256 {
        bytes.fill(0);
        zeroize::optimization_barrier(bytes);
        return;
    }
    wipe_with::<u64>(bytes);
}

/// [`wipe`] with volatile writes of `W`: `pod_align_to_mut` is the safe split into an
/// unaligned head, aligned words and a tail; each `zeroize` is a volatile write followed
/// by a compiler fence.
#[inline(always)]
fn wipe_with<W: bytemuck::Pod + Zeroize>(bytes: &mut [u8]) {
    let (head, words, tail) = bytemuck::pod_align_to_mut::<u8, W>(bytes);
    // Unaligned heads and tails are often empty: skip those (see [`wipe`]).
    if !head.is_empty() {
        zeroize_bytes(head);
    }
    for word in words {
        word.zeroize();
    }
    if !tail.is_empty() {
        zeroize_bytes(tail);
    }
}

/// `part.zeroize()`, counted in tests.
#[inline(always)]
fn zeroize_bytes(part: &mut [u8]) {
    #[cfg(test)]
    tests::count_byte_zeroize(part.len());
    part.zeroize();
}

/// Secret bytes (a recovered secret, for instance): wiped on drop with [`wipe`],
/// redacted in `Debug`, and of fixed length, so no reallocation can leave an unwiped copy
/// behind. Up to 64 bytes (any wallet secret) live inside the value itself, without an
/// allocation.
///
/// It dereferences to `[u8]`. [`SecretBytes::into_zeroizing`] hands the bytes over as a
/// `Zeroizing<Vec<u8>>` when an API wants one.
#[derive(Clone)]
pub struct SecretBytes(SmallSecret<SECRET_INLINE>);

/// Secrets up to this many bytes are stored inline in [`SecretBytes`].
const SECRET_INLINE: usize = 64;

impl SecretBytes {
    /// `len` zero bytes.
    pub fn zeroed(len: usize) -> Self {
        SecretBytes(SmallSecret::zeroed(len))
    }

    /// Takes ownership of `bytes` (which is wiped with the rest when this is dropped).
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        SecretBytes(SmallSecret::from_vec(bytes))
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// The bytes, mutably (the length cannot change).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        self.0.as_mut_slice()
    }

    /// Shortens to `len` bytes, wiping the bytes cut off.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.0.truncate(len);
    }

    /// Hands the bytes over as a `Zeroizing<Vec<u8>>` (no copy when on the heap).
    pub fn into_zeroizing(mut self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.0.take_vec())
    }
}

/// Constant-time in the contents (lengths are public): comparing a recovered secret must
/// not reveal where it first differs.
impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.ct_eq(other))
    }
}

impl Eq for SecretBytes {}

impl ConstantTimeEq for SecretBytes {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.as_slice().ct_eq(other.as_slice())
    }
}

impl Default for SecretBytes {
    fn default() -> Self {
        SecretBytes::zeroed(0)
    }
}

impl Deref for SecretBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl DerefMut for SecretBytes {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.0.as_mut_slice()
    }
}

impl AsRef<[u8]> for SecretBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl AsMut<[u8]> for SecretBytes {
    fn as_mut(&mut self) -> &mut [u8] {
        self.0.as_mut_slice()
    }
}

impl From<SecretBytes> for Zeroizing<Vec<u8>> {
    fn from(secret: SecretBytes) -> Self {
        secret.into_zeroizing()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<{} bytes redacted>)", self.0.len)
    }
}

impl Zeroize for SecretBytes {
    fn zeroize(&mut self) {
        wipe(self.0.as_mut_slice());
    }
}

// `SmallSecret` wipes itself on drop.
impl ZeroizeOnDrop for SecretBytes {}

/// Bytes stored inline up to `INLINE` bytes (no allocation for the usual 16-64 byte wallet
/// secrets and their shares), on the heap beyond. Wiped on drop. Crate-private: the
/// share types wrap it.
#[derive(Clone)]
pub(crate) struct SmallSecret<const INLINE: usize> {
    inline: [u8; INLINE],
    heap: Vec<u8>,
    len: usize,
    on_heap: bool,
}

impl<const INLINE: usize> SmallSecret<INLINE> {
    /// `len` zero bytes.
    pub(crate) fn zeroed(len: usize) -> Self {
        let on_heap = len > INLINE;
        SmallSecret {
            inline: [0u8; INLINE],
            heap: if on_heap { vec![0u8; len] } else { Vec::new() },
            len,
            on_heap,
        }
    }

    /// A copy of `bytes`.
    pub(crate) fn copy_of(bytes: &[u8]) -> Self {
        let mut out = Self::zeroed(bytes.len());
        out.as_mut_slice().copy_from_slice(bytes);
        out
    }

    /// Takes ownership of `bytes` as they are (kept on the heap).
    pub(crate) fn from_vec(bytes: Vec<u8>) -> Self {
        SmallSecret {
            inline: [0u8; INLINE],
            len: bytes.len(),
            heap: bytes,
            on_heap: true,
        }
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        if self.on_heap {
            &self.heap
        } else {
            &self.inline[..self.len.min(INLINE)]
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        if self.on_heap {
            &mut self.heap
        } else {
            &mut self.inline[..self.len.min(INLINE)]
        }
    }

    /// Shortens to `len` bytes, wiping the bytes cut off (the heap buffer keeps its
    /// capacity, wiped again on drop).
    pub(crate) fn truncate(&mut self, len: usize) {
        if let Some(cut) = self.as_mut_slice().get_mut(len..) {
            wipe(cut);
        }
        self.heap.truncate(len);
        self.len = self.len.min(len);
    }

    /// The bytes as a `Vec` (moved out when on the heap, copied when inline), leaving
    /// this empty.
    pub(crate) fn take_vec(&mut self) -> Vec<u8> {
        let out = if self.on_heap {
            core::mem::take(&mut self.heap)
        } else {
            self.as_slice().to_vec()
        };
        wipe(&mut self.inline);
        self.len = 0;
        self.on_heap = false;
        out
    }
}

impl<const INLINE: usize> Drop for SmallSecret<INLINE> {
    fn drop(&mut self) {
        wipe(&mut self.inline);
        // Up to the capacity: `from_vec` and `truncate` may leave old bytes beyond `len`.
        let capacity = self.heap.capacity();
        self.heap.resize(capacity, 0);
        wipe(&mut self.heap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    std::thread_local! {
        /// Byte-wise `zeroize` calls on this thread: (all, empty).
        static BYTE_ZEROIZES: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    }

    pub(super) fn count_byte_zeroize(len: usize) {
        BYTE_ZEROIZES.with(|c| {
            let (all, empty) = c.get();
            c.set((all + 1, empty + usize::from(len == 0)));
        });
    }

    fn byte_zeroizes() -> (usize, usize) {
        BYTE_ZEROIZES.with(Cell::get)
    }

    #[test]
    fn no_zeroize_runs_on_an_empty_region() {
        // Empty slices at a dangling address: the heap part of an inline secret, a
        // truncate that cuts nothing, an empty secret.
        let before = byte_zeroizes();
        wipe(&mut []);
        wipe(&mut Vec::new());
        let mut inline = SmallSecret::<32>::copy_of(&[7u8; 32]);
        inline.truncate(32);
        drop(inline);
        drop(SecretBytes::zeroed(0));
        drop(SmallSecret::<32>::copy_of(&[7u8; 100]));
        let after = byte_zeroizes();
        assert_eq!(after.1, before.1, "a zeroize ran on an empty slice");
        // The counter does see the unaligned heads and tails it should.
        let mut odd = [1u8; 21];
        wipe(&mut odd[1..]);
        assert!(byte_zeroizes().0 > after.0, "the counter saw no zeroize");
        assert!(odd[1..].iter().all(|&b| b == 0));
    }

    #[test]
    fn wipe_clears_every_alignment_and_length() {
        // Past 4 KiB the 32-byte path where the CPU has AVX2, at every start modulo 32.
        let mut buffer = vec![0xA5u8; 4200];
        for start in 0..33 {
            for len in (0..40).chain([255, 256, 257, 300, 383, 4095, 4096, 4097, 4131]) {
                buffer.fill(0xA5);
                wipe(&mut buffer[start..start + len]);
                assert!(buffer[start..start + len].iter().all(|&b| b == 0));
                assert!(buffer[..start].iter().all(|&b| b == 0xA5), "wrote before");
                assert!(
                    buffer[start + len..].iter().all(|&b| b == 0xA5),
                    "wrote after"
                );
            }
        }
    }

    #[test]
    fn small_secret_switches_to_the_heap_above_its_inline_size() {
        for len in [0usize, 1, 16, 32, 33, 64] {
            let bytes: Vec<u8> = (0..len as u8).collect();
            let s = SmallSecret::<32>::copy_of(&bytes);
            assert_eq!(s.as_slice(), &bytes[..]);
            assert_eq!(s.on_heap, len > 32);
            assert_eq!(s.clone().as_slice(), &bytes[..]);
        }
    }

    #[test]
    fn secret_bytes_is_redacted_and_converts_without_loss() {
        let s = SecretBytes::from_vec(alloc::vec![1, 2, 3]);
        assert_eq!(alloc::format!("{s:?}"), "SecretBytes(<3 bytes redacted>)");
        assert_eq!(&*s, &[1, 2, 3]);
        let z: Zeroizing<Vec<u8>> = s.into();
        assert_eq!(&z[..], &[1, 2, 3]);
        for len in [0usize, 5, 64, 65, 200] {
            let mut s = SecretBytes::zeroed(len);
            s.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8 + 1);
            let copy: Vec<u8> = s.to_vec();
            s.truncate(len / 2);
            assert_eq!(&*s, &copy[..len / 2]);
            assert_eq!(&*s.clone().into_zeroizing(), &copy[..len / 2]);
        }
    }
}
