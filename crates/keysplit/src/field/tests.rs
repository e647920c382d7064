use super::*;

/// Carry-less multiplication followed by polynomial long division: a deliberately
/// different algorithm from `mul`, used only as a test oracle.
fn mul_reference(a: u8, b: u8) -> u8 {
    let mut product: u16 = 0;
    for i in 0..8 {
        if (b >> i) & 1 == 1 {
            product ^= (a as u16) << i;
        }
    }
    for bit in (8..16).rev() {
        if (product >> bit) & 1 == 1 {
            product ^= 0x11B << (bit - 8);
        }
    }
    product as u8
}

#[test]
fn mul_matches_long_division_for_all_pairs() {
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            assert_eq!(mul(a, b), mul_reference(a, b), "{a:#04x} * {b:#04x}");
        }
    }
}

#[test]
fn known_aes_products() {
    // FIPS-197 section 4.2: {57} * {83} = {c1}, {57} * {13} = {fe}.
    assert_eq!(mul(0x57, 0x83), 0xC1);
    assert_eq!(mul(0x57, 0x13), 0xFE);
    // FIPS-197 section 4.2.1: xtime({57}) = {ae}, xtime({ae}) = {47}.
    assert_eq!(xtime(0x57), 0xAE);
    assert_eq!(xtime(0xAE), 0x47);
}

#[test]
fn every_nonzero_element_has_an_inverse() {
    assert_eq!(inv(0), 0);
    for a in 1..=255u8 {
        assert_eq!(mul(a, inv(a)), 1, "inverse of {a:#04x}");
    }
    // FIPS-197 section 4.2: {53}^-1 = {ca}.
    assert_eq!(inv(0x53), 0xCA);
}

#[test]
fn pow_agrees_with_repeated_multiplication() {
    for a in 0..=255u8 {
        let mut acc = 1u8;
        for e in 0..20u32 {
            assert_eq!(pow(a, e), acc);
            acc = mul(acc, a);
        }
    }
}

#[test]
fn public_arithmetic_agrees_with_the_constant_time_field() {
    for a in 0..=255u8 {
        assert_eq!(super::public::inv(a), inv(a), "inverse of {a}");
        for b in 0..=255u8 {
            assert_eq!(super::public::mul(a, b), mul(a, b), "{a} * {b}");
        }
    }
}
