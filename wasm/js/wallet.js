// The wallet API (keysplit-wallet): stateless calls that rebuild the wallet inside the
// wasm module from two sealed shares, do one thing, and wipe it.
//
// Every argument is rebuilt here, before the module runs, into fresh plain objects of
// normalised values (see inputs.js): the module checks what the values mean, and never
// reads a caller's object, getter or buffer itself.
import { KeysplitError } from './errors.js';
import { readFields, toBytes, toCount, toText, toTextOrBytes } from './inputs.js';
import { bindRequests } from './requests.js';

const present = (value) => value !== undefined && value !== null;

/** A fresh object with the fields of `fields` that `value` has, each through `convert`. */
function rebuild(value, what, fields) {
  const read = readFields(value, what, Object.keys(fields));
  const out = {};
  for (const [name, convert] of Object.entries(fields)) {
    if (present(read[name])) out[name] = convert(read[name], `${what}.${name}`);
  }
  return out;
}

// Primitives pass as they are (the module checks them, and reading a primitive runs no
// caller code); anything else is refused here.
function primitive(value, what) {
  if (typeof value === 'object' || typeof value === 'function') {
    throw new KeysplitError('INVALID_INPUT', `${what} must be a string or a number, not an object`);
  }
  return value;
}

const info = (value, what = 'info') =>
  rebuild(value, what, {
    walletId: primitive,
    epoch: primitive,
    shareSetId: primitive,
    ethereumAddress: primitive,
    solanaAddress: primitive,
  });

const argon2 = (value, what) =>
  rebuild(value, what, { memoryKib: primitive, iterations: primitive, parallelism: primitive });

const flag = (value, what) => {
  if (typeof value !== 'boolean') throw new KeysplitError('INVALID_INPUT', `${what} must be true or false`);
  return value;
};

/** `{ key }` or `{ password, argon2?, insecureFastKdf? }`. */
const secret = (value, what) =>
  rebuild(value, what, { key: toBytes, password: toTextOrBytes, argon2, insecureFastKdf: flag });

/** `{ role, share, key | password }`. */
const shareInput = (value, what) =>
  rebuild(value, what, { role: primitive, share: toBytes, key: toBytes, password: toTextOrBytes });

const protections = (value, what = 'protections') =>
  rebuild(value, what, { device: secret, auth: secret, recovery: secret });

function pair(shares) {
  if (!Array.isArray(shares) || shares.length !== 2) {
    throw new KeysplitError('INVALID_INPUT', 'shares must be an array of two { role, share, key | password } objects');
  }
  return [shareInput(shares[0], 'shares item #1'), shareInput(shares[1], 'shares item #2')];
}

const index = (value) => (value === undefined ? 0 : toCount(value, 'index'));

/** Hazmat: blind signing of 32-byte hashes, which nothing can show the user or police. */
function bindHazmat(b, run) {
  return Object.freeze({
    signDigest: (opts) =>
      run(() => {
        const o = readFields(opts, 'wallet.hazmat.signDigest', ['info', 'shares', 'digest', 'index']);
        const [first, second] = pair(o.shares);
        return b.walletSign('digest', info(o.info), first, second, index(o.index), toBytes(o.digest, 'digest'));
      }),
    signTypedDataHashes: (opts) =>
      run(() => {
        const o = readFields(opts, 'wallet.hazmat.signTypedDataHashes', [
          'info',
          'shares',
          'domainSeparator',
          'structHash',
          'index',
        ]);
        const [first, second] = pair(o.shares);
        return b.walletSign(
          'typedData',
          info(o.info),
          first,
          second,
          index(o.index),
          toBytes(o.domainSeparator, 'domainSeparator'),
          toBytes(o.structHash, 'structHash'),
        );
      }),
  });
}

export function bindWallet(b, run) {
  // Every call converts its arguments inside `run`, so a bad one is a KeysplitError.
  const requests = bindRequests(b, run, pair, info, index);
  return {
    features: Object.freeze({ requests: requests.supported, slip39: typeof b.slip39Split === 'function' }),
    authz: requests.authz,
    policy: requests.policy,
    custody: requests.custody,
    wallet: Object.freeze({
      ...requests.wallet,
      hazmat: bindHazmat(b, run),
      generateKey: () => run(() => b.generateShareKey()),
      create: (opts) =>
        run(() => {
          const o = readFields(opts, 'wallet.create', ['protections', 'strength']);
          return b.walletCreate(protections(o.protections), toCount(o.strength ?? 128, 'strength'));
        }),
      import: (opts) =>
        run(() => {
          const o = readFields(opts, 'wallet.import', ['mnemonic', 'protections']);
          return b.walletImport(toText(o.mnemonic, 'mnemonic'), protections(o.protections));
        }),
      address: (opts) =>
        run(() => {
          const o = readFields(opts, 'wallet.address', ['info', 'shares', 'chain', 'index']);
          const [first, second] = pair(o.shares);
          return b.walletAddress(info(o.info), first, second, toText(o.chain ?? 'ethereum', 'chain'), index(o.index));
        }),
      signMessage: (opts) =>
        run(() => {
          const o = readFields(opts, 'wallet.signMessage', ['info', 'shares', 'message', 'index']);
          const [first, second] = pair(o.shares);
          return b.walletSign('message', info(o.info), first, second, index(o.index), toTextOrBytes(o.message, 'message'));
        }),
      signSolanaMessage: (opts) =>
        run(() => {
          const o = readFields(opts, 'wallet.signSolanaMessage', ['info', 'shares', 'message', 'index']);
          const [first, second] = pair(o.shares);
          return b.walletSign('solana', info(o.info), first, second, index(o.index), toTextOrBytes(o.message, 'message'));
        }),
      exportMnemonic: (opts) =>
        run(() => {
          const o = readFields(opts, 'wallet.exportMnemonic', ['info', 'shares']);
          const [first, second] = pair(o.shares);
          return b.walletExportMnemonic(info(o.info), first, second);
        }),
      rotate: (opts) =>
        run(() => {
          const o = readFields(opts, 'wallet.rotate', ['info', 'shares', 'protections']);
          const [first, second] = pair(o.shares);
          return b.walletRotate(info(o.info), first, second, protections(o.protections));
        }),
      recover: (opts) =>
        run(() => {
          const o = readFields(opts, 'wallet.recover', ['info', 'auth', 'recovery', 'protections']);
          return b.walletRecover(
            info(o.info),
            shareInput(o.auth, 'auth'),
            shareInput(o.recovery, 'recovery'),
            protections(o.protections),
          );
        }),
      sealedShareInfo: (sealed) => run(() => b.sealedShareInfo(toBytes(sealed, 'sealed'))),
      seal: (opts) =>
        run(() => {
          const o = readFields(opts, 'wallet.seal', ['share', 'role', 'walletId', 'epoch', 'protection']);
          return b.sealShare(
            toBytes(o.share, 'share'),
            primitive(o.role, 'role'),
            toText(String(primitive(o.walletId, 'walletId')), 'walletId'),
            primitive(o.epoch, 'epoch'),
            secret(o.protection, 'protection'),
          );
        }),
      unseal: (opts) =>
        run(() => {
          const o = readFields(opts, 'wallet.unseal', ['sealed', 'unlock']);
          return b.openSealedShare(toBytes(o.sealed, 'sealed'), secret(o.unlock, 'unlock'));
        }),
      recoverMessageSigner: (message, signature) =>
        run(() => b.recoverMessageSigner(toTextOrBytes(message, 'message'), toBytes(signature, 'signature'))),
      verifySolanaSignature: (address, message, signature) =>
        run(() =>
          b.verifySolanaSignature(
            toText(String(primitive(address, 'address')), 'address'),
            toTextOrBytes(message, 'message'),
            toBytes(signature, 'signature'),
          ),
        ),
    }),
  };
}
