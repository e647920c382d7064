// The keysplit-wasm-requests build (wasm/pkg-requests, `scripts/build.sh --requests`)
// against independent oracles: ethers v6 parses and recovers signed transactions and
// EIP-712 signatures; node:crypto verifies Solana ed25519 signatures and P-256
// authorization signatures over npm `canonicalize` (the RFC 8785 package Privy's SDKs
// use); and the default build (wasm/pkg) refuses all of it with UNSUPPORTED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { existsSync } from 'node:fs';
import { ethers } from 'ethers';
import canonicalize from 'canonicalize';
import { seededRandom, testSeed } from './helpers.mjs';

const requestsPkg = new URL('../pkg-requests/node.js', import.meta.url);
assert.ok(existsSync(requestsPkg), 'wasm/pkg-requests is missing: run wasm/scripts/build.sh --requests');
const keysplit = await import(requestsPkg.href);
const { wallet, authz, policy, features, KeysplitError } = keysplit;

const isCode = (code) => (error) => {
  assert.ok(error instanceof KeysplitError, `expected KeysplitError, got ${error && error.stack}`);
  assert.equal(error.code, code, error.message);
  return true;
};

const FAST = { memoryKib: 64, iterations: 1, parallelism: 1 };
function newWallet() {
  const deviceKey = wallet.generateKey();
  const authKey = wallet.generateKey();
  const set = wallet.create({
    protections: {
      device: { key: deviceKey },
      auth: { key: authKey },
      recovery: { password: 'pw', argon2: FAST, insecureFastKdf: true },
    },
  });
  return {
    info: set.info,
    shares: [
      { role: 'device', share: set.device, key: deviceKey },
      { role: 'auth', share: set.auth, key: authKey },
    ],
  };
}
const w = newWallet();
const rnd = seededRandom(`requests ${testSeed}`);

const randomAddress = () => ethers.getAddress(ethers.hexlify(rnd.bytes(20)));
const randomQuantity = (bytes) => (bytes === 0 ? 0n : BigInt(ethers.hexlify(rnd.bytes(bytes))));

test('features say what the build holds', () => {
  assert.deepEqual({ ...features }, { requests: true, slip39: false });
  assert.equal(authz.supported, true);
  assert.equal(policy.supported, true);
});

test('signTransaction: ethers parses every type, the signer is the wallet, fields and hash match', async (t) => {
  const ethAddress = w.info.ethereumAddress;
  for (let round = 0; round < 9; round++) {
    const type = round % 3;
    const tx = {
      type,
      chainId: rnd.int(1, 100000),
      nonce: rnd.int(0, 1000),
      to: randomAddress(),
      value: randomQuantity(rnd.int(0, 32)),
      data: ethers.hexlify(rnd.bytes(rnd.int(0, 40))),
      gasLimit: BigInt(rnd.int(21000, 3_000_000)),
    };
    if (type === 2) {
      tx.maxFeePerGas = randomQuantity(8);
      tx.maxPriorityFeePerGas = randomQuantity(6);
    } else {
      tx.gasPrice = randomQuantity(8);
    }
    if (type >= 1) {
      tx.accessList = [{ address: randomAddress(), storageKeys: [ethers.hexlify(rnd.bytes(32))] }];
    }
    // The JSON ethers itself makes of it (bigints as decimal strings) -- as an object and as text.
    const json = JSON.parse(JSON.stringify(tx, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
    const input = round % 2 === 0 ? json : JSON.stringify(json, null, 2);
    const out = wallet.signTransaction({ ...w, transaction: input });
    const parsed = ethers.Transaction.from(out.signedTransaction);
    assert.equal(parsed.from, ethAddress, `round ${round}`);
    assert.equal(parsed.hash, out.hash);
    assert.equal(parsed.type, type);
    assert.equal(parsed.chainId, BigInt(tx.chainId));
    assert.equal(parsed.nonce, tx.nonce);
    assert.equal(parsed.to, tx.to);
    assert.equal(parsed.value, tx.value);
    assert.equal(parsed.data, tx.data);
    assert.equal(parsed.gasLimit, tx.gasLimit);
    if (type === 2) {
      assert.equal(parsed.maxFeePerGas, tx.maxFeePerGas);
      assert.equal(parsed.maxPriorityFeePerGas, tx.maxPriorityFeePerGas);
    } else {
      assert.equal(parsed.gasPrice, tx.gasPrice);
    }
    // The summary describes what was signed (and is what summarizeTransaction says).
    const s = out.summary;
    assert.equal(s.method, 'eth_signTransaction');
    assert.equal(s.from, ethAddress);
    assert.equal(s.to, tx.to);
    assert.equal(s.value, tx.value.toString());
    assert.equal(s.chainId, String(tx.chainId));
    assert.deepEqual(wallet.summarizeTransaction({ from: ethAddress, transaction: input }), s);
  }
  await t.test('refusals carry the library codes', () => {
    const base = { chainId: 1, nonce: 0, to: randomAddress(), value: '1', gasLimit: '21000', gasPrice: '1' };
    const { chainId, ...noChain } = base;
    assert.throws(() => wallet.signTransaction({ ...w, transaction: noChain }), isCode('MISSING_CHAIN_ID'));
    const { to, ...create } = base;
    assert.throws(() => wallet.signTransaction({ ...w, transaction: create }), isCode('CONTRACT_CREATION_NOT_ALLOWED'));
    const deployed = wallet.signTransaction({ ...w, transaction: { ...create, data: '0x6000' }, allowContractCreation: true });
    assert.equal(ethers.Transaction.from(deployed.signedTransaction).to, null);
    assert.throws(() => wallet.signTransaction({ ...w, transaction: { ...base, color: 'red' } }), isCode('UNKNOWN_TRANSACTION_FIELD'));
    assert.throws(
      () => wallet.signTransaction({ ...w, transaction: { ...base, value: (2n ** 256n).toString() } }),
      isCode('VALUE_OVERFLOW'),
    );
    // A bigint would be silently lost by JSON: refused with a pointer to decimal strings.
    assert.throws(() => wallet.signTransaction({ ...w, transaction: { ...base, value: 1n } }), (e) => isCode('INVALID_INPUT')(e) && /decimal/.test(e.message));
    // A `from` that is not the wallet's.
    assert.throws(
      () => wallet.signTransaction({ ...w, transaction: { ...base, from: randomAddress() } }),
      isCode('TRANSACTION_FROM_MISMATCH'),
    );
  });
});

test('signTypedData (eth_signTypedData_v4 JSON): ethers verifyTypedData recovers the wallet', () => {
  const domain = { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' };
  const types = {
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person' },
      { name: 'contents', type: 'string' },
    ],
  };
  const message = {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  };
  const typedData = {
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      ...types,
    },
    primaryType: 'Mail',
    domain,
    message,
  };
  for (const input of [typedData, JSON.stringify(typedData)]) {
    const { signature, summary } = wallet.signTypedData({ ...w, typedData: input });
    assert.equal(signature.length, 65);
    assert.equal(ethers.verifyTypedData(domain, types, message, ethers.hexlify(signature)), w.info.ethereumAddress);
    assert.equal(summary.digest, ethers.TypedDataEncoder.hash(domain, types, message));
    assert.equal(summary.primaryType, 'Mail');
    assert.equal(summary.domain.chainId, '1');
    assert.equal(summary.domain.verifyingContract, domain.verifyingContract);
    assert.deepEqual(wallet.summarizeTypedData({ from: w.info.ethereumAddress, typedData: input }), summary);
  }
  assert.throws(
    () => wallet.signTypedData({ ...w, typedData: { ...typedData, primaryType: 'Nope' } }),
    (e) => e instanceof KeysplitError && e.code.startsWith('TYPED_DATA_'),
  );
  // The old hash-pair form is hazmat now, and gives the same signature.
  const hashes = wallet.hazmat.signTypedDataHashes({
    ...w,
    domainSeparator: ethers.getBytes(ethers.TypedDataEncoder.hashDomain(domain)),
    structHash: ethers.getBytes(ethers.TypedDataEncoder.from(types).hash(message)),
  });
  assert.equal(ethers.hexlify(hashes), ethers.hexlify(wallet.signTypedData({ ...w, typedData }).signature));
});

// A legacy Solana message: one System Program transfer of `lamports` from `payer` to `to`.
function transferMessage(payer, to, lamports) {
  const data = Buffer.alloc(12);
  data.writeUInt32LE(2, 0);
  data.writeBigUInt64LE(lamports, 4);
  return Uint8Array.from([
    1, 0, 1, // header: 1 signer, 0 read-only signed, 1 read-only unsigned (the program)
    3, ...payer, ...to, ...new Uint8Array(32), // accounts
    ...rnd.bytes(32), // recent blockhash
    1, 2, 2, 0, 1, 12, ...data, // one instruction: program #2, accounts [0, 1], 12 data bytes
  ]);
}
const solanaBytes = (address) => ethers.getBytes(ethers.toBeHex(ethers.decodeBase58(address), 32));
const solanaAddress = (bytes) => ethers.encodeBase58(bytes).padStart(32, '1');

test('signSolanaTransaction: node:crypto verifies the ed25519 signature; the summary shows the transfer', () => {
  const payer = solanaBytes(w.info.solanaAddress);
  const to = rnd.bytes(32);
  const message = transferMessage(payer, to, 123456789n);
  const { signature, summary } = wallet.signSolanaTransaction({ ...w, message });
  assert.equal(signature.length, 64);
  const key = crypto.createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(payer).toString('base64url') },
    format: 'jwk',
  });
  assert.ok(crypto.verify(null, message, key, signature));
  assert.equal(summary.method, 'signTransaction');
  assert.equal(summary.feePayer, w.info.solanaAddress);
  assert.deepEqual(summary.instructions[0].transfer, {
    from: w.info.solanaAddress,
    to: solanaAddress(to),
    lamports: '123456789',
  });
  assert.equal(summary.instructions[0].programId, '11111111111111111111111111111111');
  assert.deepEqual(wallet.summarizeSolanaTransaction({ from: w.info.solanaAddress, message }), summary);
  // Not a signer of it: refused, nothing signed.
  assert.throws(
    () => wallet.signSolanaTransaction({ ...w, message: transferMessage(rnd.bytes(32), to, 1n) }),
    isCode('NOT_SOLANA_SIGNER'),
  );
  assert.throws(() => wallet.signSolanaTransaction({ ...w, message: message.slice(0, 40) }), isCode('INVALID_SOLANA_MESSAGE'));
});

// ---- authorization keys and quorums ---------------------------------------------------

const payload = {
  version: 1,
  method: 'POST',
  url: 'https://api.privy.io/v1/wallets/abc/rpc',
  body: { method: 'eth_signTransaction', params: { transaction: { to: '0x00', value: 1.5e3 } }, ü: 'é' },
  headers: { 'privy-app-id': 'app' },
};
// The same payload with its members in another order and whitespace added.
const shuffled = `{ "headers": {"privy-app-id":"app"},
  "url": "https://api.privy.io/v1/wallets/abc/rpc", "body": {"\u00fc": "\u00e9",
  "params": {"transaction": {"value": 1500, "to": "0x00"}}, "method": "eth_signTransaction"},
  "method": "POST", "version": 1 }`;
const spki = (keyObject) => keyObject.export({ type: 'spki', format: 'der' }).toString('base64');

test('authz.canonicalize equals npm canonicalize, whatever the member order', () => {
  assert.equal(authz.canonicalize(payload), canonicalize(payload));
  assert.equal(authz.canonicalize(shuffled), canonicalize(payload));
});

test('authz.sign with a wallet-auth key and with a WebCrypto CryptoKey: node:crypto verifies', async () => {
  const { privateKey, publicKey } = authz.generateKey();
  assert.match(privateKey, /^wallet-auth:/);
  const nodePublic = crypto.createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
  const made = authz.sign({ payload: shuffled, key: privateKey });
  assert.ok(made instanceof Promise, 'authz.sign always returns a Promise');
  const signature = await made;
  assert.ok(crypto.verify('sha256', Buffer.from(canonicalize(payload)), nodePublic, Buffer.from(signature, 'base64')));
  // The private key is PKCS#8 that Node reads, and it is the public key's.
  const nodePrivate = crypto.createPrivateKey({
    key: Buffer.from(privateKey.slice('wallet-auth:'.length), 'base64'),
    format: 'der',
    type: 'pkcs8',
  });
  assert.equal(spki(crypto.createPublicKey(nodePrivate)), publicKey);

  const pair = await crypto.webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const webSig = await authz.sign({ payload, key: pair.privateKey });
  const webPublic = crypto.KeyObject.from(pair.publicKey);
  assert.ok(crypto.verify('sha256', Buffer.from(canonicalize(payload)), webPublic, Buffer.from(webSig, 'base64')));
  // A key that cannot sign is refused (as a rejected Promise).
  await assert.rejects(authz.sign({ payload, key: pair.publicKey }), isCode('INVALID_AUTHORIZATION_KEY'));
  await assert.rejects(authz.sign({ payload, key: 'wallet-auth:AAAA' }), isCode('INVALID_AUTHORIZATION_KEY'));
  await assert.rejects(authz.sign({ payload: { version: 2 }, key: privateKey }), isCode('INVALID_REQUEST_PAYLOAD'));
});

test('authz.verify: Node-signed payloads, a 2-of-3 quorum met, not met, duplicates, non-members, expiry', () => {
  const keys = [0, 1, 2, 3].map(() => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const quorum = { threshold: 2, members: keys.slice(0, 3).map((k) => spki(k.publicKey)) };
  const sign = (k, p = payload, dsaEncoding = 'der') =>
    crypto.sign('sha256', Buffer.from(canonicalize(p)), { key: k.privateKey, dsaEncoding }).toString('base64');
  const [a, b, c, outsider] = keys;

  const met = authz.verify({ payload: shuffled, signatures: [sign(a), sign(c, payload, 'ieee-p1363')], quorum });
  assert.deepEqual(met, { met: true, threshold: 2, signers: [0, 2], failures: [] });
  // One comma-separated header value, as Privy sends it.
  assert.equal(authz.verify({ payload, signatures: `${sign(b)}, ${sign(a)}`, quorum: JSON.stringify(quorum) }).met, true);

  const one = authz.verify({ payload, signatures: [sign(a)], quorum });
  assert.equal(one.met, false);
  assert.deepEqual(one.signers, [0]);

  const twice = authz.verify({ payload, signatures: [sign(a), sign(a)], quorum });
  assert.equal(twice.met, false);
  assert.deepEqual(twice.failures.map((f) => [f.index, f.code, f.member]), [[1, 'DUPLICATE_SIGNER', 0]]);

  const foreign = authz.verify({ payload, signatures: [sign(a), sign(outsider), 'not base64!'], quorum });
  assert.equal(foreign.met, false);
  assert.deepEqual(foreign.failures.map((f) => f.code), ['SIGNATURE_NOT_FROM_MEMBER', 'INVALID_AUTHORIZATION_SIGNATURE']);

  const tampered = { ...payload, url: payload.url + '?x' };
  assert.equal(authz.verify({ payload: tampered, signatures: [sign(a), sign(b)], quorum }).met, false);

  const expiring = { ...payload, headers: { ...payload.headers, 'privy-request-expiry': '1700000000000' } };
  const both = [sign(a, expiring), sign(b, expiring)];
  assert.equal(authz.verify({ payload: expiring, signatures: both, quorum, now: 1699999999999 }).met, true);
  assert.throws(() => authz.verify({ payload: expiring, signatures: both, quorum, now: 1700000000001 }), isCode('REQUEST_EXPIRED'));

  assert.throws(() => authz.verify({ payload, signatures: [], quorum: { threshold: 4, members: quorum.members } }), isCode('INVALID_KEY_QUORUM'));
  assert.throws(() => authz.verify({ payload, signatures: new Array(65).fill(sign(a)), quorum }), isCode('TOO_MANY_SIGNATURES'));
});

// ---- policies -------------------------------------------------------------------------

test('policy.evaluate: allow and deny with the deciding rule, for each kind of request', () => {
  const recipient = randomAddress();
  const ethPolicy = {
    version: '1.0',
    name: 'small payments',
    chain_type: 'ethereum',
    rules: [
      {
        name: 'at most 1 ETH to the recipient',
        method: 'eth_signTransaction',
        action: 'ALLOW',
        conditions: [
          { field_source: 'ethereum_transaction', field: 'to', operator: 'eq', value: recipient },
          { field_source: 'ethereum_transaction', field: 'value', operator: 'lte', value: '1000000000000000000' },
        ],
      },
      {
        name: 'never on chain 5',
        method: '*',
        action: 'DENY',
        conditions: [{ field_source: 'ethereum_transaction', field: 'chain_id', operator: 'eq', value: '5' }],
      },
    ],
  };
  const from = w.info.ethereumAddress;
  const tx = { type: 2, chainId: 1, nonce: 0, to: recipient, value: '1000', gasLimit: '21000', maxFeePerGas: '1', maxPriorityFeePerGas: '1' };
  const allowed = policy.evaluate({ policy: ethPolicy, from, transaction: tx });
  assert.equal(allowed.allowed, true);
  assert.equal(allowed.rule, 'at most 1 ETH to the recipient');
  assert.equal(allowed.summary.to, recipient);

  const tooMuch = policy.evaluate({ policy: JSON.stringify(ethPolicy), from, transaction: { ...tx, value: '1000000000000000001' } });
  assert.equal(tooMuch.allowed, false);
  assert.equal(tooMuch.rule, null);
  assert.equal(typeof tooMuch.reason, 'string');

  const denied = policy.evaluate({ policy: ethPolicy, from, transaction: { ...tx, chainId: 5 } });
  assert.deepEqual([denied.allowed, denied.rule], [false, 'never on chain 5']);

  // A personal_sign is no eth_signTransaction: nothing allows it.
  assert.equal(policy.evaluate({ policy: ethPolicy, from, message: 'hi' }).allowed, false);

  const timed = {
    version: '1.0',
    name: 'until 2030',
    chain_type: 'solana',
    rules: [
      {
        name: 'transfers before 2030',
        method: 'signTransaction',
        action: 'ALLOW',
        conditions: [
          { field_source: 'solana_system_program_instruction', field: 'Transfer.lamports', operator: 'lte', value: '1000' },
          { field_source: 'system', field: 'current_unix_timestamp', operator: 'lt', value: '1893456000' },
        ],
      },
    ],
  };
  const message = transferMessage(solanaBytes(w.info.solanaAddress), rnd.bytes(32), 1000n);
  const sol = w.info.solanaAddress;
  assert.equal(policy.evaluate({ policy: timed, from: sol, solanaTransaction: message, now: 1_800_000_000_000 }).allowed, true);
  const late = policy.evaluate({ policy: timed, from: sol, solanaTransaction: message, now: 1_900_000_000_000 });
  assert.deepEqual([late.allowed, late.rule], [false, null]);

  assert.throws(
    () => policy.evaluate({ policy: { ...timed, rules: [{ ...timed.rules[0], conditions: [{ field_source: 'nope', field: 'x', operator: 'eq', value: '1' }] }] }, from: sol, solanaTransaction: message }),
    isCode('POLICY_INVALID'),
  );
  assert.throws(() => policy.evaluate({ policy: timed, from: sol }), isCode('INVALID_INPUT'));
  assert.throws(() => policy.evaluate({ policy: timed, from: sol, message: 'a', solanaMessage: 'b' }), isCode('INVALID_INPUT'));
});

// ---- hostile inputs -------------------------------------------------------------------

test('hostile JSON inputs are INVALID_INPUT, and the module keeps working', async () => {
  const throwing = {
    get to() {
      throw new Error('getter throws');
    },
  };
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  const proxy = new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } });
  const hostile = [
    throwing,
    cyclic,
    proxy,
    new Map(),
    new Date(),
    [1, 2],
    { nested: new Map() },
    { f() {} },
    { n: NaN },
    { big: 10n },
    'x'.repeat((1 << 20) + 1),
    '{"a":"\ud800"}',
    42,
    null,
  ];
  for (const value of hostile) {
    assert.throws(() => wallet.signTransaction({ ...w, transaction: value }), isCode('INVALID_INPUT'));
    assert.throws(() => wallet.summarizeTypedData({ from: w.info.ethereumAddress, typedData: value }), isCode('INVALID_INPUT'));
    assert.throws(() => authz.canonicalize(value), isCode('INVALID_INPUT'));
    assert.throws(() => policy.evaluate({ policy: value, from: w.info.ethereumAddress, message: 'm' }), isCode('INVALID_INPUT'));
    await assert.rejects(authz.sign({ payload: value, key: 'wallet-auth:x' }), isCode('INVALID_INPUT'));
  }
  // Options objects whose getters throw.
  assert.throws(() => authz.verify({ get payload() { throw new Error('no'); } }), isCode('INVALID_INPUT'));
  assert.throws(() => wallet.signSolanaTransaction({ ...w, message: 'not bytes' }), isCode('INVALID_INPUT'));
  assert.throws(() => authz.verify({ payload, signatures: [1], quorum: '{}' }), isCode('INVALID_INPUT'));
  assert.throws(() => authz.verify({ payload, signatures: ['x'], quorum: { threshold: 1, members: ['x'] }, now: -1 }), isCode('INVALID_INPUT'));
  // Well-formed JSON text over 1 MiB.
  assert.throws(() => authz.canonicalize(`{"version":1,"method":"x","url":"${'a'.repeat(1 << 20)}"}`), isCode('INVALID_INPUT'));
  // Still working.
  assert.equal(authz.canonicalize({ url: 'u', method: 'GET', version: 1 }), '{"method":"GET","url":"u","version":1}');
  assert.ok(wallet.signTransaction({ ...w, transaction: { chainId: 1, nonce: 0, to: randomAddress(), value: '0', gasLimit: '21000', gasPrice: '1' } }).hash);
});

// ---- the default build ----------------------------------------------------------------

test('the default build refuses every request function with UNSUPPORTED', async () => {
  const plain = await import('../pkg/node.js');
  assert.equal(plain.features.requests, false);
  assert.equal(plain.authz.supported, false);
  assert.equal(plain.policy.supported, false);
  // Each package has its own KeysplitError class.
  const unsupported = (e) => e instanceof plain.KeysplitError && e.code === 'UNSUPPORTED';
  const { wallet: pw } = plain;
  assert.throws(() => pw.signTransaction({ ...w, transaction: {} }), unsupported);
  assert.throws(() => pw.signTypedData({ ...w, typedData: {} }), unsupported);
  assert.throws(() => pw.signSolanaTransaction({ ...w, message: new Uint8Array(1) }), unsupported);
  assert.throws(() => pw.summarizeTransaction({ from: 'x', transaction: {} }), unsupported);
  assert.throws(() => pw.summarizeTypedData({ from: 'x', typedData: {} }), unsupported);
  assert.throws(() => pw.summarizeSolanaTransaction({ from: 'x', message: new Uint8Array(1) }), unsupported);
  assert.throws(() => plain.authz.generateKey(), unsupported);
  assert.throws(() => plain.authz.canonicalize({}), unsupported);
  assert.throws(() => plain.authz.verify({}), unsupported);
  await assert.rejects(plain.authz.sign({ payload: {}, key: 'k' }), unsupported);
  assert.throws(() => plain.policy.evaluate({}), unsupported);
  // The hazmat blind signing stays in every build.
  assert.equal(pw.hazmat.signDigest({ ...w, digest: new Uint8Array(32) }).length, 65);
  assert.equal(pw.signDigest, undefined);
});
