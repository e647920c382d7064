// Requests that can be shown and policed: `wallet.signTransaction`, `wallet.signTypedData`
// (EIP-712 JSON), `wallet.signSolanaTransaction`, `wallet.summarize*`, `authz` (P-256
// authorization keys and key quorums, Privy-compatible), `policy` (Privy's policy JSON) and
// `custody` (custody.js: HPKE release keys, request digests, upload statements).
// Only the keysplit-wasm-requests build (`scripts/build.sh --requests`) has them in its
// module: P-256, serde_json and RLP do not fit the default module's 140 KiB budget. In the
// default build every one of them throws UNSUPPORTED (`features.requests` is false).
//
// One parser decides: JSON inputs (transactions, typed data, payloads, quorums, policies)
// go into the module as text, read by keysplit-wallet's decoders. A plain object is turned
// into that text here with JSON.stringify; anything JSON.stringify would change silently
// (a bigint, NaN, a function, a Map or class instance) is refused instead. Summaries only
// come out of the module; nothing takes a summary back in.

import { bindCustody } from './custody.js';
import { KeysplitError } from './errors.js';
import { describe, readFields, toBytes, toCount, toList, toText, toTextOrBytes } from './inputs.js';

const invalid = (message) => new KeysplitError('INVALID_INPUT', message);

/** The most JSON text any request takes (the library's own limit for payloads and policies). */
const MAX_JSON = 1 << 20;

function isPlain(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  // `{}` of any realm (iframes, `vm`), or Object.create(null).
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** Refuses, during JSON.stringify, what it would otherwise turn into something else. */
function strict(what) {
  return function replacer(key, value) {
    const at = key === '' ? what : `${what} (at "${key}")`;
    switch (typeof value) {
      case 'bigint':
        throw invalid(`${at} is a bigint: give quantities as decimal strings (value.toString()) or 0x hex`);
      case 'number':
        if (!Number.isFinite(value)) throw invalid(`${at} is ${value}, which JSON cannot hold`);
        return value;
      case 'function':
      case 'symbol':
        throw invalid(`${at} is a ${typeof value}, which JSON cannot hold`);
      case 'object':
        if (value !== null && !Array.isArray(value) && !isPlain(value)) {
          throw invalid(`${at} must be a plain object, an array or a JSON value (got ${describe(value)})`);
        }
        return value;
      default:
        return value;
    }
  };
}

/** JSON text from a string (as it is) or a plain object (JSON.stringify, strictly). */
export function toJsonText(value, what) {
  let text;
  if (typeof value === 'string') {
    if (value.length > MAX_JSON) throw invalid(`${what} is over ${MAX_JSON} characters`);
    text = toText(value, what);
  } else {
    let plain;
    try {
      plain = isPlain(value);
    } catch (error) {
      throw invalid(`${what} could not be read (${error && error.message})`);
    }
    if (!plain) {
      throw invalid(`${what} must be JSON text or a plain object (got ${describe(value)})`);
    }
    try {
      text = JSON.stringify(value, strict(what));
    } catch (error) {
      if (error instanceof KeysplitError) throw error;
      throw invalid(`${what} could not be turned into JSON (${error && error.message})`);
    }
    if (text.length > MAX_JSON) throw invalid(`${what} is over ${MAX_JSON} characters of JSON`);
    text = toText(text, what);
  }
  return text;
}

const flag = (value, what) => {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(`${what} must be true or false`);
  return value;
};

const address = (value, what) => toText(value, what);

/** `now` in Unix milliseconds, `Date.now()` when absent. */
const millis = (value, what) => (value === undefined ? Date.now() : toCount(value, what));

// The request kinds, the option that holds each, and how its value reaches the module.
const KINDS = [
  ['transaction', 'transaction', toJsonText],
  ['typedData', 'typedData', toJsonText],
  ['solanaTransaction', 'solanaTransaction', toBytes],
  ['message', 'message', toTextOrBytes],
  ['solanaMessage', 'solanaMessage', toTextOrBytes],
];

/** Exactly one request among `o`'s kind fields: [kind, value for the module]. */
function oneRequest(o, what) {
  const present = KINDS.filter(([, field]) => o[field] !== undefined && o[field] !== null);
  if (present.length !== 1) {
    throw invalid(`${what} needs exactly one of ${KINDS.map(([, f]) => `\`${f}\``).join(', ')}`);
  }
  const [[kind, field, convert]] = present;
  return [kind, convert(o[field], field)];
}

function isCryptoKey(value) {
  return value !== null && typeof value === 'object' && Object.prototype.toString.call(value) === '[object CryptoKey]';
}

export function bindRequests(b, run, pair, info, index) {
  const supported = typeof b.requestSign === 'function';
  const check = () => {
    if (!supported) {
      throw new KeysplitError(
        'UNSUPPORTED',
        'transactions, typed data, authorization keys and policies are only in the keysplit-wasm-requests build (wasm/scripts/build.sh --requests): they do not fit the default module\'s size budget',
      );
    }
  };
  // Sync wrapper: the check, then the call (its argument conversion included) through `run`.
  const call = (fn) => {
    check();
    return run(fn);
  };

  const sign = (name, kind, field, convert) => (opts) =>
    call(() => {
      const o = readFields(opts, name, ['info', 'shares', field, 'index', 'allowContractCreation']);
      const [first, second] = pair(o.shares);
      return b.requestSign(
        kind,
        info(o.info),
        first,
        second,
        index(o.index),
        convert(o[field], field),
        flag(o.allowContractCreation, 'allowContractCreation'),
      );
    });

  const summarize = (name, kind, field, convert) => (opts) =>
    call(() => {
      const o = readFields(opts, name, ['from', field, 'allowContractCreation']);
      return b.requestSummary(
        kind,
        address(o.from, 'from'),
        convert(o[field], field),
        flag(o.allowContractCreation, 'allowContractCreation'),
      );
    });

  const wallet = {
    signTransaction: sign('wallet.signTransaction', 'transaction', 'transaction', toJsonText),
    signTypedData: sign('wallet.signTypedData', 'typedData', 'typedData', toJsonText),
    signSolanaTransaction: sign('wallet.signSolanaTransaction', 'solanaTransaction', 'message', toBytes),
    summarizeTransaction: summarize('wallet.summarizeTransaction', 'transaction', 'transaction', toJsonText),
    summarizeTypedData: summarize('wallet.summarizeTypedData', 'typedData', 'typedData', toJsonText),
    summarizeSolanaTransaction: summarize('wallet.summarizeSolanaTransaction', 'solanaTransaction', 'message', toBytes),
  };

  const authz = Object.freeze({
    supported,
    generateKey: () => call(() => b.authzGenerateKey()),
    canonicalize: (payload) => call(() => b.authzCanonicalize(toJsonText(payload, 'payload'))),
    // Always a Promise: WebCrypto's sign is asynchronous, and one signature type for both
    // kinds of key keeps callers from branching.
    sign: async (opts) => {
      check();
      const o = run(() => readFields(opts, 'authz.sign', ['payload', 'key']));
      const payload = run(() => toJsonText(o.payload, 'payload'));
      if (isCryptoKey(o.key)) {
        const canonical = run(() => b.authzCanonicalize(payload));
        const subtle = globalThis.crypto && globalThis.crypto.subtle;
        if (!subtle) throw new KeysplitError('UNSUPPORTED', 'crypto.subtle is not available here');
        let raw;
        try {
          raw = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, o.key, new TextEncoder().encode(canonical));
        } catch (error) {
          throw new KeysplitError(
            'INVALID_AUTHORIZATION_KEY',
            `the CryptoKey could not sign (it must be a P-256 ECDSA private key usable for "sign"): ${error && error.message}`,
          );
        }
        return run(() => b.authzSignatureToBase64(new Uint8Array(raw)));
      }
      return run(() => b.authzSign(payload, toText(o.key, 'key')));
    },
    verify: (opts) =>
      call(() => {
        const o = readFields(opts, 'authz.verify', ['payload', 'signatures', 'quorum', 'now']);
        const signatures =
          typeof o.signatures === 'string'
            ? toText(o.signatures, 'signatures')
            : toList(o.signatures, 'signatures', toText);
        return b.authzVerify(
          toJsonText(o.payload, 'payload'),
          signatures,
          toJsonText(o.quorum, 'quorum'),
          millis(o.now, 'now'),
        );
      }),
  });

  const policy = Object.freeze({
    supported,
    evaluate: (opts) =>
      call(() => {
        const o = readFields(opts, 'policy.evaluate', ['policy', 'from', 'now', 'allowContractCreation', ...KINDS.map(([, f]) => f)]);
        const [kind, input] = oneRequest(o, 'policy.evaluate');
        return b.policyEvaluate(
          toJsonText(o.policy, 'policy'),
          kind,
          address(o.from, 'from'),
          input,
          flag(o.allowContractCreation, 'allowContractCreation'),
          millis(o.now, 'now'),
        );
      }),
  });

  const custody = bindCustody(b, supported, call, run, info, toJsonText);

  return { supported, wallet, authz, policy, custody };
}
