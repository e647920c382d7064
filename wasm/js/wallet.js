// The wallet API (keysplit-wallet): stateless calls that rebuild the wallet inside the
// wasm module from two sealed shares, do one thing, and wipe it. Objects are checked in
// the module; this layer only shapes the arguments.
import { KeysplitError } from './errors.js';
import { toCount } from './api.js';

function pair(shares) {
  if (!Array.isArray(shares) || shares.length !== 2) {
    throw new KeysplitError('INVALID_INPUT', 'shares must be an array of two { role, share, key | password } objects');
  }
  return shares;
}

function options(value, what) {
  if (value === null || typeof value !== 'object') {
    throw new KeysplitError('INVALID_INPUT', `${what} expects an options object`);
  }
  return value;
}

const index = (value) => (value === undefined ? 0 : toCount(value, 'index'));

export function bindWallet(b, run) {
  return {
    wallet: Object.freeze({
      generateKey: () => run(() => b.generateShareKey()),
      create: (opts) => {
        const { protections, strength = 128 } = options(opts, 'wallet.create');
        return run(() => b.walletCreate(protections, toCount(strength, 'strength')));
      },
      import: (opts) => {
        const { mnemonic, protections } = options(opts, 'wallet.import');
        return run(() => b.walletImport(mnemonic, protections));
      },
      address: (opts) => {
        const { info, shares, chain = 'ethereum', index: i } = options(opts, 'wallet.address');
        const [first, second] = pair(shares);
        return run(() => b.walletAddress(info, first, second, String(chain), index(i)));
      },
      signMessage: (opts) => {
        const { info, shares, message, index: i } = options(opts, 'wallet.signMessage');
        const [first, second] = pair(shares);
        return run(() => b.walletSignMessage(info, first, second, index(i), message));
      },
      signDigest: (opts) => {
        const { info, shares, digest, index: i } = options(opts, 'wallet.signDigest');
        const [first, second] = pair(shares);
        return run(() => b.walletSignDigest(info, first, second, index(i), digest));
      },
      signTypedData: (opts) => {
        const { info, shares, domainSeparator, structHash, index: i } = options(opts, 'wallet.signTypedData');
        const [first, second] = pair(shares);
        return run(() => b.walletSignTypedData(info, first, second, index(i), domainSeparator, structHash));
      },
      signSolanaMessage: (opts) => {
        const { info, shares, message, index: i } = options(opts, 'wallet.signSolanaMessage');
        const [first, second] = pair(shares);
        return run(() => b.walletSignSolana(info, first, second, index(i), message));
      },
      exportMnemonic: (opts) => {
        const { info, shares } = options(opts, 'wallet.exportMnemonic');
        const [first, second] = pair(shares);
        return run(() => b.walletExportMnemonic(info, first, second));
      },
      rotate: (opts) => {
        const { info, shares, protections } = options(opts, 'wallet.rotate');
        const [first, second] = pair(shares);
        return run(() => b.walletRotate(info, first, second, protections));
      },
      recover: (opts) => {
        const { info, auth, recovery, protections } = options(opts, 'wallet.recover');
        return run(() => b.walletRecover(info, auth, recovery, protections));
      },
      sealedShareInfo: (sealed) => run(() => b.sealedShareInfo(sealed)),
      seal: (opts) => {
        const { share, role, walletId, epoch, protection } = options(opts, 'wallet.seal');
        return run(() => b.sealShare(share, role, String(walletId), epoch, protection));
      },
      unseal: (opts) => {
        const { sealed, unlock } = options(opts, 'wallet.unseal');
        return run(() => b.openSealedShare(sealed, unlock));
      },
      recoverMessageSigner: (message, signature) => run(() => b.recoverMessageSigner(message, signature)),
      verifySolanaSignature: (address, message, signature) =>
        run(() => b.verifySolanaSignature(String(address), message, signature)),
    }),
  };
}
