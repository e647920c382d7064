use super::*;
use crate::field;

#[test]
fn nibble_tables_are_products() {
    for c in 0..=255u8 {
        let t = nibble_tables(c);
        for n in 0..16u8 {
            assert_eq!(t.low[usize::from(n)], field::mul(c, n));
            assert_eq!(t.high[usize::from(n)], field::mul(c, n << 4));
        }
    }
}

#[test]
fn names_round_trip() {
    for backend in Backend::available() {
        assert_eq!(Backend::by_name(backend.name()), Some(backend));
    }
    assert_eq!(Backend::available()[0], Backend::portable());
    assert_eq!(Backend::by_name("nonsense"), None);
}
