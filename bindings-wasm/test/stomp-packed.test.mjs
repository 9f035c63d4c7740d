// The packed crossings of StompDecoder and encodeFrame (one per frame, lib/stomp.js and
// src/stomp/codec.rs) against the general conversions: the same bytes, the same objects,
// the same errors, for text that is not ASCII, NULs, escapes and bodies of every size.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

import { StompDecoder, encodeFrame, wasmMemorySize } from '../lib/node.js';

const raw = createRequire(import.meta.url)('../pkg/node/sansocket_wasm.js');

const HEADERS = [
  [['destination', '/queue/a']],
  [['ключ', 'значение 😀'], ['k', 'a:b\nc\\d\re'], ['k', '']],
  [['é', 'ü'], ['emoji😀', '😀😀'], ['', 'x']],
  [['nul', 'a\0b']],
  [['destination', '/topic/a'], ['message-id', 'm-1'], ['content-type', 'text/plain']],
  [['a:b', 'c\\d'], ['content-length', '99'], ['cr', 'x\ry'], ['lf', 'x\ny']],
  [['content-length', '3']],
  [],
];
const BODIES = [new Uint8Array(0), new Uint8Array([0, 1, 2, 0xff]), new Uint8Array(5000).fill(0x61)];

test('encodeFrame returns what the general encoder returns, or throws what it throws', () => {
  for (const command of ['SEND', 'MESSAGE', 'ERROR', 'SUBSCRIBE', 'CONNECT', 'CONNECTED', 'BOGUS', 'SE\0ND']) {
    for (const headers of HEADERS) {
      for (const body of BODIES) {
        for (const version of ['1.0', '1.1', '1.2', '2.0']) {
          let expected;
          try {
            expected = raw.stompEncode(command, headers, body, version);
          } catch (e) {
            assert.throws(() => encodeFrame({ command, headers, body }, version), (err) => err.name === e.name && err.message === e.message && err.code === e.code);
            continue;
          }
          const got = encodeFrame({ command, headers, body }, version);
          assert.ok(got instanceof Uint8Array);
          assert.deepEqual(Buffer.from(got), Buffer.from(expected), `${command} ${JSON.stringify(headers)} ${body.length} ${version}`);
        }
      }
    }
  }
});

test('encoded frames kept while more are encoded stay as they were (pooled small frames)', () => {
  const kept = [];
  for (let i = 0; i < 2000; i++) {
    const body = new Uint8Array(i % 300).fill(i & 0xff);
    const frame = { command: 'SEND', headers: [['destination', `/queue/${i}`]], body };
    kept.push([encodeFrame(frame), raw.stompEncode('SEND', frame.headers, body, '1.2')]);
  }
  for (const [got, expected] of kept) assert.deepEqual(Buffer.from(got), Buffer.from(expected));
});

test('encodeFrame throws the TypeError of headers that are not [string, string] pairs', () => {
  for (const headers of [{ a: 'b' }, [['a']], [['a', 1]], [[1, 'a']], ['ab'], [['a', 'b', 'c']]]) {
    assert.throws(() => encodeFrame({ command: 'SEND', headers, body: '' }), TypeError);
  }
});

test('StompDecoder hands out every frame of a stream as the encoder wrote it', () => {
  for (const version of ['1.1', '1.2']) {
    const frames = [];
    for (const headers of HEADERS) {
      if (headers.some(([n, v]) => n.includes('\0') || v.includes('\0') || n === '' || n === 'content-length')) continue;
      for (const body of BODIES) frames.push({ command: 'MESSAGE', headers, body });
    }
    const wire = Buffer.concat(frames.flatMap((f) => [encodeFrame(f, version), Buffer.from('\n')]));
    for (const step of [1, 7, 4096, wire.length]) {
      const decoder = new StompDecoder(version);
      const events = [];
      for (let at = 0; at < wire.length; at += step) {
        decoder.receiveData(wire.subarray(at, at + step));
        for (let e = decoder.nextEvent(); e !== undefined; e = decoder.nextEvent()) events.push(e);
      }
      const expected = frames.flatMap((f) => [
        { type: 'frame', command: f.command, headers: [...f.headers, ['content-length', String(f.body.length)]], body: f.body },
        { type: 'heart-beat' },
      ]);
      assert.deepEqual(events, expected);
      for (const e of events) if (e.type === 'frame') assert.equal(e.body.byteLength, e.body.buffer.byteLength);
      decoder.free();
    }
  }
});

test('a frame decoded before a bad one is handed out, then the error is thrown', () => {
  const decoder = new StompDecoder('1.2');
  decoder.receiveData(Buffer.concat([encodeFrame({ command: 'SEND', headers: [['d', '/a']], body: 'x' }), Buffer.from('NOPE\n\n\0')]));
  assert.equal(decoder.nextEvent().command, 'SEND');
  assert.throws(() => decoder.nextEvent(), { name: 'StompDecodeError', code: 'unknown-command' });
  assert.equal(decoder.hasFailed, true);
  assert.equal(decoder.nextEvent(), undefined);
});

test('encodeFrame and StompDecoder after WASM memory grew (views renewed)', () => {
  const frame = { command: 'SEND', headers: [['destination', '/queue/a']], body: 'x' };
  const before = Buffer.from(encodeFrame(frame));
  const memory = wasmMemorySize();
  const size = 32 * 1024 * 1024;
  const decoder = new StompDecoder('1.2', { limits: { maxBody: size } });
  decoder.receiveData(Buffer.concat([Buffer.from(`SEND\ncontent-length:${size}\n\n`), Buffer.alloc(size), Buffer.from('\0')]));
  assert.equal(decoder.nextEvent().body.length, size);
  assert.ok(wasmMemorySize() > memory, 'the memory grew');
  assert.deepEqual(Buffer.from(encodeFrame(frame)), before);
  decoder.receiveData(before);
  assert.equal(stompHeaderOf(decoder.nextEvent(), 'destination'), '/queue/a');
  decoder.free();
});

const stompHeaderOf = (event, name) => event.headers.find(([n]) => n === name)?.[1];
