// The wallet's confirmation UI: an overlay in the iframe's own document, which the app
// page can neither read nor script. Every sign, export, rotate, recover and forget is
// shown here and goes ahead only after a real click inside the iframe.
//
//   confirmAction({ title, rows, details, approveLabel })          -> Promise<void>
//   askPassword({ title, rows, repeat, approveLabel })             -> Promise<string>
//   showMnemonic({ mnemonic, walletAddress })                      -> Promise<void> (closed)
//   summaryRows(kind, data)                                        -> rows
//
// rows are [label, value] or [label, value, { warn, mono, strong }]: `warn` shows the row
// in red, `mono` in a monospace font (hex and addresses get it automatically; long ones
// go under their label, across the full width), `strong` in bold. Every value is shown in
// full (long ones wrap) and only ever as text (textContent, never innerHTML).
//
// Guards against a page that embeds the wallet and tries to get a click it did not earn:
// - only clicks with event.isTrusted count (a script's synthetic click does nothing);
// - Approve is enabled only once the overlay has been on screen for 500 ms, and the
//   press must start after it was enabled (no click carried over from an earlier press);
// - "on screen" means at least 90% of the overlay is inside the top-level viewport (so a
//   parent cannot clip the frame down to its buttons) and the tab is visible; where
//   IntersectionObserver v2 exists (Chromium), the browser must also report the overlay
//   `isVisible`: not covered by the parent page, not transparent, not transformed. Losing
//   that disables Approve and restarts the 500 ms, and a hint says why.
// Escape and Reject reject with USER_REJECTED. One overlay at a time.

import { ProtocolError } from './errors.js';

const MIN_VISIBLE_MS = 500;
/** The share of the overlay that must be inside the viewport for Approve. */
const MIN_RATIO = 0.9;
const THRESHOLDS = [0, 0.25, 0.5, 0.75, 0.85, MIN_RATIO, 0.95, 1];
const MIN_PASSWORD_LENGTH = 8;

let active = false;
// The origin of the page that embeds the wallet (set at the handshake), shown in every
// overlay so the user sees which app is asking.
let requester = null;

/** Names the embedding page's origin in every later overlay. */
export function setRequester(origin) {
  requester = typeof origin === 'string' ? origin : null;
}

// ---- DOM helpers ---------------------------------------------------------------------

/** An element with classes and text (text only: caller data never becomes markup). */
function el(tag, { id, className, text, attrs } = {}) {
  const node = document.createElement(tag);
  if (id) node.id = id;
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  return node;
}

const looksMono = (value) =>
  /^0x[0-9a-fA-F]*$/.test(value) || // hex: addresses, calldata, digests
  /^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(value); // base58: Solana addresses, blockhashes

function display(value) {
  if (value === null || value === undefined) return '—';
  return String(value);
}

/** Monospace values longer than this (addresses, calldata) get the full width, under their label. */
const WIDE_MONO = 24;

function rowsTable(rows) {
  const table = el('table', { id: 'ks-rows', className: 'ks-rows' });
  // Column widths from here, not from the first row (which may span both columns).
  const columns = el('colgroup');
  columns.append(el('col', { className: 'ks-col-label' }), el('col', { className: 'ks-col-value' }));
  table.append(columns);
  const body = el('tbody');
  for (const row of Array.isArray(rows) ? rows : []) {
    if (!Array.isArray(row)) continue;
    const [label, value, flags = {}] = row;
    const text = display(value);
    const mono = flags.mono ?? looksMono(text);
    const classes = (...names) => names.filter(Boolean).join(' ');
    const cellClass = classes(mono && 'ks-mono', flags.strong && 'ks-strong');
    if (mono && text.length > WIDE_MONO) {
      // Label above, value across the whole width: an address stays in one piece.
      const head = el('tr', { className: classes('ks-label-row', flags.warn && 'ks-warn') });
      head.append(el('th', { text: display(label), attrs: { colspan: '2' } }));
      const tr = el('tr', { className: classes('ks-value-row', flags.warn && 'ks-warn') });
      tr.append(el('td', { text, className: cellClass, attrs: { colspan: '2' } }));
      body.append(head, tr);
      continue;
    }
    const tr = el('tr');
    if (flags.warn) tr.className = 'ks-warn';
    tr.append(el('th', { text: display(label), attrs: { scope: 'row' } }));
    const cell = el('td', { text });
    if (cellClass) cell.className = cellClass;
    tr.append(cell);
    body.append(tr);
  }
  table.append(body);
  return table;
}

// ---- the overlay ---------------------------------------------------------------------

/**
 * Opens the overlay; `build(parts)` fills it and returns { approve?, onApprove, onClose }.
 * Resolves with what onApprove returns; rejects with USER_REJECTED on Reject/Escape.
 */
function open({ title, rows, details, approveLabel, fill, approve: wantApprove = true }) {
  if (active) {
    return Promise.reject(new ProtocolError('INTERNAL', 'another confirmation is already open'));
  }
  active = true;

  return new Promise((resolve, reject) => {
    const overlay = el('div', {
      id: 'ks-overlay',
      className: 'ks-overlay',
      attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'ks-title', tabindex: '-1' },
    });
    const panel = el('div', { className: 'ks-panel' });
    const header = el('div', { className: 'ks-header' });
    header.append(el('div', { className: 'ks-brand', text: `keysplit wallet · ${location.host}` }));
    if (requester) header.append(el('div', { id: 'ks-requester', className: 'ks-brand', text: `requested by ${requester}` }));
    header.append(el('h1', { id: 'ks-title', className: 'ks-title', text: display(title ?? 'Confirm') }));
    panel.append(header);
    const content = el('div', { className: 'ks-content' });
    if (rows && rows.length) content.append(rowsTable(rows));
    if (details !== undefined && details !== null && details !== '') {
      const pre = el('pre', { id: 'ks-details', className: 'ks-details', text: String(details), attrs: { tabindex: '0' } });
      content.append(pre);
    }
    const error = el('p', { id: 'ks-error', className: 'ks-error', attrs: { role: 'alert', 'aria-live': 'assertive' } });
    // `fill` adds its fields and may wire its own buttons to `controls.finish`.
    const controls = { finish: (value) => doFinish(value) };
    const extra = fill ? fill(content, error, controls) : {};
    content.append(error);
    panel.append(content);

    const hint = el('p', {
      id: 'ks-visibility',
      className: 'ks-visibility',
      text: 'Approve unlocks once this whole wallet panel is on screen and nothing covers it.',
    });
    hint.hidden = true;
    panel.append(hint);
    const actions = el('div', { className: 'ks-actions' });
    let rejectButton = null;
    if (!extra.noReject) {
      rejectButton = el('button', { id: 'ks-reject', className: 'ks-button ks-secondary', text: 'Reject', attrs: { type: 'button' } });
      actions.append(rejectButton);
    }
    let approveButton = null;
    if (wantApprove) {
      approveButton = el('button', { id: 'ks-approve', className: 'ks-button ks-primary', text: display(approveLabel ?? 'Approve'), attrs: { type: 'button' } });
      approveButton.disabled = true;
      actions.append(approveButton);
    }
    for (const button of extra.buttons ?? []) actions.append(button);
    panel.append(actions);
    overlay.append(panel);

    // Everything else in the page is inert while the overlay is open.
    const others = [...document.body.children].filter((node) => !node.inert);
    for (const node of others) node.inert = true;
    document.body.append(overlay);
    document.body.classList.add('ks-open');

    // ---- visibility gate ----
    let visible = false;
    let visibleSince = null;
    let enabledAt = Infinity;
    let pressedAt = -Infinity;
    let timer = null;
    let observer = null;
    let finished = false;

    const setEnabled = (on) => {
      if (!approveButton) return;
      if (on && approveButton.disabled) enabledAt = performance.now();
      if (!on) enabledAt = Infinity;
      approveButton.disabled = !on;
    };
    const gateOpen = () =>
      visible && document.visibilityState === 'visible' && visibleSince !== null && performance.now() - visibleSince >= MIN_VISIBLE_MS;
    const update = () => {
      if (finished) return;
      clearTimeout(timer);
      if (!visible || document.visibilityState !== 'visible') {
        visibleSince = null;
        setEnabled(false);
        return;
      }
      if (visibleSince === null) visibleSince = performance.now();
      const left = visibleSince + MIN_VISIBLE_MS - performance.now();
      if (left <= 0) setEnabled(true);
      else {
        setEnabled(false);
        timer = setTimeout(update, left + 10);
      }
    };

    const hasV2 =
      typeof IntersectionObserver === 'function' &&
      typeof IntersectionObserverEntry === 'function' &&
      'isVisible' in IntersectionObserverEntry.prototype;
    const observed = (entries) => {
      for (const entry of entries) {
        visible = entry.isIntersecting && entry.intersectionRatio >= MIN_RATIO && (!hasV2 || entry.isVisible === true);
      }
      // Say why Approve stays off (a real user may just have to scroll to the wallet).
      if (approveButton) hint.hidden = visible;
      update();
    };
    if (typeof IntersectionObserver === 'function') {
      observer = new IntersectionObserver(
        observed,
        hasV2 ? { trackVisibility: true, delay: 100, threshold: THRESHOLDS } : { threshold: THRESHOLDS },
      );
      observer.observe(overlay);
    } else {
      requestAnimationFrame(() => requestAnimationFrame(() => {
        visible = true;
        update();
      }));
    }
    const onVisibility = () => update();
    document.addEventListener('visibilitychange', onVisibility);

    // ---- finishing ----
    const close = () => {
      finished = true;
      clearTimeout(timer);
      observer?.disconnect();
      document.removeEventListener('visibilitychange', onVisibility);
      document.removeEventListener('keydown', onKey, true);
      extra.onClose?.();
      overlay.remove();
      overlay.textContent = '';
      for (const node of others) node.inert = false;
      document.body.classList.remove('ks-open');
      active = false;
    };
    const doReject = () => {
      if (finished) return;
      close();
      if (extra.escapeFinishes) resolve(undefined);
      else reject(new ProtocolError('USER_REJECTED', 'the user rejected the request'));
    };
    const doFinish = (value) => {
      if (finished) return;
      close();
      resolve(value);
    };
    const doApprove = () => {
      if (finished || !approveButton || approveButton.disabled || !gateOpen()) return;
      let value;
      try {
        value = extra.onApprove ? extra.onApprove() : undefined;
      } catch (problem) {
        // A validation message (e.g. passwords differ): stay open.
        error.textContent = problem instanceof Error ? problem.message : String(problem);
        return;
      }
      close();
      resolve(value);
    };

    rejectButton?.addEventListener('click', (event) => {
      if (event.isTrusted) doReject();
    });
    if (approveButton) {
      approveButton.addEventListener('pointerdown', (event) => {
        if (event.isTrusted) pressedAt = performance.now();
      });
      approveButton.addEventListener('click', (event) => {
        if (!event.isTrusted) return;
        // A pointer click must have been pressed after Approve was enabled; a keyboard
        // activation (detail 0) needs the focus inside the iframe, which only the user gives.
        if (event.detail !== 0 && pressedAt < enabledAt) return;
        doApprove();
      });
    }
    const onKey = (event) => {
      if (!event.isTrusted) return;
      if (event.key === 'Escape') {
        event.preventDefault();
        doReject();
      } else if (event.key === 'Enter' && extra.enterApproves && event.target instanceof HTMLInputElement) {
        event.preventDefault();
        doApprove();
      }
    };
    document.addEventListener('keydown', onKey, true);

    (extra.focus ?? overlay).focus({ preventScroll: true });
  });
}

// ---- public interface ----------------------------------------------------------------

/** Shows the request; resolves when the user approves, rejects USER_REJECTED otherwise. */
export function confirmAction({ title, rows, details, approveLabel } = {}) {
  return open({ title, rows, details, approveLabel }).then(() => undefined);
}

/**
 * Asks for a password (twice when `repeat`: a new password). Resolves with it; the input
 * fields are emptied and removed before it resolves.
 */
export function askPassword({ title, rows, repeat = false, approveLabel } = {}) {
  return open({
    title,
    rows,
    approveLabel,
    fill(content) {
      // A form, for password managers; it is never submitted (Enter is handled below, and
      // the CSP has form-action 'none' anyway).
      const form = el('form', { className: 'ks-form', attrs: { novalidate: '' } });
      form.addEventListener('submit', (event) => event.preventDefault());
      content.append(form);
      const field = (id, label, autocomplete) => {
        const wrap = el('label', { className: 'ks-field', attrs: { for: id } });
        wrap.append(el('span', { text: label }));
        const input = el('input', {
          id,
          className: 'ks-input',
          attrs: { type: 'password', autocomplete, spellcheck: 'false', autocapitalize: 'off', minlength: String(MIN_PASSWORD_LENGTH) },
        });
        wrap.append(input);
        form.append(wrap);
        return input;
      };
      const first = field('ks-password', repeat ? 'New recovery password' : 'Recovery password', repeat ? 'new-password' : 'current-password');
      const second = repeat ? field('ks-password-repeat', 'Type it again', 'new-password') : null;
      if (repeat) {
        form.append(
          el('p', {
            className: 'ks-hint',
            text: `At least ${MIN_PASSWORD_LENGTH} characters. It is typed here, in the wallet, and never leaves it; without it a lost device cannot be recovered.`,
          }),
        );
      }
      return {
        focus: first,
        enterApproves: true,
        onApprove() {
          const value = first.value;
          if (value.length === 0) throw new Error('Type the password.');
          if (value.length < MIN_PASSWORD_LENGTH) throw new Error(`The password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
          if (second && second.value !== value) throw new Error('The two passwords differ: type the same password twice.');
          return value;
        },
        onClose() {
          first.value = '';
          if (second) second.value = '';
        },
      };
    },
  });
}

/** Shows the recovery phrase with a copy button; resolves when the user closes it. */
export function showMnemonic({ mnemonic, walletAddress } = {}) {
  const words = String(mnemonic ?? '').trim().split(/\s+/).filter(Boolean);
  let copyText = words.join(' ');
  return open({
    title: 'Your recovery phrase',
    rows: walletAddress ? [['Wallet', walletAddress]] : [],
    approve: false,
    fill(content, error, controls) {
      content.append(
        el('p', {
          className: 'ks-warning',
          text: 'Anyone with these words controls the wallet. Write them down and keep them offline; never type them into a website.',
        }),
      );
      const list = el('ol', { id: 'ks-mnemonic', className: 'ks-mnemonic' });
      words.forEach((word, i) => {
        const item = el('li');
        item.append(el('span', { className: 'ks-n', text: `${i + 1}` }), el('span', { className: 'ks-word', text: word }));
        list.append(item);
      });
      content.append(list);
      const copy = el('button', { id: 'ks-copy', className: 'ks-button ks-secondary', text: 'Copy', attrs: { type: 'button' } });
      copy.addEventListener('click', async (event) => {
        if (!event.isTrusted) return;
        error.textContent = '';
        try {
          await navigator.clipboard.writeText(copyText);
          copy.textContent = 'Copied';
        } catch {
          error.textContent = 'Copying failed (the page embedding the wallet must allow clipboard-write): write the words down instead.';
        }
      });
      const closeButton = el('button', { id: 'ks-close', className: 'ks-button ks-primary', text: 'Done', attrs: { type: 'button' } });
      closeButton.addEventListener('click', (event) => {
        if (event.isTrusted) controls.finish(undefined);
      });
      return {
        buttons: [copy, closeButton],
        noReject: true,
        // Escape closes it too: there is nothing to reject.
        escapeFinishes: true,
        onClose() {
          list.textContent = '';
          copyText = '';
          words.length = 0;
        },
      };
    },
  }).then(() => undefined);
}

// ---- summaries -> rows ---------------------------------------------------------------

// Chains whose name we show; any other id is shown as its number.
const CHAINS = new Map([
  ['1', ['Ethereum', 'ETH']],
  ['10', ['OP Mainnet', 'ETH']],
  ['56', ['BNB Smart Chain', 'BNB']],
  ['100', ['Gnosis', 'xDAI']],
  ['137', ['Polygon', 'POL']],
  ['8453', ['Base', 'ETH']],
  ['42161', ['Arbitrum One', 'ETH']],
  ['43114', ['Avalanche C-Chain', 'AVAX']],
  ['59144', ['Linea', 'ETH']],
  ['17000', ['Holesky testnet', 'ETH']],
  ['11155111', ['Sepolia testnet', 'ETH']],
]);

function chainName(chainId) {
  if (chainId === null || chainId === undefined) return 'not stated';
  const id = String(chainId);
  const known = CHAINS.get(id);
  return known ? `${known[0]} (chain id ${id})` : `chain id ${id} (unknown network)`;
}

const nativeSymbol = (chainId) => CHAINS.get(String(chainId))?.[1] ?? 'ETH';

/** A decimal integer string as a decimal fraction with `decimals` places, exactly. */
function formatUnits(value, decimals) {
  const text = String(value);
  if (!/^\d+$/.test(text)) return text;
  const digits = text.replace(/^0+(?=\d)/, '').padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/** Digits grouped by thousands, for reading large integers. */
const grouped = (value) => (/^\d+$/.test(String(value)) ? String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : String(value));

function multiply(a, b) {
  try {
    return (BigInt(String(a)) * BigInt(String(b))).toString();
  } catch {
    return null;
  }
}

function utf8Length(text) {
  return new TextEncoder().encode(text).length;
}

function bytesToHex(bytes) {
  let out = '0x';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

function hexToBytes(hex) {
  const digits = String(hex).replace(/^0x/i, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) return null;
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The bytes as text if they are UTF-8 without control characters (other than newlines and tabs). */
function printable(bytes) {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // eslint-disable-next-line no-control-regex
    return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text) ? null : text;
  } catch {
    return null;
  }
}

/** Text shown with invisible and direction-changing characters made visible. */
function visibleText(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}

const warn = { warn: true };
const mono = { mono: true };

function walletOf(data) {
  return data?.wallet ?? data?.info ?? null;
}

function walletRows(info) {
  if (!info) return [];
  const rows = [];
  if (info.ethereumAddress) rows.push(['Wallet', info.ethereumAddress, mono]);
  if (info.walletId !== undefined) rows.push(['Wallet id', String(info.walletId), mono]);
  return rows;
}

function transactionRows(s) {
  const symbol = nativeSymbol(s.chainId);
  const rows = [
    ['Network', chainName(s.chainId)],
    ['From', s.from, mono],
  ];
  if (s.to === null || s.to === undefined) rows.push(['To', 'new contract (contract creation)', warn]);
  else rows.push(['To', s.to, { mono: true, strong: true }]);
  rows.push(['Value', `${formatUnits(s.value, 18)} ${symbol}`, { strong: true }]);
  rows.push(['Value in wei', grouped(s.value)]);
  const data = typeof s.data === 'string' ? s.data : '0x';
  const dataLength = Math.max(0, (data.length - 2) / 2);
  if (dataLength === 0) {
    rows.push(['Calldata', 'none (a plain transfer)']);
  } else {
    rows.push(['Function selector', s.selector ?? 'none (calldata shorter than 4 bytes)', s.selector ? mono : warn]);
    rows.push([`Calldata (${dataLength} bytes)`, data, mono]);
  }
  const maxFee = multiply(s.gasLimit, s.maxFeePerGas);
  if (maxFee !== null) {
    rows.push(['Max network fee', `${formatUnits(maxFee, 18)} ${symbol}`]);
  }
  rows.push(['Gas limit', grouped(s.gasLimit)]);
  rows.push([s.type === 2 ? 'Max fee per gas' : 'Gas price', `${formatUnits(s.maxFeePerGas, 9)} gwei`]);
  if (s.maxPriorityFeePerGas !== null && s.maxPriorityFeePerGas !== undefined) {
    rows.push(['Priority fee per gas', `${formatUnits(s.maxPriorityFeePerGas, 9)} gwei`]);
  }
  rows.push(['Nonce', display(s.nonce)]);
  const types = { 0: 'legacy (type 0)', 1: 'access list (type 1, EIP-2930)', 2: 'fee market (type 2, EIP-1559)' };
  rows.push(['Transaction type', types[s.type] ?? display(s.type)]);
  return rows;
}

function typedDataRows(s) {
  const d = s.domain ?? {};
  const rows = [
    ['Network', chainName(d.chainId)],
    ['From', s.from, mono],
    ['Domain name', d.name ?? 'not stated', d.name ? {} : warn],
  ];
  if (d.version !== null && d.version !== undefined) rows.push(['Domain version', d.version]);
  rows.push(['Verifying contract', d.verifyingContract ?? 'not stated', mono]);
  if (d.salt) rows.push(['Salt', d.salt, mono]);
  rows.push(['Message type', s.primaryType]);
  rows.push(['EIP-712 digest', s.digest, mono]);
  return rows;
}

function solanaRows(s) {
  const rows = [
    ['Network', 'Solana'],
    ['Signer', s.from, mono],
    ['Fee payer', s.feePayer, s.feePayer === s.from ? mono : { mono: true, warn: true }],
  ];
  const instructions = Array.isArray(s.instructions) ? s.instructions : [];
  instructions.forEach((instruction, i) => {
    const label = `Instruction ${i + 1}`;
    const t = instruction.transfer;
    if (t) {
      const from = t.from === s.from ? '' : ` from ${t.from}`;
      rows.push([`${label}: transfer`, `${formatUnits(t.lamports, 9)} SOL (${grouped(t.lamports)} lamports) to ${t.to}${from}`, mono]);
    } else if (instruction.opaque) {
      rows.push([
        `${label}: transfer`,
        `a System Program transfer that cannot be read in full (accounts from a lookup table): amount and recipient unknown`,
        warn,
      ]);
    } else {
      rows.push([label, `calls program ${instruction.programId} (not decoded)`, mono]);
    }
  });
  if (instructions.length === 0) rows.push(['Instructions', 'none']);
  if (s.unresolvedLookups > 0) {
    rows.push(['Lookup tables', `${s.unresolvedLookups} account(s) loaded from address lookup tables cannot be shown`, warn]);
  }
  rows.push(['Message format', s.versioned ? 'v0 (versioned)' : 'legacy']);
  rows.push(['Recent blockhash', s.recentBlockhash, mono]);
  return rows;
}

function messageRows(data) {
  const rows = [];
  const from = data.from ?? walletOf(data)?.ethereumAddress;
  if (from) rows.push(['From', from, mono]);
  let bytes = null;
  let text = null;
  if (typeof data.text === 'string') text = data.text;
  else if (typeof data.hex === 'string') bytes = hexToBytes(data.hex);
  else if (typeof data.message === 'string') text = data.message;
  else if (data.message instanceof Uint8Array) bytes = data.message;
  if (text !== null) {
    rows.push(['Message', visibleText(text)]);
    rows.push(['Length', `${utf8Length(text)} bytes (UTF-8)`]);
  } else if (bytes !== null) {
    rows.push(['Message (hex)', bytesToHex(bytes), mono]);
    rows.push(['Length', `${bytes.length} bytes`]);
    const asText = printable(bytes);
    if (asText !== null && asText.length > 0) rows.push(['As text', asText]);
  } else {
    rows.push(['Message', 'unreadable', warn]);
  }
  rows.push(['Signature type', 'EIP-191 personal_sign (not a transaction)']);
  return rows;
}

function conditionText(c) {
  if (c === null || typeof c !== 'object') return display(c);
  const field = [c.field_source, c.field].filter(Boolean).join('.');
  const value = typeof c.value === 'string' ? c.value : JSON.stringify(c.value);
  return `${field} ${c.operator ?? '?'} ${value}`;
}

function policyRows(data) {
  const policy = data?.policy ?? data ?? {};
  const rows = [
    ['Policy', display(policy.name)],
    ['Chain', display(policy.chain_type)],
  ];
  const rules = Array.isArray(policy.rules) ? policy.rules : [];
  rows.push(['Rules', `${rules.length}`]);
  rules.forEach((rule, i) => {
    const action = String(rule?.action ?? '?');
    const conditions = Array.isArray(rule?.conditions) ? rule.conditions.map(conditionText) : [];
    const text = [`${action} ${display(rule?.method)}${rule?.name ? ` — ${rule.name}` : ''}`, ...conditions.map((c) => `• ${c}`)].join('\n');
    rows.push([`Rule ${i + 1}`, text, action === 'ALLOW' ? warn : {}]);
  });
  rows.push(['Effect', 'requests these rules ALLOW are signed without asking you', warn]);
  return rows;
}

/**
 * Rows for the overlay. `kind` and `data`:
 * - 'transaction': the summary from wallet.summarizeTransaction;
 * - 'typedData': the summary from wallet.summarizeTypedData (pass the message JSON as details);
 * - 'solanaTransaction': the summary from wallet.summarizeSolanaTransaction;
 * - 'message': { text } or { hex } (or { message: string | Uint8Array }), with from or wallet;
 * - 'export': { wallet: info, recipientPublicKey? };
 * - 'rotate', 'forget': { wallet: info };
 * - 'recover': { walletId, wallet?: info };
 * - 'policy': { policy } (Privy policy JSON object; pass JSON.stringify(policy, null, 2) as details).
 */
export function summaryRows(kind, data = {}) {
  const info = walletOf(data);
  switch (kind) {
    case 'transaction':
      return transactionRows(data);
    case 'typedData':
      return typedDataRows(data);
    case 'solanaTransaction':
      return solanaRows(data);
    case 'message':
      return messageRows(data);
    case 'export':
      return [
        ...walletRows(info),
        data.recipientPublicKey
          ? ['Sent to', `encrypted to the public key ${data.recipientPublicKey}`, { mono: true, warn: true }]
          : ['Shown', 'on this screen, inside the wallet', warn],
        ['Effect', 'the recovery phrase gives full control of this wallet to whoever has it', warn],
      ];
    case 'rotate':
      return [
        ...walletRows(info),
        ...(info?.epoch !== undefined ? [['Share set', `epoch ${info.epoch} → ${Number(info.epoch) + 1}`]] : []),
        data.automaticRecovery
          ? ['Effect', 'new shares and a new recovery key, which the keysplit server keeps (automatic recovery stays on); the old shares stop working']
          : ['Effect', 'new shares and a new recovery password; the old shares and password stop working'],
        ...(data.quorum ? [['Owner', 'a key quorum: the new shares take effect once the quorum signs the upload']] : []),
      ];
    case 'recover':
      return [
        ...(info ? walletRows(info) : [['Wallet id', display(data.walletId), mono]]),
        ['Effect', 'this device gets a new share; every older share and device stops working'],
        ...(data.automaticRecovery
          ? [['Recovery', 'automatic: the keysplit server holds the recovery key, no password is needed', warn]]
          : []),
        ...(data.quorum ? [['Owner', 'a key quorum: the new shares take effect once the quorum signs the upload']] : []),
      ];
    case 'forget':
      return [
        ...walletRows(info),
        ['Effect', 'removes the wallet share from this device; using the wallet here again needs your recovery password', warn],
      ];
    case 'policy':
      return policyRows(data);
    default:
      throw new ProtocolError('INTERNAL', `no summary for ${String(kind)}`);
  }
}
