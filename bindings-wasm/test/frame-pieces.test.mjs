// The Node glue's receive path for binary frames that straddle reads (receiveEvents): the
// engine decodes the header and counts the bytes, each piece is unmasked straight out of
// its read, and the message is allocated when the header comes (or put together in the
// rest of the read it started in). It must give the same events as receiveData + events:
// frames cut at every offset (every phase of the key at a cut), 64 KiB and 1 MiB messages
// across reads of many sizes, control frames between and right after, a close right after,
// the limits, the end of the stream inside a frame, two connections in turn, and a real
// socket with backpressure.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';

import { ServerConnection, serve } from '../lib/node.js';
import { receiveEvents } from '../lib/node-wasm.js';
import { cutAt, everyN, listen, masked, next, pattern } from './helpers.mjs';

const OPTIONS = { open: true, maxMessageSize: 4 << 20, maxFrameSize: 4 << 20 };

function plain(e) {
  if (e.type === 'error') return ['error', e.error.closeCode];
  if (e.type === 'close') return ['close', e.code, e.reason];
  return [e.type, typeof e.data === 'string' ? e.data : Buffer.from(e.data)];
}

/** The events of `reads` (each a fresh copy, given away): the glue's path or the reference. */
function run(reads, { reference = false, options = OPTIONS, eof = false } = {}) {
  const conn = new ServerConnection(options);
  const out = [];
  for (const read of reads) {
    const copy = Buffer.from(read);
    let events;
    if (reference) {
      conn.receiveData(copy);
      events = conn.events({ textAs: 'bytes' });
    } else {
      events = receiveEvents(conn, copy, true);
    }
    for (const e of events) out.push(plain(e));
  }
  if (eof) {
    conn.receiveEof();
    for (const e of conn.events({ textAs: 'bytes' })) out.push(plain(e));
  }
  conn.free();
  return out;
}

const ping = masked(9, Buffer.from('between'), true, 50);
const close = masked(8, Buffer.from([0x03, 0xe8, 0x6f, 0x6b]), true, 51); // 1000 "ok"

describe('receiveEvents: binary frames that straddle reads', () => {
  it('two reads cut at every offset of frames of every key phase', () => {
    for (const len of [125, 126, 1000, 1001, 1002, 1003]) {
      const payload = pattern(len, len);
      const wire = Buffer.concat([masked(2, payload, true, len), ping, masked(2, pattern(7, 3), true, 9)]);
      const expected = [['binary', payload], ['ping', Buffer.from('between')], ['binary', pattern(7, 3)]];
      for (let cut = 0; cut <= wire.length; cut++) {
        assert.deepEqual(run(cutAt(wire, [cut])), expected, `len ${len}, cut at ${cut}`);
      }
    }
  });

  it('three reads: every piece length at every key phase', () => {
    const payload = pattern(3000, 77);
    const wire = Buffer.concat([masked(2, payload, true, 78), close]);
    const expected = [['binary', payload], ['close', 1000, 'ok']];
    for (let a = 0; a < 24; a++) {
      for (let b = a + 1; b < a + 12; b++) {
        assert.deepEqual(run(cutAt(wire, [a, b])), expected, `cuts at ${a}, ${b}`);
        assert.deepEqual(run(cutAt(wire, [a, 1500 + b])), expected, `cuts at ${a}, ${1500 + b}`);
      }
    }
  });

  it('64 KiB and 1 MiB messages across reads of many sizes, pings between, a close after', () => {
    const sizes = [64 << 10, (64 << 10) + 3, 1 << 20, (1 << 20) + 1];
    const frames = [];
    const expected = [];
    sizes.forEach((n, i) => {
      const payload = pattern(n, i + 90);
      frames.push(masked(2, payload, true, i + 91), ping);
      expected.push(['binary', payload], ['ping', Buffer.from('between')]);
    });
    frames.push(close, masked(2, pattern(100), true, 1)); // after the close frame: dropped
    expected.push(['close', 1000, 'ok']);
    const wire = Buffer.concat(frames);
    for (const size of [997, 4096, 16_384, 65_536, 65_543, 100_000, 1 << 20, wire.length]) {
      const reads = everyN(wire, size);
      assert.deepEqual(run(reads), expected, `reads of ${size}`);
    }
    assert.deepEqual(run(everyN(wire, 4093)), run(everyN(wire, 4093), { reference: true }));
  });

  it('a close frame and a ping in the read that finishes a message', () => {
    const payload = pattern(50_000, 5);
    const frame = masked(2, payload, true, 6);
    const wire = Buffer.concat([frame, ping, close]);
    const reads = cutAt(wire, [20_000]);
    assert.deepEqual(run(reads), [['binary', payload], ['ping', Buffer.from('between')], ['close', 1000, 'ok']]);
    assert.deepEqual(run(reads), run(reads, { reference: true }));
  });

  it('a message over the limits fails at its header, as receiveData fails it', () => {
    const options = { ...OPTIONS, maxMessageSize: 10_000, maxFrameSize: 10_000 };
    const wire = Buffer.concat([masked(2, pattern(10_000, 1), true, 2), masked(2, pattern(10_001, 3), true, 4)]);
    for (const reads of [cutAt(wire, [5000, 10_020]), everyN(wire, 3000), cutAt(wire, [10_014, 10_020])]) {
      const events = run(reads, { options });
      assert.deepEqual(events, run(reads, { options, reference: true }));
      assert.deepEqual(events, [['binary', pattern(10_000, 1)], ['error', 1009]]);
    }
  });

  it('the stream ends inside a message: the abnormal closure, as receiveData gives it', () => {
    const wire = masked(2, pattern(40_000, 8), true, 9);
    const reads = cutAt(wire, [1000, 20_000]).slice(0, 2);
    const events = run(reads, { eof: true });
    assert.deepEqual(events, run(reads, { eof: true, reference: true }));
    assert.equal(events.length, 1);
    assert.equal(events[0][0], 'error');
  });

  it('a text frame across reads keeps the engine path (its UTF-8 checked)', () => {
    const text = Buffer.from('é'.repeat(20_000));
    const bad = Buffer.concat([Buffer.from('a'.repeat(30_000)), Buffer.from([0xc3, 0x28])]);
    const wire = Buffer.concat([masked(1, text, true, 3), masked(2, pattern(30_000, 4), true, 5), masked(1, bad, true, 6)]);
    for (const size of [1000, 16_384, 65_536]) {
      const reads = everyN(wire, size);
      const events = run(reads);
      assert.deepEqual(events, run(reads, { reference: true }), `reads of ${size}`);
      assert.deepEqual(events, [['text', text], ['binary', pattern(30_000, 4)], ['error', 1007]]);
    }
  });

  it('bufferedInput counts the part of a message received so far', () => {
    const conn = new ServerConnection(OPTIONS);
    const wire = masked(2, pattern(100_000, 2), true, 3);
    assert.deepEqual(receiveEvents(conn, Buffer.from(wire.subarray(0, 30_014)), true), []);
    assert.equal(conn.bufferedInput, 30_000);
    const events = receiveEvents(conn, Buffer.from(wire.subarray(30_014)), true);
    assert.deepEqual(events.map(plain), [['binary', pattern(100_000, 2)]]);
    assert.equal(conn.bufferedInput, 0);
    conn.free();
  });

  it('two connections with messages under way in turn keep theirs apart', () => {
    const a = new ServerConnection(OPTIONS);
    const b = new ServerConnection(OPTIONS);
    const pa = pattern(200_000, 11);
    const pb = pattern(150_000, 12);
    const wa = masked(2, pa, true, 13);
    const wb = masked(2, pb, true, 14);
    const got = [];
    for (let at = 0; at < wa.length; at += 50_000) {
      for (const e of receiveEvents(a, Buffer.from(wa.subarray(at, at + 50_000)), true)) got.push(['a', ...plain(e)]);
      for (const e of receiveEvents(b, Buffer.from(wb.subarray(at, at + 50_000)), true)) got.push(['b', ...plain(e)]);
    }
    assert.deepEqual(got, [['b', 'binary', pb], ['a', 'binary', pa]]);
    a.free();
    b.free();
  });

  it('a message put together in its first read is not overwritten by the next reads', () => {
    const payloads = [pattern(40_000, 21), pattern(40_000, 22), pattern(40_000, 23)];
    const wire = Buffer.concat(payloads.map((p, i) => masked(2, p, true, 24 + i)));
    const conn = new ServerConnection(OPTIONS);
    const kept = [];
    for (const read of everyN(wire, 65_536)) {
      for (const e of receiveEvents(conn, Buffer.from(read), true)) kept.push(e.data);
    }
    assert.deepEqual(kept.map((d) => Buffer.from(d)), payloads);
    conn.free();
  });
});

describe('Node glue: large messages over a socket, with backpressure', () => {
  it('1 MiB messages in small writes are echoed whole while the client reads slowly', async () => {
    const { server, port, close: stop } = await listen();
    serve(server, { maxMessageSize: 4 << 20, maxFrameSize: 4 << 20 }, (ws) => {
      ws.on('message', (data, isBinary) => {
        if (!ws.send(data, { binary: isBinary })) ws.pause();
      });
      ws.on('drain', () => ws.resume());
    });
    const socket = net.connect(port, '127.0.0.1');
    await next(socket, 'connect');
    socket.write(
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const [response] = await next(socket, 'data'); // the 101 (no frames before it)
    const payloads = [pattern(1 << 20, 31), pattern((1 << 20) + 5, 32), pattern(70_000, 33)];
    const wire = Buffer.concat(payloads.map((p, i) => masked(2, p, true, 34 + i)));
    for (let at = 0; at < wire.length; at += 40_000) socket.write(wire.subarray(at, at + 40_000));
    // Read slowly at first: the server's writes back up and it pauses its reading.
    socket.pause();
    await new Promise((r) => setTimeout(r, 100));
    const chunks = [response];
    socket.on('data', (d) => chunks.push(d));
    socket.resume();
    const want = payloads.reduce((n, p) => n + p.length + 10, 0);
    const deadline = Date.now() + 10_000;
    const got = () => Buffer.concat(chunks);
    while (Date.now() < deadline) {
      const all = got();
      const body = all.indexOf('\r\n\r\n');
      if (body >= 0 && all.length - body - 4 >= want) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const all = got();
    let at = all.indexOf('\r\n\r\n') + 4;
    for (const p of payloads) {
      assert.equal(all[at], 0x82, `frame at ${at}: ${all.subarray(at, at + 40).toString("hex")}`);
      const n = p.length > 65_535 ? Number(all.readBigUInt64BE(at + 2)) : all.readUInt16BE(at + 2);
      const head = p.length > 65_535 ? 10 : 4;
      assert.equal(n, p.length);
      assert.ok(all.subarray(at + head, at + head + n).equals(p));
      at += head + n;
    }
    socket.destroy();
    await stop();
  });
});
