// The package's browser entry (also works in Node, Deno and workers): call `await init()`
// once before making connections; it fetches the .wasm next to the glue, or takes what
// you pass (a URL, a Response, bytes or a WebAssembly.Module).
import initWasm, * as raw from '../pkg/web/sansocket_wasm.js';
import { createClasses } from './connection.js';
import { createStompClasses } from './stomp.js';

let ready = false;
let loading = null;

/** Loads the WASM module; later (or concurrent) calls wait for the same load. */
export function init(moduleOrPath = undefined) {
  loading ??= initWasm(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath }).then(
    () => {
      ready = true;
    },
    (err) => {
      loading = null; // let a later call try again
      throw err;
    },
  );
  return loading;
}

export const { ServerConnection, ClientConnection, wasmMemorySize } = createClasses(() => {
  if (!ready) throw new Error('sansocket: call `await init()` before making connections');
  return raw;
});

export const {
  StompDecoder,
  StompClientSession,
  StompServerSession,
  StompBroker,
  encodeFrame,
  isBinaryFrame,
  stompVersionForSubprotocol,
} = createStompClasses(() => {
  if (!ready) throw new Error('sansocket: call `await init()` before using STOMP');
  return raw;
});
export { STOMP_SUBPROTOCOLS, stompHeader } from './stomp.js';

export default init;
