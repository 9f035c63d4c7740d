#!/usr/bin/env node
// The chat room on the package's Node glue and STOMP broker: the JavaScript twin of
// `python -m sansocket.chat`, with the same page, behaviour and command line.
//
//   node bindings-wasm/examples/chat_server.mjs 127.0.0.1:8080 [--npm-dir DIR] [--history 50]
//       [--max-message-size 65536] [--heart-beat-floor 1000] [--grace 2]
//
// One port serves the page at / (plain HTTP GETs reach the http server's 'request' event)
// and STOMP over WebSocket at /stomp (subprotocols v12.stomp, v11.stomp, v10.stomp or none;
// any other upgrade target gets 404). Destinations: /topic/… and /queue/… as with Spring's
// simple broker, /app/… for the chat (chat/app.mjs, rules in chat/rooms.mjs). Heart-beats:
// the server proposes the floor both ways, so the negotiated interval is what the client
// asks for but at least the floor; a client silent for the interval times the grace is
// dropped with an ERROR. Prints `chat: http://HOST:PORT/` once it listens (PORT 0 picks a
// free port); stops cleanly on SIGINT and SIGTERM (closing every connection with 1001).
// --relay HOST:PORT (--relay-login, --relay-passcode, --relay-vhost: guest, guest, /) shares
// rooms with other chat servers, Python or Node, through an external STOMP broker such as
// RabbitMQ (chat/relay.mjs); `chat: relay connected to HOST:PORT` is printed on each
// connection to it.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import { STOMP_SUBPROTOCOLS, StompBroker, StompBrokerHost, serve } from '../lib/node.js';
import { ChatApp } from './chat/app.mjs';
import { Relay } from './chat/relay.mjs';
import { Rooms } from './chat/rooms.mjs';
import { StaticFiles, defaultNpmDir } from './chat/static_files.mjs';

const STOMP_PATH = '/stomp';
const CLOSE_WAIT_MS = 10_000;
const MAX_CONNECTIONS = 10_000;

function usage(problem) {
  console.error(`chat_server: ${problem}`);
  console.error(
    'usage: node bindings-wasm/examples/chat_server.mjs HOST:PORT [--npm-dir DIR] [--history N]\n' +
      '       [--max-message-size BYTES] [--heart-beat-floor MS] [--grace FACTOR]\n' +
      '       [--relay HOST:PORT [--relay-login L] [--relay-passcode P] [--relay-vhost V]]',
  );
  process.exit(2);
}

function number(name, text, { integer = true } = {}) {
  const v = Number(text);
  if (text === '' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) usage(`--${name}: expected a number, got ${text}`);
  return v;
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      'npm-dir': { type: 'string' },
      history: { type: 'string', default: '50' },
      'max-message-size': { type: 'string', default: String(64 << 10) },
      'heart-beat-floor': { type: 'string', default: '1000' },
      grace: { type: 'string', default: '2' },
      relay: { type: 'string' },
      'relay-login': { type: 'string', default: 'guest' },
      'relay-passcode': { type: 'string', default: 'guest' },
      'relay-vhost': { type: 'string', default: '/' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (err) {
  usage(err.message);
}
const { values, positionals } = parsed;
if (values.help) usage('the chat room: the page at / and STOMP over WebSocket at /stomp, on one port');
if (positionals.length !== 1) usage('expected one HOST:PORT');
const m = positionals[0].match(/^\[?(.*?)\]?:(\d+)$/);
if (!m || Number(m[2]) > 65535) usage(`expected HOST:PORT, got ${positionals[0]}`);
const host = m[1] || '127.0.0.1';
const port = Number(m[2]);
const history = number('history', values.history);
const maxMessageSize = number('max-message-size', values['max-message-size']);
const floor = number('heart-beat-floor', values['heart-beat-floor']);
const grace = number('grace', values.grace, { integer: false });
const npmDir = values['npm-dir'] ?? defaultNpmDir();
let relayAddress = null;
if (values.relay !== undefined) {
  const r = values.relay.match(/^\[?(.*?)\]?:(\d+)$/);
  if (!r || Number(r[2]) > 65535) usage(`--relay: expected HOST:PORT, got ${values.relay}`);
  relayAddress = { host: r[1] || '127.0.0.1', port: Number(r[2]) };
}

const files = new StaticFiles(undefined, npmDir);
const broker = new StompBroker({
  appPrefixes: ['/app/'],
  authenticate: true,
  heartBeat: [floor, floor],
  grace,
  maxOutgoing: 1 << 20,
  serverName: 'sansocket-chat',
});
const app = new ChatApp(broker, new Rooms({ history }), (msg) => console.error(msg));
const host_ = new StompBrokerHost(broker, (event) => app.onEvent(event));
const sockets = new Set();
app.flush = () => host_.flush();
if (relayAddress !== null) {
  app.relay = new Relay(relayAddress, (destination, body) => app.relayed(destination, body), {
    login: values['relay-login'],
    passcode: values['relay-passcode'],
    vhost: values['relay-vhost'],
    onConnected: () => console.log(`chat: relay connected to ${relayAddress.host}:${relayAddress.port}`),
  });
}

const server = createServer((req, res) => {
  const { status, headers, body } = files.answer(req.url.split('?')[0]);
  // One answer per connection, as the Python server (its engine closes after it).
  res.writeHead(status, [...headers, ['Content-Length', String(body.length)], ['Connection', 'close']].flat());
  res.end(req.method === 'HEAD' ? undefined : body);
});
server.maxConnections = MAX_CONNECTIONS;
serve(
  server,
  {
    subprotocols: STOMP_SUBPROTOCOLS,
    maxMessageSize,
    handleRequest: (request) =>
      request.path === STOMP_PATH
        ? undefined
        : { reject: { status: 404, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: 'STOMP is at /stomp\n' } },
  },
  (ws) => {
    const id = host_.handleWebSocket(ws);
    sockets.add(ws);
    // After the host's own 'close' listener (the broker forgot the connection): the leaves.
    ws.on('close', () => {
      sockets.delete(ws);
      app.connectionGone(id);
      host_.flush();
    });
  },
);
server.on('error', (err) => {
  console.error(`chat_server: cannot listen on ${positionals[0]}: ${err.message}`);
  process.exit(1);
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  const closed = [...sockets].map((ws) => new Promise((resolve) => ws.once('close', resolve)));
  for (const ws of sockets) {
    try {
      ws.close(1001, 'server stopping');
    } catch {
      ws.terminate();
    }
  }
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve('late'), CLOSE_WAIT_MS);
  });
  if ((await Promise.race([Promise.all(closed), late])) === 'late') {
    console.error(`chat: connections still open after ${CLOSE_WAIT_MS / 1000} s; stopping anyway`);
  }
  clearTimeout(timer);
  await app.relay?.close(); // after the leaves went out through it
  host_.close();
  server.closeAllConnections?.();
  console.log('chat: stopped');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

server.listen(port, host, () => {
  const a = server.address();
  console.log(`chat: http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/`);
  app.relay?.start();
});
