// The package's Node entry: the sans-IO connections and the Node glue (http 'upgrade'
// servers, net/tls clients).
export { ServerConnection, ClientConnection, ProxyConnect, wasmMemorySize } from './node-wasm.js';
export { WebSocket, handleUpgrade, serve, connect } from './glue.js';
export * from './stomp-node.js';
