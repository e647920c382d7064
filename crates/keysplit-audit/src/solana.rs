//! Solana transaction messages: the strict decoder and the summary built on it.

use keysplit_wallet::solana::transaction::SolanaMessage;
use keysplit_wallet::{Error, SolanaAddress};

/// Arbitrary bytes as a serialized Solana message. Invariants: no panic; a decoded
/// message re-encodes to exactly the input (so what is summarised is what is signed);
/// refusals are the Solana error variants; every required signer gets a summary and
/// nobody else does; a summary's transfers name only the message's static keys, and an
/// opaque instruction has no transfer.
pub fn decode_solana_message(data: &[u8]) {
    let message = match SolanaMessage::decode(data) {
        Ok(message) => message,
        Err(Error::UnsupportedSolanaVersion { version }) => {
            assert!(version != 0, "version 0 refused as unsupported");
            assert_eq!(
                data.first(),
                Some(&(0x80 | version)),
                "version not from the prefix"
            );
            return;
        }
        Err(Error::InvalidSolanaMessage { offset, .. }) => {
            assert!(offset <= data.len(), "error offset past the input");
            return;
        }
        Err(other) => panic!("unexpected decoder error {other:?}"),
    };
    assert_eq!(message.encode(), data, "decode/encode round trip");
    assert_eq!(
        message.versioned,
        data.first().is_some_and(|b| b & 0x80 != 0)
    );
    let keys = &message.account_keys;
    let signers = message.signers();
    assert!(!signers.is_empty(), "a message without a signer decoded");
    assert!(keys.len() + message.lookup_account_count() <= 256);
    for signer in signers {
        let summary = message.summary(*signer).expect("a signer gets a summary");
        assert_eq!(summary.from, *signer);
        assert_eq!(summary.fee_payer, keys[0]);
        assert_eq!(summary.versioned, message.versioned);
        assert_eq!(summary.unresolved_lookups, message.lookup_account_count());
        assert_eq!(summary.instructions.len(), message.instructions.len());
        for (ix, shown) in message.instructions.iter().zip(&summary.instructions) {
            assert!(ix.program_id_index != 0);
            assert_eq!(shown.program_id, keys[usize::from(ix.program_id_index)]);
            if let Some(transfer) = &shown.transfer {
                assert!(!shown.opaque, "an opaque instruction with a transfer");
                assert!(keys.contains(&transfer.from) && keys.contains(&transfer.to));
                assert_eq!(
                    ix.data
                        .get(4..12)
                        .map(|b| u64::from_le_bytes(b.try_into().unwrap())),
                    Some(transfer.lamports)
                );
            }
        }
    }
    // A key that does not sign (a non-signing static key, or one not in the message).
    let outsider = keys
        .get(signers.len())
        .copied()
        .unwrap_or(SolanaAddress([0xA5; 32]));
    if !signers.contains(&outsider) {
        assert!(matches!(
            message.summary(outsider),
            Err(Error::NotSolanaSigner { .. })
        ));
    }
}
