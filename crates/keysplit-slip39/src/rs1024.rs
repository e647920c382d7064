//! The RS1024 checksum of SLIP-0039: a Reed-Solomon code over GF(1024) that detects any
//! error in up to 3 words. The generator terms are selected with masks made from the
//! running state (secret for a secret share), never by a branch or a state-indexed table.

/// Generator terms, one per bit of the 10-bit state that leaves the register.
const GEN: [u32; 10] = [
    0x00E0_E040,
    0x01C1_C080,
    0x0383_8100,
    0x0707_0200,
    0x0E0E_0009,
    0x1C0C_2412,
    0x3808_6C24,
    0x3090_FC48,
    0x21B1_F890,
    0x03F3_F120,
];

/// The customization string of shares without / with the extendable flag.
pub(crate) fn customization(extendable: bool) -> &'static [u8] {
    if extendable {
        b"shamir_extendable"
    } else {
        b"shamir"
    }
}

/// The checksum register after feeding `values` (10-bit words) into state `chk`.
pub(crate) fn polymod(mut chk: u32, values: impl IntoIterator<Item = u32>) -> u32 {
    for value in values {
        let top = chk >> 20;
        chk = ((chk & 0xF_FFFF) << 10) ^ (value & 0x3FF);
        for (i, generator) in GEN.iter().enumerate() {
            chk ^= generator & 0u32.wrapping_sub((top >> i) & 1);
        }
    }
    chk
}

/// The register after the customization string (public).
fn start(extendable: bool) -> u32 {
    polymod(1, customization(extendable).iter().map(|&b| u32::from(b)))
}

/// The three checksum words for `data` (the mnemonic's words before the checksum).
pub(crate) fn create(data: &[u16], extendable: bool) -> [u16; 3] {
    let chk = polymod(start(extendable), data.iter().map(|&w| u32::from(w)));
    let chk = polymod(chk, [0, 0, 0]) ^ 1;
    [
        ((chk >> 20) & 0x3FF) as u16,
        ((chk >> 10) & 0x3FF) as u16,
        (chk & 0x3FF) as u16,
    ]
}

/// All ones when `words` (checksum included) verify, else zero; not yet declassified.
pub(crate) fn verify_mask(words: &[u16], extendable: bool) -> u32 {
    let chk = polymod(start(extendable), words.iter().map(|&w| u32::from(w)));
    crate::ct::eq_mask(chk, 1)
}
