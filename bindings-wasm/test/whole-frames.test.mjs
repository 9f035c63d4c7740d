// The Node glue's receive path (receiveEvents): each read goes through the instance's
// scratch buffer, whole frames are unmasked straight out of it, the rest goes to the
// engine. It must give the same events as receiveData + events for every split of a
// stream: frames cut at every offset, big frames across reads, masks with every key and
// payload length (every phase of the key at the end of a payload), bad UTF-8, the close
// frame and what follows it, two connections reading in turn (the scratch buffer is
// shared), and the handshake through the glue in pieces.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';

import { ServerConnection, serve } from '../lib/node.js';
import { receiveEvents } from '../lib/node-wasm.js';
import { cutAt, everyN, listen, masked, next, pattern } from './helpers.mjs';

const OPTIONS = { open: true, maxMessageSize: 1 << 20, maxFrameSize: 1 << 20 };

/** An event as a comparable value (payloads as Buffers, errors by close code). */
function plain(e) {
  if (e.type === 'error') return ['error', e.error.closeCode];
  if (e.type === 'close') return ['close', e.code, e.reason];
  if (e.type === 'chunk') return ['chunk', e.kind, Buffer.from(e.data), e.fin];
  return [e.type, typeof e.data === 'string' ? e.data : Buffer.from(e.data)];
}

/** The events of `reads`: the glue's path, or (`reference`) receiveData + events. */
function run(reads, { reference = false, textBytes = true, options = OPTIONS } = {}) {
  const conn = new ServerConnection(options);
  const out = [];
  for (const read of reads) {
    const copy = Buffer.from(read); // each read is given away, as a socket's is
    let events;
    if (reference) {
      conn.receiveData(copy);
      events = conn.events(textBytes ? { textAs: 'bytes' } : undefined);
    } else {
      events = receiveEvents(conn, copy, textBytes);
    }
    for (const e of events) out.push(plain(e));
  }
  conn.free();
  return out;
}

const text = Buffer.from('ünïcödé €𝄞 '.repeat(30));
const big = pattern(70_000, 5);
const mid = pattern(20_000, 6);
/** Whole frames, a fragmented message with a ping between, a big frame, text, close. */
const STREAM = Buffer.concat([
  masked(2, pattern(300, 1), true, 1),
  masked(2, Buffer.alloc(0), true, 11),
  masked(1, text, true, 12),
  masked(1, text.subarray(0, 7), false, 2), // a character cut between fragments
  masked(9, Buffer.from('ping'), true, 3),
  masked(0, text.subarray(7), true, 4),
  masked(2, big, true, 5),
  masked(2, mid.subarray(0, 10_000), false, 6),
  masked(0, mid.subarray(10_000), true, 7),
  masked(2, mid, true, 13),
  masked(1, Buffer.from('héllo'), true, 8),
  masked(8, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]), true, 9), // 1000 "bye"
  masked(2, pattern(10), true, 10), // after the close frame: dropped
]);
const EXPECTED = [
  ['binary', pattern(300, 1)],
  ['binary', Buffer.alloc(0)],
  ['text', text],
  ['ping', Buffer.from('ping')],
  ['text', text],
  ['binary', big],
  ['binary', mid],
  ['binary', mid],
  ['text', Buffer.from('héllo')],
  ['close', 1000, 'bye'],
];

describe('receiveEvents: the glue path gives the events of receiveData + events', () => {
  it('the stream in one read, text as bytes and as strings', () => {
    assert.deepEqual(run([STREAM]), EXPECTED);
    assert.deepEqual(run([STREAM], { textBytes: false }), run([STREAM], { reference: true, textBytes: false }));
  });

  it('two reads, cut at every offset of the first frames and around the big ones', () => {
    const offsets = new Set();
    for (let i = 0; i <= 700; i++) offsets.add(i);
    for (let i = 0; i < STREAM.length; i += 331) offsets.add(i);
    for (const frame of [masked(2, big, true, 5), masked(2, mid, true, 13)]) {
      const edge = STREAM.indexOf(frame.subarray(0, 14));
      for (let d = -16; d <= 16; d++) {
        offsets.add(edge + d);
        offsets.add(edge + frame.length + d);
      }
    }
    for (let i = STREAM.length - 60; i <= STREAM.length; i++) offsets.add(i);
    for (const cut of offsets) {
      if (cut < 0 || cut > STREAM.length) continue;
      assert.deepEqual(run(cutAt(STREAM, [cut])), EXPECTED, `cut at ${cut}`);
    }
  });

  it('reads of every size, big frames across several reads', () => {
    for (const size of [1, 2, 3, 5, 13, 125, 1000, 4093, 16_384, 32_771, 65_536, 100_000, 1 << 20]) {
      assert.deepEqual(run(everyN(STREAM, size)), EXPECTED, `reads of ${size}`);
    }
  });

  it('every key and payload length: whole frames unmasked with the right phase', () => {
    const frames = [];
    const expected = [];
    for (let len = 0; len <= 300; len++) {
      const payload = pattern(len, len + 1);
      frames.push(masked(2, payload, true, len * 7 + 1));
      expected.push(['binary', payload]);
    }
    const wire = Buffer.concat(frames);
    for (const size of [wire.length, 4096, 1000, 97]) {
      assert.deepEqual(run(everyN(wire, size)), expected, `reads of ${size}`);
    }
  });

  it('pipelined 64 KiB frames in socket-sized reads, whatever the first cut', () => {
    const payloads = [];
    for (let i = 0; i < 6; i++) payloads.push(pattern(65_536 + (i % 3), i + 20));
    const wire = Buffer.concat(payloads.map((p, i) => masked(2, p, true, i + 30)));
    const expected = payloads.map((p) => ['binary', p]);
    for (const first of [1, 2, 9, 14, 15, 65_549, 65_550, 65_551]) {
      const cuts = [first];
      for (let at = first + 65_536; at < wire.length; at += 65_536) cuts.push(at);
      assert.deepEqual(run(cutAt(wire, cuts)), expected, `first read of ${first}`);
    }
  });

  it('bad UTF-8 in a whole frame fails with 1007 after the messages before it', () => {
    const bad = Buffer.from([0x61, 0xc3, 0x28, 0x62]);
    const wire = Buffer.concat([masked(2, pattern(5000, 2)), masked(1, Buffer.from('ok')), masked(1, bad), masked(2, pattern(10))]);
    const expected = [['binary', pattern(5000, 2)], ['text', Buffer.from('ok')], ['error', 1007]];
    for (const size of [wire.length, 5008, 5010, 5012, 5013, 3]) {
      const reads = everyN(wire, size);
      assert.deepEqual(run(reads), expected, `reads of ${size}`);
      assert.deepEqual(run(reads), run(reads, { reference: true }), `reads of ${size}, reference`);
    }
  });

  it('an unmasked frame from a client fails the connection as receiveData does', () => {
    const frame = Buffer.from([0x82, 0x03, 1, 2, 3]);
    const wire = Buffer.concat([masked(2, pattern(100)), frame]);
    assert.deepEqual(run([wire]), run([wire], { reference: true }));
    assert.equal(run([wire]).at(-1)[0], 'error');
  });

  it('frames over the limits fail as receiveData fails them', () => {
    const options = { ...OPTIONS, maxMessageSize: 1000, maxFrameSize: 1000 };
    const wire = Buffer.concat([masked(2, pattern(1000)), masked(2, pattern(1001))]);
    for (const reads of [[wire], everyN(wire, 100)]) {
      const events = run(reads, { options });
      assert.deepEqual(events, run(reads, { options, reference: true }));
      assert.deepEqual(events, [['binary', pattern(1000)], ['error', 1009]]);
    }
  });

  it('chunk delivery and permessage-deflate-free streams agree with the reference', () => {
    const options = { ...OPTIONS, delivery: 'chunks' };
    for (const size of [STREAM.length, 65_536, 1000]) {
      const reads = everyN(STREAM, size);
      assert.deepEqual(run(reads, { options }), run(reads, { options, reference: true }), `reads of ${size}`);
    }
  });

  it('two connections reading in turn: each keeps its payloads (the scratch buffer is shared)', () => {
    const a = new ServerConnection(OPTIONS);
    const b = new ServerConnection(OPTIONS);
    const pa = pattern(30_000, 41);
    const pb = pattern(30_000, 42);
    const wa = masked(2, pa, true, 43);
    const wb = masked(2, pb, true, 44);
    const ea = receiveEvents(a, Buffer.from(wa.subarray(0, 20_000)), true);
    const eb = receiveEvents(b, Buffer.from(wb), true);
    const ea2 = receiveEvents(a, Buffer.from(wa.subarray(20_000)), true);
    const ea3 = receiveEvents(a, Buffer.from(wa), true);
    assert.deepEqual(ea, []);
    assert.deepEqual(eb.map(plain), [['binary', pb]]);
    assert.deepEqual(ea2.map(plain), [['binary', pa]]);
    assert.deepEqual(ea3.map(plain), [['binary', pa]]);
    assert.deepEqual(eb.map(plain), [['binary', pb]], 'b\'s payload is unchanged after a\'s reads');
    a.free();
    b.free();
  });

  it('reads of growing and shrinking sizes, on connections of every kind in turn (the scratch buffer is reused)', () => {
    const kinds = [OPTIONS, { ...OPTIONS, delivery: 'chunks' }, OPTIONS];
    const conns = kinds.map((options) => new ServerConnection(options));
    const refs = kinds.map((options) => new ServerConnection(options));
    // The scratch buffer grows to 300 KB (past what the instance keeps), shrinks, grows.
    const sizes = [10, 5_000, 300_000, 7, 64 << 10, 200_000, 1, 131_072, 131_073, 3];
    sizes.forEach((size, i) => {
      const k = i % conns.length;
      const read = masked(2, pattern(size, i), true, i);
      const got = receiveEvents(conns[k], Buffer.from(read), true).map(plain);
      refs[k].receiveData(Buffer.from(read));
      assert.deepEqual(got, refs[k].events({ textAs: 'bytes' }).map(plain), `read ${i} of ${size} bytes`);
    });
    // A server connection still in its handshake takes the request through the glue too.
    const conn = new ServerConnection({});
    const request =
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const events = receiveEvents(conn, Buffer.from(request, 'latin1'), true);
    assert.deepEqual(events.map((e) => e.type), ['request']);
    for (const c of [...conns, ...refs, conn]) c.free();
  });

  it('a freed connection throws', () => {
    const conn = new ServerConnection(OPTIONS);
    conn.free();
    assert.throws(() => receiveEvents(conn, Buffer.from([1]), true), /freed/);
  });
});

describe('Node glue: the upgrade request and the first frames in pieces', () => {
  it('a handshake split byte by byte, frames right behind it, then a clean close', async () => {
    const { server, port, close } = await listen();
    const got = [];
    serve(server, { textAs: 'buffer' }, (ws) => {
      ws.on('message', (data, isBinary) => {
        got.push([Buffer.from(data), isBinary]);
        ws.send(data, { binary: isBinary });
      });
    });
    const socket = net.connect(port, '127.0.0.1');
    await next(socket, 'connect');
    socket.setNoDelay(true);
    const request =
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const frames = Buffer.concat([masked(2, pattern(20_000, 3), true, 5), masked(1, Buffer.from('héllo'), true, 6)]);
    let received = Buffer.alloc(0);
    socket.on('data', (d) => {
      received = Buffer.concat([received, d]);
    });
    for (const byte of Buffer.from(request)) {
      socket.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    // The frames in pieces that cut the header and the payload at odd places.
    for (const [a, b] of [[0, 1], [1, 3], [3, 5000], [5000, 20_009], [20_009, frames.length]]) {
      socket.write(frames.subarray(a, b));
      await new Promise((r) => setTimeout(r, 5));
    }
    const deadline = Date.now() + 5000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [[pattern(20_000, 3), true], [Buffer.from('héllo'), false]]);
    while (!received.includes(Buffer.from('héllo')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.match(received.toString('latin1'), /^HTTP\/1\.1 101 /);
    // The close handshake: the server answers and closes the transport.
    socket.write(masked(8, Buffer.from([0x03, 0xe8]), true, 7));
    await next(socket, 'close');
    const end = received.subarray(received.length - 4);
    assert.deepEqual([...end], [0x88, 0x02, 0x03, 0xe8]);
    await close();
  });
});
