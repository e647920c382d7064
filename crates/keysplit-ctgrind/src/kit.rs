//! What every section of the check shares: the result and section types, the secret
//! inputs and generator, the declassification of compared results, and the runner that
//! counts valgrind's errors per section.

use std::hint::black_box;

use chacha20::ChaCha20Rng;
use keysplit_testkit::{Bytes, TestRng};
use rand_core::{Rng, SeedableRng};

use crate::valgrind::{declassify, error_count, mark_secret};

/// A section's outcome: `Err` only when a result is wrong.
pub type SectionResult = Result<(), String>;

/// Hands keysplit the function that declassifies its public-by-design verdicts (see
/// keysplit's `ct` module). False when keysplit was built without the hook.
pub fn install_declassify_hook() -> bool {
    #[cfg(keysplit_ctgrind)]
    {
        keysplit::hazmat::set_declassify_hook(crate::valgrind::declassify);
        true
    }
    #[cfg(not(keysplit_ctgrind))]
    {
        false
    }
}

/// Draws of at most this many bytes are public by protocol: the envelope's 16-byte
/// set id and the single bytes read by x-coordinate rejection sampling (both appear in
/// the shares in clear). Every longer draw is a block of polynomial coefficients.
pub const PUBLIC_DRAW_MAX: usize = 16;

/// ChaCha20 keyed with a *secret* seed (so ChaCha20 itself is checked too), whose short
/// draws are declassified: x-coordinates and set ids are public, and the rejection
/// sampling that picks x-coordinates branches on those public bytes by design.
pub struct SecretBytes(pub ChaCha20Rng);

/// The generator of the sections: [`SecretBytes`] served as a plain byte stream.
pub type SecretRng = TestRng<SecretBytes>;

/// A generator whose key is marked secret.
pub fn secret_rng(seed_byte: u8) -> SecretRng {
    let mut seed = [seed_byte; 32];
    mark_secret(&mut seed);
    TestRng(SecretBytes(ChaCha20Rng::from_seed(black_box(seed))))
}

impl Bytes for SecretBytes {
    fn fill(&mut self, dst: &mut [u8]) {
        self.0.fill_bytes(dst);
        if dst.len() <= PUBLIC_DRAW_MAX {
            // Declassification point: set id / x-coordinate draw (public by protocol).
            declassify(dst);
        }
    }
}

/// A secret of `len` bytes derived from `tag`, marked secret, plus a public copy
/// (taken before marking) to compare results against.
pub fn secret(len: usize, tag: u8) -> (Vec<u8>, Vec<u8>) {
    let public: Vec<u8> = (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(tag))
        .collect();
    let mut secret = public.clone();
    mark_secret(&mut secret);
    (secret, public)
}

/// Declassifies a copy of a secret result so it can be compared.
pub fn reveal(bytes: &[u8]) -> Vec<u8> {
    let mut copy = bytes.to_vec();
    declassify(&mut copy);
    copy
}

/// A named section of the check.
pub type Section = (String, Box<dyn Fn() -> SectionResult>);

/// Runs `list`, printing the valgrind errors each section added.
pub fn run_sections(list: Vec<Section>) -> SectionResult {
    let mut flagged = Vec::new();
    for (name, section) in list {
        let before = error_count();
        section().map_err(|e| format!("{name}: {e}"))?;
        let added = error_count() - before;
        if added == 0 {
            println!("clean    {name}");
        } else {
            println!("FLAGGED  {name}: {added} error(s)");
            flagged.push(name);
        }
    }
    if !flagged.is_empty() {
        println!(
            "secret-dependent branches or indices in: {}",
            flagged.join("; ")
        );
    }
    Ok(())
}
