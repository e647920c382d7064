// Strict reading of request params: a params object has only the fields a method names
// (anything else is INVALID_PARAMS), each of the expected type. Values that came through
// postMessage's structured clone are plain data, but a Map, a Date or an ArrayBuffer can
// come through too: only plain objects, arrays, strings, finite numbers, booleans and
// null are accepted where JSON is expected.
import { ProtocolError } from './errors.js';
import { fromBase64, fromHex } from './bytes.js';

const invalid = (message) => new ProtocolError('INVALID_PARAMS', message);

export function isPlainObject(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/**
 * `params` (undefined = `{}`) with only `allowed` fields, `required` among them present.
 * Returns a fresh object with the fields that are present.
 */
export function fields(params, method, allowed, required = []) {
  const value = params === undefined ? {} : params;
  if (!isPlainObject(value)) throw invalid(`${method}: params must be an object`);
  const out = {};
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name)) {
      throw invalid(`${method}: unknown params field ${JSON.stringify(name).slice(0, 80)}${allowed.length ? ` (it takes ${allowed.join(', ')})` : ' (it takes none)'}`);
    }
    if (value[name] !== undefined) out[name] = value[name];
  }
  for (const name of required) {
    if (out[name] === undefined) throw invalid(`${method}: params.${name} is required`);
  }
  return out;
}

export function string(value, what, { max = 1 << 20, allowEmpty = false } = {}) {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) throw invalid(`${what} must be a non-empty string`);
  if (value.length > max) throw invalid(`${what} is over ${max} characters`);
  return value;
}

/** A JSON value (plain objects, arrays, strings, finite numbers, booleans, null), depth-limited. */
export function jsonValue(value, what, depth = 0) {
  if (depth > 64) throw invalid(`${what} is nested too deeply`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(`${what} holds a number JSON cannot hold`);
    return value;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => jsonValue(item, `${what}[${i}]`, depth + 1));
    return value;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) jsonValue(value[key], `${what}.${key}`, depth + 1);
    return value;
  }
  throw invalid(`${what} must be JSON data (plain objects, arrays, strings, numbers, booleans, null)`);
}

export function jsonObject(value, what) {
  if (!isPlainObject(value)) throw invalid(`${what} must be an object`);
  return jsonValue(value, what);
}

/** A JWT in compact form: three base64url parts. */
export function accessToken(value) {
  const token = string(value, 'params.accessToken', { max: 8192 });
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
    throw invalid('params.accessToken must be a JWT (three base64url parts separated by dots)');
  }
  return token;
}

/** An optional boolean (undefined = false). */
export function flag(value, what) {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(`${what} must be true or false`);
  return value;
}

export function chain(value) {
  if (value === undefined) return 'ethereum';
  if (value !== 'ethereum' && value !== 'solana') {
    throw invalid(`params.chain must be "ethereum" or "solana" (got ${JSON.stringify(String(value)).slice(0, 40)})`);
  }
  return value;
}

export function walletId(value) {
  if (typeof value !== 'string' || !/^(0x)?[0-9a-fA-F]{32}$/.test(value)) {
    throw invalid('params.walletId must be 32 hex digits');
  }
  return value.replace(/^0x/, '').toLowerCase();
}

/**
 * `{text}` or `{hex}`, exactly one: `{ message: what the wasm API signs, body: the
 * personal_sign params }`.
 */
export function message(o) {
  if ((o.text === undefined) === (o.hex === undefined)) {
    throw invalid('signMessage takes exactly one of params.text (UTF-8 text) and params.hex (bytes as hex)');
  }
  if (o.text !== undefined) {
    const text = string(o.text, 'params.text', { allowEmpty: true, max: 1 << 16 });
    return { message: text, display: { text }, body: { message: text, encoding: 'utf-8' } };
  }
  const bytes = fromHex(string(o.hex, 'params.hex', { allowEmpty: true, max: 1 << 17 }), 'params.hex');
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return { message: bytes, display: { hex: `0x${hex}` }, body: { message: hex, encoding: 'hex' } };
}

/** A base64 serialized Solana message: `{ bytes, text }` (text as given, for the body). */
export function solanaMessage(value) {
  const text = string(value, 'params.message', { max: 1 << 16 });
  return { bytes: fromBase64(text, 'params.message'), text };
}

/** `{request, signature}`: a Privy payload and its authorization signature header. */
export function authorization(value, what = 'params.authorization') {
  const o = fields(value, what, ['request', 'signature'], ['request', 'signature']);
  jsonObject(o.request, `${what}.request`);
  string(o.signature, `${what}.signature`, { max: 64 * 200 });
  return { request: o.request, signature: o.signature };
}

/** An uncompressed P-256 public key (65 bytes, 0x04...) as hex: `{ bytes, hex }` (hex 0x-less lowercase). */
export function recipientKey(value) {
  const bytes = fromHex(string(value, 'params.recipientPublicKey', { max: 200 }), 'params.recipientPublicKey');
  if (bytes.length !== 65 || bytes[0] !== 4) {
    throw invalid('params.recipientPublicKey must be an uncompressed P-256 public key (65 bytes, 04...)');
  }
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return { bytes, hex };
}
