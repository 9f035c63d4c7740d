#!/usr/bin/env node
// Receive throughput, same process, same bytes: sansocket's WASM binding vs the `ws`
// package's Receiver (with its native `bufferutil` when installed), as a server decoding
// masked binary frames fed in 64 KiB chunks (socket-sized reads).
//
//   node bench/receive.mjs [--seconds S] [--sizes 125,1024,16384,1048576] [--no-child]
//
// Each round feeds a ~16 MiB stream (at least 16 frames); the best of the rounds run within
// S seconds (default 1.5) per line is reported, as MB/s of payload and messages/s, per CPU
// second of the process. "reads consumed" decodes the reads as the Node glue does (the
// reads given away: whole frames unmasked straight out of them through the instance's
// scratch buffer, payloads written back into the reads and handed out as views). A child
// process repeats the ws line with WS_NO_BUFFER_UTIL=1 (ws in plain JavaScript). Not a
// timed test: it prints numbers and never fails on them.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { ServerConnection } from '../lib/node.js';
import { receiveEvents } from '../lib/node-wasm.js';

const require = createRequire(import.meta.url);
const { Receiver } = require('ws');

const CHUNK = 64 << 10;
const STREAM = 16 << 20;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const seconds = Number(arg('--seconds', '1.5'));
const sizes = arg('--sizes', '125,1024,16384,1048576').split(',').map(Number);
const onlyWs = process.argv.includes('--only-ws');

/** Deterministic pseudo-random bytes (xorshift32). */
function fill(buf, seed) {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < buf.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

/** `count` masked binary frames of `size` bytes each, as one buffer. */
function frames(size, count) {
  const header = 2 + (size > 65535 ? 8 : size > 125 ? 2 : 0) + 4;
  const out = Buffer.alloc((header + size) * count);
  const payload = fill(Buffer.alloc(size), size);
  const key = fill(Buffer.alloc(4), 7);
  let at = 0;
  for (let f = 0; f < count; f++) {
    out[at++] = 0x82;
    if (size > 65535) {
      out[at++] = 0x80 | 127;
      out.writeBigUInt64BE(BigInt(size), at);
      at += 8;
    } else if (size > 125) {
      out[at++] = 0x80 | 126;
      out.writeUInt16BE(size, at);
      at += 2;
    } else {
      out[at++] = 0x80 | size;
    }
    key.copy(out, at);
    at += 4;
    for (let i = 0; i < size; i++) out[at + i] = payload[i] ^ key[i & 3];
    at += size;
  }
  return out;
}

function chunks(stream) {
  const out = [];
  for (let at = 0; at < stream.length; at += CHUNK) out.push(stream.subarray(at, at + CHUNK));
  return out;
}

/**
 * Runs `round` (returns messages decoded) repeatedly for `seconds`; the best round.
 * `prepare` runs before each round, outside the time measured.
 */
function measure(round, expected, prepare = () => {}) {
  prepare();
  round(); // warm-up
  let best = Infinity;
  const stop = performance.now() + seconds * 1000;
  let rounds = 0;
  do {
    prepare();
    const c0 = process.cpuUsage();
    const n = round();
    const c = process.cpuUsage(c0);
    const dt = (c.user + c.system) / 1000; // CPU ms: a shared machine disturbs it less than wall time
    if (n !== expected) throw new Error(`decoded ${n} messages, expected ${expected}`);
    best = Math.min(best, dt);
    rounds++;
  } while (performance.now() < stop && rounds < 1000);
  return best / 1000;
}

function benchSansocket(size, count, pieces, consume = undefined) {
  const conn = new ServerConnection({ open: true, maxFrameSize: 64 << 20, maxMessageSize: 64 << 20 });
  let bytes = 0;
  // A consumed read is the engine's to reuse (payloads are written over it): each round
  // gets fresh copies, as a socket gives a fresh buffer per read, made before the round is
  // timed (ws, which unmasks its reads in place, is not timed copying them either).
  let reads = [];
  const prepare = consume ? () => (reads = pieces.map((piece) => Buffer.from(piece))) : undefined;
  const round = () => {
    let n = 0;
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      let events;
      if (consume) {
        events = receiveEvents(conn, reads[i], false);
      } else {
        conn.receiveData(piece);
        events = conn.events();
      }
      for (let j = 0; j < events.length; j++) bytes += events[j].data.length;
      n += events.length;
    }
    return n;
  };
  try {
    // Check the payload once.
    conn.receiveData(pieces[0].subarray(0, Math.min(pieces[0].length, size + 14)));
    const first = conn.events();
    conn.receiveData(pieces[0].subarray(Math.min(pieces[0].length, size + 14)));
    for (const p of pieces.slice(1)) conn.receiveData(p);
    conn.events();
    if (first.length && !Buffer.from(first[0].data).equals(fill(Buffer.alloc(size), size))) throw new Error('sansocket decoded wrong bytes');
    return measure(round, count, prepare);
  } finally {
    conn.free();
  }
}

function benchWs(size, count, pieces) {
  const receiver = new Receiver({ isServer: true, maxPayload: 0, binaryType: 'nodebuffer' });
  let n = 0;
  let bytes = 0;
  receiver.on('message', (data) => {
    n++;
    bytes += data.length;
  });
  receiver.on('error', (e) => {
    throw e;
  });
  const round = () => {
    n = 0;
    for (const piece of pieces) receiver.write(piece);
    return n;
  };
  return measure(round, count);
}

function line(name, size, count, secs) {
  const mb = (size * count) / secs / 1e6;
  const msgs = count / secs;
  return { name, mb, msgs };
}

function fmt(r) {
  return `${r.mb.toFixed(0).padStart(8)} MB/s ${(r.msgs / 1e6).toFixed(2).padStart(7)} M msg/s`;
}

function wsOnlyChild() {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--only-ws', '--seconds', String(seconds), '--sizes', sizes.join(',')], {
    env: { ...process.env, WS_NO_BUFFER_UTIL: '1' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (child.status !== 0) return null;
  return JSON.parse(child.stdout);
}

const results = [];
for (const size of sizes) {
  const count = Math.max(16, Math.floor(STREAM / size));
  const stream = frames(size, count);
  const r = { size, count };
  // ws unmasks in place: give it its own copy (unmasking twice restores it, so rounds
  // alternate between masked and unmasked bytes of the same length; both are binary).
  if (!onlyWs) {
    r.sansocket = line('sansocket', size, count, benchSansocket(size, count, chunks(Buffer.from(stream))));
    // The Node glue's way: the reads are given away, payloads written back into them.
    r.consume = line('consume', size, count, benchSansocket(size, count, chunks(Buffer.from(stream)), { consume: true }));
  }
  r.ws = line('ws', size, count, benchWs(size, count, chunks(Buffer.from(stream))));
  results.push(r);
}

if (onlyWs) {
  process.stdout.write(JSON.stringify(results.map((r) => r.ws)));
} else {
  let bufferutil = false;
  try {
    require('bufferutil');
    bufferutil = !process.env.WS_NO_BUFFER_UTIL;
  } catch {
    // not installed
  }
  const plain = process.argv.includes('--no-child') ? null : wsOnlyChild();
  console.log(`receive throughput, masked binary frames in ${CHUNK >> 10} KiB chunks, best round of ${seconds} s (node ${process.version})`);
  console.log(`ws ${require('ws/package.json').version}${bufferutil ? ' + bufferutil' : ' (no bufferutil)'}; ratio = sansocket / ws`);
  console.log('');
  console.log(`| frame | sansocket | sansocket, reads consumed | ws${bufferutil ? ' + bufferutil' : ''} | ratios |${plain ? ' ws (plain JS) |' : ''}`);
  console.log(`|---|---|---|---|---|${plain ? '---|' : ''}`);
  results.forEach((r, i) => {
    const size = r.size >= 1 << 20 ? `${r.size >> 20} MiB` : r.size >= 1024 ? `${r.size >> 10} KiB` : `${r.size} B`;
    const ratio = `${(r.sansocket.mb / r.ws.mb).toFixed(2)}x / ${(r.consume.mb / r.ws.mb).toFixed(2)}x`;
    console.log(`| ${size} | ${fmt(r.sansocket)} | ${fmt(r.consume)} | ${fmt(r.ws)} | ${ratio} |${plain ? ` ${fmt(plain[i])} |` : ''}`);
  });
}
