// The wallet iframe's calls to keysplit-server (docs/server.md). Only this origin's CSP
// `connect-src` (the server origin) lets them out; the server's CORS answers only this
// origin. The access token rides in `Authorization`, never in a URL; no cookies.
import { ProtocolError } from './errors.js';
import { fromHex, toHex } from './bytes.js';

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const WALLET_ID = /^[0-9a-f]{32}$/;

/** The server origin named by the wallet page's meta tag (an http(s) origin). */
export function configuredServer() {
  const text = document.querySelector('meta[name="keysplit-server"]')?.content ?? '';
  try {
    const url = new URL(text);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text.replace(/\/$/, '')) return url.origin;
  } catch {
    // falls through
  }
  return null;
}

// ---- wallet info: the server's snake_case form <-> the wasm API's camelCase form ----

export function toServerInfo(info) {
  return {
    wallet_id: info.walletId,
    epoch: info.epoch,
    share_set_id: info.shareSetId,
    ethereum_address: info.ethereumAddress,
    solana_address: info.solanaAddress,
  };
}

/** The server's `wallet` object as wasm-API info, shape-checked (a bad one is SERVER_ERROR). */
export function fromServerInfo(value) {
  const ok =
    value !== null &&
    typeof value === 'object' &&
    typeof value.wallet_id === 'string' &&
    WALLET_ID.test(value.wallet_id) &&
    Number.isSafeInteger(value.epoch) &&
    value.epoch >= 0 &&
    value.epoch <= 0xffffffff &&
    typeof value.share_set_id === 'string' &&
    typeof value.ethereum_address === 'string' &&
    typeof value.solana_address === 'string';
  if (!ok) throw new ProtocolError('SERVER_ERROR', 'the server answered with malformed wallet info');
  return {
    walletId: value.wallet_id,
    epoch: value.epoch,
    shareSetId: value.share_set_id,
    ethereumAddress: value.ethereum_address,
    solanaAddress: value.solana_address,
  };
}

export const sameInfo = (a, b) =>
  a.walletId === b.walletId &&
  a.epoch === b.epoch &&
  a.shareSetId === b.shareSetId &&
  a.ethereumAddress === b.ethereumAddress &&
  a.solanaAddress === b.solanaAddress;

// ---- HTTP --------------------------------------------------------------------------

/**
 * A client of the server at `origin` for one access token. Server errors become
 * ProtocolErrors with the server's code; a network failure is SERVER_UNREACHABLE.
 */
export function serverClient(origin, token) {
  async function call(method, path, body) {
    let response;
    try {
      response = await fetch(`${origin}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
        referrerPolicy: 'no-referrer',
        mode: 'cors',
      });
    } catch {
      throw new ProtocolError('SERVER_UNREACHABLE', `no answer from the keysplit server at ${origin}`);
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = data && typeof data === 'object' ? data.error : null;
      const code = error && typeof error.code === 'string' && CODE.test(error.code) ? error.code : 'SERVER_ERROR';
      const message = error && typeof error.message === 'string' ? error.message.slice(0, 500) : `HTTP ${response.status}`;
      throw new ProtocolError(code, `server: ${message}`);
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new ProtocolError('SERVER_ERROR', `the server's answer to ${method} ${path.split('/').slice(0, 3).join('/')}/... is not a JSON object`);
    }
    return data;
  }

  const walletPath = (walletId) => `/v1/wallets/${walletId}`;

  return {
    origin,
    /** `GET /v1/wallets/<id>` -> `{ info, owner, automaticRecovery }`. */
    async wallet(walletId) {
      const data = await call('GET', walletPath(walletId));
      const info = fromServerInfo(data.wallet);
      if (info.walletId !== walletId) throw new ProtocolError('SERVER_ERROR', 'the server answered for another wallet');
      return { info, owner: data.owner, automaticRecovery: data.automatic_recovery === true };
    },
    /**
     * The recovery share -> `{ info, recoveryShare }`: `GET .../recovery-share`, or with
     * `authorization` (`{request, signature}`, a key-quorum owner's) the signed `POST`.
     */
    async recoveryShare(walletId, authorization) {
      const path = `${walletPath(walletId)}/recovery-share`;
      const data = authorization
        ? await call('POST', path, { request: authorization.request, authorization_signature: authorization.signature })
        : await call('GET', path);
      const info = fromServerInfo(data.wallet);
      if (info.walletId !== walletId) throw new ProtocolError('SERVER_ERROR', 'the server answered for another wallet');
      return { info, recoveryShare: fromHex(data.recovery_share, 'recovery_share', 'SERVER_ERROR') };
    },
    /** `POST /v1/wallets` with a new set (all public or sealed, plus the auth key). */
    async create(upload) {
      return call('POST', '/v1/wallets', upload);
    },
    /** `PUT .../shares`: rotation or recovery, compare-and-swap on `expected_epoch`. */
    async replaceShares(walletId, upload) {
      return call('PUT', `${walletPath(walletId)}/shares`, upload);
    },
    /** `POST .../release` -> the raw answer. */
    async release(walletId, body) {
      return call('POST', `${walletPath(walletId)}/release`, body);
    },
    /** `POST .../recovery-key` (automatic recovery) -> the raw answer. */
    async recoveryKey(walletId, body) {
      return call('POST', `${walletPath(walletId)}/recovery-key`, body);
    },
  };
}

// ---- the release request ------------------------------------------------------------

/**
 * A Privy payload for `method` `<origin><path>` around `body`, expiring `ttlMs` from now,
 * with a fresh random idempotency key.
 */
export function requestPayload(method, url, body, ttlMs = 60000, now = Date.now()) {
  return {
    version: 1,
    method,
    url,
    body,
    headers: {
      'privy-request-expiry': String(now + ttlMs),
      'privy-idempotency-key': toHex(crypto.getRandomValues(new Uint8Array(16)), false),
    },
  };
}

/** The Privy payload the iframe signs for nobody (user-owned wallets) around `body`. */
export function releasePayload(origin, walletId, body, now = Date.now()) {
  return requestPayload('POST', `${origin}/v1/wallets/${walletId}/release`, body, 60000, now);
}

/**
 * AUTHORIZATION_MISMATCH unless `authorization.request` is exactly `method` `url` (the
 * configured server's origin and the endpoint's path, no more) and its body is, in
 * RFC 8785 form, `body`. For the recovery-share and recovery-key authorizations.
 */
export function checkExactRequest(authorization, { method, url, body }, canonicalize, what) {
  const request = authorization.request;
  const mismatch = (why) => new ProtocolError('AUTHORIZATION_MISMATCH', `${what}.request ${why}`);
  if (request.method !== method) throw mismatch(`is not a ${method}`);
  if (request.url !== url) throw mismatch(`is not for ${url}`);
  let theirs;
  try {
    theirs = canonicalize(request.body ?? null);
  } catch {
    throw mismatch('body is not canonical JSON');
  }
  if (theirs !== canonicalize(body)) throw mismatch(`body is not ${JSON.stringify(body)}`);
}

/**
 * AUTHORIZATION_MISMATCH unless `authorization.request` is a POST to this wallet's
 * release endpoint whose body is, in RFC 8785 form, the body the iframe built.
 */
export function checkAuthorization(authorization, walletId, body, canonicalize) {
  const request = authorization.request;
  const mismatch = (why) => new ProtocolError('AUTHORIZATION_MISMATCH', `authorization.request ${why}`);
  if (request.method !== 'POST') throw mismatch('is not a POST');
  let url;
  try {
    url = new URL(request.url);
  } catch {
    throw mismatch('has no absolute url');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== `/v1/wallets/${walletId}/release` || url.search || url.hash) {
    throw mismatch(`is not for /v1/wallets/${walletId}/release`);
  }
  let theirs;
  try {
    theirs = canonicalize(request.body ?? null);
  } catch {
    throw mismatch('body is not canonical JSON');
  }
  if (theirs !== canonicalize(body)) throw mismatch('body is not the request being made');
}
