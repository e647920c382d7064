// keysplit EIP-712 typed data (eth_signTypedData_v4 JSON) vs ethers v6's TypedDataEncoder,
// an independent encoder, through `keysplit wallet sign-typed-data` exactly as a user runs it.
//
// * the EIP-712 specification's Mail example, nested structs, arrays of structs, nested
//   fixed and dynamic arrays, bytes, negative ints, uint256 max, domains with every subset
//   of fields (salt included) and domains declared out of the usual order: the signature
//   the CLI prints recovers, over the digest ethers computes, to the wallet's address;
// * random typed data (random acyclic struct graphs, every atomic type, random values in
//   JSON numbers, decimal and hex strings) the same way;
// * refusals (undefined type, value out of range, bad address, cyclic types, unknown or
//   duplicate keys) exit non-zero with their error code and print nothing on stdout.
//
// Run by scripts/test.d/20-interop.sh with KEYSPLIT_BIN set to the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TypedDataEncoder,
  verifyTypedData,
  recoverAddress,
  getAddress,
  hexlify,
  keccak256,
  concat,
} from 'ethers';

import { KDF, keysplitCli, randomPassword } from './cli.mjs';

const { run: keysplit } = keysplitCli({ password: randomPassword('typed data') });

const root = mkdtempSync(join(tmpdir(), 'keysplit-typed-'));
const dir = join(root, 'w');
let address;

test.before(() => {
  const r = keysplit(['wallet', 'create', '--dir', dir, ...KDF]);
  assert.equal(r.status, 0, r.stderr);
  address = r.stdout.trim();
});
test.after(() => rmSync(root, { recursive: true, force: true }));

function signTyped(json, extra = []) {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  return keysplit(['wallet', 'sign-typed-data', '--dir', dir, '--using', 'device,auth', ...extra], text);
}

// The digest per ethers: the domain hashed with the EIP712Domain type exactly as declared,
// the message with ethers' own struct encoder.
function ethersDigest(typed) {
  const { EIP712Domain, ...types } = typed.types;
  const domainSeparator = TypedDataEncoder.hashStruct('EIP712Domain', { EIP712Domain }, typed.domain);
  const messageHash = TypedDataEncoder.hashStruct(typed.primaryType, types, typed.message);
  return keccak256(concat(['0x1901', domainSeparator, messageHash]));
}

const CANONICAL = ['name', 'version', 'chainId', 'verifyingContract', 'salt'];

function isCanonicalDomain(typed) {
  const names = typed.types.EIP712Domain.map((f) => f.name);
  return names.join() === CANONICAL.filter((n) => names.includes(n)).join();
}

function checkSigned(typed, label) {
  const r = signTyped(typed);
  assert.equal(r.status, 0, `${label}: ${r.stderr}\n${JSON.stringify(typed)}`);
  const signature = r.stdout.trim();
  assert.match(signature, /^0x[0-9a-f]{130}$/, label);
  const digest = ethersDigest(typed);
  assert.equal(recoverAddress(digest, signature), address, `${label}: recovered address`);
  if (isCanonicalDomain(typed)) {
    // The usual path of a dapp: ethers derives the domain type itself.
    const { EIP712Domain, ...types } = typed.types;
    assert.equal(TypedDataEncoder.hash(typed.domain, types, typed.message), digest, label);
    assert.equal(verifyTypedData(typed.domain, types, typed.message, signature), address, label);
  }
  return signature;
}

// The EIP-712 specification's Mail example (the CLI tests' fixture).
const MAIL = JSON.parse(readFileSync(new URL('../crates/keysplit-cli/tests/fixtures/eip712-mail.json', import.meta.url), 'utf8'));

test('the EIP-712 Mail example', () => {
  // The specification's digest, independent of both implementations.
  assert.equal(
    ethersDigest(MAIL),
    '0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2',
  );
  checkSigned(MAIL, 'Mail');
  // Same data, keys reordered and whitespace added: same signature.
  const shuffled = `{ "message": ${JSON.stringify(MAIL.message, null, 2)},
    "domain": ${JSON.stringify(MAIL.domain)}, "primaryType": "Mail",
    "types": ${JSON.stringify(MAIL.types, null, 1)} }`;
  assert.equal(signTyped(shuffled).stdout, signTyped(MAIL).stdout);
});

const UINT256_MAX = (1n << 256n) - 1n;
const INT256_MIN = -(1n << 255n);

test('hand-made typed data: nesting, arrays of structs, bytes, extreme integers', () => {
  const types = {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'salt', type: 'bytes32' },
    ],
    Asset: [
      { name: 'token', type: 'address' },
      { name: 'amount', type: 'uint256' },
      { name: 'delta', type: 'int256' },
    ],
    Leg: [
      { name: 'assets', type: 'Asset[]' },
      { name: 'memo', type: 'bytes' },
      { name: 'tag', type: 'bytes4' },
    ],
    Order: [
      { name: 'maker', type: 'address' },
      { name: 'legs', type: 'Leg[2]' },
      { name: 'grid', type: 'int8[2][]' },
      { name: 'flags', type: 'bool[]' },
      { name: 'max', type: 'uint256' },
      { name: 'min', type: 'int256' },
      { name: 'small', type: 'int32' },
      { name: 'note', type: 'string' },
      { name: 'empty', type: 'uint16[]' },
    ],
  };
  const asset = (n) => ({
    token: getAddress(hexlify(randomBytes(20))),
    amount: String(n * 1000000007),
    delta: -n,
  });
  const typed = {
    types,
    primaryType: 'Order',
    domain: { name: 'Exchange', chainId: '0x89', salt: hexlify(randomBytes(32)) },
    message: {
      maker: hexlify(randomBytes(20)), // all lower case: no checksum to check
      legs: [
        { assets: [asset(1), asset(2), asset(3)], memo: '0x', tag: '0xdeadbeef' },
        { assets: [], memo: hexlify(randomBytes(77)), tag: '0x00000000' },
      ],
      grid: [[-128, 127], [0, -1], ['-0x80', '0x7f']],
      flags: [true, false, true],
      max: UINT256_MAX.toString(),
      min: INT256_MIN.toString(),
      small: -2147483648,
      note: 'ünïcödé ✓ 🎉 "quoted" \\ \n',
      empty: [],
    },
  };
  checkSigned(typed, 'Order');
  const hexMax = { ...typed, message: { ...typed.message, max: '0x' + UINT256_MAX.toString(16) } };
  checkSigned(hexMax, 'Order with hex max');
});

test('domains with every subset of fields, in the usual and in other orders', () => {
  const values = {
    name: 'Domain ✓',
    version: '2',
    chainId: 137,
    verifyingContract: getAddress(hexlify(randomBytes(20))),
    salt: hexlify(randomBytes(32)),
  };
  const typesOf = { name: 'string', version: 'string', chainId: 'uint256', verifyingContract: 'address', salt: 'bytes32' };
  for (let mask = 0; mask < 32; mask++) {
    const names = CANONICAL.filter((_, i) => mask & (1 << i));
    for (const order of [names, [...names].reverse()]) {
      const typed = {
        types: {
          EIP712Domain: order.map((name) => ({ name, type: typesOf[name] })),
          Ping: [{ name: 'n', type: 'uint64' }],
        },
        primaryType: 'Ping',
        domain: Object.fromEntries(order.map((n) => [n, values[n]])),
        message: { n: mask },
      };
      checkSigned(typed, `domain ${order.join(',') || '(empty)'}`);
    }
  }
});

// ---- random typed data -------------------------------------------------------------------

const pick = (list) => list[randomInt(list.length)];

function randomAtomic() {
  switch (randomInt(7)) {
    case 0: return 'address';
    case 1: return 'bool';
    case 2: return 'string';
    case 3: return 'bytes';
    case 4: return `bytes${1 + randomInt(32)}`;
    case 5: return `uint${8 * (1 + randomInt(32))}`;
    default: return `int${8 * (1 + randomInt(32))}`;
  }
}

function randomBigInt(bits) {
  const mask = (1n << BigInt(bits)) - 1n;
  // Bias towards the top of the range and small numbers.
  switch (randomInt(4)) {
    case 0: return mask;
    case 1: return BigInt(randomInt(1000)) & mask;
    default: return BigInt(hexlify(randomBytes(Math.ceil(bits / 8)))) & mask;
  }
}

function encodeNumber(v) {
  const small = v >= -(2n ** 53n) && v <= 2n ** 53n;
  switch (randomInt(small ? 3 : 2)) {
    case 0: return v.toString();
    case 1: return v < 0n ? '-0x' + (-v).toString(16) : '0x' + v.toString(16);
    default: return Number(v);
  }
}

function randomString() {
  const alphabet = ['a', 'Z', ' ', '"', '\\', '\n', 'é', '✓', '🎉', '0', ','];
  let s = '';
  for (let i = randomInt(20); i > 0; i--) s += pick(alphabet);
  return s;
}

function randomValue(type, types) {
  const array = type.match(/^(.*)\[(\d*)\]$/);
  if (array) {
    const n = array[2] === '' ? randomInt(4) : Number(array[2]);
    return Array.from({ length: n }, () => randomValue(array[1], types));
  }
  if (types[type]) {
    return Object.fromEntries(types[type].map((f) => [f.name, randomValue(f.type, types)]));
  }
  if (type === 'address') {
    const a = hexlify(randomBytes(20));
    return randomInt(2) ? getAddress(a) : a;
  }
  if (type === 'bool') return randomInt(2) === 1;
  if (type === 'string') return randomString();
  if (type === 'bytes') return hexlify(randomBytes(randomInt(70)));
  let m = type.match(/^bytes(\d+)$/);
  if (m) return hexlify(randomBytes(Number(m[1])));
  m = type.match(/^(u?)int(\d+)$/);
  const bits = Number(m[2]);
  if (m[1] === 'u') return encodeNumber(randomBigInt(bits));
  const half = 1n << BigInt(bits - 1);
  let v = randomBigInt(bits - 1);
  if (randomInt(2)) v = -v - (randomInt(3) === 0 ? 1n : 0n); // down to -2^(bits-1)
  assert.ok(v >= -half && v < half);
  return encodeNumber(v);
}

function randomTyped() {
  const count = 1 + randomInt(4);
  const names = Array.from({ length: count }, (_, i) => `S${i}_${randomBytes(2).toString('hex')}`);
  const types = {};
  for (let i = count - 1; i >= 0; i--) {
    const fields = [];
    const nFields = 1 + randomInt(5);
    for (let f = 0; f < nFields; f++) {
      // Only later types may be referenced: the graph is acyclic.
      let type = i + 1 < count && randomInt(3) === 0 ? pick(names.slice(i + 1)) : randomAtomic();
      for (let d = randomInt(3) === 0 ? 1 + randomInt(2) : 0; d > 0; d--) {
        type += randomInt(2) ? '[]' : `[${1 + randomInt(3)}]`;
      }
      fields.push({ name: `f${f}`, type });
    }
    types[names[i]] = fields;
  }
  for (let i = 1; i < count; i++) {
    const parent = names[randomInt(i)];
    types[parent].push({ name: `r${i}`, type: names[i] + (randomInt(2) ? '' : '[]') });
  }
  const domainNames = CANONICAL.filter(() => randomInt(2));
  const typesOf = { name: 'string', version: 'string', chainId: 'uint256', verifyingContract: 'address', salt: 'bytes32' };
  types.EIP712Domain = domainNames.map((name) => ({ name, type: typesOf[name] }));
  const domain = Object.fromEntries(domainNames.map((n) => [n, randomValue(typesOf[n], types)]));
  return { types, primaryType: names[0], domain, message: randomValue(names[0], types) };
}

test('random typed data signs to what ethers computes', () => {
  for (let n = 0; n < 60; n++) {
    checkSigned(randomTyped(), `random #${n}`);
  }
});

// ---- refusals -----------------------------------------------------------------------------

function refused(typed, code, label) {
  const r = signTyped(typed);
  assert.notEqual(r.status, 0, `${label}: accepted`);
  assert.equal(r.stdout, '', `${label}: printed something`);
  assert.match(r.stderr, new RegExp(`^keysplit: error: .*\\[${code}\\]\\n$`), label);
}

const mail = () => structuredClone(MAIL);

test('refusals exit with an error code', () => {
  let t = mail();
  t.types.Mail[0].type = 'Persona';
  refused(t, 'TYPED_DATA_UNDEFINED_TYPE', 'undefined type');

  t = mail();
  delete t.types.EIP712Domain;
  refused(t, 'TYPED_DATA_UNDEFINED_TYPE', 'no EIP712Domain');

  t = mail();
  t.types.Person.push({ name: 'inbox', type: 'Mail[]' });
  refused(t, 'TYPED_DATA_CYCLIC_TYPE', 'recursive types');

  t = mail();
  t.message.from.wallet = '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD827';
  refused(t, 'TYPED_DATA_INVALID_ADDRESS', 'bad checksum');
  t.message.from.wallet = '0x1234';
  refused(t, 'TYPED_DATA_INVALID_ADDRESS', 'short address');

  const one = (type, value) => ({
    types: { EIP712Domain: [], T: [{ name: 'v', type }] },
    primaryType: 'T',
    domain: {},
    message: { v: value },
  });
  refused(one('uint8', 256), 'TYPED_DATA_OUT_OF_RANGE', 'uint8 256');
  refused(one('uint256', (UINT256_MAX + 1n).toString()), 'TYPED_DATA_OUT_OF_RANGE', 'uint256 max + 1');
  refused(one('int8', '-129'), 'TYPED_DATA_OUT_OF_RANGE', 'int8 -129');
  refused(one('uint8', -1), 'TYPED_DATA_OUT_OF_RANGE', 'negative uint');
  refused(one('uint64', 1.5), 'TYPED_DATA_NOT_INTEGER', 'fraction');
  // Not exact in JavaScript: a dapp would show 9007199254740992.
  const unsafe = JSON.stringify(one('uint64', 0)).replace('"v":0', '"v":9007199254740993');
  refused(unsafe, 'TYPED_DATA_NOT_INTEGER', 'JSON integer over 2^53');
  refused(one('bytes4', '0x0102'), 'TYPED_DATA_BYTES_LENGTH', 'bytes4 of 2');
  refused(one('uint8[2]', [1]), 'TYPED_DATA_ARRAY_LENGTH', 'fixed array');
  refused(one('uint7', 1), 'TYPED_DATA_INVALID_TYPE', 'uint7');

  t = mail();
  t.message.bcc = 'eve';
  refused(t, 'TYPED_DATA_UNKNOWN_FIELD', 'extra message field');
  t = mail();
  t.extra = 1;
  refused(t, 'TYPED_DATA_UNKNOWN_FIELD', 'extra top-level field');
  t = mail();
  delete t.message.contents;
  refused(t, 'TYPED_DATA_MISSING_FIELD', 'missing message field');
  t = mail();
  t.primaryType = 'EIP712Domain';
  refused(t, 'TYPED_DATA_PRIMARY_TYPE', 'domain as primary type');
  t = mail();
  t.types.EIP712Domain.push({ name: 'owner', type: 'address' });
  t.domain.owner = '0x0000000000000000000000000000000000000000';
  refused(t, 'TYPED_DATA_DOMAIN_FIELD', 'non-standard domain field');

  const dup = JSON.stringify(MAIL).replace('"contents":"Hello, Bob!"', '"contents":"Hello, Bob!","contents":"Bye"');
  refused(dup, 'TYPED_DATA_DUPLICATE_KEY', 'duplicate key');
  refused('{"types": ', 'TYPED_DATA_JSON', 'truncated JSON');
});
