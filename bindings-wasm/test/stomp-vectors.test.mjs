// Replays the STOMP decoder vectors (tests/vectors/stomp/*.json, format in its README)
// through StompDecoder, as the Rust runner (stomp/tests/vectors.rs) does: each input whole,
// cut in two at every offset, and byte by byte. Every way must give the listed events.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

import { StompDecoder } from '../lib/node.js';

const DIR = new URL('../../tests/vectors/stomp/', import.meta.url);
const EVERY_OFFSET_UP_TO = 4096;
const hex = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const cases = files.flatMap((f) =>
  JSON.parse(readFileSync(new URL(f, DIR), 'utf8')).cases.map((c) => ({ file: f.replace('.json', ''), ...c })),
);

function input(c) {
  return c.input_hex !== undefined ? Uint8Array.from(Buffer.from(c.input_hex, 'hex')) : new TextEncoder().encode(c.input);
}

function expected(c) {
  return c.events.map((e) => {
    if (e.type !== 'frame') return e;
    const body = e.body_hex !== undefined ? e.body_hex : Buffer.from(e.body ?? '', 'utf8').toString('hex');
    return { type: 'frame', command: e.command, headers: e.headers, body_hex: body };
  });
}

const LIMIT_KEYS = { max_headers: 'maxHeaders', max_line: 'maxLine', max_header_block: 'maxHeaderBlock', max_body: 'maxBody' };

function replay(c, pieces) {
  const limits = Object.fromEntries(Object.entries(c.limits ?? {}).map(([k, v]) => [LIMIT_KEYS[k], v]));
  const decoder = new StompDecoder(c.version, { limits });
  const events = [];
  try {
    for (const piece of pieces) {
      decoder.receiveData(piece);
      for (;;) {
        let e;
        try {
          e = decoder.nextEvent();
        } catch (err) {
          assert.equal(err.name, 'StompDecodeError');
          assert.equal(decoder.hasFailed, true);
          assert.equal(decoder.nextEvent(), undefined);
          events.push({ type: 'error', kind: err.code });
          return events;
        }
        if (e === undefined) break;
        events.push(e.type === 'frame' ? { type: 'frame', command: e.command, headers: e.headers, body_hex: hex(e.body) } : { type: e.type });
      }
    }
    return events;
  } finally {
    decoder.free();
  }
}

test('the STOMP vectors are there', () => {
  assert.ok(cases.length >= 50, `${cases.length} cases`);
});

for (const c of cases) {
  test(`stomp ${c.file}/${c.name}: whole, every split, byte by byte`, () => {
    const data = input(c);
    const want = expected(c);
    assert.deepEqual(replay(c, [data]), want);
    const n = data.length;
    for (let cut = 0; cut <= n; cut += n <= EVERY_OFFSET_UP_TO ? 1 : Math.max(1, n >> 9)) {
      assert.deepEqual(replay(c, [data.subarray(0, cut), data.subarray(cut)]), want, `cut at ${cut}`);
    }
    if (n <= EVERY_OFFSET_UP_TO) {
      assert.deepEqual(replay(c, Array.from({ length: n }, (_, i) => data.subarray(i, i + 1))), want, 'byte by byte');
    }
  });
}
