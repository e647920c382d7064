//! [`DefaultRng`]: the generator keysplit picks when the caller does not bring one.

use chacha20::ChaCha20Rng;
use rand_core::{SeedableRng, TryCryptoRng, TryRng};

#[cfg(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"))]
use super::AesCtrRng;

/// The generator of [`os_rng`](crate::os_rng): AES-256 in counter mode ([`AesCtrRng`])
/// where the CPU has AES instructions (AES-NI on x86, the ARMv8 Cryptography Extensions on
/// aarch64), [`ChaCha20Rng`] everywhere else; keyed once with 32 bytes from the operating
/// system. Wiped on drop.
///
/// Both are keystreams of a cipher under a random 256-bit key; AES is chosen only where it
/// runs in hardware, because there it makes bytes several times faster than ChaCha20 and,
/// as an instruction, takes the same time whatever the key (software AES is either slow or
/// table-driven). Which one runs changes no format and no test vector: the bytes are random
/// either way. [`DefaultRng::algorithm`] tells which one this is.
///
/// Not [`SeedableRng`]: the same seed would give different bytes on different CPUs. Seed
/// [`AesCtrRng`] or [`ChaCha20Rng`] directly where the output must be reproducible.
pub struct DefaultRng(Generator);

/// Only CPUs that can have AES instructions get the AES variant, so other targets (wasm32)
/// do not link the cipher at all.
enum Generator {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"))]
    AesCtr(AesCtrRng),
    ChaCha20(ChaCha20Rng),
}

impl DefaultRng {
    /// The generator this CPU gets for `seed` (by [`os_rng`](crate::os_rng) only: a seed
    /// that is not fresh from the operating system has no business here).
    pub(crate) fn from_seed(seed: [u8; 32]) -> DefaultRng {
        #[cfg(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"))]
        if aes_in_hardware() {
            return DefaultRng(Generator::AesCtr(AesCtrRng::from_seed(seed)));
        }
        DefaultRng(Generator::ChaCha20(ChaCha20Rng::from_seed(seed)))
    }

    /// AES-256-CTR when `aes` is set, ChaCha20 otherwise, whatever the CPU.
    #[cfg(all(
        test,
        any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")
    ))]
    pub(crate) fn from_seed_choosing(seed: [u8; 32], aes: bool) -> DefaultRng {
        DefaultRng(if aes {
            Generator::AesCtr(AesCtrRng::from_seed(seed))
        } else {
            Generator::ChaCha20(ChaCha20Rng::from_seed(seed))
        })
    }

    /// `"AES-256-CTR"` or `"ChaCha20"`: which generator runs.
    pub fn algorithm(&self) -> &'static str {
        match self.0 {
            #[cfg(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"))]
            Generator::AesCtr(_) => "AES-256-CTR",
            Generator::ChaCha20(_) => "ChaCha20",
        }
    }
}

/// Whether the CPU runs AES as instructions (asked once; `cpufeatures` caches the answer).
#[cfg(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"))]
fn aes_in_hardware() -> bool {
    cpufeatures::new!(cpu_aes, "aes");
    cpu_aes::get()
}

impl TryRng for DefaultRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        match &mut self.0 {
            #[cfg(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"))]
            Generator::AesCtr(rng) => rng.try_next_u32(),
            Generator::ChaCha20(rng) => rng.try_next_u32(),
        }
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        match &mut self.0 {
            #[cfg(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"))]
            Generator::AesCtr(rng) => rng.try_next_u64(),
            Generator::ChaCha20(rng) => rng.try_next_u64(),
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        match &mut self.0 {
            #[cfg(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"))]
            Generator::AesCtr(rng) => rng.try_fill_bytes(dest),
            Generator::ChaCha20(rng) => rng.try_fill_bytes(dest),
        }
    }
}

impl TryCryptoRng for DefaultRng {}

// Both generators wipe themselves on drop.
impl zeroize::ZeroizeOnDrop for DefaultRng {}

/// Names the algorithm; never prints a key or keystream.
impl core::fmt::Debug for DefaultRng {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DefaultRng({} {{ .. }})", self.algorithm())
    }
}
