// keysplit wallet vs ethers v6 (an independent BIP-39/BIP-32/EIP-191 implementation),
// through the `keysplit wallet` CLI exactly as a user runs it.
//
// * random mnemonics (12 and 24 words) imported into keysplit give the addresses ethers
//   derives at m/44'/60'/0'/0/i;
// * ethers' verifyMessage returns the wallet's address for keysplit's EIP-191 signatures;
// * Solana signatures verify with node's own ed25519 under the printed address;
// * the documented flow create -> sign-message -> (delete device.share) recover ->
//   sign-message -> rotate -> export works, and no secret reaches stdout/stderr except
//   export's mnemonic.
//
// Run by scripts/test.d/20-interop.sh with KEYSPLIT_BIN set to the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDNodeWallet, Mnemonic, verifyMessage, decodeBase58, toBeArray, getBytes } from 'ethers';

import { KDF, keysplitCli, randomPassword } from './cli.mjs';

const PASSWORD = randomPassword();
const { run: keysplit, ok } = keysplitCli({ password: PASSWORD });

function tempDir() {
  return mkdtempSync(join(tmpdir(), 'keysplit-wallet-'));
}

const ethPath = (i) => `m/44'/60'/0'/0/${i}`;

test('random mnemonics give the addresses ethers derives', () => {
  const root = tempDir();
  try {
    for (let n = 0; n < 12; n++) {
      const bytes = n % 3 === 2 ? 32 : 16; // some 24-word mnemonics
      const phrase = Mnemonic.fromEntropy(randomBytes(bytes)).phrase;
      const dir = join(root, `w${n}`);
      const created = ok(['wallet', 'import', '--dir', dir, ...KDF], { input: phrase + '\n' });
      const expected0 = HDNodeWallet.fromPhrase(phrase, undefined, ethPath(0)).address;
      assert.equal(created.stdout.trim(), expected0, phrase);
      assert.equal(ok(['wallet', 'address', '--dir', dir]).stdout.trim(), expected0);
      for (const i of [1, 7, 2147483647]) {
        const expected = HDNodeWallet.fromPhrase(phrase, undefined, ethPath(i)).address;
        const got = ok(['wallet', 'address', '--dir', dir, '--index', String(i), '--using', 'device,auth']);
        assert.equal(got.stdout.trim(), expected, `${phrase} index ${i}`);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ethers verifyMessage returns the wallet address for keysplit EIP-191 signatures', () => {
  const root = tempDir();
  try {
    const dir = join(root, 'w');
    const address = ok(['wallet', 'create', '--dir', dir, ...KDF]).stdout.trim();
    const messages = ['hello', '', 'ünïcödé ✓ 🎉', 'x'.repeat(5000), 'line one\nline two', '0x1234'];
    for (const message of messages) {
      for (const pair of ['device,auth', 'auth,recovery', 'recovery,device']) {
        const sig = ok(['wallet', 'sign-message', '--dir', dir, '--using', pair, '--message', message]).stdout.trim();
        assert.match(sig, /^0x[0-9a-f]{130}$/);
        assert.equal(verifyMessage(message, sig), address, `${pair}: ${JSON.stringify(message).slice(0, 40)}`);
        // A different message does not verify to the wallet's address.
        assert.notEqual(verifyMessage(message + '.', sig), address);
      }
    }
    // Raw bytes given as hex (what dapps pass to personal_sign), including non-UTF-8 bytes.
    for (const bytes of [randomBytes(32), Buffer.from([0xff, 0x00, 0xfe]), Buffer.alloc(0)]) {
      const hexText = '0x' + bytes.toString('hex');
      const sig = ok(['wallet', 'sign-message', '--dir', dir, '--using', 'device,auth', '--message-hex', hexText]).stdout.trim();
      assert.equal(verifyMessage(getBytes(hexText), sig), address, hexText);
    }
    // Account 3 signs for account 3's address.
    const sig3 = ok(['wallet', 'sign-message', '--dir', dir, '--using', 'device,auth', '--index', '3', '--message', 'hi']).stdout.trim();
    const addr3 = ok(['wallet', 'address', '--dir', dir, '--index', '3', '--using', 'device,auth']).stdout.trim();
    assert.equal(verifyMessage('hi', sig3), addr3);
    assert.notEqual(addr3, address);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the same signature as ethers produces for a known mnemonic', () => {
  const root = tempDir();
  try {
    const dir = join(root, 'w');
    const phrase = 'test test test test test test test test test test test junk';
    ok(['wallet', 'import', '--dir', dir, ...KDF], { input: phrase });
    const wallet = HDNodeWallet.fromPhrase(phrase, undefined, ethPath(0));
    for (const message of ['hello', 'keysplit']) {
      const ours = ok(['wallet', 'sign-message', '--dir', dir, '--using', 'device,auth', '--message', message]).stdout.trim();
      // Both use RFC 6979 deterministic nonces and low s, so the bytes are identical.
      assert.equal(ours, wallet.signMessageSync(message));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('Solana signatures verify under the printed address with node ed25519', () => {
  const root = tempDir();
  try {
    const dir = join(root, 'w');
    ok(['wallet', 'create', '--dir', dir, ...KDF]);
    const address = ok(['wallet', 'address', '--dir', dir, '--chain', 'solana']).stdout.trim();
    const publicKey = Buffer.from(toBeArray(decodeBase58(address)));
    const raw = Buffer.concat([Buffer.alloc(32 - publicKey.length), publicKey]);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    const message = 'solana message';
    const sigText = ok(['wallet', 'sign-message', '--dir', dir, '--using', 'auth,recovery', '--chain', 'solana', '--message', message]).stdout.trim();
    const sigBytes = toBeArray(decodeBase58(sigText));
    const sig = Buffer.concat([Buffer.alloc(64 - sigBytes.length), Buffer.from(sigBytes)]);
    assert.equal(nodeVerify(null, Buffer.from(message), key, sig), true);
    assert.equal(nodeVerify(null, Buffer.from(message + '!'), key, sig), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('documented CLI flow, with nothing secret on stdout/stderr except export', () => {
  const root = tempDir();
  try {
    const dir = join(root, 'w');
    const outputs = [];
    const run = (args) => {
      const r = ok(args);
      outputs.push({ args, ...r });
      return r;
    };
    const secrets = () => {
      const found = [PASSWORD];
      for (const name of readdirSync(dir)) {
        if (name.includes('.key') || name.includes('.share')) {
          const text = readFileSync(join(dir, name), 'utf8').trim();
          found.push(text.slice(0, 32), text.slice(-32));
        }
      }
      return found;
    };
    const address = run(['wallet', 'create', '--dir', dir, ...KDF]).stdout.trim();
    const seen = new Set(secrets());
    const message = 'flow message';
    const sign = (pair) =>
      run(['wallet', 'sign-message', '--dir', dir, '--using', pair, '--message', message]).stdout.trim();
    assert.equal(verifyMessage(message, sign('device,auth')), address);

    unlinkSync(join(dir, 'device.share'));
    const missing = keysplit(['wallet', 'sign-message', '--dir', dir, '--using', 'device,auth', '--message', message]);
    assert.equal(missing.status, 1);
    assert.equal(run(['wallet', 'recover', '--dir', dir, '--using', 'auth,recovery']).stdout.trim(), address);
    secrets().forEach((s) => seen.add(s));
    assert.equal(verifyMessage(message, sign('device,auth')), address);

    run(['wallet', 'rotate', '--dir', dir, '--using', 'device,recovery']);
    secrets().forEach((s) => seen.add(s));
    assert.equal(verifyMessage(message, sign('auth,recovery')), address);

    const exported = ok(['wallet', 'export', '--dir', dir, '--using', 'device,auth']);
    assert.match(exported.stderr, /WARNING/);
    const phrase = exported.stdout.trim();
    assert.equal(HDNodeWallet.fromPhrase(phrase, undefined, ethPath(0)).address, address);

    for (const { args, stdout, stderr } of outputs) {
      for (const secret of [...seen, phrase]) {
        assert.ok(!stdout.includes(secret) && !stderr.includes(secret), `secret shown by: keysplit ${args.join(' ')}`);
      }
    }
    for (const secret of seen) {
      assert.ok(!exported.stdout.includes(secret) && !exported.stderr.includes(secret), 'export shows a key or share');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
