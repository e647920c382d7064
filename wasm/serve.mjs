#!/usr/bin/env node
// The wallet demo on loopback (node, no dependencies): three parties on three origins.
//
//   bash wasm/scripts/build.sh --requests && cargo build -p keysplit-cli
//   node wasm/serve.mjs            then open the printed URL
//
//   server  S  http://127.0.0.1:8787  `keysplit serve` (a child process) with a DEVELOPMENT
//                                     token issuer (`keysplit serve dev-init`) in a temporary
//                                     folder; CORS for the wallet origin only
//   wallet  W  http://127.0.0.1:4710  wasm/iframe (the wallet host) and wasm/pkg-requests
//   app     A  http://127.0.0.1:4711  wasm/demo (the embedding app); GET /dev/token?sub=NAME
//                                     mints an access token for a test user (development only)
//
// Options: --wallet-port N --app-port N --server-port N (0 = any free port), --keysplit PATH.
// Only 127.0.0.1 is used. The end-to-end tests import startServers() and add a third,
// untrusted origin T; A and T both serve wasm/e2e/pages/ under /e2e/ (attack pages).
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { spawn, execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = resolve(HERE, '..');
const HOST = '127.0.0.1';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Resolves `urlPath` under `root`, refusing anything that escapes it. */
function inside(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const path = normalize(join(root, decoded));
  return path.startsWith(root.endsWith(sep) ? root : root + sep) ? path : null;
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve(`http://${HOST}:${server.address().port}`));
  });
}

function json(response, status, value) {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(value)}\n`);
}

/**
 * One origin: `routes` maps exact paths to files, `mounts` ([prefix, folder] pairs, first
 * match wins) maps path prefixes to folders; `dynamic(url, response)` may answer first
 * (returns true when it did); `headers(path, type)` gives the response headers;
 * `template` fills %NAME% in HTML.
 */
function siteHandler({ routes, mounts = [], headers, template, dynamic = null }) {
  return async (request, response) => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const url = new URL(request.url, 'http://localhost');
      if (url.pathname === '/favicon.ico') {
        response.writeHead(204).end();
        return;
      }
      if (dynamic && (await dynamic(url, response))) return;
      let file = routes[url.pathname] ?? null;
      if (!file) {
        for (const [prefix, folder] of mounts) {
          if (url.pathname.startsWith(prefix)) {
            file = inside(folder, url.pathname.slice(prefix.length));
            if (file) break;
          }
        }
      }
      const type = file ? TYPES[extname(file)] : undefined;
      if (!file || !type || !existsSync(file)) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      let body = await readFile(file);
      if (type.startsWith('text/html')) body = Buffer.from(template(body.toString('utf8')));
      response.writeHead(200, {
        'content-type': type,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        ...headers(url.pathname, type),
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('server error\n');
    }
  };
}

/**
 * The `keysplit` binary: `keysplitBin`, else $KEYSPLIT_BIN, else a debug or release build
 * in $CARGO_TARGET_DIR or <repo>/target.
 */
export function findKeysplit(keysplitBin) {
  const explicit = keysplitBin ?? process.env.KEYSPLIT_BIN;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`keysplit binary not found at ${explicit}`);
    return explicit;
  }
  const targets = [process.env.CARGO_TARGET_DIR, join(REPO, 'target')].filter(Boolean);
  const candidates = targets.flatMap((dir) => [join(dir, 'debug', 'keysplit'), join(dir, 'release', 'keysplit')]);
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `the keysplit binary is missing (looked at ${candidates.join(', ')}): build it with ` +
        '`cargo build -p keysplit-cli`, or name it with KEYSPLIT_BIN=/path/to/keysplit',
    );
  }
  return found;
}

function run(bin, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 30000, ...options }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${bin} ${args.slice(0, 2).join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** A free loopback port (asked of the OS, then released for the child to take). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `keysplit serve` in a child process with the dev issuer of `dir`, CORS for
 * `walletOrigin` only; resolves once /healthz answers.
 */
async function startKeysplit(bin, dir, { port, walletOrigin }) {
  await run(bin, ['serve', 'dev-init', '--dir', dir]);
  const devConfig = readFileSync(join(dir, 'config.toml'), 'utf8');
  // A known port, so that public_url can name the server's origin: signed requests (the
  // wallet's release payloads) must then carry exactly this origin.
  const chosen = port === 0 ? await freePort() : port;
  // Top-level keys must come before the [[issuer]] tables of the dev config.
  const config =
    `listen = ${JSON.stringify(`${HOST}:${chosen}`)}\n` +
    `public_url = ${JSON.stringify(`http://${HOST}:${chosen}`)}\n` +
    'db = "sqlite://keysplit-server.sqlite3"\n' +
    `allowed_origins = [${JSON.stringify(walletOrigin)}]\n` +
    // The end-to-end tests release many times a minute for one user.
    'release_per_minute = 600\n' +
    devConfig;
  await writeFile(join(dir, 'server.toml'), config);
  const child = spawn(bin, ['serve', '--config', join(dir, 'server.toml')], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', KEYSPLIT_LOG: process.env.KEYSPLIT_LOG ?? 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const address = new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      log = (log + chunk.toString('utf8')).slice(-20000);
      // eslint-disable-next-line no-control-regex
      const match = /listening addr=([0-9.]+:[0-9]+)/.exec(log.replace(/\x1b\[[0-9;]*m/g, ''));
      if (match) resolve(match[1]);
    });
    child.once('exit', (code, signal) => reject(new Error(`keysplit serve exited (${code ?? signal}) before listening:\n${log}`)));
    child.once('error', reject);
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  let origin;
  try {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    origin = `http://${await address}`;
    clearTimeout(timer);
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`${origin}/healthz`);
        if (response.ok) break;
      } catch {
        // not yet
      }
      if (attempt > 100) throw new Error(`keysplit serve never answered ${origin}/healthz:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { origin, stop, log: () => log };
}

/** The wallet page's Content-Security-Policy (the header adds frame-ancestors). */
export function walletCsp(serverOrigin, frameAncestors = null) {
  const directives = [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    `connect-src ${serverOrigin}`,
    "style-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ];
  if (frameAncestors) directives.push(`frame-ancestors ${frameAncestors.join(' ')}`);
  return directives.join('; ');
}

/**
 * Starts the keysplit server, the wallet and app origins (and, for tests, a third origin
 * that is not on the wallet's allowlist). `frameThird` lets the third origin frame the
 * wallet, so that the wallet's own origin check, not just frame-ancestors, is what turns
 * it away. Port 0 = any free port.
 */
export async function startServers({
  walletPort = 4710,
  appPort = 4711,
  serverPort = 8787,
  thirdPort = null,
  frameThird = false,
  keysplitBin,
} = {}) {
  const bin = findKeysplit(keysplitBin);
  const walletServer = createServer();
  const appServer = createServer();
  const thirdServer = thirdPort === null ? null : createServer();
  const httpServers = [walletServer, appServer, thirdServer].filter(Boolean);
  const serverDir = await mkdtemp(join(tmpdir(), 'keysplit-serve-'));
  let keysplit = null;
  const closeAll = async () => {
    await Promise.all(
      httpServers.map(
        (server) =>
          new Promise((resolve) => {
            if (!server.listening) return resolve();
            server.closeAllConnections?.();
            server.close(() => resolve());
          }),
      ),
    );
    await keysplit?.stop();
    await rm(serverDir, { recursive: true, force: true });
  };

  try {
    const walletOrigin = await listen(walletServer, walletPort);
    const appOrigin = await listen(appServer, appPort);
    const thirdOrigin = thirdServer ? await listen(thirdServer, thirdPort) : null;
    keysplit = await startKeysplit(bin, serverDir, { port: serverPort, walletOrigin });
    const serverOrigin = keysplit.origin;

    const mintToken = async (sub, { ttlSeconds = 3600 } = {}) => {
      if (typeof sub !== 'string' || !/^[A-Za-z0-9._@-]{1,64}$/.test(sub)) {
        throw new Error('sub must be 1..64 characters of [A-Za-z0-9._@-]');
      }
      if (!Number.isSafeInteger(ttlSeconds)) throw new Error('ttlSeconds must be an integer');
      const out = await run(bin, ['serve', 'dev-token', '--dir', serverDir, '--sub', sub, '--ttl', String(ttlSeconds)]);
      return out.trim();
    };

    const allowedParents = [appOrigin];
    const frameAncestors = frameThird && thirdOrigin ? [...allowedParents, thirdOrigin] : allowedParents;
    const fill = (text) =>
      text
        .replaceAll('%WALLET_ORIGIN%', walletOrigin)
        .replaceAll('%SERVER_ORIGIN%', serverOrigin)
        .replaceAll('%ALLOWED_PARENTS%', allowedParents.join(' '));

    const walletHeaderCsp = walletCsp(serverOrigin, frameAncestors);
    walletServer.on(
      'request',
      siteHandler({
        routes: { '/': join(HERE, 'iframe/index.html') },
        mounts: [
          ['/pkg-requests/', join(HERE, 'pkg-requests')],
          ['/', join(HERE, 'iframe')],
        ],
        template: fill,
        headers: (path, type) =>
          type.startsWith('text/html')
            ? { 'content-security-policy': walletHeaderCsp, 'referrer-policy': 'no-referrer' }
            : { 'cross-origin-resource-policy': 'same-origin' },
      }),
    );

    // The app page: its own scripts, the wallet frame, fetches to itself (/dev/token).
    const pageCsp = `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src ${walletOrigin}; base-uri 'none'; form-action 'none'`;
    const devToken = async (url, response) => {
      if (url.pathname !== '/dev/token') return false;
      try {
        json(response, 200, { token: await mintToken(url.searchParams.get('sub') ?? '') });
      } catch (error) {
        json(response, 400, { error: { code: 'BAD_REQUEST', message: String(error.message).split('\n')[0] } });
      }
      return true;
    };
    appServer.on(
      'request',
      siteHandler({
        routes: { '/': join(HERE, 'demo/index.html'), '/keysplit-client.js': join(HERE, 'iframe/client.js') },
        mounts: [
          ['/e2e/', join(HERE, 'e2e/pages')],
          ['/', join(HERE, 'demo')],
        ],
        dynamic: devToken,
        template: fill,
        headers: (path, type) => (type.startsWith('text/html') ? { 'content-security-policy': pageCsp } : {}),
      }),
    );
    if (thirdServer) {
      thirdServer.on(
        'request',
        siteHandler({
          routes: {
            '/': join(HERE, 'e2e/pages/third-party.html'),
            '/keysplit-client.js': join(HERE, 'iframe/client.js'),
          },
          mounts: [['/e2e/', join(HERE, 'e2e/pages')]],
          template: fill,
          headers: (path, type) => (type.startsWith('text/html') ? { 'content-security-policy': pageCsp } : {}),
        }),
      );
    }

    return {
      walletOrigin,
      appOrigin,
      serverOrigin,
      thirdOrigin,
      serverDir,
      mintToken,
      serverLog: () => keysplit.log(),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : process.argv[at + 1];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(resolve(process.argv[1]))) {
  if (!existsSync(join(HERE, 'pkg-requests/inline.js'))) {
    console.error('wasm/pkg-requests is missing: build it first with  bash wasm/scripts/build.sh --requests');
    process.exit(1);
  }
  let servers;
  try {
    servers = await startServers({
      walletPort: Number(option('--wallet-port', 4710)),
      appPort: Number(option('--app-port', 4711)),
      serverPort: Number(option('--server-port', 8787)),
      keysplitBin: option('--keysplit', undefined),
    });
  } catch (error) {
    console.error(String(error.message));
    process.exit(1);
  }
  console.log(`keysplit server:      ${servers.serverOrigin}/  (dev issuer in ${servers.serverDir})`);
  console.log(`wallet iframe origin: ${servers.walletOrigin}/`);
  console.log(`demo app:             ${servers.appOrigin}/   <- open this`);
  console.log('Ctrl-C to stop.');
  const stop = async () => {
    await servers.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
