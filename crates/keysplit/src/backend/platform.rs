//! Which backends this CPU can run, and which one to use (in the manner of BLAKE3's
//! `platform.rs`).
//!
//! With the `std` feature the CPU is asked at run time (`is_x86_feature_detected!`,
//! `is_aarch64_feature_detected!`); without it only what the build enables at compile
//! time (`-C target-feature=...`, `-C target-cpu=...`) counts. The choice made by
//! [`detect`] is cached in an atomic the first time it runs.

/// The backends, as plain tags. A `Backend` holding a SIMD tag is only ever made after
/// [`supported`] returned true for it: that is what makes its `mul_add` safe to call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Ssse3,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Gfni,
    #[cfg(target_arch = "aarch64")]
    Neon,
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Simd128,
}

/// Fastest first: the order [`detect`] tries them in.
const PREFERENCE: &[Kind] = &[
    #[cfg(target_arch = "x86_64")]
    Kind::Gfni,
    #[cfg(target_arch = "x86_64")]
    Kind::Avx512,
    #[cfg(target_arch = "x86_64")]
    Kind::Avx2,
    #[cfg(target_arch = "x86_64")]
    Kind::Ssse3,
    #[cfg(target_arch = "aarch64")]
    Kind::Neon,
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    Kind::Simd128,
    Kind::Portable,
];

impl Kind {
    pub(super) const fn name(self) -> &'static str {
        match self {
            Kind::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kind::Ssse3 => "ssse3",
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 => "avx512",
            #[cfg(target_arch = "x86_64")]
            Kind::Gfni => "gfni",
            #[cfg(target_arch = "aarch64")]
            Kind::Neon => "neon",
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            Kind::Simd128 => "simd128",
        }
    }

    /// The kind called `name` if this build has it (whether the CPU does is [`supported`]).
    pub(super) fn from_name(name: &str) -> Option<Kind> {
        PREFERENCE.iter().copied().find(|kind| kind.name() == name)
    }
}

/// Asks the CPU at run time with `std`, otherwise trusts the compile-time features.
#[cfg(target_arch = "x86_64")]
macro_rules! x86_has {
    ($($feature:tt),+) => {{
        #[cfg(feature = "std")]
        let has = true $(&& std::arch::is_x86_feature_detected!($feature))+;
        #[cfg(not(feature = "std"))]
        let has = cfg!(all($(target_feature = $feature),+));
        has
    }};
}

/// Whether this CPU can run `kind`.
pub(super) fn supported(kind: Kind) -> bool {
    match kind {
        Kind::Portable => true,
        #[cfg(target_arch = "x86_64")]
        Kind::Ssse3 => x86_has!("ssse3"),
        #[cfg(target_arch = "x86_64")]
        Kind::Avx2 => x86_has!("avx2"),
        #[cfg(target_arch = "x86_64")]
        Kind::Avx512 => x86_has!("avx512f", "avx512bw"),
        #[cfg(target_arch = "x86_64")]
        Kind::Gfni => x86_has!("gfni", "avx", "avx2"),
        #[cfg(target_arch = "aarch64")]
        Kind::Neon => aarch64_has_neon(),
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Kind::Simd128 => true,
    }
}

#[cfg(target_arch = "aarch64")]
fn aarch64_has_neon() -> bool {
    #[cfg(feature = "std")]
    let has = std::arch::is_aarch64_feature_detected!("neon");
    #[cfg(not(feature = "std"))]
    let has = cfg!(target_feature = "neon");
    has
}

/// The fastest supported kind, unless the build or the environment asks for another.
fn choose() -> Kind {
    if cfg!(feature = "force-portable") {
        return Kind::Portable;
    }
    #[cfg(feature = "std")]
    if let Some(kind) = std::env::var("KEYSPLIT_BACKEND")
        .ok()
        .and_then(|name| Kind::from_name(name.trim()))
        .filter(|&kind| supported(kind))
    {
        return kind;
    }
    PREFERENCE
        .iter()
        .copied()
        .find(|&kind| supported(kind))
        .unwrap_or(Kind::Portable)
}

/// [`choose`], computed once per process and cached.
#[cfg(feature = "std")]
pub(super) fn detect() -> Kind {
    use core::sync::atomic::{AtomicU8, Ordering};
    /// 0: not chosen yet; otherwise 1 + the index of the kind in PREFERENCE.
    static CHOSEN: AtomicU8 = AtomicU8::new(0);
    let cached = usize::from(CHOSEN.load(Ordering::Relaxed));
    if let Some(&kind) = cached.checked_sub(1).and_then(|i| PREFERENCE.get(i)) {
        return kind;
    }
    let kind = choose();
    if let Some(index) = PREFERENCE.iter().position(|&k| k == kind) {
        // Racing threads compute the same answer; whichever store lands is fine.
        CHOSEN.store((index + 1) as u8, Ordering::Relaxed);
    }
    kind
}

/// Without `std` the answer is a compile-time constant: nothing to cache.
#[cfg(not(feature = "std"))]
pub(super) fn detect() -> Kind {
    choose()
}
