// keysplit `wallet sign-transaction` (Ethereum) vs ethers v6, through the CLI exactly as a
// user runs it:
//
// * random transactions of types 0, 1 and 2 (values 0, 1, near and at 2^256-1, random
//   data and access lists, chain ids up to 2^64-1, quantities written as decimal strings,
//   0x hex and JSON numbers) signed by keysplit parse in ethers' Transaction.from with
//   `.from` = the wallet's address, every field equal to what was sent, and
//   `.hash` = keccak256 of the signed bytes;
// * ethers' own wallet, made from the mnemonic keysplit exports, signs the same
//   transaction to the identical bytes (RFC 6979 nonces make ECDSA deterministic);
// * ethers' JSON form of a transaction (`JSON.stringify(Transaction.from(tx))`, which
//   carries `"sig": null` and nulls for absent fields) is accepted as is;
// * refusals (missing chainId, contract creation, unknown field, value over 2^256-1,
//   malformed hex, bad EIP-55 checksum, contradictory type) exit 1 with their code and
//   print nothing on stdout.
//
// Run by scripts/test.d/20-interop.sh with KEYSPLIT_BIN set to the built CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HDNodeWallet, Transaction, getAddress, hexlify, keccak256 } from 'ethers';

import { KDF, keysplitCli, randomPassword } from './cli.mjs';

const { run: keysplit, ok } = keysplitCli({ password: randomPassword() });
const MAX256 = (1n << 256n) - 1n;
const MAX64 = (1n << 64n) - 1n;

let root;
let dir;
let mnemonic;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'keysplit-ethtx-'));
  dir = join(root, 'w');
  ok(['wallet', 'create', '--dir', dir, ...KDF]);
  mnemonic = ok(['wallet', 'export', '--dir', dir, '--using', 'device,auth']).stdout.trim();
});
after(() => rmSync(root, { recursive: true, force: true }));

const ethersWallet = (index) => HDNodeWallet.fromPhrase(mnemonic, undefined, `m/44'/60'/0'/0/${index}`);

function sign(tx, { index = 0, extra = [] } = {}) {
  const json = typeof tx === 'string' ? tx : JSON.stringify(tx);
  return keysplit(
    ['wallet', 'sign-transaction', '--dir', dir, '--using', 'device,auth', '--index', String(index), ...extra],
    json,
  );
}

// ---- random transactions ------------------------------------------------------------

const pick = (list) => list[randomInt(list.length)];
const randomBig = (bits) => BigInt('0x' + (randomBytes(Math.ceil(bits / 8)).toString('hex') || '0')) & ((1n << BigInt(bits)) - 1n);

function randomQuantity(max) {
  const n = pick([
    () => 0n,
    () => 1n,
    () => max,
    () => max - 1n,
    () => randomBig(Number(max.toString(2).length)) % (max + 1n),
    () => randomBig(32) % (max + 1n),
    () => randomBig(64) % (max + 1n),
  ])();
  return n < 0n ? 0n : n > max ? max : n; // 1n exceeds a max of 0
}

// A quantity in one of the JSON forms keysplit takes.
function jsonQuantity(n) {
  const forms = [() => n.toString(), () => '0x' + n.toString(16)];
  if (n <= BigInt(Number.MAX_SAFE_INTEGER)) forms.push(() => Number(n));
  if (n > 0n) forms.push(() => '0x00' + n.toString(16)); // leading zeros
  return pick(forms)();
}

function randomAddress() {
  const address = getAddress(hexlify(randomBytes(20)));
  return pick([address, address.toLowerCase()]);
}

function randomAccessList() {
  const list = [];
  for (let i = randomInt(4); i > 0; i--) {
    const storageKeys = [];
    for (let k = randomInt(4); k > 0; k--) storageKeys.push(hexlify(randomBytes(32)));
    list.push({ address: randomAddress(), storageKeys });
  }
  return list;
}

function randomData() {
  const len = pick([0, 0, 1, 4, 36, 68, randomInt(300), 5000]);
  return hexlify(randomBytes(len));
}

// [fields as ethers takes them, the same transaction as keysplit's JSON]
function randomTransaction(type) {
  const tx = {
    type,
    chainId: pick([1n, 137n, 11155111n, BigInt(randomInt(1, 2 ** 31)), BigInt(Number.MAX_SAFE_INTEGER), MAX64, randomQuantity(MAX64) || 1n]),
    nonce: pick([0, 1, randomInt(1 << 30), Number.MAX_SAFE_INTEGER]),
    to: randomAddress(),
    value: randomQuantity(MAX256),
    data: randomData(),
    gasLimit: randomQuantity(MAX64),
  };
  if (type === 2) {
    tx.maxFeePerGas = randomQuantity(MAX256);
    tx.maxPriorityFeePerGas = randomQuantity(tx.maxFeePerGas);
    tx.accessList = randomAccessList();
  } else {
    tx.gasPrice = randomQuantity(MAX256);
    if (type === 1) tx.accessList = randomAccessList();
  }
  const json = {};
  for (const [key, value] of Object.entries(tx)) {
    json[key] = typeof value === 'bigint' || key === 'nonce' ? jsonQuantity(BigInt(value)) : value;
  }
  // ethers infers type 2 from the EIP-1559 fees and type 1 from gasPrice: keysplit must too.
  if (type !== 0 && randomInt(3) === 0) delete json.type;
  if (json.data === '0x' && randomInt(2) === 0) delete json.data;
  if (tx.value === 0n && randomInt(2) === 0) delete json.value;
  // Shuffled key order.
  const shuffled = Object.fromEntries(Object.entries(json).sort(() => randomInt(3) - 1));
  return [tx, shuffled];
}

function assertSameTransaction(parsed, tx, label) {
  assert.equal(parsed.type, tx.type, label);
  assert.equal(parsed.chainId, tx.chainId, label);
  assert.equal(parsed.nonce, tx.nonce, label);
  assert.equal(parsed.to, getAddress(tx.to), label);
  assert.equal(parsed.value, tx.value, label);
  assert.equal(parsed.data, tx.data, label);
  assert.equal(parsed.gasLimit, tx.gasLimit, label);
  if (tx.type === 2) {
    assert.equal(parsed.maxFeePerGas, tx.maxFeePerGas, label);
    assert.equal(parsed.maxPriorityFeePerGas, tx.maxPriorityFeePerGas, label);
    assert.equal(parsed.gasPrice, null, label);
  } else {
    assert.equal(parsed.gasPrice, tx.gasPrice, label);
    assert.equal(parsed.maxFeePerGas, null, label);
  }
  if (tx.type !== 0) {
    assert.deepEqual(
      parsed.accessList.map((e) => ({ address: e.address, storageKeys: e.storageKeys })),
      tx.accessList.map((e) => ({ address: getAddress(e.address), storageKeys: e.storageKeys })),
      label,
    );
  }
}

test('random transactions of types 0, 1 and 2 round-trip through ethers', async () => {
  const addresses = new Map();
  let count = 0;
  for (let round = 0; round < 30; round++) {
    for (const type of [0, 1, 2]) {
      const index = pick([0, 0, 1, 5]);
      if (!addresses.has(index)) addresses.set(index, ethersWallet(index));
      const wallet = addresses.get(index);
      const [tx, json] = randomTransaction(type);
      const label = `index ${index}: ${JSON.stringify(json)}`;
      const r = sign(json, { index });
      assert.equal(r.status, 0, `${label}: ${r.stderr}`);
      assert.equal(r.stderr, '', label);
      assert.match(r.stdout, /^0x[0-9a-f]+\n$/, label);
      const signed = r.stdout.trim();

      const parsed = Transaction.from(signed);
      assert.equal(parsed.from, wallet.address, label);
      assert.equal(parsed.hash, keccak256(signed), label);
      assert.equal(parsed.serialized, signed, label);
      assertSameTransaction(parsed, tx, label);

      // ethers' own signature of the same transaction is byte-identical.
      assert.equal(await wallet.signTransaction(tx), signed, label);
      count++;
    }
  }
  assert.equal(count, 90);
});

test("ethers' JSON form of a transaction is accepted as is", async () => {
  const wallet = ethersWallet(0);
  for (const type of [0, 1, 2]) {
    const [tx] = randomTransaction(type);
    const ethersJson = JSON.stringify(Transaction.from(tx));
    assert.match(ethersJson, /"sig":null/);
    const r = sign(ethersJson);
    assert.equal(r.status, 0, `${ethersJson}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), await wallet.signTransaction(tx), ethersJson);
  }
});

test('contract creation is signed only with --allow-contract-creation', async () => {
  const wallet = ethersWallet(0);
  const [tx, json] = randomTransaction(2);
  delete tx.to;
  delete json.to;
  const refused = sign(json);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /\[CONTRACT_CREATION_NOT_ALLOWED\]\n$/);
  const r = sign(json, { extra: ['--allow-contract-creation'] });
  assert.equal(r.status, 0, r.stderr);
  const parsed = Transaction.from(r.stdout.trim());
  assert.equal(parsed.to, null);
  assert.equal(parsed.from, wallet.address);
  assert.equal(r.stdout.trim(), await wallet.signTransaction(tx));
});

test('refusals exit 1 with their error code and print nothing', () => {
  const base = {
    type: 2,
    chainId: '1',
    nonce: 0,
    to: '0x3535353535353535353535353535353535353535',
    value: '1',
    gasLimit: '21000',
    maxFeePerGas: '2',
    maxPriorityFeePerGas: '1',
  };
  const without = (key) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
  // A valid EIP-55 address with the case of one letter flipped.
  const checksummed = getAddress('0x' + 'ab'.repeat(20));
  const c = checksummed[2];
  const badChecksum = '0x' + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + checksummed.slice(3);
  const cases = [
    [without('chainId'), 'MISSING_CHAIN_ID'],
    [{ ...base, chainId: 0 }, 'MISSING_CHAIN_ID'],
    [without('to'), 'CONTRACT_CREATION_NOT_ALLOWED'],
    [{ ...base, to: null }, 'CONTRACT_CREATION_NOT_ALLOWED'],
    [{ ...base, gas: '21000' }, 'UNKNOWN_TRANSACTION_FIELD'],
    [{ ...base, blobVersionedHashes: [] }, 'UNKNOWN_TRANSACTION_FIELD'],
    [{ ...base, value: (MAX256 + 1n).toString() }, 'VALUE_OVERFLOW'],
    [{ ...base, value: '0x1' + '0'.repeat(64) }, 'VALUE_OVERFLOW'],
    [{ ...base, maxFeePerGas: (MAX256 + 1n).toString() }, 'VALUE_OVERFLOW'],
    [{ ...base, nonce: (MAX64 + 1n).toString() }, 'VALUE_OVERFLOW'],
    [{ ...base, data: '0x123' }, 'INVALID_TRANSACTION_FIELD'],
    [{ ...base, data: '0xzz' }, 'INVALID_TRANSACTION_FIELD'],
    [{ ...base, value: '0xfg' }, 'INVALID_TRANSACTION_FIELD'],
    [{ ...base, value: -1 }, 'INVALID_TRANSACTION_FIELD'],
    [{ ...base, value: 1.5 }, 'INVALID_TRANSACTION_FIELD'],
    [{ ...base, to: badChecksum }, 'INVALID_TRANSACTION_FIELD'],
    [{ ...base, gasPrice: '1' }, 'TRANSACTION_TYPE_CONFLICT'],
    [{ ...base, type: 0 }, 'TRANSACTION_TYPE_CONFLICT'],
    [{ ...base, type: 3 }, 'UNSUPPORTED_TRANSACTION_TYPE'],
    [{ ...base, from: '0x3535353535353535353535353535353535353535' }, 'TRANSACTION_FROM_MISMATCH'],
  ];
  assert.equal(sign(base).status, 0, 'the base transaction is valid');
  for (const [tx, code] of cases) {
    const r = sign(tx);
    assert.equal(r.status, 1, `${JSON.stringify(tx)}: ${r.stdout}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^keysplit: error: .*\\[${code}\\]\\n$`), JSON.stringify(tx));
  }
  // A duplicated key (JSON.stringify cannot write one).
  const dup = sign('{"value": "1", ' + JSON.stringify(base).slice(1));
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /\[DUPLICATE_TRANSACTION_FIELD\]\n$/);
});
