// Types of keysplit-wasm (hand-written: the generated bindings take `any` so that the
// module itself can check inputs from any realm).

/** Bytes from anywhere: a Uint8Array (of any realm), a Node Buffer, a DataView or any
 * other ArrayBuffer view, an ArrayBuffer or a SharedArrayBuffer. */
export type BytesLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

/** Stable error codes; new ones may be added, so keep a default branch. */
export type KeysplitErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_INITIALIZED'
  | 'WASM_LOAD_FAILED'
  | 'INTERNAL'
  | 'INVALID_THRESHOLD'
  | 'INVALID_SHARE_COUNT'
  | 'EMPTY_SECRET'
  | 'NO_SHARES'
  | 'BELOW_THRESHOLD'
  | 'ZERO_X'
  | 'DUPLICATE_X'
  | 'LENGTH_MISMATCH'
  | 'SET_MISMATCH'
  | 'THRESHOLD_MISMATCH'
  | 'INTEGRITY_CHECK'
  | 'NO_CONSISTENT_SUBSET'
  | 'RNG_FAILURE'
  | 'TOO_LARGE'
  | 'BAD_MAGIC'
  | 'UNSUPPORTED_VERSION'
  | 'TRUNCATED'
  | 'TRAILING_BYTES'
  | 'SHARE_CHECKSUM'
  | 'BAD_THRESHOLD'
  | 'SHARE_TOO_SHORT'
  | 'UNKNOWN_TEXT_FORM'
  | 'INVALID_HEX'
  | 'INVALID_TEXT'
  | 'TEXT_CHECKSUM'
  // wallet
  | 'ENTROPY_LENGTH'
  | 'MNEMONIC_WORD_COUNT'
  | 'MNEMONIC_UNKNOWN_WORD'
  | 'MNEMONIC_CHECKSUM'
  | 'NON_ASCII_NEEDS_UNICODE'
  | 'INVALID_PATH'
  | 'INVALID_ADDRESS'
  | 'INVALID_SIGNATURE'
  | 'SEALED_SHARE_FORMAT'
  | 'WRONG_KEY'
  | 'WRONG_PASSWORD'
  | 'TAMPERED'
  | 'UNLOCK_KIND'
  | 'KDF_PARAMS'
  | 'KDF_FAILURE'
  | 'WALLET_MISMATCH'
  | 'EPOCH_MISMATCH'
  | 'ROLE_MISMATCH'
  | 'DUPLICATE_ROLE'
  | 'SHARE_SET_MISMATCH'
  | 'ADDRESS_MISMATCH'
  | 'INVALID_PROOF'
  | 'RECOVER_NEEDS_AUTH_AND_RECOVERY'
  | 'EPOCH_EXHAUSTED'
  // SLIP-39 (keysplit-wasm-slip39 only; UNSUPPORTED in the default build)
  | 'UNSUPPORTED'
  // requests, authz, policy (keysplit-wasm-requests only; UNSUPPORTED in the default build)
  | 'INVALID_SOLANA_MESSAGE'
  | 'UNSUPPORTED_SOLANA_VERSION'
  | 'NOT_SOLANA_SIGNER'
  | 'TRANSACTION_JSON'
  | 'UNKNOWN_TRANSACTION_FIELD'
  | 'DUPLICATE_TRANSACTION_FIELD'
  | 'MISSING_TRANSACTION_FIELD'
  | 'MISSING_CHAIN_ID'
  | 'INVALID_TRANSACTION_FIELD'
  | 'VALUE_OVERFLOW'
  | 'CONTRACT_CREATION_NOT_ALLOWED'
  | 'TRANSACTION_TYPE_CONFLICT'
  | 'UNSUPPORTED_TRANSACTION_TYPE'
  | 'TRANSACTION_TOO_LARGE'
  | 'TRANSACTION_FROM_MISMATCH'
  | `TYPED_DATA_${string}`
  | 'POLICY_INVALID'
  | 'POLICY_DENIED'
  | 'INVALID_AUTHORIZATION_KEY'
  | 'INVALID_AUTHORIZATION_PUBLIC_KEY'
  | 'INVALID_AUTHORIZATION_SIGNATURE'
  | 'TOO_MANY_SIGNATURES'
  | 'INVALID_REQUEST_PAYLOAD'
  | 'REQUEST_EXPIRED'
  | 'INVALID_KEY_QUORUM'
  // custody (keysplit-wasm-requests only)
  | 'INVALID_HPKE_PUBLIC_KEY'
  | 'RELEASE_REJECTED'
  | 'RELEASE_KEY_USED'
  | `SLIP39_${string}`
  | (string & {});

/** Thrown by every function of this package. */
export class KeysplitError extends Error {
  constructor(code: KeysplitErrorCode, message: string, options?: { cause?: unknown });
  readonly name: 'KeysplitError';
  /** Stable, machine-readable reason (e.g. `"BELOW_THRESHOLD"`). */
  readonly code: KeysplitErrorCode;
  /** With `WASM_LOAD_FAILED`: where the module was looked for, when that was a URL or path. */
  url?: string;
}

/**
 * Loads the WebAssembly module. Browsers must await it once before any other call;
 * in Node the module is loaded on import and this resolves at once. `source` overrides
 * where the .wasm comes from (URL, path in Node, Response, bytes or a compiled
 * WebAssembly.Module). A failure rejects with a `KeysplitError` of code
 * `WASM_LOAD_FAILED` (with the `url` tried), and a later call tries again.
 */
export function init(
  source?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<void>;

/** A same-realm Uint8Array view over any BytesLike (no copy). */
export function toBytes(value: BytesLike, what?: string): Uint8Array;

/** Splits `secret` into `shares` authenticated envelope shares, any `threshold` of
 * which rebuild it (2 <= threshold <= shares <= 255). */
export function split(secret: BytesLike, threshold: number, shares: number): Uint8Array[];

/** Rebuilds the secret from envelope shares; undecodable ones are skipped if enough
 * good ones remain. A wrong, foreign or missing share is an error, never a wrong secret. */
export function combine(shares: BytesLike[]): Uint8Array;

export interface RejectedShare {
  /** Position in the list given (from 0). */
  index: number;
  code: KeysplitErrorCode;
  message: string;
}

export interface CombineReport {
  secret: Uint8Array;
  /** The share set's id, 32 hex digits. */
  setId: string;
  threshold: number;
  /** Positions (from 0) of the shares that rebuilt the secret. */
  used: number[];
  /** Positions of well-formed shares that do not fit the secret: replace them. */
  inconsistent: number[];
  /** Inputs that could not be decoded, and why. */
  rejected: RejectedShare[];
  /** True when no share was inconsistent or rejected. */
  clean: boolean;
}

/** Like `combine`, with a report on every share. */
export function combineDetailed(shares: BytesLike[]): CombineReport;

/** Rebuilds the secret from text shares (`ks1...` or hex). */
export function combineText(shares: string[]): Uint8Array;

/** Rebuilds the secret and splits it again under a fresh set id: old and new shares
 * can never be mixed. */
export function reshare(shares: BytesLike[], threshold: number, newShares: number): Uint8Array[];

export interface ShareInfo {
  setId: string;
  threshold: number;
  x: number;
  secretLength: number;
}

/** Public facts about one envelope share (checks its checksum). */
export function shareInfo(share: BytesLike): ShareInfo;

/** The `ks1...` (bech32m) text form of an envelope share. */
export function shareToText(share: BytesLike): string;

/** Decodes and checks a text share (`ks1...` or hex). */
export function shareFromText(text: string): Uint8Array;

/** Raw shares (`y bytes || x`), byte-compatible with Privy's `shamir-secret-sharing`
 * and HashiCorp Vault. They carry no integrity check: prefer `split`/`combine`. */
export const raw: {
  split(secret: BytesLike, threshold: number, shares: number): Uint8Array[];
  /** Refuses x = 0, duplicate x, unequal lengths and fewer than two shares; cannot tell
   * too few or foreign shares from good ones. */
  combine(shares: BytesLike[]): Uint8Array;
};

/** The GF(256) backend in use (e.g. `"portable"`). */
/** Options of `slip39.split`; defaults as python-shamir-mnemonic 0.3. */
export interface Slip39SplitOptions {
  /** Groups needed to rebuild the master secret (1 to groups.length). */
  groupThreshold: number;
  /** One `[memberThreshold, memberCount]` per group (1 <= t <= n <= 16; `[1, 1]` for t = 1). */
  groups: [number, number][];
  /** Printable ASCII; empty by default. A wrong one later gives another, valid-looking secret. */
  passphrase?: string;
  /** 10000 << e PBKDF2 iterations (0 to 15); default 1. */
  iterationExponent?: number;
  /** Extendable-backup flag; default true. */
  extendable?: boolean;
}

/**
 * SLIP-0039 mnemonic shares (Trezor's Shamir backup), interoperable with
 * python-shamir-mnemonic. Only in the `keysplit-wasm-slip39` build (`supported` is then
 * true); in the default build both functions throw `UNSUPPORTED`. Errors have codes
 * `SLIP39_<REASON>` (e.g. `SLIP39_CHECKSUM`, `SLIP39_TOO_FEW_GROUPS`) naming the share.
 */
export const slip39: {
  readonly supported: boolean;
  /** A 16- to 32-byte master secret (even length) -> one array of mnemonics per group. */
  split(masterSecret: BytesLike, options: Slip39SplitOptions): string[][];
  /** Exactly the group threshold of groups, each with its member threshold of mnemonics. */
  combine(mnemonics: string[], passphrase?: string): Uint8Array;
};

export function backendName(): string;

/** This package's version. */
export function version(): string;

// ---- wallet ------------------------------------------------------------------------

export type Role = 'device' | 'auth' | 'recovery';

/** Argon2id costs for a password-sealed share (defaults: 19456 KiB, 2 passes, 1 lane). */
export interface Argon2Params {
  memoryKib?: number;
  iterations?: number;
  parallelism?: number;
}

/** How a new share is sealed: under a 32-byte key, or a password (Argon2id). */
/**
 * How a share is sealed. A password seal's Argon2id cost must be at least 19 MiB and 2
 * passes (the default; `KDF_TOO_WEAK` otherwise) unless `insecureFastKdf` is set, which
 * is for tests only. Strings must be well-formed UTF-16.
 */
export type Protection =
  | { key: BytesLike }
  | { password: string | BytesLike; argon2?: Argon2Params; insecureFastKdf?: boolean };

/** How a sealed share is opened (the Argon2id parameters come from the share). */
export type Unlock = { key: BytesLike } | { password: string | BytesLike };

export interface Protections {
  device: Protection;
  auth: Protection;
  recovery: Protection;
}

/** One sealed share offered to an operation, with the role it was stored as. */
export type ShareInput = { role: Role; share: BytesLike } & Unlock;

/** A wallet's public metadata (store it with the wallet; nothing in it is secret). */
export interface WalletInfo {
  /** 32 hex digits, fixed for the wallet's life. */
  walletId: string;
  /** Generation of the share set; each rotation or recovery adds one. */
  epoch: number;
  /** keysplit set id of the current shares (32 hex digits). */
  shareSetId: string;
  /** EIP-55 address at m/44'/60'/0'/0/0. */
  ethereumAddress: string;
  /** base58 address at m/44'/501'/0'/0'. */
  solanaAddress: string;
}

/** A wallet's metadata and its three sealed shares (safe to store anywhere). */
export interface ShareSet {
  info: WalletInfo;
  device: Uint8Array;
  auth: Uint8Array;
  recovery: Uint8Array;
}

export interface SealedShareInfo {
  role: Role;
  walletId: string;
  epoch: number;
  passwordSealed: boolean;
  argon2: Required<Argon2Params> | null;
}

interface WithShares {
  info: WalletInfo;
  /** Any two different shares of the wallet's current epoch. */
  shares: [ShareInput, ShareInput];
}

/**
 * A 2-of-3 embedded wallet (BIP-39 entropy; Ethereum at m/44'/60'/0'/0/i, Solana at
 * m/44'/501'/i'/0'). Every call rebuilds the wallet inside the module from two sealed
 * shares, checks it against `info`'s addresses, does one thing and wipes it.
 */
export const wallet: {
  /** A fresh random 32-byte key for sealing a device or auth share. */
  generateKey(): Uint8Array;
  create(options: { protections: Protections; strength?: 128 | 256 }): ShareSet;
  /** An existing BIP-39 mnemonic as a new wallet. */
  import(options: { mnemonic: string; protections: Protections }): ShareSet;
  address(options: WithShares & { chain?: 'ethereum' | 'solana'; index?: number }): string;
  /** EIP-191 personal_sign: 65 bytes r || s || v (v = 27/28). Strings are signed as UTF-8. */
  signMessage(options: WithShares & { message: string | BytesLike; index?: number }): Uint8Array;
  /** ed25519 signature (64 bytes) by the Solana account. */
  signSolanaMessage(options: WithShares & { message: string | BytesLike; index?: number }): Uint8Array;
  /** The 12/24-word mnemonic. Reveals the wallet: only on an explicit user request. */
  exportMnemonic(options: WithShares): string;
  /** Any two shares -> three fresh shares at epoch + 1; the old ones stop working. */
  rotate(options: WithShares & { protections: Protections }): ShareSet;
  /** New device: auth + recovery shares -> three fresh shares at epoch + 1. */
  recover(options: {
    info: WalletInfo;
    auth: ShareInput;
    recovery: ShareInput;
    protections: Protections;
  }): ShareSet;
  sealedShareInfo(sealed: BytesLike): SealedShareInfo;
  /** Seals a keysplit envelope share for a role, wallet and epoch. */
  seal(options: { share: BytesLike; role: Role; walletId: string; epoch: number; protection: Protection }): Uint8Array;
  /** Hazmat: the keysplit envelope inside a sealed share. */
  unseal(options: { sealed: BytesLike; unlock: Unlock }): Uint8Array;
  /** The EIP-55 address that made an EIP-191 signature of `message`. */
  recoverMessageSigner(message: string | BytesLike, signature: BytesLike): string;
  verifySolanaSignature(address: string, message: string | BytesLike, signature: BytesLike): boolean;

  // ---- keysplit-wasm-requests only (UNSUPPORTED in the default build; see `features`) ----

  /**
   * Signs an Ethereum transaction (legacy with EIP-155, EIP-2930, EIP-1559) given in the
   * JSON form ethers v6 uses (`type, chainId, nonce, to, value, data, gasLimit, gasPrice,
   * maxFeePerGas, maxPriorityFeePerGas, accessList`; quantities as decimal strings, `0x`
   * hex or safe integers). A transaction without `to` needs `allowContractCreation: true`.
   */
  signTransaction(
    options: WithShares & { transaction: JsonInput; index?: number; allowContractCreation?: boolean },
  ): SignedTransaction;
  /** Signs `eth_signTypedData_v4` JSON (EIP-712): 65 bytes r || s || v, and what was signed. */
  signTypedData(
    options: WithShares & { typedData: JsonInput; index?: number },
  ): { signature: Uint8Array; summary: TypedDataSummary };
  /** Signs a serialized Solana transaction message (legacy or v0): 64 bytes ed25519. */
  signSolanaTransaction(
    options: WithShares & { message: BytesLike; index?: number },
  ): { signature: Uint8Array; summary: SolanaTransactionSummary };
  /** What `signTransaction` would sign for account `from`, without any share. */
  summarizeTransaction(options: {
    from: string;
    transaction: JsonInput;
    allowContractCreation?: boolean;
  }): TransactionSummary;
  summarizeTypedData(options: { from: string; typedData: JsonInput }): TypedDataSummary;
  summarizeSolanaTransaction(options: { from: string; message: BytesLike }): SolanaTransactionSummary;

  /** Blind signing of hashes: nothing can show the user or a policy what they mean. */
  hazmat: {
    /** Recoverable ECDSA over a 32-byte digest (RFC 6979, low s): 65 bytes. */
    signDigest(options: WithShares & { digest: BytesLike; index?: number }): Uint8Array;
    /** EIP-712 from precomputed hashes: signs keccak256(0x1901 || domainSeparator || structHash). */
    signTypedDataHashes(
      options: WithShares & { domainSeparator: BytesLike; structHash: BytesLike; index?: number },
    ): Uint8Array;
  };
};

/** What this build's module holds. */
export const features: { readonly requests: boolean; readonly slip39: boolean };

/**
 * JSON given as text (used as it is) or as a plain object (turned into text with
 * JSON.stringify). Refused rather than changed: bigints (give decimal strings), NaN and
 * Infinity, functions, symbols, and objects that are not plain (Map, Date, class instances).
 */
export type JsonInput = string | { [key: string]: unknown };

/** Every integer is a decimal string: exact at any size and safe in JSON. */
interface SummaryHead {
  method: string;
  chainType: 'ethereum' | 'solana';
  /** The signing account's address (EIP-55, or base58). */
  from: string;
}

export interface TransactionSummary extends SummaryHead {
  method: 'eth_signTransaction';
  type: 0 | 1 | 2;
  chainId: string;
  nonce: string;
  /** null for a contract creation. */
  to: string | null;
  value: string;
  /** `0x` hex. */
  data: string;
  /** The first 4 bytes of `data` as `0x` hex, or null. */
  selector: string | null;
  gasLimit: string;
  /** `gasPrice` for types 0 and 1. */
  maxFeePerGas: string;
  maxPriorityFeePerGas: string | null;
}

export interface TypedDataSummary extends SummaryHead {
  method: 'eth_signTypedData_v4';
  domain: {
    name: string | null;
    version: string | null;
    chainId: string | null;
    verifyingContract: string | null;
    salt: string | null;
  };
  primaryType: string;
  /** The EIP-712 digest that is signed, `0x` hex. */
  digest: string;
}

export interface SolanaTransactionSummary extends SummaryHead {
  method: 'signTransaction';
  versioned: boolean;
  feePayer: string;
  recentBlockhash: string;
  instructions: {
    programId: string;
    /** A System Program transfer read in full, else null. */
    transfer: { from: string; to: string; lamports: string } | null;
    /** A transfer keysplit cannot read in full (accounts from a lookup table). */
    opaque: boolean;
  }[];
  unresolvedLookups: number;
}

export interface MessageSummary extends SummaryHead {
  method: 'personal_sign' | 'signMessage';
  message: Uint8Array;
}

export type RequestSummary = TransactionSummary | TypedDataSummary | SolanaTransactionSummary | MessageSummary;

export interface SignedTransaction {
  /** The signed serialized transaction, `0x` hex (what eth_sendRawTransaction takes). */
  signedTransaction: string;
  /** Its hash, `0x` hex. */
  hash: string;
  summary: TransactionSummary;
}

/** Privy's request payload: `{ version: 1, method, url, body?, headers? }`. */
export type RequestPayload = JsonInput;

export interface QuorumReport {
  /** Whether at least `threshold` distinct members signed. */
  met: boolean;
  threshold: number;
  /** Positions in `quorum.members` of the distinct members whose signature verified. */
  signers: number[];
  /** Signatures that did not count: position in the list given, why, and for a duplicate the member. */
  failures: {
    index: number;
    code: 'INVALID_AUTHORIZATION_SIGNATURE' | 'SIGNATURE_NOT_FROM_MEMBER' | 'DUPLICATE_SIGNER';
    message: string;
    member: number | null;
  }[];
}

/** A WebCrypto `CryptoKey` (structurally, so the types need no DOM library). */
export interface WebCryptoKey {
  readonly type: string;
  readonly algorithm: unknown;
  readonly extractable: boolean;
  readonly usages: readonly string[];
}

/** P-256 authorization keys and key quorums, byte-compatible with Privy's request signing. */
export const authz: {
  readonly supported: boolean;
  /** `{ privateKey: 'wallet-auth:' + base64 PKCS#8, publicKey: base64 SPKI DER }`. */
  generateKey(): { privateKey: string; publicKey: string };
  /** The RFC 8785 canonical form of a payload: the text signatures cover. */
  canonicalize(payload: RequestPayload): string;
  /**
   * Signs the payload's canonical form (ECDSA P-256, SHA-256) with a `wallet-auth:` key or
   * a WebCrypto P-256 private `CryptoKey`: base64 DER, Privy's form. Always a Promise.
   */
  sign(options: { payload: RequestPayload; key: string | WebCryptoKey }): Promise<string>;
  /**
   * Checks signatures (base64 DER or P1363; an array, or one comma-separated
   * `privy-authorization-signature` value) against `quorum`
   * (`{ threshold, members: [base64 SPKI, ...] }`). Throws REQUEST_EXPIRED when the
   * payload's `privy-request-expiry` is before `now` (Unix ms; default Date.now()).
   */
  verify(options: {
    payload: RequestPayload;
    signatures: string[] | string;
    quorum: JsonInput;
    now?: number;
  }): QuorumReport;
};

/** The request `policy.evaluate` judges: exactly one of these, signed by `from`. */
export type PolicyRequest =
  | { transaction: JsonInput; allowContractCreation?: boolean }
  | { typedData: JsonInput }
  | { solanaTransaction: BytesLike }
  | { message: string | BytesLike }
  | { solanaMessage: string | BytesLike };

/** Privy's policies (`{ version: '1.0', name, chain_type, rules }`). */
export const policy: {
  readonly supported: boolean;
  /**
   * Decodes the request (as `wallet.summarize*` does) and judges it at `now` (Unix ms;
   * default Date.now()). `message` is a personal_sign, `solanaMessage` a Solana
   * signMessage. DENY wins; nothing matching denies.
   */
  evaluate(
    options: { policy: JsonInput; from: string; now?: number } & PolicyRequest,
  ): { allowed: boolean; rule: string | null; reason: string; summary: RequestSummary };
};

/** An HPKE key for one share release; its private key stays inside the wasm module. */
export interface ReleaseKey {
  /** The public key to send as `hpke_public_key`: an uncompressed P-256 point (65 bytes). */
  readonly publicKey: Uint8Array;
  /**
   * Opens keysplit-server's release answer (`enc`, `ciphertext`) with the caller's OWN
   * wallet id (32 hex digits), epoch and request digest, never the answer's. Throws
   * RELEASE_REJECTED when it does not open or is not `auth key || this wallet's auth share
   * of this epoch`. The key is wiped by the first call, whatever its outcome
   * (RELEASE_KEY_USED after).
   */
  open(options: {
    walletId: string;
    epoch: number;
    requestDigest: BytesLike;
    enc: BytesLike;
    ciphertext: BytesLike;
  }): { authKey: Uint8Array; authShare: Uint8Array };
  /**
   * Opens keysplit-server's recovery-key answer (`POST .../recovery-key`, automatic
   * recovery): HPKE info `keysplit-server/v1/recovery-key-release` || wallet id || epoch
   * (u32 big-endian), aad the caller's OWN request digest. Returns the 32-byte recovery
   * key; throws RELEASE_REJECTED when it does not open or is not 32 bytes. One use, as
   * `open`.
   */
  openRecoveryKey(options: {
    walletId: string;
    epoch: number;
    requestDigest: BytesLike;
    enc: BytesLike;
    ciphertext: BytesLike;
  }): Uint8Array;
  /** Wipes the private key (idempotent). */
  free(): void;
}

/**
 * keysplit-server's share-release channel (RFC 9180 HPKE, DHKEM(P-256, HKDF-SHA256) /
 * HKDF-SHA256 / ChaCha20-Poly1305) and the wallet iframe's other custody helpers.
 */
export const custody: {
  readonly supported: boolean;
  /** A fresh key for one release. */
  generateReleaseKey(): ReleaseKey;
  /** SHA-256 of the RFC 8785 form of a request payload: the release's associated data. */
  requestDigest(payload: RequestPayload): Uint8Array;
  /** The text the wallet's index-0 Ethereum key signs (EIP-191) to prove a share upload. */
  uploadStatement(info: WalletInfo): string;
  /**
   * Seals `plaintext` (a mnemonic's bytes) to a recipient's uncompressed P-256 public key
   * for an encrypted export: HPKE info `keysplit/v1/mnemonic-export` || wallet id, empty aad.
   */
  sealToRecipient(options: {
    recipientPublicKey: BytesLike;
    walletId: string;
    plaintext: BytesLike;
  }): {
    enc: Uint8Array;
    ciphertext: Uint8Array;
    suite: { kem: 'DHKEM(P-256, HKDF-SHA256)'; kdf: 'HKDF-SHA256'; aead: 'ChaCha20-Poly1305' };
  };
};
