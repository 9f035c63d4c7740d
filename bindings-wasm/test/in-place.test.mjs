// The Node glue's receive path for large binary payloads with bufferutil (receiveEvents
// through receiveInPlace): only the headers (and the payloads the engine must see) are
// copied into WASM memory, large binary payloads are unmasked in the read itself. It must
// give the same events as receiveData + events whatever the cuts between reads: every cut
// of two reads, three reads at many cuts, text (checked by the engine, 1007 when invalid),
// control frames, frames over the limits, frames whose pieces straddle reads, and no event's
// data may be changed by the reads after it. The same tests of receiveEvents also run
// without bufferutil (SANSOCKET_NO_BUFFERUTIL, the WASM unmask), in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ServerConnection } from '../lib/node.js';
import { receiveEvents } from '../lib/node-wasm.js';
import { cutAt, everyN, masked, pattern } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** Set in the child process that runs these tests again without bufferutil. */
const fallback = Boolean(process.env.SANSOCKET_NO_BUFFERUTIL);
const OPTIONS = { open: true, maxMessageSize: 1 << 20, maxFrameSize: 1 << 20 };

function plain(e) {
  if (e.type === 'error') return ['error', e.error.closeCode];
  if (e.type === 'close') return ['close', e.code, e.reason];
  return [e.type, typeof e.data === 'string' ? e.data : Buffer.from(e.data)];
}

/**
 * The events of `reads` (each a fresh copy, given away), by the glue's path or the
 * reference; the glue's data are compared after the last read (nothing may overwrite them).
 */
function run(reads, { reference = false, options = OPTIONS } = {}) {
  const conn = new ServerConnection(options);
  const out = [];
  for (const read of reads) {
    const copy = Buffer.from(read);
    if (reference) {
      conn.receiveData(copy);
      out.push(...conn.events({ textAs: 'bytes' }));
    } else {
      out.push(...receiveEvents(conn, copy, true));
    }
  }
  conn.free();
  return out.map(plain);
}

function same(reads, what, options = OPTIONS) {
  assert.deepEqual(run(reads, { options }), run(reads, { reference: true, options }), what);
}

const ping = masked(9, Buffer.from('in between'), true, 5);
const close = masked(8, Buffer.from([0x03, 0xe8, 0x6f, 0x6b]), true, 6);

describe('receiveEvents: large binary payloads unmasked in the read', () => {
  it(`is the path taken ${fallback ? 'not ' : ''}here (${fallback ? 'SANSOCKET_NO_BUFFERUTIL' : 'bufferutil'})`, () => {
    const proto = require('../pkg/node/sansocket_wasm.js').RawConnection.prototype;
    const original = proto.receiveInPlace;
    let calls = 0;
    proto.receiveInPlace = function (...args) {
      calls++;
      return original.apply(this, args);
    };
    try {
      same([masked(2, pattern(5000, 1), true, 1)], 'one large frame');
    } finally {
      proto.receiveInPlace = original;
    }
    assert.equal(calls > 0, !fallback);
  });

  it('two reads cut at every offset: large and small frames, text, a ping', () => {
    const wire = Buffer.concat([
      masked(2, pattern(3001, 1), true, 1),
      ping,
      masked(1, Buffer.from('é'.repeat(1200)), true, 2),
      masked(2, pattern(100, 3), true, 3),
      masked(2, pattern(2048, 4), true, 4),
      masked(2, pattern(2500, 5), true, 7),
      close,
    ]);
    for (let cut = 0; cut <= wire.length; cut++) same(cutAt(wire, [cut]), `cut at ${cut}`);
  });

  it('three reads at many cuts, frames of every key phase', () => {
    const wire = Buffer.concat([
      masked(2, pattern(4097, 8), true, 8),
      masked(2, pattern(2049, 9), true, 9),
      masked(2, pattern(3, 10), true, 10),
      masked(2, pattern(6002, 11), true, 11),
    ]);
    for (let a = 0; a <= wire.length; a += 97) {
      for (let b = a; b <= wire.length; b += 331) same(cutAt(wire, [a, b]), `cuts at ${a}, ${b}`);
    }
  });

  it('reads of every size from 2 KiB on, 64 KiB frames across them', () => {
    const wire = Buffer.concat([
      masked(2, pattern(65_536, 12), true, 12),
      masked(2, pattern(70_000, 13), true, 13),
      ping,
      masked(2, pattern(65_536, 14), true, 14),
    ]);
    for (const size of [2049, 3000, 4096, 16_384, 16_398, 40_000, 65_536, 65_550, 100_000]) {
      same(everyN(wire, size), `reads of ${size}`);
    }
  });

  it('invalid UTF-8 in a large read fails with 1007, as the engine does', () => {
    const bad = Buffer.from('x'.repeat(3000));
    bad[2999] = 0xff;
    const wire = Buffer.concat([masked(2, pattern(5000, 15), true, 15), masked(1, bad, true, 16)]);
    const events = run([wire]);
    assert.deepEqual(events.at(-1), ['error', 1007]);
    same([wire], 'one read');
    same(cutAt(wire, [3000]), 'two reads');
  });

  it('frames over the limits fail as the engine fails them', () => {
    const options = { ...OPTIONS, maxMessageSize: 4096, maxFrameSize: 4096 };
    const wire = Buffer.concat([masked(2, pattern(4096, 17), true, 17), masked(2, pattern(4097, 18), true, 18)]);
    const events = run([wire], { options });
    assert.deepEqual(events.at(-1), ['error', 1009]);
    same([wire], 'one read', options);
    same(cutAt(wire, [4100]), 'two reads', options);
  });

  it('random mixes of frames cut at random offsets (seeded)', () => {
    let seed = 12345;
    const random = (n) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (let round = 0; round < 300; round++) {
      const frames = [];
      const count = 1 + random(8);
      for (let i = 0; i < count; i++) {
        const pick = random(10);
        const size = [0, 1, 125, 126, 2047, 2048, 2049, 5000, 16_384, 70_000][random(10)];
        if (pick < 5) frames.push(masked(2, pattern(size, i), true, round + i));
        else if (pick < 7) frames.push(masked(1, Buffer.from('ü'.repeat(size >> 1)), true, i));
        else if (pick < 8) frames.push(masked(9, pattern(random(126), i), true, i));
        else frames.push(masked(2, pattern(size, i), false, i), masked(0, pattern(random(3000), i), true, i));
      }
      if (random(4) === 0) frames.push(close);
      const wire = Buffer.concat(frames);
      const cuts = [];
      for (let at = random(9000); at < wire.length; at += 1 + random(40_000)) cuts.push(at);
      same(cutAt(wire, cuts), `round ${round}`);
    }
  });

  it('the payloads handed out are views of the read, kept intact by later reads', () => {
    const payloads = [pattern(20_000, 19), pattern(3000, 20), pattern(50_000, 21), pattern(9000, 22)];
    const wire = Buffer.concat(payloads.map((p, i) => masked(2, p, true, 23 + i)));
    const conn = new ServerConnection(OPTIONS);
    const kept = [];
    for (const read of everyN(wire, 16_384)) {
      for (const e of receiveEvents(conn, Buffer.from(read), true)) kept.push(e.data);
    }
    assert.deepEqual(kept.map((d) => Buffer.from(d)), payloads);
    conn.free();
  });
});

describe('receiveEvents without bufferutil', { skip: fallback }, () => {
  it('gives the same events (the receive tests, run with SANSOCKET_NO_BUFFERUTIL=1)', () => {
    const files = ['in-place.test.mjs', 'frame-pieces.test.mjs', 'whole-frames.test.mjs', 'split-reads.test.mjs'];
    const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
      cwd: here,
      // Without the parent's NODE_TEST_CONTEXT: the child reports as a runner of its own.
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, SANSOCKET_NO_BUFFERUTIL: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(result.status, 0, result.stdout.slice(-4000) + result.stderr.slice(-2000));
    assert.match(result.stdout, /# fail 0/);
    assert.match(result.stdout, /is the path taken not here/);
  });
});
