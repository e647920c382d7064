// Shared helpers of the node tests. The package under test is the built one (wasm/pkg),
// exactly as an app would import it.
import { createHash } from 'node:crypto';

export const pkgUrl = new URL('../pkg/', import.meta.url);

/** Deterministic PRNG (xorshift128+ seeded via SHA-256) for test parameters and data, so
 * that a failure can be replayed with KEYSPLIT_TEST_SEED. Not for keys. */
export function seededRandom(seed) {
  const digest = createHash('sha256').update(String(seed)).digest();
  let s0 = digest.readBigUInt64LE(0) | 1n;
  let s1 = digest.readBigUInt64LE(8) | 2n;
  const mask = (1n << 64n) - 1n;
  const next = () => {
    let x = s0;
    const y = s1;
    s0 = y;
    x = (x ^ (x << 23n)) & mask;
    s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return (s1 + y) & mask;
  };
  return {
    /** Integer in [lo, hi]. */
    int(lo, hi) {
      return lo + Number(next() % BigInt(hi - lo + 1));
    },
    bytes(length) {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i += 8) {
        let word = next();
        for (let j = i; j < Math.min(i + 8, length); j++) {
          out[j] = Number(word & 0xffn);
          word >>= 8n;
        }
      }
      return out;
    },
    /** `count` distinct items of `items`, in random order. */
    pick(items, count) {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = this.int(0, i);
        [copy[i], copy[j]] = [copy[j], copy[i]];
      }
      return copy.slice(0, count);
    },
  };
}

export const testSeed = process.env.KEYSPLIT_TEST_SEED ?? String(Date.now());

export const hex = (bytes) => Buffer.from(bytes).toString('hex');
