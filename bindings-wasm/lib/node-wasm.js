// The WASM module for Node (CommonJS glue, loaded synchronously) and its connection classes.
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';

import { createClasses } from './connection.js';

const require = createRequire(import.meta.url);
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
  { isUtf8 },
);

/** The HTTP CONNECT tunnel of the core (sans-IO); `connect(url, {proxy})` drives it. */
export const ProxyConnect = raw.ProxyConnect;
