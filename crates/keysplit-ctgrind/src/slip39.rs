//! SLIP-39 sections of `check`: split with the master secret and the passphrase secret
//! (through the words of every share), and decoding + combine with the letters of every
//! word and the passphrase secret. What keysplit-slip39 declassifies, and why, is listed
//! in its `ct` module.

use chacha20::ChaCha20Rng;
use keysplit_slip39::{combine, combine_mnemonics, split, Share, SplitOptions};
use rand_core::{Rng, SeedableRng, TryCryptoRng, TryRng};

use crate::kit::{reveal, secret, Section, SectionResult};
use crate::valgrind::{declassify, mark_secret, mark_secret_raw};

/// ChaCha20 with a secret key whose 2-byte draws (the backup identifier, printed in the
/// first two words of every share) are public; all longer draws (random shares, the
/// digest share's random part) stay secret.
struct Slip39Rng(ChaCha20Rng);

impl TryRng for Slip39Rng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill_bytes(dst);
        if dst.len() == 2 {
            declassify(dst); // the identifier
        }
        Ok(())
    }
}
impl TryCryptoRng for Slip39Rng {}

fn secret_rng(seed_byte: u8) -> Slip39Rng {
    let mut seed = [seed_byte; 32];
    mark_secret(&mut seed);
    Slip39Rng(ChaCha20Rng::from_seed(std::hint::black_box(seed)))
}

const PASSPHRASE: &[u8] = b"correct horse";
const OPTIONS: SplitOptions = SplitOptions {
    iteration_exponent: 0,
    extendable: true,
};
/// Two of three groups: 2-of-3, 1-of-1 and 3-of-4.
const GROUPS: [(u8, u8); 3] = [(2, 3), (1, 1), (3, 4)];

/// The sections, appended to the core ones by `harness::sections`.
pub fn sections() -> Vec<Section> {
    vec![
        (
            "slip39: split (secret, passphrase) + words of every share".into(),
            Box::new(split_to_words),
        ),
        (
            "slip39: from_words (every letter secret) + combine (passphrase secret)".into(),
            Box::new(words_to_secret),
        ),
    ]
}

/// The words of a share as public text (after the check: it is the output).
fn mnemonic(share: &Share) -> String {
    let words: Vec<String> = share
        .words()
        .iter()
        .map(|w| {
            let bytes = reveal(w.padded());
            String::from_utf8(bytes.into_iter().take_while(|&b| b != 0).collect())
                .unwrap_or_default()
        })
        .collect();
    words.join(" ")
}

fn split_to_words() -> SectionResult {
    for len in [16, 32] {
        let (master, public) = secret(len, 0x39);
        let mut passphrase = PASSPHRASE.to_vec();
        mark_secret(&mut passphrase);
        let groups = split(
            &master,
            &passphrase,
            2,
            &GROUPS,
            OPTIONS,
            &mut secret_rng(7),
        )
        .map_err(|e| format!("slip39 split: {e}"))?;
        // The words of every share, by the masked scan (the check covers this).
        let texts: Vec<Vec<String>> = groups
            .iter()
            .map(|g| g.iter().map(mnemonic).collect())
            .collect();
        // Correctness, on public data: groups 0 and 2 with their thresholds.
        let chosen = [
            &texts[0][2],
            &texts[0][0],
            &texts[2][1],
            &texts[2][3],
            &texts[2][0],
        ];
        let back = combine_mnemonics(&chosen, PASSPHRASE)
            .map_err(|e| format!("slip39 combine after split: {e}"))?;
        if back[..] != public[..] {
            return Err("slip39 split: wrong result".into());
        }
    }
    Ok(())
}

fn words_to_secret() -> SectionResult {
    for len in [16, 32] {
        let public: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(29) ^ 0x5A).collect();
        let mut rng = ChaCha20Rng::from_seed([9; 32]);
        let groups = split(&public, PASSPHRASE, 2, &GROUPS, OPTIONS, &mut rng)
            .map_err(|e| format!("slip39 split: {e}"))?;
        let picked = [&groups[2][3], &groups[1][0], &groups[2][0], &groups[2][2]];
        let mut shares = Vec::new();
        for share in picked {
            let text = share.to_mnemonic();
            let mut words: Vec<String> = text.split(' ').map(str::to_string).collect();
            for word in &mut words {
                let w = word.as_mut_str();
                mark_secret_raw(w.as_mut_ptr(), w.len());
            }
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            shares.push(Share::from_words(&refs).map_err(|e| format!("from_words: {e}"))?);
        }
        let mut passphrase = PASSPHRASE.to_vec();
        mark_secret(&mut passphrase);
        let back = combine(&shares, &passphrase).map_err(|e| format!("slip39 combine: {e}"))?;
        if reveal(&back) != public {
            return Err("slip39 combine: wrong result".into());
        }
    }
    Ok(())
}
