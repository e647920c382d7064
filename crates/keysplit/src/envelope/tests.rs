use super::*;
use alloc::vec;

#[test]
fn combinations_enumerate_all_subsets() {
    let mut subset = vec![0, 1];
    let mut all = vec![subset.clone()];
    while next_combination(&mut subset, 4) {
        all.push(subset.clone());
    }
    assert_eq!(
        all,
        vec![
            vec![0, 1],
            vec![0, 2],
            vec![0, 3],
            vec![1, 2],
            vec![1, 3],
            vec![2, 3]
        ]
    );
}

/// The header layout of `docs/envelope-format.md`, written out byte by byte.
#[test]
fn header_bytes_follow_the_documented_layout() {
    let header = Header {
        threshold: 3,
        x: 0xA7,
        set_id: SetId(core::array::from_fn(|i| 0x10 + i as u8)),
        secret_len: 0x0102_0304_0506_0708,
    };
    let mut expected = vec![b'K', b'S', 1, 3, 0xA7];
    expected.extend(0x10..0x20u8);
    expected.extend([1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(header.encode()[..], expected[..]);
    assert_eq!(Header::parse(&expected), Ok(header));
    assert_eq!(Header::fields(&header.encode()), header);

    let digest_prefix = header.digest_prefix();
    assert_eq!(&digest_prefix[..25], b"keysplit/v1/secret-digest");
    assert_eq!(&digest_prefix[25..], &expected[5..]);
}

/// The checks of a header, in the order both decoders rely on: magic, version, length,
/// secret length; the threshold and x only on request.
#[test]
fn header_parse_refuses_in_order() {
    let minimum = 29 + 32 + 16 + 1;
    assert_eq!(
        Header::parse(b"K"),
        Err(DecodeError::Truncated {
            expected: minimum,
            found: 1
        })
    );
    assert_eq!(Header::parse(b"XS\x09"), Err(DecodeError::BadMagic));
    assert_eq!(
        Header::parse(b"KS\x02"),
        Err(DecodeError::UnsupportedVersion { version: 2 })
    );
    assert_eq!(
        Header::parse(b"KS\x01\x02"),
        Err(DecodeError::Truncated {
            expected: minimum,
            found: 4
        })
    );
    let mut bytes = [0u8; 29];
    bytes[..3].copy_from_slice(b"KS\x01");
    assert_eq!(Header::parse(&bytes), Err(DecodeError::EmptySecret));
    bytes[28] = 1;
    let parsed = Header::parse(&bytes).unwrap();
    assert_eq!(
        parsed.check_values(),
        Err(DecodeError::BadThreshold { threshold: 0 })
    );
    bytes[3] = 2;
    assert_eq!(
        Header::parse(&bytes).unwrap().check_values(),
        Err(DecodeError::ZeroX)
    );
    bytes[4] = 1;
    assert_eq!(Header::parse(&bytes).unwrap().check_values(), Ok(()));
}

#[test]
fn shares_of_another_split_are_named() {
    let first = Header {
        threshold: 2,
        x: 1,
        set_id: SetId([1; 16]),
        secret_len: 5,
    };
    let same = Header { x: 2, ..first };
    assert_eq!(first.check_same_set(&same, 1), Ok(()));
    let other_set = Header {
        set_id: SetId([2; 16]),
        ..same
    };
    assert_eq!(
        first.check_same_set(&other_set, 4),
        Err(Error::SetMismatch { index: 4 })
    );
    let other_threshold = Header {
        threshold: 3,
        ..same
    };
    assert_eq!(
        first.check_same_set(&other_threshold, 2),
        Err(Error::ThresholdMismatch {
            index: 2,
            expected: 2,
            found: 3
        })
    );
    let other_len = Header {
        secret_len: 6,
        ..same
    };
    assert_eq!(
        first.check_same_set(&other_len, 3),
        Err(Error::LengthMismatch {
            index: 3,
            expected: 5,
            found: 6
        })
    );
}
