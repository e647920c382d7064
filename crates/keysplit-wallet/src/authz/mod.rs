//! Authorization keys, signed requests and key quorums, compatible with Privy's request
//! signing.
//!
//! * [`AuthorizationKey`]: a P-256 private key, read and printed in Privy's
//!   `wallet-auth:` + base64(PKCS#8 DER) form; [`AuthorizationPublicKey`]: base64 SPKI DER.
//! * [`RequestPayload`]: `{version: 1, method, url, body, headers}`, held with its RFC 8785
//!   (JCS) canonical bytes.
//! * Signatures: ECDSA P-256 over SHA-256 of the canonical bytes, base64 DER (IEEE P1363
//!   r||s, as WebCrypto produces, is accepted too). Signing gives low-s; verification
//!   accepts high-s, as Node's `crypto.verify`, WebCrypto and Privy's P-256 verification do
//!   (WebCrypto signers produce high-s half of the time). A quorum counts signers, not
//!   signatures, so a malleated signature never counts twice.
//! * [`KeyQuorum`]: `threshold` distinct members of a list of public keys.
//!
//! ```
//! # fn main() -> Result<(), keysplit_wallet::Error> {
//! use keysplit_wallet::authz::{AuthorizationKey, KeyQuorum, RequestPayload};
//!
//! let mut rng = keysplit::os_rng()?;
//! let user = AuthorizationKey::generate(&mut rng);
//! let server = AuthorizationKey::generate(&mut rng);
//! let quorum = KeyQuorum::new(2, vec![user.public_key(), server.public_key()])?;
//!
//! let payload = RequestPayload::from_json(br#"{"version": 1, "method": "POST",
//!     "url": "https://api.privy.io/v1/wallets/w1/rpc",
//!     "body": {"method": "personal_sign", "params": {"message": "hi"}},
//!     "headers": {"privy-app-id": "app1"}}"#)?;
//! let signatures = [user.sign(&payload).to_base64(), server.sign(&payload).to_base64()];
//! let report = quorum.verify(&payload, &signatures, 1_765_000_000_000)?;
//! assert_eq!(report.signed(), 2);
//! # Ok(()) }
//! ```

pub mod jcs;
mod keys;
mod payload;
mod quorum;
mod signature;

pub use keys::{AuthorizationKey, AuthorizationPublicKey, WALLET_AUTH_PREFIX};
pub use payload::{RequestPayload, MAX_PAYLOAD_BYTES, REQUEST_EXPIRY_HEADER};
pub use quorum::{KeyQuorum, QuorumReport, SignatureFailure, MAX_MEMBERS};
pub use signature::{split_signature_header, AuthorizationSignature, MAX_SIGNATURES};
