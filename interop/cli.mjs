// The keysplit CLI as the interop tests run it: the binary named by KEYSPLIT_BIN (set by
// scripts/test.d/20-interop.sh to the built CLI), exactly as a user runs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const BIN = process.env.KEYSPLIT_BIN;
if (!BIN) throw new Error('set KEYSPLIT_BIN to the keysplit binary');

// Small Argon2id costs keep the debug binary fast (below the floor, hence the test-only
// flag); the defaults are tested in Rust.
export const KDF = ['--argon2-memory-kib', '64', '--argon2-iterations', '1', '--insecure-fast-kdf'];

/** A fresh recovery password for one test file. */
export const randomPassword = (label = 'interop password') => `${label} ${randomBytes(8).toString('hex')}`;

const isOptions = (value) =>
  value !== null && typeof value === 'object' && !(value instanceof Uint8Array);

/**
 * `run(args, input)` or `run(args, { input, env })` runs the CLI and returns
 * `{ status, stdout, stderr }`; `ok` does the same and asserts exit status 0. With
 * `password`, the CLI reads it from KEYSPLIT_RECOVERY_PASSWORD.
 */
export function keysplitCli({ password } = {}) {
  const run = (args, options) => {
    const { input, env } = isOptions(options) ? options : { input: options };
    const r = spawnSync(BIN, args, {
      input,
      env: { ...process.env, ...(password === undefined ? {} : { KEYSPLIT_RECOVERY_PASSWORD: password }), ...env },
      maxBuffer: 64 << 20,
    });
    // keysplit may refuse (a bad argument or file) before reading stdin: EPIPE is fine then.
    if (r.error && !(r.error.code === 'EPIPE' && r.status !== null)) {
      throw new Error(`cannot run ${BIN}: ${r.error.message}`);
    }
    return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };
  const ok = (args, options) => {
    const r = run(args, options);
    assert.equal(r.status, 0, `keysplit ${args.join(' ')} failed: ${r.stderr}`);
    return r;
  };
  return { run, ok };
}
