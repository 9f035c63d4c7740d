#!/usr/bin/env node
// An echo server on the package's Node glue: the JavaScript twin of the Rust example
// core/examples/echo_server.rs, with the same command line and behaviour.
//
//   node bindings-wasm/examples/echo_server.mjs 127.0.0.1:9003 \
//       [--subprotocol v12.stomp --subprotocol v11.stomp] [--no-deflate] [--max-connections N]
//
// Every text and binary message is sent back (up to 64 MiB). With --subprotocol, the first
// of those names (in the order given) that the client offers is selected; without a match
// the connection is accepted with no subprotocol. permessage-deflate is negotiated when the
// client offers it, unless --no-deflate. At most 1024 connections at once, or N with
// --max-connections; a connection not upgraded within 60 s is dropped (one sweep every 5 s
// for all of them: no timer per connection, which an upgraded one would keep). This is the
// server the Autobahn harness runs for the package
// (SERVER_CMD='node bindings-wasm/examples/echo_server.mjs {addr}' tests/autobahn/run.sh server).
// Env: ECHO_READ_TIMEOUT_MS replaces the 60 s (the tests shorten it).
import { createServer } from 'node:http';

import { serve } from '../lib/node.js';

let maxConnections = 1024;
const READ_TIMEOUT_MS = Number(process.env.ECHO_READ_TIMEOUT_MS) || 60_000;

function usage(problem) {
  console.error(`echo_server: ${problem}`);
  console.error('usage: echo_server ADDR [--subprotocol NAME]... [--no-deflate] [--max-connections N]');
  process.exit(2);
}

let addr = null;
let deflate = true;
const subprotocols = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--subprotocol') {
    if (i + 1 < args.length) subprotocols.push(args[++i]);
  } else if (arg === '--no-deflate') {
    deflate = false;
  } else if (arg === '--max-connections') {
    maxConnections = Number(args[++i]);
    if (!Number.isInteger(maxConnections) || maxConnections < 1) usage('--max-connections needs a positive integer');
  } else if (addr === null && !arg.startsWith('-')) {
    addr = arg;
  } else {
    usage(arg);
  }
}
if (addr === null) usage('no address');
const m = addr.match(/^\[?(.*?)\]?:(\d+)$/);
if (!m) usage(`bad address ${addr} (HOST:PORT)`);
const [, host, port] = m;

const server = createServer((req, res) => {
  // A plain HTTP request: this is a WebSocket endpoint.
  res.writeHead(426, { Upgrade: 'websocket', 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
  res.end('this is a WebSocket endpoint: Upgrade: websocket required\n');
});
server.maxConnections = maxConnections;

const options = {
  maxFrameSize: 64 << 20,
  maxMessageSize: 64 << 20,
  deflate,
  subprotocols,
  textAs: 'buffer', // text as the Buffer of its (checked) UTF-8 bytes: echoed without decoding
};
// The listeners are shared by every connection (`this` is the WebSocket or the socket): an
// idle connection holds no closures of its own.
const AS_BINARY = { binary: true };
const AS_TEXT = { binary: false };
function echo(data, isBinary) {
  // Sending fails only once a close frame went out; then there is nothing to echo to.
  try {
    if (!this.send(data, isBinary ? AS_BINARY : AS_TEXT)) this.pause(); // backpressure: stop reading until the socket drains
  } catch {
    // closing
  }
}
function resume() {
  this.resume();
}
function report(err) {
  console.error(`echo_server: ${err.message}`);
}
serve(server, options, (ws) => {
  ws.on('message', echo);
  ws.on('drain', resume);
  ws.on('error', report);
});
// Connections waiting for their upgrade, by arrival (in that order): the sweep drops those
// that waited READ_TIMEOUT_MS.
const waiting = new Map();
function forget() {
  waiting.delete(this);
}
server.on('connection', (socket) => {
  waiting.set(socket, performance.now());
  socket.on('close', forget);
});
server.on('upgrade', (req, socket) => {
  waiting.delete(socket);
  socket.off('close', forget);
});
setInterval(() => {
  const late = performance.now() - READ_TIMEOUT_MS;
  for (const [socket, since] of waiting) {
    if (since > late) break;
    waiting.delete(socket);
    socket.destroy();
  }
}, READ_TIMEOUT_MS / 12).unref();
server.on('error', (err) => {
  console.error(`echo_server: cannot listen on ${addr}: ${err.message}`);
  process.exit(1);
});
server.listen(Number(port), host, () => {
  const a = server.address();
  console.log(`listening on ${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
});
