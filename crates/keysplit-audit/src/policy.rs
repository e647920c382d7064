//! The policy loader and evaluator (`keysplit_wallet::policy`) on arbitrary JSON.

use keysplit_wallet::policy::{Action, Policy};
use keysplit_wallet::summary::{
    EthereumMessageSummary, EthereumTransactionSummary, EthereumTransactionType,
    EthereumTypedDataSummary, RequestSummary, SolanaInstructionSummary, SolanaTransactionSummary,
    SolanaTransfer, TypedDataDomain, U256,
};
use keysplit_wallet::{EthereumAddress, SolanaAddress};

/// Fixed requests every loaded policy is evaluated on: an ERC-20 transfer, a contract
/// creation, typed data, a message, and Solana transactions with and without unresolved
/// lookup-table accounts.
fn requests() -> Vec<RequestSummary> {
    let mut erc20 = vec![0xa9, 0x05, 0x9c, 0xbb];
    erc20.extend([0u8; 12]);
    erc20.extend([0xd8; 20]);
    erc20.extend([0u8; 31]);
    erc20.push(100);
    let eth = |to: Option<EthereumAddress>, data: Vec<u8>| {
        RequestSummary::EthereumTransaction(EthereumTransactionSummary {
            from: EthereumAddress([1; 20]),
            transaction_type: EthereumTransactionType::Eip1559,
            chain_id: 8453,
            nonce: 7,
            to,
            value: U256::from(10u64).pow(U256::from(16u64)),
            data,
            gas_limit: 60_000,
            max_fee_per_gas: U256::from(1u64),
            max_priority_fee_per_gas: Some(U256::from(1u64)),
        })
    };
    let system = SolanaAddress([0; 32]);
    let sol = |instructions: Vec<SolanaInstructionSummary>, unresolved| {
        RequestSummary::SolanaTransaction(SolanaTransactionSummary {
            from: SolanaAddress([3; 32]),
            versioned: true,
            fee_payer: SolanaAddress([3; 32]),
            recent_blockhash: [4; 32],
            instructions,
            unresolved_lookups: unresolved,
        })
    };
    let transfer = SolanaInstructionSummary {
        program_id: system,
        transfer: Some(SolanaTransfer {
            from: SolanaAddress([3; 32]),
            to: SolanaAddress([5; 32]),
            lamports: 1_000_000_000,
        }),
        opaque: false,
    };
    let other = SolanaInstructionSummary {
        program_id: system,
        transfer: None,
        opaque: true,
    };
    vec![
        eth(Some(EthereumAddress([0x83; 20])), erc20),
        eth(None, vec![0x60, 0x80]),
        RequestSummary::EthereumTypedData(EthereumTypedDataSummary {
            from: EthereumAddress([1; 20]),
            domain: TypedDataDomain {
                chain_id: Some(U256::from(8453u64)),
                verifying_contract: Some(EthereumAddress([0x83; 20])),
                ..TypedDataDomain::default()
            },
            primary_type: "Permit".into(),
            digest: [9; 32],
        }),
        RequestSummary::EthereumMessage(EthereumMessageSummary {
            from: EthereumAddress([1; 20]),
            message: b"hello".to_vec(),
        }),
        sol(vec![transfer.clone(), other.clone()], 0),
        sol(vec![other], 3),
        sol(vec![], 0),
    ]
}

/// Loads `data` as a policy. Errors are POLICY_INVALID; a loaded policy evaluates every
/// fixed request without panicking, deterministically, and a decision names a rule of
/// the policy with the matching action (an allow always names its ALLOW rule).
pub fn decode_policy(data: &[u8]) {
    let policy = match Policy::from_json(data) {
        Ok(policy) => policy,
        Err(e) => {
            assert_eq!(e.code(), "POLICY_INVALID", "{e}");
            assert_eq!(
                Policy::from_json(data).err(),
                Some(e),
                "loading is deterministic"
            );
            return;
        }
    };
    for request in requests() {
        for now in [0, 1_759_291_199, 1_759_291_200, u64::MAX] {
            let decision = policy.evaluate(&request, now);
            assert_eq!(decision, policy.evaluate(&request, now), "deterministic");
            if request.chain_type() != policy.chain_type() {
                assert!(!decision.allowed, "a request of another chain was allowed");
            }
            let rule = decision.rule.as_deref().map(|name| {
                policy
                    .rules()
                    .iter()
                    .filter(|r| r.name() == name)
                    .filter(|r| r.method() == "*" || r.method() == request.method())
                    .map(|r| r.action())
                    .collect::<Vec<_>>()
            });
            if decision.allowed {
                let actions = rule.expect("an allow names its rule");
                assert!(
                    actions.contains(&Action::Allow),
                    "allowed by a non-ALLOW rule"
                );
            } else {
                if let Some(actions) = rule {
                    assert!(actions.contains(&Action::Deny), "denied by a non-DENY rule");
                }
                let e = decision.into_result().expect_err("denied");
                assert_eq!(e.code(), "POLICY_DENIED");
            }
        }
    }
}
