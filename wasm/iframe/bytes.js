// Bytes <-> text for the wallet host. Hex in and out of the protocol; base64 for Solana
// messages. Every decoder is strict: a malformed string is an error, never a guess.
import { ProtocolError } from './errors.js';

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Lowercase hex of `bytes`, with `0x` when `prefix`. */
export function toHex(bytes, prefix = true) {
  let out = prefix ? '0x' : '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Bytes of a hex string (an optional `0x`, an even number of digits). */
export function fromHex(text, what, code = 'INVALID_PARAMS') {
  if (typeof text !== 'string') throw new ProtocolError(code, `${what} must be a hex string`);
  const digits = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (!HEX.test(digits)) throw new ProtocolError(code, `${what} must be hex (an even number of 0-9a-f digits)`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes of standard, padded base64 (RFC 4648 section 4); anything else is refused. */
export function fromBase64(text, what) {
  if (typeof text !== 'string' || text.length === 0 || !BASE64.test(text)) {
    throw new ProtocolError('INVALID_PARAMS', `${what} must be standard padded base64`);
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < out.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Overwrites every byte array given (keys, opened shares) with zeros. */
export function wipe(...arrays) {
  for (const array of arrays) if (array instanceof Uint8Array) array.fill(0);
}
