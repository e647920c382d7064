//! `--policy FILE`: the policy a transaction must pass before it is signed.

use std::path::Path;

use keysplit_wallet::RequestSummary;

use crate::{CliError, CliResult};

/// The policy of `--policy`, if one was given.
#[allow(dead_code)] // until the policy engine lands (issue 15)
pub struct LoadedPolicy(Option<()>);

pub fn load(path: Option<&Path>) -> CliResult<LoadedPolicy> {
    match path {
        None => Ok(LoadedPolicy(None)),
        Some(_) => Err(CliError("--policy is not supported yet".into())),
    }
}

#[allow(dead_code)]
impl LoadedPolicy {
    /// Ok when there is no policy or the policy allows `summary`; otherwise the
    /// POLICY_DENIED error naming the deciding rule.
    pub fn check(&self, _summary: &RequestSummary) -> CliResult {
        match self.0 {
            None => Ok(()),
            Some(()) => Err(CliError("--policy is not supported yet".into())),
        }
    }
}
