//! Field backends: the one kernel that split and combine reduce to.
//!
//! Both operations are sums of `public constant * secret buffer`: split adds `x^j * a_j`
//! (x public, coefficients secret) into each share, combine adds `w_i * y_i` (Lagrange
//! weights public, share bytes secret) into the secret. So a backend only implements
//! `mul_add(dst, src, c)`: `dst[i] ^= c * src[i]` with a public `c`.
//!
//! Backends never see anything but that kernel, and split/combine never see anything
//! but [`Backend`], in the manner of curve25519-dalek's serial/vector split. The rule
//! every backend obeys: a secret byte may be an operand of arithmetic, of an in-register
//! shuffle (`pshufb`, `tbl`, `i8x16.swizzle`) or of a carry-less multiply (`gf2p8mulb`),
//! never a memory address or a branch condition. Branching on `c` is allowed.
//!
//! | backend    | where                          | method                              |
//! |------------|--------------------------------|-------------------------------------|
//! | `portable` | everywhere                     | 64-bit SWAR, bit-sliced select      |
//! | `ssse3`    | x86_64 with SSSE3              | `pshufb` nibble tables, 16 B/step   |
//! | `avx2`     | x86_64 with AVX2               | `vpshufb` nibble tables, 32 B/step  |
//! | `avx512`   | x86_64 with AVX-512F + BW      | `vpshufb` nibble tables, 64 B/step  |
//! | `gfni`     | x86_64 with GFNI + AVX2        | `vgf2p8mulb` (0x11B), 32 B/step     |
//! | `neon`     | aarch64                        | `tbl` nibble tables, 16 B/step      |
//! | `simd128`  | wasm32 built with `+simd128`   | `i8x16.swizzle` nibble tables       |
//!
//! [`Backend::detect`] picks the fastest one the CPU has, once, and caches the choice
//! (see `platform.rs`). To audit or benchmark the portable path, build with the cargo
//! feature `force-portable`, or set `KEYSPLIT_BACKEND=portable` in the environment (read
//! once, with the `std` feature). Every backend is tested against the portable one in
//! `tests/backends.rs` on every backend the test machine can run.

use core::fmt;

use zeroize::Zeroize;

mod platform;
pub mod portable;

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2;
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
#[clippy::msrv = "1.89"] // AVX-512 and GFNI intrinsics are stable since Rust 1.89
mod avx512;
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
#[clippy::msrv = "1.89"] // AVX-512 and GFNI intrinsics are stable since Rust 1.89
mod gfni;
#[cfg(target_arch = "aarch64")]
#[allow(unsafe_code)]
mod neon;
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod ssse3;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[allow(unsafe_code)]
mod wasm32_simd;
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod ymm;

use platform::Kind;

/// A GF(256) multiply-accumulate implementation that this CPU can run.
///
/// A `Backend` can only be obtained from a constructor that has checked the CPU
/// ([`Backend::avx2`] and the like return `None` where the instructions are missing), so
/// holding one is proof that its instructions are available.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Backend(Kind);

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Backend({})", self.name())
    }
}

impl Backend {
    /// Names of every backend keysplit knows, on any architecture, portable first.
    pub const NAMES: [&'static str; 7] = [
        "portable", "ssse3", "avx2", "avx512", "gfni", "neon", "simd128",
    ];

    /// The portable backend, whatever the CPU offers (for audits and differential tests).
    pub const fn portable() -> Self {
        Backend(Kind::Portable)
    }

    /// x86_64 SSSE3 (`pshufb`), if this CPU has it.
    pub fn ssse3() -> Option<Self> {
        Self::by_name("ssse3")
    }

    /// x86_64 AVX2 (`vpshufb` on 256 bits), if this CPU has it.
    pub fn avx2() -> Option<Self> {
        Self::by_name("avx2")
    }

    /// x86_64 AVX-512BW (`vpshufb` on 512 bits), if this CPU has AVX-512F and AVX-512BW.
    pub fn avx512() -> Option<Self> {
        Self::by_name("avx512")
    }

    /// x86_64 GFNI (`vgf2p8mulb`, polynomial 0x11B), if this CPU has GFNI, AVX and AVX2.
    pub fn gfni() -> Option<Self> {
        Self::by_name("gfni")
    }

    /// aarch64 NEON (`tbl`), if this CPU has it.
    pub fn neon() -> Option<Self> {
        Self::by_name("neon")
    }

    /// wasm32 simd128 (`i8x16.swizzle`), if the crate was built with `+simd128`.
    pub fn simd128() -> Option<Self> {
        Self::by_name("simd128")
    }

    /// The backend called `name` (one of [`Backend::NAMES`]) if this CPU can run it.
    pub fn by_name(name: &str) -> Option<Self> {
        let kind = Kind::from_name(name)?;
        platform::supported(kind).then_some(Backend(kind))
    }

    /// The fastest backend this CPU supports, or the portable one when the cargo feature
    /// `force-portable` is on or (with `std`) `KEYSPLIT_BACKEND=portable` is set. The
    /// environment variable may also name another backend; one this CPU lacks is ignored.
    /// Detected once per process, then cached.
    pub fn detect() -> Self {
        Backend(platform::detect())
    }

    /// Every backend this machine can run, portable first.
    pub fn available() -> alloc::vec::Vec<Backend> {
        Self::NAMES
            .iter()
            .filter_map(|name| Self::by_name(name))
            .collect()
    }

    /// A short stable name (one of [`Backend::NAMES`]), used in benchmark and test output.
    pub const fn name(self) -> &'static str {
        self.0.name()
    }

    /// `dst[i] ^= c * src[i]` for `i < min(dst.len(), src.len())`, `c` public.
    // A match and a call: not worth a call of its own on small secrets (but on wasm32 the
    // module size is budgeted).
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    #[cfg_attr(target_arch = "wasm32", inline)]
    #[allow(unsafe_code)] // calls the SIMD entry points; see the SAFETY comments
    pub fn mul_add(self, dst: &mut [u8], src: &[u8], c: u8) {
        // `c` is public: skipping the no-op is allowed.
        if c == 0 {
            return;
        }
        // Each SIMD module's entry point may be called only on a CPU with its
        // instructions. `self.0` is one of those kinds only if
        // `platform::supported` found them when this `Backend` was made (the field is
        // private to this module and every constructor checks), so holding `self` proves
        // the CPU has them.
        match self.0 {
            Kind::Portable => portable::mul_add(dst, src, c),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a Ssse3 `Backend` proves SSSE3 (see above).
            Kind::Ssse3 => unsafe { ssse3::mul_add_checked(dst, src, c) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an Avx2 `Backend` proves AVX2 (see above).
            Kind::Avx2 => unsafe { avx2::mul_add_checked(dst, src, c) },
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 => avx512_mul_add(dst, src, c),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a Gfni `Backend` proves GFNI, AVX and AVX2 (see above).
            Kind::Gfni => unsafe { gfni::mul_add_checked(dst, src, c) },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: a Neon `Backend` proves NEON (see above).
            Kind::Neon => unsafe { neon::mul_add_checked(dst, src, c) },
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kind::Simd128 => wasm32_simd::mul_add(dst, src, c),
        }
    }
}

/// AVX-512's `mul_add`: whole 64-byte vectors with AVX-512, the last < 64 bytes with
/// AVX2 where the CPU has it. AVX-512's own tail goes through a padded vector on the
/// stack, which made short regions (a 32-byte secret, threshold 3 and more) several
/// times slower than AVX2 (BENCHMARKING.md, "Kernels per backend").
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(unsafe_code)] // calls the SIMD entry points; see the SAFETY comments
fn avx512_mul_add(dst: &mut [u8], src: &[u8], c: u8) {
    let len = dst.len().min(src.len());
    let body = len - len % 64;
    let (dst_body, dst_tail) = dst[..len].split_at_mut(body);
    let (src_body, src_tail) = src[..len].split_at(body);
    if body > 0 {
        // SAFETY: only `Backend::mul_add` calls this, for an Avx512 `Backend`, which
        // proves AVX-512F and AVX-512BW (see there).
        unsafe { avx512::mul_add_checked(dst_body, src_body, c) };
    }
    if dst_tail.is_empty() {
        return;
    }
    if platform::supported(Kind::Avx2) {
        // SAFETY: the check above found AVX2.
        unsafe { avx2::mul_add_checked(dst_tail, src_tail, c) };
    } else {
        // SAFETY: as for the body.
        unsafe { avx512::mul_add_checked(dst_tail, src_tail, c) };
    }
}

impl Backend {
    /// `dst[i] = a * src_a[i] ^ b * src_b[i]` for `i < min` of the three lengths, with
    /// `a` and `b` public: one pass where [`Backend::mul_add`] needs two (and a zeroed or
    /// copied `dst` first). Split's first term is `mul2(share, payload, 1, a_1, x)`;
    /// combine's first two shares are `mul2(secret, y_0, w_0, y_1, w_1)`.
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))] // see `mul_add`
    #[cfg_attr(target_arch = "wasm32", inline)]
    #[allow(unsafe_code)] // calls the SIMD entry points; see the SAFETY comments
    pub fn mul2(self, dst: &mut [u8], src_a: &[u8], a: u8, src_b: &[u8], b: u8) {
        let len = dst.len().min(src_a.len()).min(src_b.len());
        let (dst, src_a, src_b) = (&mut dst[..len], &src_a[..len], &src_b[..len]);
        match self.0 {
            // (On wasm32, whose module size is budgeted, portable uses the two passes.)
            Kind::Portable if cfg!(not(target_arch = "wasm32")) => {
                portable::mul2(dst, src_a, a, src_b, b)
            }
            // SAFETY: an Avx2 `Backend` exists only after `platform::supported` found
            // AVX2 on this CPU (see `mul_add`), the only requirement of `mul2_checked`.
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2 => unsafe { avx2::mul2_checked(dst, src_a, a, src_b, b) },
            // SAFETY: a Gfni `Backend` exists only after `platform::supported` found
            // GFNI, AVX and AVX2 on this CPU, the requirements of `mul2_checked`.
            #[cfg(target_arch = "x86_64")]
            Kind::Gfni => unsafe { gfni::mul2_checked(dst, src_a, a, src_b, b) },
            // SAFETY: the guard of this arm found AVX2. (CPUs with AVX-512 have AVX2 too,
            // but that is checked rather than assumed.)
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 if platform::supported(Kind::Avx2) => unsafe {
                avx2::mul2_checked(dst, src_a, a, src_b, b)
            },
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kind::Simd128 => wasm32_simd::mul2(dst, src_a, a, src_b, b),
            // Backends without a fused kernel: the same result in two passes.
            #[allow(unreachable_patterns)] // every kind may have a fused kernel somewhere
            _ => {
                if a == 1 {
                    dst.copy_from_slice(src_a);
                } else {
                    dst.fill(0);
                    self.mul_add(dst, src_a, a);
                }
                self.mul_add(dst, src_b, b);
            }
        }
    }
}

impl Backend {
    /// `a[i] = wa * a[i] ^ wb * b[i]` for `i < min(a.len(), b.len())`, `wa` and `wb`
    /// public: [`Backend::mul2`] written over its first source, for a combine that reuses
    /// the first share's buffer as the output (the WASM raw combine).
    pub fn mul2_in_place(self, a: &mut [u8], wa: u8, b: &[u8], wb: u8) {
        let len = a.len().min(b.len());
        let (a, b) = (&mut a[..len], &b[..len]);
        match self.0 {
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kind::Simd128 => wasm32_simd::mul2_in_place(a, wa, b, wb),
            // Elsewhere: `mul2` from a copy of each chunk of `a` (on the stack, wiped).
            #[allow(unreachable_patterns)] // simd128 builds have their own kernel
            _ => {
                let mut copy = [0u8; 1024];
                for (a, b) in a.chunks_mut(copy.len()).zip(b.chunks(copy.len())) {
                    let copy = &mut copy[..a.len()];
                    copy.copy_from_slice(a);
                    self.mul2(a, copy, wa, b, wb);
                }
                copy.zeroize();
            }
        }
    }

    /// The inverse of a **public** field element (`0` for `0`) if this backend has a
    /// faster way than scalar code, else `None`. It may branch on `d`: never pass it
    /// anything secret (keysplit passes products of x-coordinate differences).
    #[inline]
    #[allow(unsafe_code)] // calls the SIMD entry points; see the SAFETY comments
    pub fn inverse_of_public(self, d: u8) -> Option<u8> {
        match self.0 {
            // SAFETY: an Avx2 `Backend` exists only after `platform::supported` found
            // AVX2 on this CPU (see `mul_add`), the only requirement of the entry point.
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2 => Some(unsafe { avx2::inverse_of_public_checked(d) }),
            // SAFETY: the guard of this arm found AVX2. (CPUs with AVX-512 or GFNI have
            // AVX2 too, but that is checked rather than assumed.)
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 | Kind::Gfni if platform::supported(Kind::Avx2) => {
                // SAFETY: as above, the guard found AVX2.
                Some(unsafe { avx2::inverse_of_public_checked(d) })
            }
            _ => {
                let _ = d; // used by the x86_64 arms only
                None
            }
        }
    }
}

/// The 16-entry tables `c * n` and `c * (n << 4)` for every nibble `n`, for a public `c`.
/// The shuffle backends hold them in registers and select from them by secret nibbles.
#[derive(Clone, Copy)]
#[repr(C, align(32))] // both tables in one cache line
#[allow(dead_code)] // unused on targets that only have the portable backend
pub(crate) struct NibbleTables {
    pub(crate) low: [u8; 16],
    pub(crate) high: [u8; 16],
}

/// Every constant's nibble tables (8 KiB), computed at compile time. Indexed by the
/// public constant `c` only: building them at run time would cost more than a whole
/// 32-byte multiply-accumulate.
#[allow(dead_code)] // unused on targets that only have the portable backend
static NIBBLE_TABLES: [NibbleTables; 256] = {
    let mut tables = [NibbleTables {
        low: [0; 16],
        high: [0; 16],
    }; 256];
    let mut c = 0;
    while c < 256 {
        let mut n = 0;
        while n < 16 {
            tables[c].low[n] = crate::field::mul(c as u8, n as u8);
            tables[c].high[n] = crate::field::mul(c as u8, (n << 4) as u8);
            n += 1;
        }
        c += 1;
    }
    tables
};

/// The nibble tables of the public constant `c`.
#[allow(dead_code)] // unused on targets that only have the portable backend
#[inline(always)]
pub(crate) fn nibble_tables(c: u8) -> &'static NibbleTables {
    &NIBBLE_TABLES[usize::from(c)]
}

/// Wipes `bytes` with the widest volatile stores the CPU has beyond the baseline (AVX2's
/// 32 bytes: half the stores of 16-byte ones) and returns `true`, or
/// returns `false` and leaves `bytes` alone. Only `crate::secret::wipe` calls it.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)] // calls the AVX2 entry point; see the SAFETY comment
pub(crate) fn wipe_wide(bytes: &mut [u8]) -> bool {
    if platform::supported(Kind::Avx2) {
        // SAFETY: AVX2 was found on this CPU just above, the only requirement.
        unsafe { avx2::wipe_checked(bytes) };
        return true;
    }
    false
}

/// The last `len < N` bytes of a buffer, padded to one vector on the stack so a SIMD
/// backend can finish with one more full-width step. Wiped on drop.
#[allow(dead_code)] // unused on targets that only have the portable backend
pub(crate) struct Tail<const N: usize> {
    pub(crate) src: [u8; N],
    pub(crate) product: [u8; N],
}

#[allow(dead_code)] // unused on targets that only have the portable backend
impl<const N: usize> Tail<N> {
    /// Copies up to `N` source bytes (the rest of the vector is zero).
    pub(crate) fn new(src: &[u8]) -> Self {
        let mut tail = Tail {
            src: [0u8; N],
            product: [0u8; N],
        };
        let len = src.len().min(N);
        tail.src[..len].copy_from_slice(&src[..len]);
        tail
    }

    /// Adds the computed products into `dst` (at most `N` bytes).
    pub(crate) fn finish(self, dst: &mut [u8]) {
        for (d, p) in dst.iter_mut().zip(&self.product) {
            *d ^= p;
        }
    }

    /// The last `dst.len() < N` bytes of a kernel: `src` goes through one padded vector
    /// on the stack (the length is public), `kernel` writes its products into the other,
    /// they are added into `dst`, and both vectors are wiped. Nothing for an empty `dst`.
    #[inline(always)]
    pub(crate) fn run(dst: &mut [u8], src: &[u8], kernel: impl FnOnce(&[u8; N], &mut [u8; N])) {
        if dst.is_empty() {
            return;
        }
        let mut tail = Tail::<N>::new(src);
        kernel(&tail.src, &mut tail.product);
        tail.finish(dst);
    }
}

impl<const N: usize> Drop for Tail<N> {
    fn drop(&mut self) {
        self.src.zeroize();
        self.product.zeroize();
    }
}

#[cfg(test)]
mod tests;
