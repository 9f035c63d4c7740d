// The WASM module for Node (CommonJS glue, loaded synchronously) and its connection classes.
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';

import { createClasses } from './connection.js';

const require = createRequire(import.meta.url);
/**
 * bufferutil (an optional dependency, as for ws): unmasks large binary payloads in place in
 * the socket's read. Without it (or with SANSOCKET_NO_BUFFERUTIL set, or only its
 * JavaScript fallback loaded) they are unmasked in WASM memory.
 */
function loadBufferUtil() {
  if (process.env.SANSOCKET_NO_BUFFERUTIL) return null;
  try {
    const bufferUtil = require('bufferutil');
    const fallback = require('bufferutil/fallback');
    return bufferUtil.unmask === fallback.unmask ? null : bufferUtil;
  } catch {
    return null;
  }
}
const bufferUtil = loadBufferUtil();

let raw;
try {
  raw = require('../pkg/node/sansocket_wasm.js');
} catch (e) {
  throw new Error('sansocket: the WASM build is missing; run `npm run build` in bindings-wasm', { cause: e });
}

export const {
  ServerConnection,
  ClientConnection,
  wasmMemorySize,
  receiveEvents,
  serverTemplate,
  serverFrom,
  takeOutput,
} = createClasses(
  () => raw,
  { isUtf8, unmask: bufferUtil?.unmask ?? null, mask: bufferUtil?.mask ?? null },
);

/** The HTTP CONNECT tunnel of the core (sans-IO); `connect(url, {proxy})` drives it. */
export const ProxyConnect = raw.ProxyConnect;
