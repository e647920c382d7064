//! Solana transaction messages (legacy and v0): decoded strictly, summarised for the user
//! and the policy engine, signed by the wallet's Solana account.
//!
//! The input is the serialized *message*: the bytes a signature covers, what
//! `Transaction.serializeMessage()` or `VersionedMessage.serialize()` return in
//! `@solana/web3.js`. A whole serialized transaction (a signature count and signatures
//! before the message) is not accepted: its first bytes can also read as a legacy message
//! header, so accepting both would make the input ambiguous.
//!
//! Wire format (hand-written: the `solana-*` crates need `std` and are far larger than
//! this wallet's WebAssembly budget allows):
//!
//! ```text
//! [0x80 | version]           v0 only (legacy messages have no prefix; other versions refused)
//! header                     3 bytes: required signatures, read-only signed, read-only unsigned
//! shortvec n, n x 32 bytes   static account keys
//! 32 bytes                   recent blockhash
//! shortvec n, n x instruction: u8 program id index, shortvec+bytes accounts, shortvec+bytes data
//! shortvec n, n x lookup     v0 only: 32-byte table, shortvec+bytes writable, shortvec+bytes read-only
//! ```
//!
//! "shortvec" is Solana's compact-u16: 7 bits a byte, least significant first, at most 3
//! bytes; a non-canonical encoding (a final zero byte after the first) or a value over
//! 65535 is refused, as the Solana runtime refuses it. Every count is bounded by the bytes
//! left, every index is checked, trailing bytes are refused, and the header must be one
//! the runtime's sanitizer accepts, so [`SolanaMessage::encode`] gives back exactly the
//! bytes decoded: what is shown and policed is what is signed.

use alloc::vec::Vec;

use crate::error::Error;
use crate::solana::SolanaAddress;
use crate::summary::{SolanaInstructionSummary, SolanaTransactionSummary, SolanaTransfer};

/// The System Program, `11111111111111111111111111111111` (32 zero bytes).
pub const SYSTEM_PROGRAM_ID: SolanaAddress = SolanaAddress([0u8; 32]);

/// The most accounts a message can address (instruction account indexes are one byte).
pub const MAX_ACCOUNTS: usize = 256;

/// The top bit of a versioned message's first byte.
const VERSION_PREFIX: u8 = 0x80;

/// System Program instruction `Transfer { lamports: u64 }`.
const SYSTEM_TRANSFER: u32 = 2;
/// System Program instruction `TransferWithSeed { lamports, from_seed, from_owner }`.
const SYSTEM_TRANSFER_WITH_SEED: u32 = 11;

/// The three header bytes of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageHeader {
    /// Signatures the message needs: its first `num_required_signatures` accounts sign.
    pub num_required_signatures: u8,
    /// How many of the signing accounts (the last ones) are read-only.
    pub num_readonly_signed_accounts: u8,
    /// How many of the other static accounts (the last ones) are read-only.
    pub num_readonly_unsigned_accounts: u8,
}

/// An instruction as a message carries it: indexes into the message's accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledInstruction {
    /// Index of the program's account (always a static key, never the fee payer).
    pub program_id_index: u8,
    /// Indexes of the accounts passed to the program (static keys first, then the
    /// accounts loaded from lookup tables, writable before read-only).
    pub accounts: Vec<u8>,
    /// The instruction data.
    pub data: Vec<u8>,
}

/// A v0 message's use of one address lookup table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressTableLookup {
    /// The lookup table account.
    pub account_key: SolanaAddress,
    /// Entries of the table loaded as writable accounts.
    pub writable_indexes: Vec<u8>,
    /// Entries of the table loaded as read-only accounts.
    pub readonly_indexes: Vec<u8>,
}

/// A decoded Solana transaction message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SolanaMessage {
    /// `false` for a legacy message, `true` for v0.
    pub versioned: bool,
    /// The header.
    pub header: MessageHeader,
    /// The static account keys; the first is the fee payer.
    pub account_keys: Vec<SolanaAddress>,
    /// The recent blockhash (or durable nonce).
    pub recent_blockhash: [u8; 32],
    /// The instructions, in order.
    pub instructions: Vec<CompiledInstruction>,
    /// Address lookup tables (v0 only; always empty for legacy).
    pub address_table_lookups: Vec<AddressTableLookup>,
}

/// A cursor over the message bytes; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, reason: &'static str) -> Error {
        Error::InvalidSolanaMessage {
            offset: self.pos,
            reason,
        }
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn u8(&mut self, truncated: &'static str) -> Result<u8, Error> {
        let byte = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| self.error(truncated))?;
        self.pos += 1;
        Ok(byte)
    }

    fn take(&mut self, len: usize, truncated: &'static str) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(len)
            .ok_or_else(|| self.error(truncated))?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| self.error(truncated))?;
        self.pos = end;
        Ok(slice)
    }

    fn array32(&mut self, truncated: &'static str) -> Result<[u8; 32], Error> {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.take(32, truncated)?);
        Ok(out)
    }

    /// A compact-u16, strictly: at most 3 bytes, canonical, at most 65535.
    fn shortvec(&mut self) -> Result<usize, Error> {
        let start = self.pos;
        let at_start = |reason| Error::InvalidSolanaMessage {
            offset: start,
            reason,
        };
        let mut value: u32 = 0;
        for i in 0..3u32 {
            let byte = self.u8("the message ends inside a length")?;
            value |= u32::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                if i > 0 && byte == 0 {
                    return Err(at_start("non-canonical length encoding"));
                }
                if value > u32::from(u16::MAX) {
                    return Err(at_start("length over 65535"));
                }
                return Ok(value as usize);
            }
        }
        Err(at_start("length encoding longer than 3 bytes"))
    }

    /// A shortvec length and that many bytes.
    fn bytes_with_len(&mut self, truncated: &'static str) -> Result<&'a [u8], Error> {
        let len = self.shortvec()?;
        self.take(len, truncated)
    }
}

/// Appends `value` (at most 65535) as a compact-u16.
fn push_shortvec(out: &mut Vec<u8>, value: usize) {
    let mut rest = value;
    loop {
        let low = (rest & 0x7f) as u8;
        rest >>= 7;
        if rest == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

impl SolanaMessage {
    /// Decodes a serialized legacy or v0 message, refusing anything the Solana runtime
    /// would refuse to sanitize and anything that would not re-encode to `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<SolanaMessage, Error> {
        let mut r = Reader { bytes, pos: 0 };
        let first = r.u8("empty message")?;
        let versioned = if first & VERSION_PREFIX != 0 {
            let version = first & !VERSION_PREFIX;
            if version != 0 {
                return Err(Error::UnsupportedSolanaVersion { version });
            }
            true
        } else {
            r.pos = 0; // a legacy message starts with its header
            false
        };

        let header_at = r.pos;
        let header = MessageHeader {
            num_required_signatures: r.u8("the message ends inside the header")?,
            num_readonly_signed_accounts: r.u8("the message ends inside the header")?,
            num_readonly_unsigned_accounts: r.u8("the message ends inside the header")?,
        };

        let keys_at = r.pos;
        let key_count = r.shortvec()?;
        if key_count > MAX_ACCOUNTS {
            return Err(Error::InvalidSolanaMessage {
                offset: keys_at,
                reason: "more than 256 account keys",
            });
        }
        let key_bytes = r.take(
            key_count.saturating_mul(32),
            "the message ends inside the account keys",
        )?;
        let account_keys: Vec<SolanaAddress> = key_bytes
            .chunks_exact(32)
            .map(|chunk| {
                let mut key = [0u8; 32];
                key.copy_from_slice(chunk);
                SolanaAddress(key)
            })
            .collect();
        check_header(&header, key_count, header_at)?;
        for (i, key) in account_keys.iter().enumerate() {
            if account_keys
                .get(..i)
                .is_some_and(|before| before.contains(key))
            {
                return Err(Error::InvalidSolanaMessage {
                    offset: keys_at,
                    reason: "an account key is listed twice",
                });
            }
        }

        let recent_blockhash = r.array32("the message ends inside the recent blockhash")?;

        let instruction_count = r.shortvec()?;
        // Each instruction takes at least 3 bytes: never reserve more than the input holds.
        let mut instructions = Vec::with_capacity(instruction_count.min(r.remaining() / 3));
        // The largest account index any instruction uses, and where: checked once the
        // number of lookup-table accounts is known.
        let mut max_account: Option<(u8, usize)> = None;
        for _ in 0..instruction_count {
            let program_at = r.pos;
            let program_id_index = r.u8("the message ends inside an instruction")?;
            if program_id_index == 0 {
                return Err(Error::InvalidSolanaMessage {
                    offset: program_at,
                    reason: "an instruction's program is the fee payer",
                });
            }
            if usize::from(program_id_index) >= key_count {
                return Err(Error::InvalidSolanaMessage {
                    offset: program_at,
                    reason: "an instruction's program index is not a static account key",
                });
            }
            let accounts_at = r.pos;
            let accounts = r.bytes_with_len("the message ends inside an instruction's accounts")?;
            if let Some(&max) = accounts.iter().max() {
                if max_account.is_none_or(|(m, _)| max > m) {
                    max_account = Some((max, accounts_at));
                }
            }
            let data = r.bytes_with_len("the message ends inside an instruction's data")?;
            instructions.push(CompiledInstruction {
                program_id_index,
                accounts: accounts.to_vec(),
                data: data.to_vec(),
            });
        }

        let mut address_table_lookups = Vec::new();
        let mut total_accounts = key_count;
        if versioned {
            let lookups_at = r.pos;
            let lookup_count = r.shortvec()?;
            // Each lookup takes at least 34 bytes.
            address_table_lookups.reserve(lookup_count.min(r.remaining() / 34));
            for _ in 0..lookup_count {
                let lookup_at = r.pos;
                let account_key =
                    SolanaAddress(r.array32("the message ends inside an address table lookup")?);
                let writable =
                    r.bytes_with_len("the message ends inside an address table lookup")?;
                let readonly =
                    r.bytes_with_len("the message ends inside an address table lookup")?;
                if writable.is_empty() && readonly.is_empty() {
                    return Err(Error::InvalidSolanaMessage {
                        offset: lookup_at,
                        reason: "an address table lookup loads no account",
                    });
                }
                total_accounts = total_accounts
                    .saturating_add(writable.len())
                    .saturating_add(readonly.len());
                if total_accounts > MAX_ACCOUNTS {
                    return Err(Error::InvalidSolanaMessage {
                        offset: lookups_at,
                        reason: "more than 256 accounts with the lookup tables",
                    });
                }
                address_table_lookups.push(AddressTableLookup {
                    account_key,
                    writable_indexes: writable.to_vec(),
                    readonly_indexes: readonly.to_vec(),
                });
            }
        }

        if r.remaining() != 0 {
            return Err(r.error("trailing bytes after the message"));
        }
        if let Some((max, at)) = max_account {
            if usize::from(max) >= total_accounts {
                return Err(Error::InvalidSolanaMessage {
                    offset: at,
                    reason: "an instruction's account index is out of range",
                });
            }
        }

        Ok(SolanaMessage {
            versioned,
            header,
            account_keys,
            recent_blockhash,
            instructions,
            address_table_lookups,
        })
    }

    /// The serialized message; for a decoded message, exactly the bytes it came from.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.versioned {
            out.push(VERSION_PREFIX);
        }
        out.push(self.header.num_required_signatures);
        out.push(self.header.num_readonly_signed_accounts);
        out.push(self.header.num_readonly_unsigned_accounts);
        push_shortvec(&mut out, self.account_keys.len());
        for key in &self.account_keys {
            out.extend_from_slice(&key.0);
        }
        out.extend_from_slice(&self.recent_blockhash);
        push_shortvec(&mut out, self.instructions.len());
        for ix in &self.instructions {
            out.push(ix.program_id_index);
            push_shortvec(&mut out, ix.accounts.len());
            out.extend_from_slice(&ix.accounts);
            push_shortvec(&mut out, ix.data.len());
            out.extend_from_slice(&ix.data);
        }
        if self.versioned {
            push_shortvec(&mut out, self.address_table_lookups.len());
            for lookup in &self.address_table_lookups {
                out.extend_from_slice(&lookup.account_key.0);
                push_shortvec(&mut out, lookup.writable_indexes.len());
                out.extend_from_slice(&lookup.writable_indexes);
                push_shortvec(&mut out, lookup.readonly_indexes.len());
                out.extend_from_slice(&lookup.readonly_indexes);
            }
        }
        out
    }

    /// The accounts whose signatures the message needs, fee payer first. Empty for a
    /// hand-built message whose header asks for more signers than it has keys (a decoded
    /// message never does), so such a message gets no summary.
    pub fn signers(&self) -> &[SolanaAddress] {
        let n = usize::from(self.header.num_required_signatures);
        self.account_keys.get(..n).unwrap_or(&[])
    }

    /// The fee payer: the first account key (a decoded message always has one).
    pub fn fee_payer(&self) -> Option<SolanaAddress> {
        self.account_keys.first().copied()
    }

    /// Number of accounts loaded from address lookup tables.
    pub fn lookup_account_count(&self) -> usize {
        self.address_table_lookups
            .iter()
            .map(|l| l.writable_indexes.len() + l.readonly_indexes.len())
            .sum()
    }

    /// The summary of this message as `signer` would sign it; refused
    /// ([`Error::NotSolanaSigner`]) when `signer` is not a required signer.
    pub fn summary(&self, signer: SolanaAddress) -> Result<SolanaTransactionSummary, Error> {
        if !self.signers().contains(&signer) {
            return Err(Error::NotSolanaSigner { account: signer });
        }
        let fee_payer = self.fee_payer().ok_or(Error::InvalidSolanaMessage {
            offset: 0,
            reason: "no account keys",
        })?;
        let mut instructions = Vec::with_capacity(self.instructions.len());
        for ix in &self.instructions {
            let program_id =
                self.static_account(ix.program_id_index)
                    .ok_or(Error::InvalidSolanaMessage {
                        offset: 0,
                        reason: "an instruction's program index is not a static account key",
                    })?;
            let (transfer, opaque) = if program_id == SYSTEM_PROGRAM_ID {
                self.system_transfer(ix)
            } else {
                (None, false)
            };
            instructions.push(SolanaInstructionSummary {
                program_id,
                transfer,
                opaque,
            });
        }
        Ok(SolanaTransactionSummary {
            from: signer,
            versioned: self.versioned,
            fee_payer,
            recent_blockhash: self.recent_blockhash,
            instructions,
            unresolved_lookups: self.lookup_account_count(),
        })
    }

    /// The static key at `index`; `None` for an account loaded from a lookup table.
    fn static_account(&self, index: u8) -> Option<SolanaAddress> {
        self.account_keys.get(usize::from(index)).copied()
    }

    /// The static key at position `position` of an instruction's account list.
    fn instruction_account(
        &self,
        ix: &CompiledInstruction,
        position: usize,
    ) -> Option<SolanaAddress> {
        ix.accounts
            .get(position)
            .and_then(|&index| self.static_account(index))
    }

    /// Decodes a System Program `Transfer` or `TransferWithSeed`: `(transfer, opaque)`.
    /// `opaque` is true for an instruction that is one of them by its tag but cannot be
    /// fully read: accounts from a lookup table, too few accounts, or short data.
    ///
    /// The System Program reads its instruction with bincode and ignores trailing data
    /// bytes, so a transfer with extra bytes after its fields is still a transfer and is
    /// decoded as one here.
    fn system_transfer(&self, ix: &CompiledInstruction) -> (Option<SolanaTransfer>, bool) {
        let tag = match ix.data.get(..4) {
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
            _ => return (None, false), // not an instruction the System Program can read
        };
        let (to_position, fields_end) = match tag {
            SYSTEM_TRANSFER => (1, Some(12)),
            SYSTEM_TRANSFER_WITH_SEED => (2, transfer_with_seed_end(&ix.data)),
            _ => return (None, false),
        };
        let lamports = match ix.data.get(4..12) {
            Some(&[a, b, c, d, e, f, g, h]) => u64::from_le_bytes([a, b, c, d, e, f, g, h]),
            _ => return (None, true),
        };
        if fields_end.is_none_or(|end| end > ix.data.len()) {
            return (None, true);
        }
        match (
            self.instruction_account(ix, 0),
            self.instruction_account(ix, to_position),
        ) {
            (Some(from), Some(to)) => (Some(SolanaTransfer { from, to, lamports }), false),
            _ => (None, true),
        }
    }
}

/// Where `TransferWithSeed`'s fields end: tag (4), lamports (8), seed (u64 length +
/// bytes), owner (32). `None` if the length overflows.
fn transfer_with_seed_end(data: &[u8]) -> Option<usize> {
    let len_bytes: [u8; 8] = data.get(12..20)?.try_into().ok()?;
    let seed_len = usize::try_from(u64::from_le_bytes(len_bytes)).ok()?;
    20usize.checked_add(seed_len)?.checked_add(32)
}

/// The header rules of the Solana runtime's sanitizer.
fn check_header(header: &MessageHeader, key_count: usize, offset: usize) -> Result<(), Error> {
    let required = usize::from(header.num_required_signatures);
    let reason = if required == 0 {
        "the header asks for no signature (a message needs a fee payer)"
    } else if required > key_count {
        "the header asks for more signers than there are account keys"
    } else if header.num_readonly_signed_accounts >= header.num_required_signatures {
        "the header makes the fee payer read-only"
    } else if usize::from(header.num_readonly_unsigned_accounts) > key_count - required {
        "the header has more read-only unsigned accounts than unsigned accounts"
    } else {
        return Ok(());
    };
    Err(Error::InvalidSolanaMessage { offset, reason })
}

/// Decodes `message` and summarises it as `signer` would sign it.
pub fn summarize(message: &[u8], signer: SolanaAddress) -> Result<SolanaTransactionSummary, Error> {
    SolanaMessage::decode(message)?.summary(signer)
}

impl crate::Wallet {
    /// The summary of a serialized Solana message as account `index` would sign it, for
    /// showing and policing before [`crate::Wallet::sign_solana_transaction`].
    pub fn solana_transaction_summary(
        &self,
        index: u32,
        message: &[u8],
    ) -> Result<SolanaTransactionSummary, Error> {
        summarize(message, self.solana_address(index)?)
    }

    /// Signs a serialized Solana message (legacy or v0) with account `index`: the ed25519
    /// signature over exactly `message`, and the summary of what was signed.
    ///
    /// Refused, with nothing signed, when the message does not decode strictly or the
    /// account is not one of its required signers ([`Error::NotSolanaSigner`]).
    pub fn sign_solana_transaction(
        &self,
        index: u32,
        message: &[u8],
    ) -> Result<([u8; 64], SolanaTransactionSummary), Error> {
        let key = self.solana_key(index)?;
        let summary = summarize(message, SolanaAddress(key.public_key_bytes()))?;
        Ok((key.sign(message), summary))
    }
}
