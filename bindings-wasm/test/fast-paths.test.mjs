// The paths that spare a copy: sendAndTake (a server's payload goes out as it is behind the
// engine's frame header), receiveData with `consume` (payloads written back into the read
// and handed out as views of it), text as bytes (events({textAs: 'bytes'}), the glue's
// textAs: 'buffer') and send(data, {binary}). Each is checked against the plain path's bytes
// and events, on every error path, and against ws on loopback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import WsClient from 'ws';

import { ClientConnection, ServerConnection, serve } from '../lib/node.js';
import { listen, masked, next, pattern } from './helpers.mjs';

function concat(parts) {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/** What sendText/sendBinary + dataToSend write for the same message. */
function plainBytes(data, binary, options = {}) {
  const conn = new ServerConnection({ open: true, ...options });
  if (typeof data === 'string' && !binary) conn.sendText(data);
  else conn.sendBinary(typeof data === 'string' ? Buffer.from(data) : data);
  const out = Buffer.from(conn.dataToSend());
  conn.free();
  return out;
}

describe('sendAndTake', () => {
  for (const size of [0, 1, 125, 126, 256, 257, 1024, 65535, 65536, 200_000]) {
    it(`binary ${size} B: the same bytes as sendBinary + dataToSend; large payloads are not copied`, () => {
      const payload = pattern(size, size);
      const conn = new ServerConnection({ open: true });
      const parts = conn.sendAndTake(payload);
      assert.deepEqual(concat(parts), plainBytes(payload, true));
      if (size > 256) {
        assert.equal(parts.length, 2);
        assert.equal(parts[1], payload, 'the payload itself, not a copy');
      } else {
        assert.equal(parts.length, 1);
      }
      assert.equal(conn.bufferedAmount, 0);
      conn.free();
    });
  }

  it('text: a string (any size, non-ASCII, a lone surrogate) and UTF-8 bytes with binary false', () => {
    for (const text of ['', 'héllo wörld €', 'x'.repeat(70_000) + 'é', 'a\ud800b']) {
      const conn = new ServerConnection({ open: true });
      assert.deepEqual(concat(conn.sendAndTake(text)), plainBytes(text, false));
      assert.deepEqual(concat(conn.sendAndTake(Buffer.from(text), false)), plainBytes(text, false));
      conn.free();
    }
  });

  it('a string with binary true goes as binary', () => {
    const conn = new ServerConnection({ open: true });
    assert.deepEqual(concat(conn.sendAndTake('abc', true)), Buffer.from([0x82, 3, 0x61, 0x62, 0x63]));
    conn.free();
  });

  it('what was queued before (a pong) goes out first', () => {
    const conn = new ServerConnection({ open: true });
    conn.pong(Buffer.from('p'));
    const payload = pattern(5000);
    const parts = conn.sendAndTake(payload);
    const expected = Buffer.concat([Buffer.from([0x8a, 1, 0x70]), plainBytes(payload, true)]);
    assert.deepEqual(concat(parts), expected);
    conn.free();
  });

  it('invalid UTF-8 as text throws invalid-utf8 and queues nothing', () => {
    const conn = new ServerConnection({ open: true });
    assert.throws(() => conn.sendAndTake(Buffer.from([0x61, 0xff]), false), { name: 'UsageError', code: 'invalid-utf8' });
    assert.equal(conn.bufferedAmount, 0);
    conn.free();
  });

  it('refused in the states that refuse sendBinary, with the same errors', () => {
    const connecting = new ServerConnection();
    assert.throws(() => connecting.sendAndTake(pattern(5000)), { code: 'invalid-state' });
    connecting.free();
    const closed = new ServerConnection({ open: true });
    closed.close(1000, '');
    closed.dataToSend();
    assert.throws(() => closed.sendAndTake(pattern(5000)), { code: 'invalid-state' });
    assert.equal(closed.bufferedAmount, 0);
    closed.free();
    const fragmenting = new ServerConnection({ open: true });
    fragmenting.sendFragment('binary', pattern(3), false);
    assert.throws(() => fragmenting.sendAndTake(pattern(5000)), { code: 'fragment-order' });
    fragmenting.sendFragment('binary', pattern(3), true);
    fragmenting.dataToSend();
    assert.deepEqual(concat(fragmenting.sendAndTake(pattern(5000))), plainBytes(pattern(5000), true));
    fragmenting.free();
  });

  it('a client masks, so its frame is one new buffer, as dataToSend gives it', () => {
    const a = new ClientConnection({ open: true, entropySeed: 7 });
    const b = new ClientConnection({ open: true, entropySeed: 7 });
    const payload = pattern(5000);
    const parts = a.sendAndTake(payload);
    b.sendBinary(payload);
    assert.equal(parts.length, 1);
    assert.deepEqual(Buffer.from(parts[0]), Buffer.from(b.dataToSend()));
    a.free();
    b.free();
  });

  it('with permessage-deflate the payload is compressed: one new buffer, as dataToSend gives it', () => {
    const server = new ServerConnection({ deflate: true });
    const client = new ClientConnection({ host: 'h', deflate: true, entropySeed: 1 });
    server.receiveData(client.dataToSend());
    server.events();
    server.accept();
    client.receiveData(server.dataToSend());
    assert.equal(client.events()[0].type, 'accepted');
    const payload = Buffer.alloc(10_000, 0x61);
    const parts = server.sendAndTake(payload);
    assert.equal(parts.length, 1);
    assert.ok(parts[0].length < 1000, 'compressed');
    client.receiveData(parts[0]);
    assert.deepEqual(Buffer.from(client.events()[0].data), payload);
    server.free();
    client.free();
  });
});

describe('receiveData with consume', () => {
  it('payloads that came whole in the read are views of it, unmasked; the rest are copies', () => {
    const a = pattern(300, 1);
    const b = pattern(20_000, 2);
    const wire = Buffer.concat([masked(2, a), masked(1, Buffer.from('héllo')), masked(2, b)]);
    // Every split: the events are the same as without consume.
    for (const cut of [0, 1, 7, 306, 310, 320, 5000, wire.length - 1, wire.length]) {
      const conn = new ServerConnection({ open: true });
      const first = Buffer.from(wire.subarray(0, cut));
      const second = Buffer.from(wire.subarray(cut));
      conn.receiveData(first, { consume: true });
      const events = conn.events({ textAs: 'bytes' });
      conn.receiveData(second, { consume: true });
      events.push(...conn.events({ textAs: 'bytes' }));
      assert.deepEqual(
        events.map((e) => [e.type, Buffer.from(e.data)]),
        [['binary', a], ['text', Buffer.from('héllo')], ['binary', b]],
        `cut at ${cut}`,
      );
      for (const e of events) {
        const inRead = e.data.buffer === first.buffer || e.data.buffer === second.buffer;
        assert.equal(Buffer.isBuffer(e.data), inRead);
      }
      if (cut === 0) assert.ok(events.every((e) => e.data.buffer === second.buffer), 'all came whole in one read');
      conn.free();
    }
  });

  it('a message that came in several reads goes into the last one when it fits; payloads never overlap', () => {
    const big = pattern(70_000, 3);
    const small = pattern(1000, 4);
    const wire = Buffer.concat([masked(2, big), masked(2, small), masked(2, big), masked(2, small)]);
    for (const size of [65_536, 100_000, 16_384, 1000]) {
      const conn = new ServerConnection({ open: true, maxMessageSize: 1 << 20, maxFrameSize: 1 << 20 });
      const got = [];
      for (let off = 0; off < wire.length; off += size) {
        const read = Buffer.from(wire.subarray(off, off + size));
        conn.receiveData(read, { consume: true });
        for (const e of conn.events()) got.push([e, read]);
      }
      assert.deepEqual(
        got.map(([e]) => Buffer.from(e.data)),
        [big, small, big, small],
        `reads of ${size}`,
      );
      // Each payload is a view of the read it completed in when that read can hold it.
      const spans = new Map();
      for (const [e, read] of got) {
        assert.equal(e.data.buffer === read.buffer, e.data.length <= read.length, `reads of ${size}`);
        if (e.data.buffer !== read.buffer) continue;
        for (const [lo, hi] of spans.get(read) ?? []) {
          assert.ok(e.data.byteOffset >= hi || e.data.byteOffset + e.data.length <= lo, 'overlap');
        }
        spans.set(read, [...(spans.get(read) ?? []), [e.data.byteOffset, e.data.byteOffset + e.data.length]]);
      }
      conn.free();
    }
  });

  it('without consume the read is left as it was', () => {
    const wire = masked(2, pattern(100));
    const copy = Buffer.from(wire);
    const conn = new ServerConnection({ open: true });
    conn.receiveData(wire);
    const [event] = conn.events();
    assert.deepEqual(Buffer.from(event.data), pattern(100));
    assert.deepEqual(wire, copy);
    assert.notEqual(event.data.buffer, wire.buffer);
    conn.free();
  });

  it('text as a string by default, as bytes with textAs bytes, in chunks too', () => {
    const text = 'ünïcödé '.repeat(100);
    const wire = Buffer.concat([masked(1, Buffer.from(text).subarray(0, 5), false), masked(0, Buffer.from(text).subarray(5))]);
    const strings = new ServerConnection({ open: true, delivery: 'chunks' });
    strings.receiveData(Buffer.from(wire));
    const pieces = strings.events();
    assert.ok(pieces.every((e) => e.type === 'chunk' && e.kind === 'text' && typeof e.data === 'string'));
    assert.equal(pieces.map((e) => e.data).join(''), text);
    const bytes = new ServerConnection({ open: true, delivery: 'chunks' });
    bytes.receiveData(Buffer.from(wire), { consume: true });
    const raw = bytes.events({ textAs: 'bytes' });
    assert.ok(raw.every((e) => e.type === 'chunk' && e.kind === 'text' && e.data instanceof Uint8Array));
    assert.equal(Buffer.concat(raw.map((e) => e.data)).toString(), text);
    strings.free();
    bytes.free();
  });
});

describe('Node glue: textAs buffer and send(data, {binary})', () => {
  it('a ws client gets its text echoed as text and binary as binary; the server saw Buffers', async () => {
    const { server, port, close } = await listen();
    const seen = [];
    serve(server, { textAs: 'buffer' }, (ws) => {
      ws.on('message', (data, isBinary) => {
        seen.push([Buffer.isBuffer(data), isBinary]);
        ws.send(data, { binary: isBinary });
      });
    });
    const client = new WsClient(`ws://127.0.0.1:${port}/`);
    await next(client, 'open');
    const big = pattern(100_000);
    for (const [data, binary] of [['héllo', false], [big, true], ['x'.repeat(50_000), false], [pattern(10), true]]) {
      client.send(data, { binary });
      const [echo, isBinary] = await next(client, 'message');
      assert.equal(isBinary, binary);
      assert.deepEqual(Buffer.from(echo), Buffer.from(data));
    }
    assert.deepEqual(seen, [[true, false], [true, true], [true, false], [true, true]]);
    client.close();
    await next(client, 'close');
    await close();
  });

  it('send of bytes as text that are not UTF-8 throws invalid-utf8; textAs is checked', async () => {
    const { server, port, close } = await listen();
    const result = new Promise((resolve) => {
      serve(server, {}, (ws) => {
        try {
          ws.send(Buffer.from([0xff]), { binary: false });
          resolve(null);
        } catch (err) {
          resolve(err);
        }
        ws.close();
      });
    });
    const client = new WsClient(`ws://127.0.0.1:${port}/`);
    const err = await result;
    assert.equal(err?.code, 'invalid-utf8');
    await next(client, 'close');
    assert.throws(() => serve(server, { textAs: 'blob' }, () => {}), TypeError);
    await close();
  });
});
