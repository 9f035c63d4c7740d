// The Node glue's writes on a stand-in socket: how many writes an echo of a read makes, and
// that every split of the reads gives the same echoes.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';

import { ServerConnection, serve } from '../lib/node.js';
import { WebSocket } from '../lib/websocket.js';
import { listen, masked, next, pattern, within } from './helpers.mjs';
import { StandIn } from './stand-in.mjs';

/** An echo server's WebSocket on a stand-in socket (text handed over as Buffers, or strings). */
function echoing(textAsBuffer = true) {
  const socket = new StandIn({ keep: true });
  const conn = new ServerConnection({ open: true });
  const ws = new WebSocket(conn, socket, { textAsBuffer });
  ws.on('message', function echo(data, isBinary) {
    this.send(data, { binary: isBinary });
  });
  ws._start();
  return { socket, ws };
}

/** The server frame (unmasked, FIN) of `payload`. */
function plainFrame(opcode, payload) {
  const n = payload.length;
  const head = n > 65535 ? 10 : n > 125 ? 4 : 2;
  const out = Buffer.alloc(head + n);
  out[0] = 0x80 | opcode;
  if (n > 65535) {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  } else if (n > 125) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = n;
  }
  payload.copy(out, head);
  return out;
}

describe('Node glue: writes per read', () => {
  it('the echoes of the messages of one read leave in one write', () => {
    const { socket } = echoing();
    const payloads = Array.from({ length: 32 }, (_, i) => pattern(1000 + i, i));
    socket.emit('data', Buffer.concat(payloads.map((p, i) => masked(2, p, true, i))));
    assert.equal(socket.writes, 1);
    assert.equal(socket.corked, 0);
    assert.deepEqual(Buffer.concat(socket.written), Buffer.concat(payloads.map((p) => plainFrame(2, p))));
  });

  it('one message per read: one write, not corked', () => {
    const { socket } = echoing();
    let corks = 0;
    const cork = socket.cork;
    socket.cork = function () {
      corks++;
      cork.call(this);
    };
    for (let i = 0; i < 3; i++) socket.emit('data', masked(2, pattern(256, i), true, i));
    assert.equal(socket.writes, 3);
    assert.equal(corks, 0);
  });

  it('a ping among messages: its pong and the echoes in one write', () => {
    const { socket } = echoing();
    const a = pattern(10, 1);
    const b = pattern(300, 2);
    socket.emit('data', Buffer.concat([masked(2, a), masked(9, Buffer.from('hi')), masked(1, Buffer.from('ok'))]));
    assert.equal(socket.writes, 1);
    // The engine queued the pong as it decoded the read: it leaves before the echoes.
    assert.deepEqual(
      Buffer.concat(socket.written),
      Buffer.concat([plainFrame(10, Buffer.from('hi')), plainFrame(2, a), plainFrame(1, Buffer.from('ok'))]),
    );
    socket.written = [];
    socket.emit('data', masked(2, b));
    assert.deepEqual(Buffer.concat(socket.written), plainFrame(2, b));
  });

  it('every split of the reads gives the same echoes', () => {
    const payloads = [pattern(5, 1), pattern(200, 2), Buffer.from('héllo wörld'), pattern(70_000, 3), pattern(0, 4)];
    const kinds = [2, 2, 1, 2, 2];
    const wire = Buffer.concat(payloads.map((p, i) => masked(kinds[i], p, true, i)));
    const expected = Buffer.concat(payloads.map((p, i) => plainFrame(kinds[i], p)));
    for (const textAsBuffer of [true, false]) {
      for (const step of [1, 2, 3, 7, 64, 1000, 4096, 65_536, wire.length]) {
        const { socket } = echoing(textAsBuffer);
        for (let at = 0; at < wire.length; at += step) socket.emit('data', Buffer.from(wire.subarray(at, at + step)));
        assert.deepEqual(Buffer.concat(socket.written), expected, `reads of ${step} bytes`);
        assert.equal(socket.corked, 0);
      }
      // Two splits at every position of the small frames' bytes.
      const small = wire.subarray(0, 2 + 4 + 5 + 4 + 4 + 200);
      const smallExpected = expected.subarray(0, 2 + 5 + 4 + 200);
      for (let i = 0; i <= small.length; i++) {
        for (let j = i; j <= small.length; j += 13) {
          const { socket } = echoing(textAsBuffer);
          for (const part of [small.subarray(0, i), small.subarray(i, j), small.subarray(j)]) {
            if (part.length > 0) socket.emit('data', Buffer.from(part));
          }
          assert.deepEqual(Buffer.concat(socket.written), smallExpected, `split at ${i}, ${j}`);
        }
      }
    }
  });
});

describe('Node glue: backpressure while a read is dispatched', () => {
  it('send() answers false past the high-water mark, and the drain that follows resumes the reads', async () => {
    const { server, port, close } = await listen();
    let refused = 0;
    let drains = 0;
    serve(server, {}, (ws) => {
      ws.on('message', function echo(data, isBinary) {
        if (!this.send(data, { binary: isBinary })) {
          refused++;
          this.pause();
        }
      });
      ws.on('drain', function resume() {
        drains++;
        this.resume();
      });
    });
    try {
      const socket = net.connect(port, '127.0.0.1');
      await next(socket, 'connect');
      socket.write(
        'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      // 3 rounds of 64 messages of 1 KiB in one write: more than the socket's 16 KiB mark each.
      const payloads = Array.from({ length: 192 }, (_, i) => pattern(1024, i));
      const expected = Buffer.concat(payloads.map((p) => plainFrame(2, p)));
      let got = Buffer.alloc(0);
      const done = new Promise((resolve) => {
        socket.on('data', (d) => {
          got = Buffer.concat([got, d]);
          const at = got.indexOf('\r\n\r\n');
          if (at >= 0 && got.length - at - 4 >= expected.length) resolve();
        });
      });
      // Frames only once the 101 came (a client sends nothing before it).
      await within(5000, new Promise((resolve) => {
        const check = () => (got.indexOf('\r\n\r\n') >= 0 ? resolve() : setTimeout(check, 5));
        check();
      }), 'the 101');
      for (let r = 0; r < 3; r++) {
        socket.write(Buffer.concat(payloads.slice(r * 64, r * 64 + 64).map((p, i) => masked(2, p, true, i))));
      }
      await within(5000, done, 'every echo');
      const at = got.indexOf('\r\n\r\n') + 4;
      assert.deepEqual(got.subarray(at), expected);
      assert.ok(refused > 0, 'send() answered false at least once');
      assert.ok(drains > 0, "'drain' followed");
      socket.destroy();
    } finally {
      await close();
    }
  });
});
