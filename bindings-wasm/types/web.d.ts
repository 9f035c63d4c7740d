// The browser entry: `import init, { ClientConnection } from 'sansocket/web'`.
export * from './connection.js';
export * from './stomp.js';

/** Loads the WASM module (the .wasm next to the glue by default); later calls do nothing. */
export declare function init(
  moduleOrPath?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<void>;

export default init;
