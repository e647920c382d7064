//! Property tests: any qualifying subset (exactly `group_threshold` groups, each with
//! exactly its member threshold of shares, in any order) recovers the master secret; any
//! subset short of a group or of a member is refused; a wrong passphrase gives another
//! secret (never the master secret); text round trips.

use chacha20::ChaCha20Rng;
use keysplit_slip39::{combine, combine_mnemonics, split, Error, Share, SplitOptions};
use proptest::prelude::*;
use rand_core::SeedableRng;

/// A configuration: group threshold and (member threshold, count) per group.
fn config() -> impl Strategy<Value = (u8, Vec<(u8, u8)>)> {
    prop::collection::vec((1u8..=5).prop_flat_map(|n| (Just(n), 1u8..=n)), 1..=5).prop_flat_map(
        |groups| {
            let groups: Vec<(u8, u8)> = groups
                .into_iter()
                .map(|(n, t)| if t == 1 { (1, 1) } else { (t, n) })
                .collect();
            let len = groups.len() as u8;
            (1u8..=len, Just(groups))
        },
    )
}

fn secret() -> impl Strategy<Value = Vec<u8>> {
    (8usize..=16).prop_flat_map(|half| prop::collection::vec(any::<u8>(), half * 2))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn qualifying_subsets_recover_and_short_ones_fail(
        (group_threshold, groups) in config(),
        secret in secret(),
        seed in any::<[u8; 32]>(),
        pick in any::<u64>(),
        extendable in any::<bool>(),
    ) {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let options = SplitOptions { iteration_exponent: 0, extendable };
        let shares = split(&secret, b"pass", group_threshold, &groups, options, &mut rng).unwrap();
        prop_assert_eq!(shares.len(), groups.len());
        // Choose `group_threshold` groups and, in each, `threshold` members, by `pick`.
        let mut order: Vec<usize> = (0..groups.len()).collect();
        let rotate = (pick as usize) % groups.len();
        order.rotate_left(rotate);
        let mut chosen: Vec<Share> = Vec::new();
        for &g in order.iter().take(usize::from(group_threshold)) {
            let (t, n) = groups[g];
            let start = (pick >> 8) as usize % usize::from(n);
            for k in 0..usize::from(t) {
                chosen.push(shares[g][(start + k) % usize::from(n)].clone());
            }
        }
        chosen.reverse();
        let back = combine(&chosen, b"pass").unwrap();
        prop_assert_eq!(&back[..], &secret[..]);
        // Through the text form too.
        let text: Vec<_> = chosen.iter().map(|s| s.to_mnemonic()).collect();
        let back = combine_mnemonics(&text, b"pass").unwrap();
        prop_assert_eq!(&back[..], &secret[..]);
        // A wrong passphrase decrypts to something else, without an error.
        let other = combine(&chosen, b"Pass").unwrap();
        prop_assert_ne!(&other[..], &secret[..]);
        // One share fewer: a group goes short or missing.
        let mut short = chosen.clone();
        short.pop();
        let err = combine(&short, b"pass").unwrap_err();
        prop_assert!(
            matches!(err, Error::TooFewGroups { .. } | Error::WrongMemberCount { .. } | Error::NoShares),
            "{:?}", err
        );
        // Every share of one group fewer than the group threshold: refused, however many.
        if group_threshold > 1 {
            let few: Vec<Share> = order
                .iter()
                .take(usize::from(group_threshold) - 1)
                .flat_map(|&g| shares[g].iter().take(usize::from(groups[g].0)).cloned())
                .collect();
            let err = combine(&few, b"pass").unwrap_err();
            prop_assert_eq!(
                err,
                Error::TooFewGroups { needed: group_threshold, got: usize::from(group_threshold) - 1 }
            );
        }
    }
}

#[test]
fn split_refuses_bad_parameters() {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let o = SplitOptions::default();
    let s = [0u8; 16];
    let e = |r: Result<Vec<Vec<Share>>, Error>| r.unwrap_err().code();
    assert_eq!(
        e(split(&[0; 15], b"", 1, &[(1, 1)], o, &mut rng)),
        "secret_length"
    );
    assert_eq!(
        e(split(&[0; 17], b"", 1, &[(1, 1)], o, &mut rng)),
        "secret_length"
    );
    assert_eq!(
        e(split(&[0; 34], b"", 1, &[(1, 1)], o, &mut rng)),
        "secret_length"
    );
    assert_eq!(
        e(split(&s, b"", 2, &[(1, 1)], o, &mut rng)),
        "group_threshold"
    );
    assert_eq!(
        e(split(&s, b"", 0, &[(1, 1)], o, &mut rng)),
        "group_threshold"
    );
    assert_eq!(e(split(&s, b"", 1, &[], o, &mut rng)), "group_threshold");
    assert_eq!(
        e(split(&s, b"", 1, &[(1, 2)], o, &mut rng)),
        "member_threshold"
    );
    assert_eq!(
        e(split(&s, b"", 1, &[(3, 2)], o, &mut rng)),
        "member_threshold"
    );
    assert_eq!(
        e(split(&s, b"", 1, &[(2, 17)], o, &mut rng)),
        "member_threshold"
    );
    assert_eq!(
        e(split(&s, b"", 1, &[(1, 1); 17], o, &mut rng)),
        "group_threshold"
    );
    assert_eq!(
        e(split(&s, "é".as_bytes(), 1, &[(1, 1)], o, &mut rng)),
        "passphrase"
    );
    let o16 = SplitOptions {
        iteration_exponent: 16,
        ..o
    };
    assert_eq!(
        e(split(&s, b"", 1, &[(1, 1)], o16, &mut rng)),
        "iteration_exponent"
    );
    // The largest configuration works.
    let all = split(
        &[9; 32],
        b"",
        16,
        &[(16, 16); 16],
        SplitOptions {
            iteration_exponent: 0,
            ..o
        },
        &mut rng,
    )
    .unwrap();
    assert_eq!(all.len(), 16);
    let shares: Vec<Share> = all.into_iter().flatten().collect();
    assert_eq!(&combine(&shares, b"").unwrap()[..], &[9; 32]);
}

#[test]
fn repeated_share_counts_once_and_errors_name_the_share() {
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let o = SplitOptions {
        iteration_exponent: 0,
        extendable: false,
    };
    let g = split(&[3; 16], b"", 1, &[(2, 3)], o, &mut rng).unwrap();
    let a = g[0][0].to_mnemonic();
    let b = g[0][1].to_mnemonic();
    assert_eq!(
        &combine_mnemonics(&[&a, &a, &b], b"").unwrap()[..],
        &[3; 16]
    );
    // A typo in the third share is reported as share 2 (from 0).
    let mut words: Vec<&str> = b.split(' ').collect();
    words[5] = if words[5] == "acid" {
        "academic"
    } else {
        "acid"
    };
    let typo = words.join(" ");
    assert_eq!(
        combine_mnemonics(&[&a, &a, &typo], b"").unwrap_err(),
        Error::Checksum { share: 2 }
    );
    let mut unknown: Vec<&str> = b.split(' ').collect();
    unknown[7] = "bitcoin";
    assert_eq!(
        combine_mnemonics(&[a.as_str(), &unknown.join(" ")], b"").unwrap_err(),
        Error::UnknownWord { share: 1, word: 7 }
    );
    // Another backup's share is named.
    let other = split(&[3; 16], b"", 1, &[(2, 3)], o, &mut rng).unwrap();
    let err = combine_mnemonics(&[&a, &other[0][1].to_mnemonic()], b"").unwrap_err();
    assert_eq!(err.code(), "mismatch");
    assert!(matches!(err, Error::Mismatch { share: 1, .. }));
    assert_eq!(
        combine_mnemonics::<&str>(&[], b"").unwrap_err(),
        Error::NoShares
    );
}
