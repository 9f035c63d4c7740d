// Reads that end anywhere: receiveData copies a read into the room the engine offers, in
// pieces when a frame straddles reads (no fallback to a copy of the whole read). Every
// split must give the events of the stream received in one piece, with and without
// `consume`: whole messages, fragmented ones, control frames between fragments, bad UTF-8
// found across reads, the close frame. Then the Node glue on loopback: big messages in
// socket-sized reads, with backpressure (pause/resume) and the close handshake after them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import WsClient from 'ws';

import { ServerConnection, serve } from '../lib/node.js';
import { cutAt, listen, masked, next, pattern } from './helpers.mjs';

const OPTIONS = { open: true, maxMessageSize: 1 << 20, maxFrameSize: 1 << 20 };

/** The events of `reads` as comparable values (payloads as Buffers, errors by code). */
function run(reads, consume) {
  const conn = new ServerConnection(OPTIONS);
  const out = [];
  for (const read of reads) {
    conn.receiveData(consume ? Buffer.from(read) : read, consume ? { consume: true } : undefined);
    for (const e of conn.events({ textAs: 'bytes' })) {
      if (e.type === 'error') out.push(['error', e.error.closeCode]);
      else if (e.type === 'close') out.push(['close', e.code, e.reason]);
      else out.push([e.type, Buffer.from(e.data)]);
    }
  }
  conn.free();
  return out;
}

const text = Buffer.from('ünïcödé €𝄞 '.repeat(30));
const big = pattern(70_000, 5);
const mid = pattern(20_000, 6);
/** Every kind of frame: whole, fragmented with a ping between, big, small, close. */
const STREAM = Buffer.concat([
  masked(2, pattern(300, 1), true, 1),
  masked(1, text.subarray(0, 7), false, 2), // a character cut between fragments
  masked(9, Buffer.from('ping'), true, 3),
  masked(0, text.subarray(7), true, 4),
  masked(2, big, true, 5),
  masked(2, mid.subarray(0, 10_000), false, 6),
  masked(0, mid.subarray(10_000), true, 7),
  masked(1, Buffer.from('héllo'), true, 8),
  masked(8, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]), true, 9), // 1000 "bye"
]);
const EXPECTED = [
  ['binary', pattern(300, 1)],
  ['ping', Buffer.from('ping')],
  ['text', text],
  ['binary', big],
  ['binary', mid],
  ['text', Buffer.from('héllo')],
  ['close', 1000, 'bye'],
];

describe('receiveData: frames split across reads', () => {
  it('the stream in one read gives the expected events', () => {
    assert.deepEqual(run([STREAM], false), EXPECTED);
    assert.deepEqual(run([STREAM], true), EXPECTED);
  });

  it('two reads, cut at every offset of the frame heads and around the big frame', () => {
    const offsets = new Set();
    for (let i = 0; i <= 400; i++) offsets.add(i); // the first frames, byte by byte
    for (let i = 0; i < STREAM.length; i += 997) offsets.add(i);
    for (const edge of [STREAM.indexOf(masked(2, big, true, 5).subarray(0, 14))]) {
      for (let d = -20; d <= 20; d++) offsets.add(edge + d);
    }
    for (let i = STREAM.length - 40; i <= STREAM.length; i++) offsets.add(i);
    for (const cut of offsets) {
      if (cut < 0 || cut > STREAM.length) continue;
      const reads = cutAt(STREAM, [cut]);
      assert.deepEqual(run(reads, true), EXPECTED, `consume, cut at ${cut}`);
    }
    for (const cut of [0, 1, 2, 150, 350, 20_000, 70_001, STREAM.length - 3]) {
      assert.deepEqual(run(cutAt(STREAM, [cut]), false), EXPECTED, `cut at ${cut}`);
    }
  });

  it('reads of every size from 1 byte to more than the stream', () => {
    for (const size of [1, 2, 3, 7, 13, 125, 1000, 4093, 16_384, 32_771, 65_536, 100_000, 1 << 20]) {
      const cuts = [];
      for (let at = size; at < STREAM.length; at += size) cuts.push(at);
      const reads = cutAt(STREAM, cuts);
      assert.deepEqual(run(reads, true), EXPECTED, `consume, reads of ${size}`);
      if (size >= 1000) assert.deepEqual(run(reads, false), EXPECTED, `reads of ${size}`);
    }
  });

  it('bad UTF-8 found across reads fails with 1007 after the messages before it', () => {
    const bad = Buffer.concat([Buffer.from('a'.repeat(40_000)), Buffer.from([0xc3, 0x28]), Buffer.from('b'.repeat(30_000))]);
    const wire = Buffer.concat([masked(2, pattern(5000, 2)), masked(1, bad.subarray(0, 40_001), false), masked(0, bad.subarray(40_001))]);
    for (const size of [1000, 16_384, 40_003, 65_536]) {
      const cuts = [];
      for (let at = size; at < wire.length; at += size) cuts.push(at);
      const events = run(cutAt(wire, cuts), true);
      assert.deepEqual(events, [['binary', pattern(5000, 2)], ['error', 1007]], `reads of ${size}`);
    }
    for (let cut = 5000; cut < 5030; cut++) {
      assert.deepEqual(run(cutAt(wire, [cut, 45_010]), true), [['binary', pattern(5000, 2)], ['error', 1007]], `cut at ${cut}`);
    }
  });

  it('bytes after the close frame are dropped, whatever the split', () => {
    const wire = Buffer.concat([masked(2, big), masked(8, Buffer.from([0x03, 0xe8])), masked(2, pattern(100))]);
    for (const size of [100, 65_536, 70_010]) {
      const cuts = [];
      for (let at = size; at < wire.length; at += size) cuts.push(at);
      assert.deepEqual(run(cutAt(wire, cuts), true), [['binary', big], ['close', 1000, '']], `reads of ${size}`);
    }
  });
});

describe('Node glue: big messages in socket-sized reads', () => {
  it('echoes 16 KiB, 64 KiB and 1 MiB messages, pipelined, with backpressure and a clean close', async () => {
    const { server, port, close } = await listen();
    let paused = 0;
    serve(server, { textAs: 'buffer', maxMessageSize: 4 << 20 }, (ws) => {
      ws.on('message', (data, isBinary) => {
        if (!ws.send(data, { binary: isBinary })) {
          paused++;
          ws.pause();
        }
      });
      ws.on('drain', () => ws.resume());
    });
    const client = new WsClient(`ws://127.0.0.1:${port}/`, { maxPayload: 4 << 20 });
    await next(client, 'open');
    const sent = [];
    for (let i = 0; i < 40; i++) {
      const size = [16_384, 65_536, 1 << 20, 65_536 + 7][i % 4];
      sent.push(i % 5 === 4 ? Buffer.from('€'.repeat(size / 4)) : pattern(size, i));
    }
    const echoes = [];
    const done = new Promise((resolve) => {
      client.on('message', (data) => {
        echoes.push(data);
        if (echoes.length === sent.length) resolve();
      });
    });
    // Everything at once, and the client reads slowly at first: the server's writes back up.
    client._socket.pause();
    for (const [i, data] of sent.entries()) client.send(data, { binary: i % 5 !== 4 });
    await new Promise((r) => setTimeout(r, 200));
    client._socket.resume();
    await done;
    for (const [i, data] of sent.entries()) assert.deepEqual(Buffer.from(echoes[i]), data, `message ${i}`);
    assert.ok(paused > 0, 'the server saw backpressure');
    client.close(1000, 'done');
    const [code] = await next(client, 'close');
    assert.equal(code, 1000);
    await close();
  });
});
