// Types of keysplit-wasm (hand-written: the generated bindings take `any` so that the
// module itself can check inputs from any realm).

/** Bytes from anywhere: a Uint8Array (of any realm), a Node Buffer, a DataView or any
 * other ArrayBuffer view, an ArrayBuffer or a SharedArrayBuffer. */
export type BytesLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

/** Stable error codes; new ones may be added, so keep a default branch. */
export type KeysplitErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_INITIALIZED'
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
  | (string & {});

/** Thrown by every function of this package. */
export class KeysplitError extends Error {
  constructor(code: KeysplitErrorCode, message: string, options?: { cause?: unknown });
  readonly name: 'KeysplitError';
  /** Stable, machine-readable reason (e.g. `"BELOW_THRESHOLD"`). */
  readonly code: KeysplitErrorCode;
}

/**
 * Loads the WebAssembly module. Browsers must await it once before any other call;
 * in Node the module is loaded on import and this resolves at once. `source` overrides
 * where the .wasm comes from (URL, Response, bytes or a compiled WebAssembly.Module).
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
export function backendName(): string;

/** This package's version. */
export function version(): string;
