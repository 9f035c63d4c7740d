#!/usr/bin/env node
// The Node glue's echo path in one process: the JavaScript and WASM work of an echo server
// per message, without the kernel. A stand-in socket hands masked frames to the WebSocket
// as 'data' events and counts what it is given to write (write, cork, uncork); the echo
// listener sends every message back. sansocket's WebSocket (lib/websocket.js, text as
// Buffers, as examples/echo_server.mjs) against ws's (`setSocket`, with bufferutil when
// installed, as bench/e2e/servers/ws_echo.mjs).
//
//   node bench/echo.mjs [--seconds S] [--only NAME] [--round-ms 100]
//
// Rows, as the columns of bench/e2e: one 256 B binary message per read, one 16 KiB binary
// message per read, one 256 B text message per read, 32 messages of 1 KiB in one read, 32
// messages of 64 KiB back to back in 64 KiB reads (each frame across two reads). Best
// of the rounds run within S seconds (default 1) per cell, in messages per CPU second; the
// echoes are checked (bytes written) once per cell. Not a timed test.
import { createRequire } from 'node:module';

import { ServerConnection } from '../lib/node.js';
import { WebSocket } from '../lib/websocket.js';
import { StandIn } from '../test/stand-in.mjs';
import { bestRate } from './measure.mjs';

const require = createRequire(import.meta.url);
const { WebSocket: WsWebSocket } = require('ws');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const seconds = Number(arg('--seconds', '1'));
const only = arg('--only', null);
/** Each round runs at least this long (ms): long enough to take its share of collections. */
const roundMs = Number(arg('--round-ms', '100'));

/** A masked client frame of `payload` (FIN, opcode 1 text or 2 binary). */
function frame(payload, text) {
  const n = payload.length;
  const ext = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const out = Buffer.alloc(2 + ext + 4 + n);
  out[0] = 0x80 | (text ? 1 : 2);
  if (ext === 0) out[1] = 0x80 | n;
  else if (ext === 2) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  const key = [0x12, 0x34, 0x56, 0x78];
  out.set(key, 2 + ext);
  for (let i = 0; i < n; i++) out[6 + ext + i] = payload[i] ^ key[i & 3];
  return out;
}

function ours() {
  const socket = new StandIn();
  const conn = new ServerConnection({ open: true, maxFrameSize: 64 << 20, maxMessageSize: 64 << 20 });
  const ws = new WebSocket(conn, socket, { textAsBuffer: true });
  const AS_BINARY = { binary: true };
  const AS_TEXT = { binary: false };
  ws.on('message', function echo(data, isBinary) {
    if (!this.send(data, isBinary ? AS_BINARY : AS_TEXT)) this.pause();
  });
  ws._start();
  return socket;
}

function theirs() {
  const socket = new StandIn();
  const ws = new WsWebSocket(null, undefined, {});
  ws.setSocket(socket, Buffer.alloc(0), { maxPayload: 64 << 20, allowSynchronousEvents: true });
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
  return socket;
}

/** Best messages per CPU second of rounds of `round(n)` (n reads, at least `roundMs` each) within `seconds`. */
function measure(round, perRead) {
  return bestRate(round, { seconds, minRoundMs: roundMs, perCall: perRead });
}

const rows = [
  { name: 'rr 256 B', size: 256, text: false, perRead: 1 },
  { name: 'rr 16 KiB', size: 16 << 10, text: false, perRead: 1 },
  { name: 'rr 256 B text', size: 256, text: true, perRead: 1 },
  { name: '32 x 1 KiB per read', size: 1 << 10, text: false, perRead: 32 },
  // Pipelined 64 KiB: 32 frames back to back in 64 KiB reads, every frame across two.
  { name: '32 x 64 KiB in 64 KiB reads', size: 64 << 10, text: false, perRead: 32, cut: 64 << 10 },
];

let bufferutil = false;
try {
  require('bufferutil');
  bufferutil = !process.env.WS_NO_BUFFER_UTIL;
} catch {
  // not installed
}
console.log(`echo path in one process, best round of ${seconds} s (node ${process.version})`);
console.log(`ws ${require('ws/package.json').version}${bufferutil ? ' + bufferutil' : ''}; messages per CPU second; ratio = sansocket / ws`);
console.log('');
console.log('| case | sansocket | ws | ratio | writes per read (ours, ws) |');
console.log('|---|---|---|---|---|');
for (const row of rows) {
  if (only !== null && !row.name.includes(only)) continue;
  const payload = Buffer.alloc(row.size, row.text ? 'a' : 0x5a);
  const one = frame(payload, row.text);
  const wire = Buffer.concat(Array.from({ length: row.perRead }, () => one));
  const reads = [];
  for (let at = 0; at < wire.length; at += row.cut ?? wire.length) reads.push(wire.subarray(at, at + (row.cut ?? wire.length)));
  const expected = (row.size < 126 ? 2 : row.size < 65536 ? 4 : 10) + row.size;
  const result = {};
  const writes = {};
  for (const [name, make] of [
    ['ours', ours],
    ['ws', theirs],
  ]) {
    const socket = make();
    // Each read is a new Buffer, as a socket's are (a handler may keep views of it).
    for (const read of reads) socket.emit('data', Buffer.from(read));
    if (socket.bytes !== expected * row.perRead) throw new Error(`${name}: ${socket.bytes} bytes echoed for ${row.name}`);
    writes[name] = socket.writes;
    result[name] = measure((n) => {
      for (let i = 0; i < n; i++) for (const read of reads) socket.emit('data', Buffer.from(read));
    }, row.perRead);
  }
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  console.log(
    `| ${row.name} | ${fmt(result.ours)} | ${fmt(result.ws)} | ${(result.ours / result.ws).toFixed(2)} | ${writes.ours}, ${writes.ws} |`,
  );
}
