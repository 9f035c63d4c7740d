#!/usr/bin/env node
// STOMP decode and encode, same process, same bytes: the npm package's StompDecoder /
// encodeFrame (the Rust engine in WASM) vs @stomp/stompjs's Parser (+ FrameImpl.fromRawFrame,
// what its client does with each frame) and FrameImpl.marshall, on MESSAGE frames with
// 100-byte and 16 KiB bodies. Decode: both are fed the stream in 64 KiB chunks
// (ArrayBuffers, as a binary WebSocket delivers them) and produce each frame's headers as
// strings and its body as bytes.
//
//   node bench/stomp.mjs [--seconds S]
//
// Not a timed test: it prints a table; per line, the best of the rounds run within 2 S
// seconds (default S = 1), rounds of sansocket and stompjs taking turns. Last, the broker's
// fan-out through StompBrokerHost (no peer): one publish of a 100 B body to 1,000
// subscribers of a topic, on in-memory sockets, until the host has written every MESSAGE.
import { FrameImpl, Parser } from '@stomp/stompjs';

import { EventEmitter } from 'node:events';

import { StompBroker, StompBrokerHost, StompDecoder, encodeFrame } from '../lib/node.js';

const i = process.argv.indexOf('--seconds');
const seconds = i > 0 ? Number(process.argv[i + 1]) : 1;
const HEADERS = [
  ['destination', '/topic/chat.general'],
  ['message-id', 'T_sub-0@@session-Xo3pG1@@1'],
  ['subscription', 'sub-0'],
  ['content-type', 'text/plain'],
];

/** Frames per second of one round of `fn` (which returns how many it handled). */
function rate(fn) {
  const start = performance.now();
  const n = fn();
  return n / ((performance.now() - start) / 1000);
}

/** The best rate of each, rounds of the two interleaved (a load spike hits both). */
function duel(ours, theirs) {
  let a = 0;
  let b = 0;
  const end = performance.now() + seconds * 2000;
  do {
    a = Math.max(a, rate(ours));
    b = Math.max(b, rate(theirs));
  } while (performance.now() < end);
  return [a, b];
}

const fmt = (n) => `${Math.round(n).toLocaleString('en-US')}/s`.padStart(14);
console.log(`${'case'.padEnd(26)}${'sansocket'.padStart(14)}${'stompjs'.padStart(14)}${'ratio'.padStart(8)}`);
for (const size of [100, 16 * 1024]) {
  const count = size === 100 ? 20000 : 2000;
  const body = new Uint8Array(size).fill(0x78);
  const wire = encodeFrame({ command: 'MESSAGE', headers: HEADERS, body });
  const stream = new Uint8Array(wire.length * count);
  for (let k = 0; k < count; k++) stream.set(wire, k * wire.length);
  const chunks = [];
  for (let at = 0; at < stream.length; at += 65536) chunks.push(stream.slice(at, at + 65536).buffer);

  const oursDecode = () => {
    const decoder = new StompDecoder('1.2');
    let n = 0;
    for (const chunk of chunks) {
      decoder.receiveData(chunk);
      for (let e = decoder.nextEvent(); e !== undefined; e = decoder.nextEvent()) n += e.body.length > 0;
    }
    decoder.free();
    if (n !== count) throw new Error(`decoded ${n}`);
    return n;
  };
  const theirDecode = () => {
    let n = 0;
    const parser = new Parser(
      (raw) => {
        const frame = FrameImpl.fromRawFrame(raw, true);
        n += frame.binaryBody.length > 0;
      },
      () => {},
    );
    for (const chunk of chunks) parser.parseChunk(chunk);
    if (n !== count) throw new Error(`decoded ${n}`);
    return n;
  };
  const headersObject = Object.fromEntries(HEADERS);
  const oursEncode = () => {
    for (let k = 0; k < count; k++) encodeFrame({ command: 'MESSAGE', headers: HEADERS, body });
    return count;
  };
  const theirEncode = () => {
    for (let k = 0; k < count; k++) FrameImpl.marshall({ command: 'MESSAGE', headers: headersObject, binaryBody: body, escapeHeaderValues: true });
    return count;
  };
  for (const [what, ours, theirs] of [
    ['decode', oursDecode, theirDecode],
    ['encode', oursEncode, theirEncode],
  ]) {
    const [a, b] = duel(ours, theirs);
    console.log(`${`${what} ${size} B body`.padEnd(26)}${fmt(a)}${fmt(b)}${`${(a / b).toFixed(1)}x`.padStart(8)}`);
  }
}

/** A socket that takes every write at once (the host's own work, no kernel). */
class NullSocket extends EventEmitter {
  write() {
    return true;
  }
  end() {}
}

const host = new StompBrokerHost(new StompBroker({ heartBeat: [0, 0] }));
for (let i = 0; i < 1000; i++) {
  const socket = new NullSocket();
  host.handleSocket(socket);
  socket.emit('data', Buffer.from('CONNECT\naccept-version:1.2\nhost:/\n\n\0SUBSCRIBE\nid:0\ndestination:/topic/t\n\n\0'));
}
host.flush();
const body = new Uint8Array(100).fill(0x78);
let best = 0;
const end = performance.now() + seconds * 2000;
do {
  best = Math.max(
    best,
    rate(() => {
      for (let k = 0; k < 20; k++) {
        host.broker.publish('/topic/t', body);
        host.flush();
      }
      return 20 * 1000;
    }),
  );
} while (performance.now() < end);
host.close();
console.log(`${'fan-out 1 → 1,000 (host)'.padEnd(26)}${fmt(best)}`);
