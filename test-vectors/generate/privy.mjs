// Generates test-vectors/privy-raw.json: raw shares produced by Privy's
// shamir-secret-sharing@0.0.4 (an independent implementation), which keysplit must combine.
//
//   (cd interop && npm install) && node test-vectors/generate/privy.mjs
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../interop/package.json'));
const privy = require('shamir-secret-sharing');
const version = JSON.parse(
  readFileSync(path.join(here, '../../interop/node_modules/shamir-secret-sharing/package.json'), 'utf8'),
).version;
if (version !== '0.0.4') throw new Error(`expected shamir-secret-sharing 0.0.4, found ${version}`);

const cases = [
  [1, 2, 2], [16, 2, 3], [32, 2, 3], [32, 3, 5], [64, 5, 10], [100, 7, 7], [5, 10, 255], [17, 255, 255],
];
const vectors = [];
for (const [len, k, n] of cases) {
  const secret = randomBytes(len);
  const shares = await privy.split(new Uint8Array(secret), n, k);
  vectors.push({
    secret: secret.toString('hex'),
    threshold: k,
    shares: shares.map((s) => Buffer.from(s).toString('hex')),
  });
}
const out = {
  description: 'Raw shares (y bytes || x) made by Privy shamir-secret-sharing@0.0.4 split(secret, shares, threshold); any `threshold` of them must combine to `secret` in keysplit.',
  generator: 'test-vectors/generate/privy.mjs',
  library: `shamir-secret-sharing@${version}`,
  vectors,
};
writeFileSync(path.join(here, '..', 'privy-raw.json'), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote privy-raw.json (${vectors.length} vectors)`);
