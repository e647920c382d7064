//! Field backends: the one kernel that split and combine reduce to.
//!
//! Both operations are sums of `public constant * secret buffer`: split adds `x^j * a_j`
//! (x public, coefficients secret) into each share, combine adds `w_i * y_i` (Lagrange
//! weights public, share bytes secret) into the secret. So a backend only implements
//! `mul_add(dst, src, c)`: `dst[i] ^= c * src[i]` with a public `c`.
//!
//! Backends never see anything but that kernel, and split/combine never see anything
//! but [`Backend`], in the manner of curve25519-dalek's serial/vector split. The rule
//! every backend obeys: a secret byte may be an operand of arithmetic or of an in-register
//! shuffle, never a memory address or a branch condition. Branching on `c` is allowed.

pub mod portable;

/// A GF(256) multiply-accumulate implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Branch-free 64-bit SWAR; runs everywhere.
    Portable,
}

impl Backend {
    /// The portable backend, whatever the CPU offers (for audits and differential tests).
    pub const fn portable() -> Self {
        Backend::Portable
    }

    /// The fastest backend this CPU supports.
    pub fn detect() -> Self {
        Backend::Portable
    }

    /// Every backend this machine can run, portable first.
    pub fn available() -> alloc::vec::Vec<Backend> {
        alloc::vec![Backend::Portable]
    }

    /// A short stable name (`"portable"`, ...), used in benchmark and test output.
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
        }
    }

    /// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`, `c` public.
    #[inline]
    pub fn mul_add(self, dst: &mut [u8], src: &[u8], c: u8) {
        match self {
            Backend::Portable => portable::mul_add(dst, src, c),
        }
    }
}
