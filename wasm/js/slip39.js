// `slip39.split` / `slip39.combine`: SLIP-0039 mnemonic shares (Trezor's Shamir backup).
// Only the keysplit-wasm-slip39 build (`scripts/build.sh --slip39`) has them in its module:
// they add ~14 KB gzipped, more than the default module's 140 KiB budget leaves. In the
// default build both throw UNSUPPORTED.

import { KeysplitError } from './errors.js';
import { readFields, toBytes, toCount, toList, toText } from './inputs.js';

const invalid = (message) => new KeysplitError('INVALID_INPUT', message);

function toGroups(value) {
  const pairs = toList(value, 'groups', (item, what) => {
    const pair = toList(item, what, (n, w) => toCount(n, w));
    if (pair.length !== 2 || pair.some((n) => n > 255)) {
      throw invalid(`${what} must be [threshold, count]`);
    }
    return pair;
  });
  return Uint8Array.from(pairs.flat());
}

export function bindSlip39(bindings, run) {
  const supported = typeof bindings.slip39Split === 'function';
  const unsupported = () => {
    throw new KeysplitError(
      'UNSUPPORTED',
      'SLIP-39 is only in the keysplit-wasm-slip39 build (wasm/scripts/build.sh --slip39): it does not fit the default module\'s size budget',
    );
  };
  return Object.freeze({
    supported,
    split: (secret, options) => {
      if (!supported) unsupported();
      const o = readFields(options, 'slip39.split', [
        'groupThreshold',
        'groups',
        'passphrase',
        'iterationExponent',
        'extendable',
      ]);
      const args = [
        toBytes(secret, 'secret'),
        toCount(o.groupThreshold, 'groupThreshold'),
        toGroups(o.groups),
        o.passphrase === undefined ? '' : toText(o.passphrase, 'passphrase'),
        o.iterationExponent === undefined ? 1 : toCount(o.iterationExponent, 'iterationExponent'),
        o.extendable === undefined ? true : o.extendable === true,
      ];
      if (o.extendable !== undefined && typeof o.extendable !== 'boolean') {
        throw invalid('extendable must be a boolean');
      }
      return run(() => bindings.slip39Split(...args));
    },
    combine: (mnemonics, passphrase = '') => {
      if (!supported) unsupported();
      const list = toList(mnemonics, 'mnemonics', toText);
      const text = toText(passphrase, 'passphrase');
      return run(() => bindings.slip39Combine(list, text));
    },
  });
}
