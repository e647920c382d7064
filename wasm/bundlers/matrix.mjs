// The bundler matrix: keysplit-wasm installed from its npm tarball into a throw-away app,
// then a split/combine through each way a front-end or Node developer would use it, with
// no configuration beyond what the package README says. Run by scripts/test.d/45-bundlers.sh,
// which installs the pinned bundlers and the tarball into APP_DIR and copies this file there
// (so that 'vite', 'webpack', 'esbuild' resolve from the app's node_modules).
//
//   node matrix.mjs [case-name-filter]
import { spawnSync } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const APP = dirname(fileURLToPath(import.meta.url));
const CASES = join(APP, 'cases');
const { chromium } = createRequire(process.env.PLAYWRIGHT_FROM)('playwright-core');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run'];
const filter = process.argv[2] ?? '';

// --- the code each app runs -------------------------------------------------------------

const SECRET = 'bundler matrix: 2 of 3';

/** The check, as module source: `init` then split/combine, the outcome to `report`. */
const check = (initCall) => `
(async () => {
  try {
    ${initCall};
    const secret = new TextEncoder().encode(${JSON.stringify(SECRET)});
    const shares = split(secret, 2, 3);
    const back = new TextDecoder().decode(combine([shares[2], shares[0]]));
    report(back === ${JSON.stringify(SECRET)} ? 'PASS ' + shares.length + ' shares' : 'FAIL wrong secret: ' + back);
  } catch (error) {
    report('FAIL ' + (error && error.code) + ': ' + (error && error.message));
  }
})();
`;
const toTitle = 'const report = (text) => { document.title = text; };';

function page(script, type = 'module') {
  return `<!doctype html><html><head><meta charset="utf-8"><title>loading</title></head>
<body><script type="${type}" src="${script}"></script></body></html>\n`;
}

function writeCase(name, files) {
  const dir = join(CASES, name);
  rmSync(dir, { recursive: true, force: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

// --- serving and browsing -----------------------------------------------------------------

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

async function serveStatic(root) {
  const server = createServer((request, response) => {
    const path = resolve(root, `.${decodeURIComponent(new URL(request.url, 'http://x').pathname)}`);
    const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'index.html') : path;
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

let browser;
async function outcomeInBrowser(url) {
  browser ??= await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  const browserPage = await context.newPage();
  const errors = [];
  browserPage.on('pageerror', (error) => errors.push(error.message));
  try {
    await browserPage.goto(url);
    // Vite's dev server may reload the page once after optimising dependencies.
    for (let attempt = 0; ; attempt++) {
      try {
        await browserPage.waitForFunction(() => /^(PASS|FAIL)/.test(document.title), null, { timeout: 20_000 });
        break;
      } catch (error) {
        if (attempt > 2 || !/context was destroyed|navigat/i.test(error.message)) throw error;
      }
    }
    const title = await browserPage.title();
    return errors.length ? `${title} (page errors: ${errors.join('; ')})` : title;
  } finally {
    await context.close();
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: APP, encoding: 'utf8' });
  return result.status === 0 ? 'PASS' : `FAIL ${command} ${args.join(' ')}:\n${result.stdout}${result.stderr}`;
}

// --- the cases ----------------------------------------------------------------------------

const defaultEntry = `import { init, split, combine } from 'keysplit-wasm';\n${toTitle}\n${check('await init()')}`;
const inlineEntry = `import { init, split, combine } from 'keysplit-wasm/inline';\n${toTitle}\n${check('await init()')}`;

async function viteBuild(vitePackage, name) {
  const vite = await import(vitePackage);
  const root = writeCase(name, { 'index.html': page('./main.js'), 'main.js': defaultEntry });
  await vite.build({ root, logLevel: 'error', build: { outDir: 'dist', emptyOutDir: true } });
  const preview = await vite.preview({ root, logLevel: 'error', preview: { port: 0, host: '127.0.0.1' } });
  try {
    return await outcomeInBrowser(preview.resolvedUrls.local[0]);
  } finally {
    await preview.close();
  }
}

async function viteDev(vitePackage, name, source) {
  const vite = await import(vitePackage);
  const root = writeCase(name, { 'index.html': page('./main.js'), 'main.js': source });
  // Vite's default cache (node_modules/.vite of the app), emptied: a first `vite` in a new clone.
  rmSync(join(APP, 'node_modules/.vite'), { recursive: true, force: true });
  const server = await vite.createServer({ root, logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
  await server.listen();
  try {
    return await outcomeInBrowser(server.resolvedUrls.local[0]);
  } finally {
    await server.close();
  }
}

async function webpackBuild() {
  const { default: webpack } = await import('webpack');
  const dir = writeCase('webpack', { 'src/index.js': defaultEntry, 'dist/index.html': page('./main.js', 'text/javascript') });
  const stats = await new Promise((done, fail) =>
    webpack({ mode: 'production', context: dir, entry: './src/index.js', output: { path: join(dir, 'dist') } }, (error, result) =>
      error ? fail(error) : done(result),
    ),
  );
  if (stats.hasErrors()) return `FAIL webpack: ${stats.toString('errors-only')}`;
  return withStatic(join(dir, 'dist'));
}

async function withStatic(root) {
  const server = await serveStatic(root);
  try {
    return await outcomeInBrowser(server.url);
  } finally {
    server.close();
  }
}

async function esbuildCase(name, format, source, options = {}) {
  const esbuild = await import('esbuild');
  const dir = writeCase(name, {
    'src/main.js': source,
    'dist/index.html': page('./main.js', format === 'esm' ? 'module' : 'text/javascript'),
    ...options.extraFiles,
  });
  const result = await esbuild.build({
    entryPoints: [join(dir, 'src/main.js'), ...(options.extraEntries ?? []).map((entry) => join(dir, entry))],
    bundle: true,
    format,
    outdir: join(dir, 'dist'),
    logLevel: 'silent',
    ...options.esbuild,
  });
  if (result.warnings.length) return `FAIL esbuild warned: ${result.warnings.map((w) => w.text).join('; ')}`;
  if (options.copyModule) {
    mkdirSync(join(dir, 'dist/copied'), { recursive: true });
    copyFileSync(join(APP, 'node_modules/keysplit-wasm/keysplit_wasm_bg.wasm'), join(dir, 'dist/copied/keysplit_wasm_bg.wasm'));
  }
  return withStatic(join(dir, 'dist'));
}

const fileLoaderEntry = `import { init, split, combine } from 'keysplit-wasm';
import moduleUrl from 'keysplit-wasm/keysplit_wasm_bg.wasm';
${toTitle}
${check('await init(moduleUrl)')}`;

// esbuild leaves `new URL('./keysplit_wasm_bg.wasm', import.meta.url)` alone and copies
// nothing: init() must fail with the URL it tried and the hint, then succeed when retried
// with the module's real location.
const retryEntry = `import { init, split, combine } from 'keysplit-wasm';
${toTitle}
${check(`let first;
    try { await init(); } catch (error) { first = error; }
    if (!(first && first.name === 'KeysplitError' && first.code === 'WASM_LOAD_FAILED'
      && first.url === new URL('keysplit_wasm_bg.wasm', location.href).href
      && first.message.includes('init(url)') && first.message.includes('keysplit-wasm/inline'))) {
      throw new Error('expected a WASM_LOAD_FAILED KeysplitError naming the URL, got ' + (first && first.message));
    }
    await init('./copied/keysplit_wasm_bg.wasm')`)}`;

const workerPage = `${toTitle}
const worker = new Worker('./worker.js', { type: 'module' });
worker.onmessage = (event) => report(event.data);
worker.onerror = (event) => report('FAIL worker: ' + event.message);
`;
const workerScript = `import { init, split, combine } from 'keysplit-wasm/inline';
const report = (text) => postMessage(text + ' (in a worker)');
${check('await init()')}`;

function nodeCase(name, file, source) {
  const dir = writeCase(name, { [file]: source });
  return run(process.execPath, [join(dir, file)]);
}
const nodeCheck = (initCall) => `const report = (text) => { console.log(text); if (!text.startsWith('PASS')) process.exitCode = 1; };
${check(initCall)}`;

const typed = `import { init, split, combine, KeysplitError, type KeysplitErrorCode } from 'keysplit-wasm';
import * as inline from 'keysplit-wasm/inline';
await init();
await inline.init();
const shares: Uint8Array[] = split(new TextEncoder().encode('typed'), 2, 3);
const secret: Uint8Array = combine([shares[0], shares[1]]);
try {
  combine([shares[0]]);
} catch (error) {
  if (error instanceof KeysplitError) {
    const code: KeysplitErrorCode = error.code;
    const url: string | undefined = error.url;
    console.log(code, url, secret.length);
  }
}
`;

function tscCase(name, compilerOptions) {
  const dir = writeCase(name, {
    'main.ts': typed,
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', skipLibCheck: false, ...compilerOptions }, files: ['main.ts'] }),
  });
  return run(process.execPath, [join(APP, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')]);
}

const cases = {
  'node ESM (import)': () => nodeCase('node-esm', 'main.mjs', `import { init, split, combine } from 'keysplit-wasm';\n${nodeCheck('await init()')}`),
  'node CJS (require)': () => nodeCase('node-cjs', 'main.cjs', `const { init, split, combine } = require('keysplit-wasm');\n${nodeCheck('await init()')}`),
  'node, esbuild server bundle of the inline entry': async () => {
    const esbuild = await import('esbuild');
    const dir = writeCase('node-bundle', { 'main.mjs': `import { init, split, combine } from 'keysplit-wasm/inline';\n${nodeCheck('await init()')}` });
    await esbuild.build({ entryPoints: [join(dir, 'main.mjs')], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'dist/server.mjs'), logLevel: 'silent' });
    return run(process.execPath, [join(dir, 'dist/server.mjs')]);
  },
  'tsc --noEmit, moduleResolution bundler': () => tscCase('tsc-bundler', { module: 'esnext', moduleResolution: 'bundler' }),
  'tsc --noEmit, moduleResolution node16': () => tscCase('tsc-node16', { module: 'node16', moduleResolution: 'node16' }),
  'vite 8 build + preview': () => viteBuild('vite', 'vite8-build'),
  'vite 8 dev': () => viteDev('vite', 'vite8-dev', defaultEntry),
  'vite 7 build + preview': () => viteBuild('vite7', 'vite7-build'),
  'vite 7 dev': () => viteDev('vite7', 'vite7-dev', defaultEntry),
  'vite 7 dev, inline entry': () => viteDev('vite7', 'vite7-dev-inline', inlineEntry),
  'webpack 5 (production)': () => webpackBuild(),
  'esbuild ESM, default entry + file loader': () =>
    esbuildCase('esbuild-file-esm', 'esm', fileLoaderEntry, { esbuild: { loader: { '.wasm': 'file' } } }),
  'esbuild iife, default entry + file loader': () =>
    esbuildCase('esbuild-file-iife', 'iife', fileLoaderEntry, { esbuild: { loader: { '.wasm': 'file' } } }),
  'esbuild ESM, default entry, no configuration: init() fails helpfully, then retries': () =>
    esbuildCase('esbuild-default-retry', 'esm', retryEntry, { copyModule: true }),
  'esbuild ESM, inline entry, no configuration': () => esbuildCase('esbuild-inline-esm', 'esm', inlineEntry),
  'esbuild iife, inline entry, no configuration': () => esbuildCase('esbuild-inline-iife', 'iife', inlineEntry),
  'esbuild, inline entry in a module worker': () =>
    esbuildCase('esbuild-inline-worker', 'esm', workerPage, {
      extraFiles: { 'src/worker.js': workerScript },
      extraEntries: ['src/worker.js'],
    }),
};
let failed = 0;
let passed = 0;
try {
  for (const [name, runCase] of Object.entries(cases)) {
    if (!name.includes(filter)) continue;
    const started = performance.now();
    let outcome;
    try {
      outcome = await runCase();
    } catch (error) {
      outcome = `FAIL ${error && error.stack}`;
    }
    const ok = /^PASS/.test(outcome);
    ok ? passed++ : failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)${ok ? '' : `\n     ${outcome}`}`);
  }
} finally {
  await browser?.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
