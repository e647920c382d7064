// The custody channel of the wallet iframe (keysplit-wasm-requests only): HPKE release
// keys for keysplit-server's request-bound share release, request digests, the upload
// statement and encrypted exports. The cryptography is keysplit_wallet::custody inside
// the module; a release key's private half never leaves wasm memory.

import { KeysplitError } from './errors.js';
import { readFields, toBytes, toCount, toText } from './inputs.js';

/**
 * `call` runs a function after the build check (UNSUPPORTED in the default build), `run`
 * without it; `info` rebuilds a wallet info object; `json` turns a payload into JSON text.
 */
export function bindCustody(b, supported, call, run, info, json) {
  const generateReleaseKey = () =>
    call(() => {
      let handle = b.custodyGenerateReleaseKey();
      let publicKey;
      try {
        publicKey = handle.publicKey();
      } catch (error) {
        handle.free();
        throw error;
      }
      // Wipes the private key (dropping the Rust struct); idempotent.
      const free = () => {
        const h = handle;
        handle = null;
        if (h) h.free();
      };
      const openWith = (method, opts) =>
        run(() => {
          const o = readFields(opts, `releaseKey.${method}`, ['walletId', 'epoch', 'requestDigest', 'enc', 'ciphertext']);
          if (!handle) {
            throw new KeysplitError('RELEASE_KEY_USED', 'this release key was already used or freed: make a new key for each release');
          }
          try {
            return handle.openRelease(
              method === 'openRecoveryKey',
              toText(o.walletId, 'walletId'),
              toCount(o.epoch, 'epoch'),
              toBytes(o.requestDigest, 'requestDigest'),
              toBytes(o.enc, 'enc'),
              toBytes(o.ciphertext, 'ciphertext'),
            );
          } finally {
            free();
          }
        });
      return Object.freeze({
        publicKey,
        // One key per release: the key is wiped by the first `open` or `openRecoveryKey`,
        // whatever its outcome.
        open: (opts) => openWith('open', opts),
        // A recovery-key release (automatic recovery): the 32-byte recovery key.
        openRecoveryKey: (opts) => openWith('openRecoveryKey', opts),
        free,
      });
    });

  return Object.freeze({
    supported,
    generateReleaseKey,
    requestDigest: (payload) => call(() => b.custodyRequestDigest(json(payload, 'payload'))),
    uploadStatement: (walletInfo) => call(() => b.custodyUploadStatement(info(walletInfo))),
    sealToRecipient: (opts) =>
      call(() => {
        const o = readFields(opts, 'custody.sealToRecipient', ['recipientPublicKey', 'walletId', 'plaintext']);
        return b.custodySealToRecipient(
          toBytes(o.recipientPublicKey, 'recipientPublicKey'),
          toText(o.walletId, 'walletId'),
          toBytes(o.plaintext, 'plaintext'),
        );
      }),
  });
}
