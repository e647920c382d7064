// keysplit Solana transaction signing vs @solana/web3.js 1.x (an independent Solana wire
// format implementation), through `keysplit wallet sign-transaction --chain solana`
// exactly as a user runs it:
//
// * legacy messages (SystemProgram.transfer, several instructions, a memo-like call to an
//   arbitrary program, a second signer) and v0 messages (compileToV0Message, with and
//   without an address lookup table) whose signer is the wallet's Solana address are
//   serialized by web3.js, signed by the CLI, and the signatures verify with node's own
//   ed25519 and with web3.js (Transaction.verifySignatures, VersionedTransaction round trip);
// * refusals with their codes: the wallet is not a signer, truncated or trailing bytes, a
//   whole serialized transaction instead of the message, bad base64, other versions.
//
// The decoded summary (transfers, lookup-table accounts) is checked in Rust
// (crates/keysplit-wallet/tests/solana_transaction.rs) on messages made by web3.js.
//
// Run by scripts/test.d/20-interop.sh with KEYSPLIT_BIN set to the built CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddressLookupTableAccount,
  Keypair,
  Message,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedMessage,
  VersionedTransaction,
} from '@solana/web3.js';

import { KDF, keysplitCli, randomPassword } from './cli.mjs';

const { run: keysplit, ok } = keysplitCli({ password: randomPassword() });

let root;
let dir;
const accounts = {}; // index -> PublicKey

before(() => {
  root = mkdtempSync(join(tmpdir(), 'keysplit-solana-'));
  dir = join(root, 'w');
  ok(['wallet', 'create', '--dir', dir, ...KDF]);
  for (const index of [0, 3]) {
    const text = ok(['wallet', 'address', '--dir', dir, '--chain', 'solana', '--index', String(index)]).stdout.trim();
    accounts[index] = new PublicKey(text);
  }
});

after(() => rmSync(root, { recursive: true, force: true }));

const signArgs = (index = 0, using = 'device,auth') => [
  'wallet', 'sign-transaction', '--dir', dir, '--using', using, '--chain', 'solana', '--index', String(index),
];

/** Signs `message` (bytes) through the CLI; returns the 64 signature bytes. */
function cliSign(message, index = 0, using) {
  const out = ok(signArgs(index, using), { input: Buffer.from(message).toString('base64') + '\n' }).stdout;
  assert.match(out, /^[A-Za-z0-9+/]{86}==\n$/, 'one base64 64-byte signature line');
  const signature = Buffer.from(out.trim(), 'base64');
  assert.equal(signature.length, 64);
  return signature;
}

/** Node's own ed25519 verification of `signature` over `message` by `publicKey`. */
function nodeVerifies(publicKey, message, signature) {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey.toBytes()).toString('base64url') },
    format: 'jwk',
  });
  return nodeVerify(null, Buffer.from(message), key, signature);
}

function refused(input, code, index = 0) {
  const r = keysplit(signArgs(index), { input });
  assert.equal(r.status, 1, `expected refusal ${code}, got ${r.status}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^keysplit: error: /);
  assert.ok(r.stderr.includes(`[${code}]`), `expected [${code}] in: ${r.stderr}`);
}

const blockhash = () => new PublicKey(randomBytes(32)).toBase58();
const randomKey = () => new PublicKey(randomBytes(32));
const lamports = () => BigInt('0x' + randomBytes(8).toString('hex'));

test('legacy SystemProgram.transfer messages: signatures verify in web3.js and node', () => {
  for (let n = 0; n < 6; n++) {
    const index = n % 2 === 0 ? 0 : 3;
    const from = accounts[index];
    const tx = new Transaction({ feePayer: from, recentBlockhash: blockhash() }).add(
      SystemProgram.transfer({ fromPubkey: from, toPubkey: randomKey(), lamports: lamports() }),
    );
    const message = tx.serializeMessage();
    const signature = cliSign(message, index, n % 3 === 2 ? 'auth,recovery' : 'device,auth');
    assert.ok(nodeVerifies(from, message, signature));
    tx.addSignature(from, signature);
    assert.equal(tx.verifySignatures(), true);
    // The whole transaction round-trips through web3.js's parser with the signature.
    const back = Transaction.from(tx.serialize());
    assert.equal(back.verifySignatures(), true);
    assert.ok(back.signatures[0].publicKey.equals(from));
  }
});

test('legacy messages with several instructions, a memo-like program and a second signer', () => {
  const wallet = accounts[0];
  const other = Keypair.generate();
  const program = randomKey();
  const tx = new Transaction({ feePayer: other.publicKey, recentBlockhash: blockhash() })
    .add(SystemProgram.transfer({ fromPubkey: wallet, toPubkey: randomKey(), lamports: 1n }))
    .add(new TransactionInstruction({
      programId: program,
      keys: [{ pubkey: wallet, isSigner: true, isWritable: false }, { pubkey: randomKey(), isSigner: false, isWritable: true }],
      data: randomBytes(200),
    }))
    .add(SystemProgram.transfer({ fromPubkey: other.publicKey, toPubkey: wallet, lamports: 5_000_000_000n }))
    .add(SystemProgram.transfer({ fromPubkey: wallet, toPubkey: randomKey(), lamports: 18446744073709551615n }));
  const message = tx.serializeMessage();
  // The wallet is a required signer, not the fee payer.
  const signature = cliSign(message);
  assert.ok(nodeVerifies(wallet, message, signature));
  tx.partialSign(other);
  tx.addSignature(wallet, signature);
  assert.equal(tx.verifySignatures(), true);

  // A message the wallet only appears in (as a recipient) is refused.
  const notSigner = new Transaction({ feePayer: other.publicKey, recentBlockhash: blockhash() }).add(
    SystemProgram.transfer({ fromPubkey: other.publicKey, toPubkey: wallet, lamports: 10n }),
  );
  refused(notSigner.serializeMessage().toString('base64'), 'NOT_SOLANA_SIGNER');
  // Account 3 is not a signer of a message made for account 0.
  refused(message.toString('base64'), 'NOT_SOLANA_SIGNER', 3);
});

function v0Message(payer, instructions, tables = []) {
  return new TransactionMessage({ payerKey: payer, recentBlockhash: blockhash(), instructions }).compileToV0Message(tables);
}

test('v0 messages, with and without an address lookup table', () => {
  const wallet = accounts[3];
  const table = new AddressLookupTableAccount({
    key: randomKey(),
    state: {
      deactivationSlot: 2n ** 64n - 1n,
      lastExtendedSlot: 0,
      lastExtendedSlotStartIndex: 0,
      authority: undefined,
      addresses: Array.from({ length: 20 }, randomKey),
    },
  });
  const cases = [
    v0Message(wallet, [SystemProgram.transfer({ fromPubkey: wallet, toPubkey: randomKey(), lamports: lamports() })]),
    v0Message(wallet, [
      SystemProgram.transfer({ fromPubkey: wallet, toPubkey: table.state.addresses[4], lamports: 99n }),
      new TransactionInstruction({
        programId: randomKey(),
        keys: [
          { pubkey: table.state.addresses[7], isSigner: false, isWritable: false },
          { pubkey: table.state.addresses[11], isSigner: false, isWritable: true },
          { pubkey: wallet, isSigner: true, isWritable: true },
        ],
        data: Buffer.from('memo-like data'),
      }),
    ], [table]),
  ];
  assert.equal(cases[0].addressTableLookups.length, 0);
  assert.equal(cases[1].addressTableLookups.length, 1, 'web3.js used the table');
  for (const message of cases) {
    const bytes = message.serialize();
    assert.equal(bytes[0], 0x80);
    const signature = cliSign(bytes, 3);
    assert.ok(nodeVerifies(wallet, bytes, signature));
    const tx = new VersionedTransaction(message);
    tx.addSignature(wallet, signature);
    const back = VersionedTransaction.deserialize(tx.serialize());
    assert.deepEqual(Buffer.from(back.signatures[0]), signature);
    assert.deepEqual(Buffer.from(back.message.serialize()), Buffer.from(bytes));
    assert.ok(nodeVerifies(wallet, back.message.serialize(), back.signatures[0]));
  }
  // A v0 message with no signer of ours.
  const foreign = v0Message(randomKey(), [SystemProgram.transfer({ fromPubkey: randomKey(), toPubkey: wallet, lamports: 1n })]);
  refused(Buffer.from(foreign.serialize()).toString('base64'), 'NOT_SOLANA_SIGNER', 3);
});

test('malformed input is refused with its code', () => {
  const wallet = accounts[0];
  const tx = new Transaction({ feePayer: wallet, recentBlockhash: blockhash() }).add(
    SystemProgram.transfer({ fromPubkey: wallet, toPubkey: randomKey(), lamports: 1234n }),
  );
  const message = tx.serializeMessage();
  // Truncated anywhere.
  for (const cut of [1, 2, 3, 4, 50, message.length - 13, message.length - 1]) {
    refused(message.subarray(0, cut).toString('base64'), 'INVALID_SOLANA_MESSAGE');
  }
  // Trailing bytes.
  refused(Buffer.concat([message, Buffer.from([0])]).toString('base64'), 'INVALID_SOLANA_MESSAGE');
  // The whole serialized transaction (signature slots first) is not a message.
  tx.addSignature(wallet, Buffer.alloc(64));
  refused(tx.serialize({ requireAllSignatures: false, verifySignatures: false }).toString('base64'), 'INVALID_SOLANA_MESSAGE');
  const v0 = v0Message(wallet, [SystemProgram.transfer({ fromPubkey: wallet, toPubkey: randomKey(), lamports: 1n })]);
  refused(Buffer.from(new VersionedTransaction(v0).serialize()).toString('base64'), 'INVALID_SOLANA_MESSAGE');
  // Other message versions.
  const v1 = Buffer.from(v0.serialize());
  v1[0] = 0x81;
  refused(v1.toString('base64'), 'UNSUPPORTED_SOLANA_VERSION');
  // Not standard base64.
  refused('this is not base64!', 'INVALID_BASE64');
  refused(message.toString('base64url') + '*', 'INVALID_BASE64');
  refused(message.toString('hex') + 'zz', 'INVALID_BASE64');
  // Empty input.
  const empty = keysplit(signArgs(0), { input: '\n' });
  assert.equal(empty.status, 1);
  assert.equal(empty.stdout, '');
  // And still signs the untouched message, with the signature web3.js checks.
  const signature = cliSign(message);
  const fresh = Transaction.populate(Message.from(message));
  fresh.addSignature(wallet, signature);
  assert.equal(fresh.verifySignatures(), true);
  assert.equal(VersionedMessage.deserialize(message).version, 'legacy');
});
