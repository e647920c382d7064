// Normalising every input before it reaches the wasm module.
//
// Rule: the module only ever sees values this file built — plain same-realm Uint8Arrays
// whose bounds come from the engine's internal slots, well-formed strings, numbers, and
// fresh plain objects holding those. No caller-controlled getter, `length`, `buffer` or
// `Symbol.toStringTag` is consulted, and nothing the caller wrote can run (or throw)
// while the module is on the stack: a JS exception thrown through wasm frames skips the
// module's wipes and, after a few hundred, breaks the instance.

import { KeysplitError } from './errors.js';

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const getter = (prototype, key) => Object.getOwnPropertyDescriptor(prototype, key).get;
// The engine's own accessors: they read internal slots, work on values of any realm,
// and cannot be overridden by the value itself.
const typedArrayName = getter(TypedArrayPrototype, Symbol.toStringTag);
const typedArrayBuffer = getter(TypedArrayPrototype, 'buffer');
const typedArrayOffset = getter(TypedArrayPrototype, 'byteOffset');
const typedArrayLength = getter(TypedArrayPrototype, 'byteLength');
const dataViewBuffer = getter(DataView.prototype, 'buffer');
const dataViewOffset = getter(DataView.prototype, 'byteOffset');
const dataViewLength = getter(DataView.prototype, 'byteLength');
const arrayBufferLength = getter(ArrayBuffer.prototype, 'byteLength');
const sharedBufferLength =
  typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;
const isWellFormed = String.prototype.isWellFormed;

/** `call(value)` of an intrinsic accessor, or `undefined` when `value` lacks the slot. */
function slot(accessor, value) {
  if (accessor === undefined || value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return undefined;
  }
  try {
    return accessor.call(value);
  } catch {
    return undefined;
  }
}

export function describe(value) {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  if (Array.isArray(value)) return 'Array';
  return typedArrayName.call(value) ?? 'object';
}

function invalid(message) {
  return new KeysplitError('INVALID_INPUT', message);
}

/**
 * A fresh same-realm Uint8Array over the bytes of `value` (no copy). Accepts typed arrays
 * and DataViews of any realm (iframes, `vm` contexts), Node Buffers, ArrayBuffers and
 * SharedArrayBuffers, recognised by their internal slots; bounds come from those slots,
 * never from properties the caller can override. A detached buffer is refused.
 */
export function toBytes(value, what = 'value') {
  let buffer;
  let offset = 0;
  let length;
  if (typedArrayName.call(value) !== undefined) {
    buffer = typedArrayBuffer.call(value);
    offset = typedArrayOffset.call(value);
    length = typedArrayLength.call(value);
  } else if ((buffer = slot(dataViewBuffer, value)) !== undefined) {
    try {
      offset = dataViewOffset.call(value);
      length = dataViewLength.call(value);
    } catch {
      throw invalid(`${what} is a DataView over a detached buffer (was it transferred?)`);
    }
  } else if ((length = slot(arrayBufferLength, value)) !== undefined) {
    buffer = value;
  } else if ((length = slot(sharedBufferLength, value)) !== undefined) {
    buffer = value;
  } else {
    throw invalid(
      `${what} must be a Uint8Array, a Buffer, an ArrayBuffer or another ArrayBuffer view (got ${describe(value)})`,
    );
  }
  try {
    // Throws on a detached buffer, whose byteLength reads as 0.
    return new Uint8Array(buffer, offset, length);
  } catch {
    throw invalid(`${what} is over a detached ArrayBuffer (was it transferred to a worker?)`);
  }
}

/** Bytes copied into a fresh buffer (for inputs kept past the caller's control). */
export function copyBytes(value, what) {
  return toBytes(value, what).slice();
}

/** A string that is well-formed UTF-16: a lone surrogate would become U+FFFD on its way
 * into the module, so "pin\uD800" and "pin\uDFFF" would be the same password. */
export function toText(value, what) {
  if (typeof value !== 'string') {
    throw invalid(`${what} must be a string (got ${describe(value)})`);
  }
  if (!isWellFormed.call(value)) {
    throw invalid(`${what} is not well-formed text (it contains a lone UTF-16 surrogate)`);
  }
  return value;
}

/** A well-formed string, or bytes. */
export function toTextOrBytes(value, what) {
  return typeof value === 'string' ? toText(value, what) : toBytes(value, what);
}

// No list keysplit takes holds more than 255 shares. Checking the length first keeps a
// sparse `new Array(2 ** 31)` from costing seconds and gigabytes in `map`.
const MAX_LIST = 255;

/** A fresh array of `item(value[i], name)`; the caller's array is read index by index. */
export function toList(value, what, item) {
  if (!Array.isArray(value)) {
    throw invalid(`${what} must be an array (got ${describe(value)})`);
  }
  const length = value.length;
  if (length > MAX_LIST) {
    throw invalid(`${what} has ${length} items; at most ${MAX_LIST} are accepted`);
  }
  const out = new Array(length);
  for (let i = 0; i < length; i++) out[i] = item(value[i], `${what} item #${i + 1}`);
  return out;
}

export function toCount(value, what) {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${what} must be a non-negative integer (got ${String(value)})`);
  }
  return value;
}

/** The caller's options object, read once: its getters run here, not inside the module,
 * and a getter that throws is the caller's INVALID_INPUT. */
export function readFields(value, what, fields) {
  if (value === null || typeof value !== 'object') {
    throw invalid(`${what} expects an options object (got ${describe(value)})`);
  }
  const out = {};
  for (const field of fields) {
    try {
      out[field] = value[field];
    } catch (error) {
      throw invalid(`${what}.${field} could not be read (${error && error.message})`);
    }
  }
  return out;
}
