//! The passphrase encryption of SLIP-0039: a 4-round Feistel network whose round function
//! is PBKDF2-HMAC-SHA256 with `(10000 << e) / 4` iterations.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

/// Rounds of the Feistel network.
const ROUNDS: u8 = 4;
/// PBKDF2 iterations over all rounds at exponent 0.
const BASE_ITERATIONS: u32 = 10_000;

/// PBKDF2-HMAC-SHA256 of one block (`out.len() <= 32`: half of a master secret of at
/// most 64 bytes; longer halves use further blocks).
fn pbkdf2(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    let Ok(keyed) = <Hmac<Sha256> as KeyInit>::new_from_slice(password) else {
        return; // HMAC takes keys of any length
    };
    for (block, chunk) in out.chunks_mut(32).enumerate() {
        let mut mac = keyed.clone();
        mac.update(salt);
        mac.update(&(block as u32 + 1).to_be_bytes());
        let mut u = Zeroizing::new([0u8; 32]);
        u.copy_from_slice(&mac.finalize().into_bytes());
        let mut t = Zeroizing::new(*u);
        for _ in 1..iterations {
            let mut mac = keyed.clone();
            mac.update(&u[..]);
            u.copy_from_slice(&mac.finalize().into_bytes());
            for (t, u) in t.iter_mut().zip(u.iter()) {
                *t ^= u;
            }
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
}

/// The PBKDF2 salt: empty for extendable backups, else `"shamir" || identifier`.
fn salt(identifier: u16, extendable: bool) -> ([u8; 8], usize) {
    let mut salt = [0u8; 8];
    if extendable {
        return (salt, 0);
    }
    salt[..6].copy_from_slice(b"shamir");
    salt[6..].copy_from_slice(&identifier.to_be_bytes());
    (salt, 8)
}

/// Runs the Feistel network over `data` (even length) in place: rounds 0..4 to encrypt,
/// 3..=0 to decrypt.
pub(crate) fn feistel(
    data: &mut [u8],
    passphrase: &[u8],
    exponent: u8,
    identifier: u16,
    extendable: bool,
    decrypt: bool,
) {
    if !data.len().is_multiple_of(2) {
        return; // callers pass even lengths only
    }
    let half = data.len() / 2;
    let (salt, salt_len) = salt(identifier, extendable);
    let iterations = (BASE_ITERATIONS << exponent) / u32::from(ROUNDS);
    let mut password = Zeroizing::new(alloc::vec![0u8; passphrase.len() + 1]);
    password[1..].copy_from_slice(passphrase);
    let mut round_salt = Zeroizing::new(alloc::vec![0u8; salt_len + half]);
    round_salt[..salt_len].copy_from_slice(&salt[..salt_len]);
    let mut f = Zeroizing::new(alloc::vec![0u8; half]);
    let (left, right) = data.split_at_mut(half);
    for step in 0..ROUNDS {
        let round = if decrypt { ROUNDS - 1 - step } else { step };
        password[0] = round;
        round_salt[salt_len..].copy_from_slice(right);
        pbkdf2(&password, &round_salt, iterations, &mut f);
        // (L, R) <- (R, L xor F(R))
        for (l, f) in left.iter_mut().zip(f.iter()) {
            *l ^= f;
        }
        left.swap_with_slice(right);
    }
    // The output is R || L.
    left.swap_with_slice(right);
    f.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7914 section 11 (PBKDF2-HMAC-SHA256 test vectors), first 32 bytes of the first.
    #[test]
    fn pbkdf2_rfc7914() {
        let mut out = [0u8; 32];
        pbkdf2(b"passwd", b"salt", 1, &mut out);
        assert_eq!(
            out[..16],
            [
                0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91, 0xc2, 0x25, 0x44,
                0xb6, 0x05
            ]
        );
    }

    #[test]
    fn feistel_round_trips() {
        let mut data = *b"0123456789abcdef";
        feistel(&mut data, b"TREZOR", 0, 7, false, false);
        assert_ne!(&data, b"0123456789abcdef");
        feistel(&mut data, b"TREZOR", 0, 7, false, true);
        assert_eq!(&data, b"0123456789abcdef");
    }
}
