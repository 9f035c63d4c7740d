#!/usr/bin/env node
// Send throughput, same process: a server framing messages with sansocket's WASM binding
// vs the `ws` package's Sender (with its native `bufferutil` when installed), each handing
// the frames to a stand-in socket that only counts the bytes (write, cork, uncork).
//
//   node bench/send.mjs [--seconds S] [--sizes 16,125,1024,16384,65536,1048576]
//
// Rows: binary messages of each size, and a 256-byte text message given as a string.
// Columns: `sendBinary`/`sendText` + `dataToSend()` per message (the sans-IO loop, the
// payload copied into WASM memory and out again), `sendAndTake` (the payload goes out as
// is behind the header the engine wrote: what the Node glue's `send` does) and ws's
// `Sender#send`. The first message of each is checked byte for byte against the others.
// Best of the rounds run within S seconds (default 1) per cell, in messages per CPU second. Not a timed test.
import { createRequire } from 'node:module';

import { ServerConnection } from '../lib/node.js';
import { bestRate } from './measure.mjs';

const require = createRequire(import.meta.url);
const { Sender } = require('ws');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const seconds = Number(arg('--seconds', '1'));
const sizes = arg('--sizes', '16,125,1024,16384,65536,1048576').split(',').map(Number);

/** A socket that keeps nothing: counts bytes, or collects them when `keep` is set. */
class Sink {
  bytes = 0;
  kept = null;
  cork() {}
  uncork() {}
  write(chunk) {
    // A socket encodes a string it is given (ws hands text over as the string itself).
    if (typeof chunk === 'string') chunk = Buffer.from(chunk, 'utf8');
    this.bytes += chunk.length;
    if (this.kept !== null) this.kept.push(Buffer.from(chunk));
    return true;
  }
}

/** Best messages per CPU second of rounds of `round(n)` (sends n messages) within `seconds`. */
function measure(round) {
  return bestRate(round, { seconds, minRoundMs: 20 });
}

function plain(payload) {
  const conn = new ServerConnection({ open: true });
  const sink = new Sink();
  const text = typeof payload === 'string';
  const one = () => {
    if (text) conn.sendText(payload);
    else conn.sendBinary(payload);
    sink.write(conn.dataToSend());
  };
  return { sink, one, done: () => conn.free() };
}

function vectored(payload) {
  const conn = new ServerConnection({ open: true });
  const sink = new Sink();
  const one = () => {
    const parts = conn.sendAndTake(payload);
    if (parts.length === 1) sink.write(parts[0]);
    else {
      sink.cork();
      sink.write(parts[0]);
      sink.write(parts[1]);
      sink.uncork();
    }
  };
  return { sink, one, done: () => conn.free() };
}

function ws(payload) {
  const sink = new Sink();
  const sender = new Sender(sink);
  const options = { binary: typeof payload !== 'string', fin: true, mask: false, compress: false };
  return { sink, one: () => sender.send(payload, options), done: () => {} };
}

const makers = { plain, vectored, ws };

function bench(payload) {
  const out = {};
  let reference = null;
  for (const [name, make] of Object.entries(makers)) {
    const m = make(payload);
    m.sink.kept = [];
    m.one();
    const wire = Buffer.concat(m.sink.kept);
    m.sink.kept = null;
    if (reference === null) reference = wire;
    else if (!wire.equals(reference)) throw new Error(`${name} wrote other bytes than plain`);
    out[name] = measure((n) => {
      for (let i = 0; i < n; i++) m.one();
    });
    m.done();
  }
  return out;
}

function label(size) {
  return size >= 1 << 20 ? `${size >> 20} MiB` : size >= 1024 ? `${size >> 10} KiB` : `${size} B`;
}

let bufferutil = false;
try {
  require('bufferutil');
  bufferutil = !process.env.WS_NO_BUFFER_UTIL;
} catch {
  // not installed
}
console.log(`send throughput, server frames (unmasked), best round of ${seconds} s (node ${process.version})`);
console.log(`ws ${require('ws/package.json').version}${bufferutil ? ' + bufferutil' : ''}; messages/s; ratio = sansocket / ws`);
console.log('');
console.log('| message | sendBinary + dataToSend | sendAndTake | ws Sender | ratios |');
console.log('|---|---|---|---|---|');
const rows = sizes.map((size) => [`binary ${label(size)}`, Buffer.alloc(size, 0x61)]);
rows.push(['text 256 B (string)', 'é'.repeat(64) + 'a'.repeat(128)]);
for (const [name, payload] of rows) {
  const r = bench(payload);
  const f = (x) => `${(x / 1e6).toFixed(2)} M`;
  console.log(
    `| ${name} | ${f(r.plain)} | ${f(r.vectored)} | ${f(r.ws)} | ${(r.plain / r.ws).toFixed(2)}x / ${(r.vectored / r.ws).toFixed(2)}x |`,
  );
}
