// The wallet bindings against ethers v6 (an independent BIP-39/BIP-32/secp256k1 stack)
// and node:crypto's ed25519: same addresses, signatures that verify, identical RFC 6979
// signatures; and the share-set life cycle with its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { ethers } from 'ethers';
import { wallet, KeysplitError } from '../pkg/node.js';

// Cheap Argon2id for the many calls below; the default cost is exercised once.
const FAST = { memoryKib: 64, iterations: 1, parallelism: 1 };
const hex = (bytes) => ethers.hexlify(bytes);

function protections(password = 'correct horse battery staple', argon2 = FAST) {
  const deviceKey = wallet.generateKey();
  const authKey = wallet.generateKey();
  return {
    deviceKey,
    authKey,
    password,
    protections: {
      device: { key: deviceKey },
      auth: { key: authKey },
      // Below the floor, so the explicit test-only flag; null: the default cost.
      recovery: argon2 ? { password, argon2, insecureFastKdf: true } : { password },
    },
  };
}

const inputs = (set, p) => ({
  device: { role: 'device', share: set.device, key: p.deviceKey },
  auth: { role: 'auth', share: set.auth, key: p.authKey },
  recovery: { role: 'recovery', share: set.recovery, password: p.password },
});

const isCode = (code) => (error) => {
  assert.ok(error instanceof KeysplitError, `expected KeysplitError, got ${error}`);
  assert.equal(error.code, code, error.message);
  return true;
};

function solanaPublicKey(address) {
  const raw = ethers.getBytes(ethers.toBeHex(ethers.decodeBase58(address), 32));
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

test('known mnemonics give the known Ethereum addresses', () => {
  const known = [
    ['abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about', '0x9858EfFD232B4033E47d90003D41EC34EcaEda94'],
    ['test test test test test test test test test test test junk', '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'],
  ];
  for (const [mnemonic, address] of known) {
    const set = wallet.import({ mnemonic, protections: protections().protections });
    assert.equal(set.info.ethereumAddress, address);
  }
});

test('random mnemonics: ethers derives the same addresses and verifies every signature', () => {
  for (let round = 0; round < 4; round++) {
    const phrase = ethers.Wallet.createRandom().mnemonic.phrase;
    const p = protections();
    const set = wallet.import({ mnemonic: phrase, protections: p.protections });
    const shares = [inputs(set, p).device, inputs(set, p).auth];
    for (const index of [0, 1, 7]) {
      const reference = ethers.HDNodeWallet.fromPhrase(phrase, undefined, `m/44'/60'/0'/0/${index}`);
      const address = wallet.address({ info: set.info, shares, index });
      assert.equal(address, reference.address);
      if (index === 0) assert.equal(set.info.ethereumAddress, reference.address);

      const message = `keysplit round ${round} account ${index} ✓`;
      const signature = wallet.signMessage({ info: set.info, shares, index, message });
      assert.equal(signature.length, 65);
      assert.equal(ethers.verifyMessage(message, hex(signature)), reference.address);
      // RFC 6979 on both sides: byte-identical signatures.
      assert.equal(hex(signature), reference.signMessageSync(message));
      assert.equal(wallet.recoverMessageSigner(message, signature), reference.address);

      const digest = ethers.getBytes(ethers.keccak256(ethers.toUtf8Bytes(`digest ${round}/${index}`)));
      const digestSignature = wallet.hazmat.signDigest({ info: set.info, shares, index, digest });
      assert.equal(ethers.recoverAddress(digest, hex(digestSignature)), reference.address);
      assert.equal(hex(digestSignature), reference.signingKey.sign(digest).serialized);
    }
    assert.equal(wallet.exportMnemonic({ info: set.info, shares }), phrase);
  }
});

test('EIP-712 typed data signatures verify in ethers', () => {
  const p = protections();
  const set = wallet.create({ protections: p.protections });
  const { device, recovery } = inputs(set, p);
  const domain = { name: 'keysplit', version: '1', chainId: 1, verifyingContract: '0x' + '11'.repeat(20) };
  const types = { Mail: [{ name: 'to', type: 'address' }, { name: 'contents', type: 'string' }] };
  const value = { to: '0x' + '22'.repeat(20), contents: 'hello typed data' };
  const domainSeparator = ethers.getBytes(ethers.TypedDataEncoder.hashDomain(domain));
  const structHash = ethers.getBytes(ethers.TypedDataEncoder.from(types).hash(value));
  const signature = wallet.hazmat.signTypedDataHashes({ info: set.info, shares: [device, recovery], domainSeparator, structHash });
  assert.equal(ethers.verifyTypedData(domain, types, value, hex(signature)), set.info.ethereumAddress);
});

test('Solana signatures verify with node:crypto ed25519 at the wallet address', () => {
  const p = protections();
  const set = wallet.create({ protections: p.protections, strength: 256 });
  const { device, auth } = inputs(set, p);
  for (const index of [0, 3]) {
    const address = wallet.address({ info: set.info, shares: [device, auth], chain: 'solana', index });
    if (index === 0) assert.equal(address, set.info.solanaAddress);
    const message = new TextEncoder().encode(`solana ${index}`);
    const signature = wallet.signSolanaMessage({ info: set.info, shares: [auth, device], index, message });
    assert.equal(signature.length, 64);
    assert.ok(nodeVerify(null, message, solanaPublicKey(address), signature));
    assert.ok(wallet.verifySolanaSignature(address, message, signature));
    const other = new TextEncoder().encode(`solana ${index}!`);
    assert.equal(nodeVerify(null, other, solanaPublicKey(address), signature), false);
  }
  assert.equal(wallet.exportMnemonic({ info: set.info, shares: [device, auth] }).split(' ').length, 24);
});

test('every pair opens the wallet; wrong keys, passwords, roles and bytes are refused', () => {
  const p = protections();
  const set = wallet.create({ protections: p.protections });
  const { device, auth, recovery } = inputs(set, p);
  for (const shares of [[device, auth], [device, recovery], [auth, recovery], [recovery, device]]) {
    assert.equal(wallet.address({ info: set.info, shares }), set.info.ethereumAddress);
  }
  const info = set.info;
  assert.throws(() => wallet.address({ info, shares: [{ ...device, key: wallet.generateKey() }, auth] }), isCode('WRONG_KEY'));
  assert.throws(() => wallet.address({ info, shares: [device, { ...recovery, password: 'wrong' }] }), isCode('WRONG_PASSWORD'));
  assert.throws(() => wallet.address({ info, shares: [{ ...device, role: 'auth' }, recovery] }), isCode('ROLE_MISMATCH'));
  assert.throws(() => wallet.address({ info, shares: [device, device] }), isCode('DUPLICATE_ROLE'));
  const flipped = set.device.slice();
  flipped[flipped.length - 5] ^= 1;
  assert.throws(() => wallet.address({ info, shares: [{ ...device, share: flipped }, auth] }), isCode('TAMPERED'));
  const otherSet = wallet.create({ protections: p.protections });
  assert.throws(
    () => wallet.address({ info, shares: [{ ...device, share: otherSet.device }, auth] }),
    isCode('WALLET_MISMATCH'),
  );
  assert.throws(() => wallet.address({ info, shares: [device] }), isCode('INVALID_INPUT'));
  assert.throws(() => wallet.address({ info: { ...info, walletId: 'zz' }, shares: [device, auth] }), isCode('INVALID_INPUT'));
  assert.throws(() => wallet.address({ info, shares: [{ ...device, key: new Uint8Array(31) }, auth] }), isCode('INVALID_INPUT'));
  assert.throws(() => wallet.import({ mnemonic: 'abandon '.repeat(12).trim(), protections: p.protections }), isCode('MNEMONIC_CHECKSUM'));
});

test('a recovery password is NFKD-normalised, as the CLI does: composed and decomposed forms open alike', () => {
  const composed = 'caf\u00e9 cr\u00e8me br\u00fbl\u00e9e'; // é è û as single code points
  const decomposed = composed.normalize('NFD'); // e + combining accent
  assert.notEqual(composed, decomposed);
  const p = protections(composed);
  const set = wallet.create({ protections: p.protections });
  const { device, recovery } = inputs(set, p);
  const shares = [device, { ...recovery, password: decomposed }];
  assert.equal(wallet.address({ info: set.info, shares }), set.info.ethereumAddress);
  assert.throws(
    () => wallet.address({ info: set.info, shares: [device, { ...recovery, password: 'cafe creme brulee' }] }),
    isCode('WRONG_PASSWORD'),
  );
});

test('recover on a new device and rotate: new epoch, same addresses, old shares refused', () => {
  const p = protections();
  const set = wallet.create({ protections: p.protections });
  const old = inputs(set, p);

  const newDevice = protections(p.password);
  newDevice.authKey = p.authKey;
  const recoveredProtections = { ...p.protections, device: { key: newDevice.deviceKey } };
  const recovered = wallet.recover({ info: set.info, auth: old.auth, recovery: old.recovery, protections: recoveredProtections });
  assert.equal(recovered.info.epoch, 1);
  assert.equal(recovered.info.walletId, set.info.walletId);
  assert.equal(recovered.info.ethereumAddress, set.info.ethereumAddress);
  assert.notEqual(recovered.info.shareSetId, set.info.shareSetId);
  const fresh = inputs(recovered, { ...p, deviceKey: newDevice.deviceKey });
  assert.equal(wallet.address({ info: recovered.info, shares: [fresh.device, fresh.auth] }), set.info.ethereumAddress);
  assert.throws(
    () => wallet.address({ info: recovered.info, shares: [old.device, fresh.auth] }),
    isCode('EPOCH_MISMATCH'),
  );
  assert.throws(
    () => wallet.recover({ info: set.info, auth: old.device, recovery: old.recovery, protections: p.protections }),
    isCode('RECOVER_NEEDS_AUTH_AND_RECOVERY'),
  );

  const rotated = wallet.rotate({ info: recovered.info, shares: [fresh.device, fresh.recovery], protections: recoveredProtections });
  assert.equal(rotated.info.epoch, 2);
  const info = wallet.sealedShareInfo(rotated.recovery);
  assert.deepEqual(
    { role: info.role, epoch: info.epoch, walletId: info.walletId, passwordSealed: info.passwordSealed },
    { role: 'recovery', epoch: 2, walletId: set.info.walletId, passwordSealed: true },
  );
  assert.deepEqual(info.argon2, FAST);
});

test('seal and unseal a share; the default Argon2id cost works', () => {
  const p = protections('a long recovery password', null);
  const set = wallet.create({ protections: p.protections });
  assert.deepEqual(wallet.sealedShareInfo(set.recovery).argon2, { memoryKib: 19456, iterations: 2, parallelism: 1 });
  const envelope = wallet.unseal({ sealed: set.recovery, unlock: { password: p.password } });
  const key = wallet.generateKey();
  const resealed = wallet.seal({ share: envelope, role: 'recovery', walletId: set.info.walletId, epoch: 0, protection: { key } });
  assert.deepEqual(wallet.unseal({ sealed: resealed, unlock: { key } }), envelope);
  const { device, auth } = inputs(set, p);
  assert.equal(
    wallet.address({ info: set.info, shares: [device, { role: 'recovery', share: resealed, key }] }),
    set.info.ethereumAddress,
  );
  assert.equal(wallet.address({ info: set.info, shares: [device, auth] }), set.info.ethereumAddress);
});
