// The public API of every entry point (node.js, web.js, inline.js). scripts/build.sh
// appends this file to each entry, after the entry has made its `loader`: ESM needs the
// exported names written out in the entry module itself (a shared `export *` module would
// let bundlers drop the entry's loader under `sideEffects: false`), and this keeps that
// list in one place.

const api = bind(bindings, loader.ready);

export const {
  split,
  combine,
  combineDetailed,
  combineText,
  reshare,
  shareInfo,
  shareToText,
  shareFromText,
  raw,
  slip39,
  backendName,
  version,
  wallet,
  authz,
  policy,
  custody,
  features,
} = api;
