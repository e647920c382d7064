#!/usr/bin/env node
// A tiny static server (node, no dependencies) for the wallet iframe demo: two origins on
// two loopback ports.
//
//   bash wasm/scripts/build.sh && node wasm/serve.mjs      then open the printed URL
//
//   wallet origin  http://127.0.0.1:4710  wasm/iframe (the wallet host) and wasm/pkg
//   app origin     http://127.0.0.1:4711  wasm/demo (the embedding app)
//
// Options: --wallet-port N --app-port N (0 = any free port). Only 127.0.0.1 is used.
// The end-to-end tests import startServers() and add a third, untrusted origin.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const HOST = '127.0.0.1';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** Resolves `urlPath` under `root`, refusing anything that escapes it. */
function inside(root, urlPath) {
  const decoded = decodeURIComponent(urlPath);
  const path = normalize(join(root, decoded));
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep) ? path : null;
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve(`http://${HOST}:${server.address().port}`));
  });
}

/**
 * One origin: `routes` maps exact paths to files, `mounts` maps path prefixes to folders;
 * `headers(path)` gives the response headers; `template` fills %NAME% in HTML.
 */
function siteHandler({ routes, mounts = {}, headers, template }) {
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
      let file = routes[url.pathname] ?? null;
      if (!file) {
        for (const [prefix, folder] of Object.entries(mounts)) {
          if (url.pathname.startsWith(prefix)) file = inside(folder, url.pathname.slice(prefix.length));
        }
      }
      if (!file || !existsSync(file)) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
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
      response.writeHead(500, { 'content-type': 'text/plain' }).end('server error\n');
    }
  };
}

/**
 * Starts the wallet and app origins (and, for tests, a third origin that is not on the
 * wallet's allowlist). `frameThird` lets the third origin frame the wallet, so that the
 * wallet's own origin check, not just frame-ancestors, is what turns it away.
 */
export async function startServers({ walletPort = 4710, appPort = 4711, thirdPort = null, frameThird = false } = {}) {
  const walletServer = createServer();
  const appServer = createServer();
  const thirdServer = thirdPort === null ? null : createServer();
  const walletOrigin = await listen(walletServer, walletPort);
  const appOrigin = await listen(appServer, appPort);
  const thirdOrigin = thirdServer ? await listen(thirdServer, thirdPort) : null;

  const allowedParents = [appOrigin];
  const frameAncestors = frameThird && thirdOrigin ? [...allowedParents, thirdOrigin] : allowedParents;
  const fill = (text) =>
    text
      .replaceAll('%WALLET_ORIGIN%', walletOrigin)
      .replaceAll('%ALLOWED_PARENTS%', allowedParents.join(' '));

  const walletCsp = [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "connect-src 'self'",
    "style-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors.join(' ')}`,
  ].join('; ');
  walletServer.on(
    'request',
    siteHandler({
      routes: {
        '/': join(HERE, 'iframe/index.html'),
        '/host.js': join(HERE, 'iframe/host.js'),
        '/host.css': join(HERE, 'iframe/host.css'),
      },
      mounts: { '/pkg/': join(HERE, 'pkg') },
      template: fill,
      headers: (path, type) =>
        type.startsWith('text/html')
          ? { 'content-security-policy': walletCsp, 'referrer-policy': 'no-referrer' }
          : { 'cross-origin-resource-policy': 'same-origin' },
    }),
  );

  const appCsp = `default-src 'self'; script-src 'self'; style-src 'self'; frame-src ${walletOrigin}; base-uri 'none'; form-action 'none'`;
  appServer.on(
    'request',
    siteHandler({
      routes: {
        '/': join(HERE, 'demo/index.html'),
        '/app.js': join(HERE, 'demo/app.js'),
        '/style.css': join(HERE, 'demo/style.css'),
        '/keysplit-client.js': join(HERE, 'iframe/client.js'),
      },
      template: fill,
      headers: (path, type) => (type.startsWith('text/html') ? { 'content-security-policy': appCsp } : {}),
    }),
  );

  if (thirdServer) {
    thirdServer.on(
      'request',
      siteHandler({
        routes: {
          '/': join(HERE, 'e2e/third-party.html'),
          '/third-party.js': join(HERE, 'e2e/third-party.js'),
          '/keysplit-client.js': join(HERE, 'iframe/client.js'),
        },
        template: fill,
        headers: () => ({}),
      }),
    );
  }

  const servers = [walletServer, appServer, thirdServer].filter(Boolean);
  return {
    walletOrigin,
    appOrigin,
    thirdOrigin,
    close: () =>
      Promise.all(
        servers.map((server) => new Promise((resolve) => {
          server.closeAllConnections?.();
          server.close(() => resolve());
        })),
      ),
  };
}

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  if (!existsSync(join(HERE, 'pkg/web.js'))) {
    console.error('wasm/pkg is missing: build it first with  bash wasm/scripts/build.sh');
    process.exit(1);
  }
  const { walletOrigin, appOrigin } = await startServers({
    walletPort: option('--wallet-port', 4710),
    appPort: option('--app-port', 4711),
  });
  console.log(`wallet iframe origin: ${walletOrigin}/`);
  console.log(`demo app:             ${appOrigin}/   <- open this`);
  console.log('Ctrl-C to stop.');
}
