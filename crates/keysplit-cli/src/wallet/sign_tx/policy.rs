//! `--policy FILE`: the policy a transaction must pass before it is signed.
//!
//! The file is Privy's policy JSON (see docs/policies.md), read whole (at most
//! [`MAX_POLICY_BYTES`]) and validated before stdin or any share is touched; a policy that
//! does not load stops the command with POLICY_INVALID. A denied request stops it with
//! POLICY_DENIED naming the deciding rule.

use std::fs::OpenOptions;
use std::io::Read;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use keysplit_wallet::policy::{Policy, MAX_POLICY_BYTES};
use keysplit_wallet::RequestSummary;

use super::super::wallet_error;
use crate::{CliError, CliResult};

#[derive(Debug)]
pub struct LoadedPolicy(Option<Policy>);

pub fn load(path: Option<&Path>) -> CliResult<LoadedPolicy> {
    match path {
        None => Ok(LoadedPolicy(None)),
        Some(path) => {
            let json = read_policy_file(path)?;
            let policy = Policy::from_json(&json).map_err(|e| {
                let e = wallet_error(e);
                CliError(format!("{}: {}", path.display(), e.0))
            })?;
            Ok(LoadedPolicy(Some(policy)))
        }
    }
}

/// Reads a regular file of at most [`MAX_POLICY_BYTES`], without blocking on a FIFO.
fn read_policy_file(path: &Path) -> CliResult<Vec<u8>> {
    let what = |e: std::io::Error| CliError(format!("cannot read policy {}: {e}", path.display()));
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(what)?;
    let meta = file.metadata().map_err(what)?;
    if !meta.is_file() {
        return Err(CliError(format!(
            "policy {} is not a regular file",
            path.display()
        )));
    }
    let limit = MAX_POLICY_BYTES as u64;
    let mut json = Vec::with_capacity(meta.len().min(limit) as usize + 1);
    file.take(limit + 1).read_to_end(&mut json).map_err(what)?;
    if json.len() as u64 > limit {
        return Err(CliError(format!(
            "policy {} is larger than {MAX_POLICY_BYTES} bytes",
            path.display()
        )));
    }
    Ok(json)
}

fn now_unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl LoadedPolicy {
    /// Ok when there is no policy or the policy allows `summary`; otherwise the
    /// POLICY_DENIED error naming the deciding rule.
    pub fn check(&self, summary: &RequestSummary) -> CliResult {
        self.check_at(summary, now_unix_seconds())
    }

    fn check_at(&self, summary: &RequestSummary, now: u64) -> CliResult {
        match &self.0 {
            None => Ok(()),
            Some(policy) => policy
                .evaluate(summary, now)
                .into_result()
                .map(|_| ())
                .map_err(wallet_error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keysplit_wallet::summary::{
        EthereumTransactionSummary, EthereumTransactionType, RequestSummary, U256,
    };
    use keysplit_wallet::EthereumAddress;

    const POLICY: &str = r#"{
      "version": "1.0", "name": "cli test", "chain_type": "ethereum",
      "rules": [
        {"name": "Allow small ETH", "method": "eth_signTransaction", "action": "ALLOW",
         "conditions": [{"field_source": "ethereum_transaction", "field": "value",
                         "operator": "lte", "value": "1000"}]},
        {"name": "Not after 2100", "method": "*", "action": "DENY",
         "conditions": [{"field_source": "system", "field": "current_unix_timestamp",
                         "operator": "gte", "value": "4102444800"}]}
      ]
    }"#;

    fn tx(value: u64) -> RequestSummary {
        RequestSummary::EthereumTransaction(EthereumTransactionSummary {
            from: EthereumAddress([1; 20]),
            transaction_type: EthereumTransactionType::Eip1559,
            chain_id: 1,
            nonce: 0,
            to: Some(EthereumAddress([2; 20])),
            value: U256::from(value),
            data: vec![],
            gas_limit: 21_000,
            max_fee_per_gas: U256::from(1u64),
            max_priority_fee_per_gas: Some(U256::from(1u64)),
        })
    }

    fn write(dir: &tempfile::TempDir, text: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join("policy.json");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn no_policy_allows() {
        let policy = load(None).unwrap();
        assert!(policy.check(&tx(u64::MAX)).is_ok());
    }

    #[test]
    fn allows_and_denies_with_the_rule_and_code() {
        let dir = tempfile::tempdir().unwrap();
        let policy = load(Some(&write(&dir, POLICY.as_bytes()))).unwrap();
        assert!(policy.check(&tx(1000)).is_ok());
        let e = policy.check(&tx(1001)).unwrap_err().0;
        assert!(e.ends_with("[POLICY_DENIED]"), "{e}");
        assert!(e.contains("no ALLOW rule"), "{e}");
        // The DENY rule, named, once the clock passes 2100.
        let e = policy.check_at(&tx(1), 4_102_444_800).unwrap_err().0;
        assert!(e.ends_with("[POLICY_DENIED]"), "{e}");
        assert!(e.contains("\"Not after 2100\""), "{e}");
        assert!(policy.check_at(&tx(1), 4_102_444_799).is_ok());
    }

    #[test]
    fn invalid_policies_fail_to_load() {
        let dir = tempfile::tempdir().unwrap();
        let bad = POLICY.replace("\"lte\"", "\"le\"");
        let e = load(Some(&write(&dir, bad.as_bytes()))).unwrap_err().0;
        assert!(e.ends_with("[POLICY_INVALID]"), "{e}");
        assert!(e.contains("rules[0]"), "{e}");
        assert!(e.contains("policy.json"), "{e}");
        let e = load(Some(&dir.path().join("missing.json"))).unwrap_err().0;
        assert!(e.contains("cannot read policy"), "{e}");
        let e = load(Some(dir.path())).unwrap_err().0;
        assert!(e.contains("not a regular file"), "{e}");
        let huge = vec![b' '; MAX_POLICY_BYTES + 1];
        let e = load(Some(&write(&dir, &huge))).unwrap_err().0;
        assert!(e.contains("larger than"), "{e}");
    }
}
