// The package's Node entry: the sans-IO connections and the Node glue (http 'upgrade'
// servers, net/tls clients).
export { ServerConnection, ClientConnection, ProxyConnect, wasmMemorySize } from './node-wasm.js';
export { WebSocket } from './websocket.js';
export { handleUpgrade, serve } from './server.js';
export { connect } from './client.js';
export * from './stomp-node.js';
