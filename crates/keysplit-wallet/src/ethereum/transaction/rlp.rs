//! RLP encoding of the three transaction types, the signing payload and hash, the signature.

use alloc::vec::Vec;

use alloy_rlp::{BufMut, Encodable, Header};

use super::{AccessListItem, EthereumTransactionRequest, Fees, SignedEthereumTransaction};
use crate::error::Error;
use crate::ethereum::{keccak256, EthereumAddress};
use crate::summary::U256;

impl EthereumTransactionRequest {
    /// The fields every type signs, in the order of its RLP list, up to the signature.
    fn encode_fields(&self, out: &mut Vec<u8>, signature: Option<&SignatureFields>) {
        let to: &[u8] = match &self.to {
            Some(address) => &address.0,
            None => &[],
        };
        let data: &[u8] = &self.data;
        match (self.fees, signature) {
            (Fees::Legacy { gas_price }, signature) => {
                let v;
                let mut fields: Vec<&dyn Encodable> = Vec::with_capacity(9);
                fields.extend_from_slice(&[
                    &self.nonce,
                    &gas_price,
                    &self.gas_limit,
                    &to,
                    &self.value,
                    &data,
                ]);
                match signature {
                    // EIP-155: the chain id and two empty values stand where v, r, s will be.
                    None => fields.extend_from_slice(&[&self.chain_id, &0u8, &0u8]),
                    Some(sig) => {
                        // v = chain id * 2 + 35 + y parity; u128 holds it for any 64-bit
                        // chain id.
                        v = u128::from(self.chain_id) * 2 + 35 + u128::from(sig.y_parity);
                        fields.extend_from_slice(&[&v, &sig.r, &sig.s]);
                    }
                }
                encode_list(&fields, out);
            }
            (Fees::Eip2930 { gas_price }, signature) => {
                self.encode_typed(1, &[&gas_price], to, data, signature, out);
            }
            (
                Fees::Eip1559 {
                    max_fee,
                    max_priority_fee,
                },
                signature,
            ) => {
                self.encode_typed(2, &[&max_priority_fee, &max_fee], to, data, signature, out);
            }
        }
    }

    /// `type || rlp([chainId, nonce, <fees>, gasLimit, to, value, data, accessList,
    /// (yParity, r, s)])`: EIP-2930 (type 1, fees = gasPrice) and EIP-1559 (type 2, fees =
    /// maxPriorityFeePerGas, maxFeePerGas) differ only in the type and the fee fields.
    fn encode_typed(
        &self,
        transaction_type: u8,
        fees: &[&dyn Encodable],
        to: &[u8],
        data: &[u8],
        signature: Option<&SignatureFields>,
        out: &mut Vec<u8>,
    ) {
        out.push(transaction_type);
        let mut fields: Vec<&dyn Encodable> = Vec::with_capacity(12);
        fields.extend_from_slice(&[&self.chain_id, &self.nonce]);
        fields.extend_from_slice(fees);
        fields.extend_from_slice(&[&self.gas_limit, &to, &self.value, &data, &self.access_list]);
        push_signature(&mut fields, signature);
        encode_list(&fields, out);
    }

    /// The bytes whose Keccak-256 is signed: `rlp([nonce, gasPrice, gasLimit, to, value,
    /// data, chainId, 0, 0])` for a legacy transaction, `type || rlp([...])` for types 1
    /// and 2.
    pub fn signing_payload(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_fields(&mut out, None);
        out
    }

    /// The digest that is signed: Keccak-256 of [`Self::signing_payload`].
    pub fn signing_hash(&self) -> [u8; 32] {
        keccak256(&self.signing_payload())
    }

    /// The signed transaction from a signature `r || s || v` over
    /// [`Self::signing_hash`] (`v` 27/28 or 0/1) by `from`; refused unless the
    /// signature recovers to `from`, has a low s (EIP-2), and `from` matches any `from`
    /// in the JSON.
    pub fn with_signature(
        &self,
        from: EthereumAddress,
        signature: &[u8; 65],
    ) -> Result<SignedEthereumTransaction, Error> {
        let summary = self.summary(from)?;
        // Since EIP-2 nodes take only s <= n/2; a high-s signature would never be mined.
        if signature[32..64] > SECP256K1_HALF_ORDER[..] {
            return Err(Error::InvalidSignature);
        }
        let digest = self.signing_hash();
        if crate::ethereum::recover_address(&digest, signature)? != from {
            return Err(Error::InvalidSignature);
        }
        let y_parity = match signature[64] {
            0 | 27 => 0u8,
            _ => 1u8,
        };
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&signature[..32]);
        s.copy_from_slice(&signature[32..64]);
        let fields = SignatureFields {
            y_parity,
            r: U256::from_be_bytes(r),
            s: U256::from_be_bytes(s),
        };
        let mut serialized = Vec::new();
        self.encode_fields(&mut serialized, Some(&fields));
        let mut normalized = *signature;
        normalized[64] = 27 + y_parity;
        Ok(SignedEthereumTransaction {
            hash: keccak256(&serialized),
            serialized,
            signature: normalized,
            summary,
        })
    }
}

/// n/2 for the secp256k1 group order n: the largest s EIP-2 allows.
pub(super) const SECP256K1_HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
];

/// `y_parity, r, s` as RLP integers.
pub(super) struct SignatureFields {
    y_parity: u8,
    r: U256,
    s: U256,
}

fn push_signature<'a>(fields: &mut Vec<&'a dyn Encodable>, signature: Option<&'a SignatureFields>) {
    if let Some(sig) = signature {
        fields.extend_from_slice(&[&sig.y_parity, &sig.r, &sig.s]);
    }
}

fn list_payload_length(items: &[&dyn Encodable]) -> usize {
    items.iter().map(|item| item.length()).sum()
}

/// An RLP list of items of different types.
fn encode_list(items: &[&dyn Encodable], out: &mut dyn BufMut) {
    Header {
        list: true,
        payload_length: list_payload_length(items),
    }
    .encode(out);
    for item in items {
        item.encode(out);
    }
}

impl Encodable for AccessListItem {
    fn encode(&self, out: &mut dyn BufMut) {
        encode_list(&[&self.address.0, &self.storage_keys], out);
    }

    fn length(&self) -> usize {
        let payload = list_payload_length(&[&self.address.0, &self.storage_keys]);
        payload + alloy_rlp::length_of_length(payload)
    }
}
