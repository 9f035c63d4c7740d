// Interop on loopback with the `ws` package, both directions: our server (Node glue on an
// http server) with ws clients, and our client (net) with a ws server. Subprotocols,
// fragmentation, 1 MiB messages, ping/pong, every close path, permessage-deflate,
// backpressure.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import WsClient, { WebSocketServer } from 'ws';

import { connect, serve, wasmMemorySize } from '../lib/node.js';
import { listen, next, pattern, within } from './helpers.mjs';

// Incompressible: the flood below must fill the socket even when ws negotiates
// permessage-deflate (a periodic pattern compresses to almost nothing).
const NOISE = randomBytes(1 << 20);

const MiB = 1 << 20;

/** A ws client, open. */
async function wsOpen(url, protocols = [], options = {}) {
  const ws = new WsClient(url, protocols, options);
  await next(ws, 'open');
  return ws;
}

/** The next message of a ws client as [data, isBinary]. */
function wsMessage(ws, ms = 10000) {
  return next(ws, 'message', ms);
}

describe('our server, ws clients', () => {
  let srv;
  let url;
  const seen = { requests: [], closes: [] };

  before(async () => {
    srv = await listen();
    url = `ws://127.0.0.1:${srv.port}/chat?room=1`;
    const options = { subprotocols: ['v12.stomp', 'v11.stomp'], maxMessageSize: 64 * MiB, maxFrameSize: 64 * MiB, deflate: true };
    serve(srv.server, options, (ws, request) => {
      seen.requests.push(request);
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? null : data;
        if (text === 'close-me') ws.close(4000, 'as asked');
        else if (text === 'ping-me') ws.ping('srv');
        else if (text === 'fragments') {
          ws.sendFragment('text', 'Hel', false);
          ws.sendFragment('text', 'lo', true);
        } else if (text === 'flood') {
          // Backpressure: send until the socket's buffer is full, then report when drained.
          let sent = 0;
          while (ws.send(NOISE) && sent < 256) sent++;
          ws.once('drain', () => ws.send(`drained after ${sent + 1}`));
        } else ws.send(data);
      });
      ws.on('pong', (data) => ws.send(`pong ${data.toString()}`));
      ws.on('close', (code, reason) => seen.closes.push([code, reason, request.target]));
    });
  });

  after(() => srv.close());

  it('selects the subprotocol in the server order and passes the request', async () => {
    const ws = await wsOpen(url, ['v11.stomp', 'v12.stomp']);
    assert.equal(ws.protocol, 'v12.stomp');
    const request = seen.requests.at(-1);
    assert.equal(request.path, '/chat');
    assert.equal(request.query, 'room=1');
    assert.deepEqual(request.subprotocols, ['v11.stomp', 'v12.stomp']);
    ws.close();
    await next(ws, 'close');
  });

  it('echoes text and binary, small and 1 MiB', async () => {
    const ws = await wsOpen(url);
    ws.send('hello');
    assert.deepEqual((await wsMessage(ws)).map(String), ['hello', 'false']);
    const big = pattern(MiB, 3);
    ws.send(big);
    const [data, isBinary] = await wsMessage(ws);
    assert.equal(isBinary, true);
    assert.ok(big.equals(data), '1 MiB binary echoed intact');
    const text = 'é'.repeat(MiB / 2);
    ws.send(text);
    const [back] = await wsMessage(ws);
    assert.equal(back.toString(), text);
    ws.close();
    await next(ws, 'close');
  });

  it('reassembles fragmented messages and sends fragments', async () => {
    const ws = await wsOpen(url);
    ws.send('frag', { fin: false });
    ws.send('mented', { fin: true });
    assert.equal((await wsMessage(ws))[0].toString(), 'fragmented');
    ws.send('fragments');
    assert.equal((await wsMessage(ws))[0].toString(), 'Hello');
    ws.close();
    await next(ws, 'close');
  });

  it('answers pings and reports pongs', async () => {
    const ws = await wsOpen(url);
    ws.ping('abc');
    const [payload] = await next(ws, 'pong');
    assert.equal(payload.toString(), 'abc');
    ws.send('ping-me');
    assert.equal((await wsMessage(ws))[0].toString(), 'pong srv');
    ws.close();
    await next(ws, 'close');
  });

  it('closes: client first, server first, abnormally, on a protocol error', async () => {
    const base = `ws://127.0.0.1:${srv.port}`;
    /** The server's close event of the connection to `target`. */
    const serverClose = (target) =>
      within(3000, (async () => {
        for (;;) {
          const found = seen.closes.find((c) => c[2] === target);
          if (found) return found;
          await new Promise((r) => setTimeout(r, 10));
        }
      })(), `server close event of ${target}`);

    let ws = await wsOpen(`${base}/client-first`);
    ws.close(1000, 'bye');
    assert.equal((await next(ws, 'close'))[0], 1000);
    assert.deepEqual((await serverClose('/client-first')).slice(0, 2), [1000, 'bye']);

    ws = await wsOpen(`${base}/server-first`);
    ws.send('close-me');
    const [code, reason] = await next(ws, 'close');
    assert.deepEqual([code, reason.toString()], [4000, 'as asked']);
    assert.equal((await serverClose('/server-first'))[0], 4000);

    ws = await wsOpen(`${base}/terminated`);
    ws.terminate();
    assert.equal((await serverClose('/terminated'))[0], 1006);

    // A raw client sends an unmasked frame: the server fails the connection with 1002.
    const socket = net.connect(srv.port, '127.0.0.1');
    await next(socket, 'connect');
    socket.write(
      'GET /unmasked HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    const chunks = [];
    socket.on('data', (c) => chunks.push(c));
    await next(socket, 'close');
    const all = Buffer.concat(chunks);
    const frame = all.subarray(all.indexOf('\r\n\r\n') + 4);
    assert.equal(frame[0], 0x88, 'a close frame');
    assert.equal(frame.readUInt16BE(2), 1002);
    assert.equal((await serverClose('/unmasked'))[0], 1002);
  });

  it('answers a plain HTTP GET with 426 and a bad handshake with 400', async () => {
    const socket = net.connect(srv.port, '127.0.0.1');
    await next(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n');
    const chunks = [];
    socket.on('data', (c) => chunks.push(c));
    await next(socket, 'close');
    assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 400 /);
  });

  it('negotiates permessage-deflate with ws', async () => {
    const ws = await wsOpen(url, [], { perMessageDeflate: true });
    assert.match(ws.extensions, /permessage-deflate/);
    const text = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `item ${i}` })));
    ws.send(text);
    assert.equal((await wsMessage(ws))[0].toString(), text);
    const big = pattern(MiB, 9);
    ws.send(big);
    assert.ok(big.equals((await wsMessage(ws))[0]));
    ws.close();
    await next(ws, 'close');
  });

  it('applies backpressure: send() returns false and drain follows', async () => {
    const ws = await wsOpen(url);
    ws.pause(); // stop reading: the server's writes pile up
    ws.send('flood');
    await new Promise((r) => setTimeout(r, 300));
    let drained = null;
    const received = [];
    ws.on('message', (data) => {
      if (typeof data !== 'string' && data.length === MiB) received.push(1);
      else drained = data.toString();
    });
    ws.resume();
    await within(20000, (async () => {
      while (drained === null) await new Promise((r) => setTimeout(r, 10));
    })(), 'drain report');
    const n = Number(drained.match(/drained after (\d+)/)[1]);
    assert.ok(n < 256, `the server saw backpressure after ${n} MiB`);
    assert.equal(received.length, n, 'every message arrived');
    ws.close();
    await next(ws, 'close');
  });
});

describe('our client, a ws server', () => {
  let srv;
  let wss;
  let url;
  const closes = [];

  before(async () => {
    srv = await listen();
    url = `ws://127.0.0.1:${srv.port}/`;
    wss = new WebSocketServer({
      server: srv.server,
      maxPayload: 64 * MiB,
      perMessageDeflate: true,
      handleProtocols: (offered) => (offered.has('v12.stomp') ? 'v12.stomp' : false),
      verifyClient: ({ req }, cb) => (req.url === '/forbidden' ? cb(false, 401, 'Unauthorized') : cb(true)),
    });
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? null : data.toString();
        if (text === 'close-me') ws.close(4001, 'bye');
        else if (text === 'terminate-me') ws.terminate();
        else if (text === 'ping-me') ws.ping('srv');
        else if (text === 'fragments') {
          ws.send('Hel', { fin: false });
          ws.send('lo', { fin: true });
        } else ws.send(data, { binary: isBinary });
      });
      ws.on('pong', (data) => ws.send(`pong ${data}`));
      ws.on('close', (code, reason) => closes.push([code, reason.toString()]));
    });
  });

  after(async () => {
    wss.close();
    await srv.close();
  });

  it('offers subprotocols and reports the selected one', async () => {
    const ws = await connect(url, { subprotocols: ['v11.stomp', 'v12.stomp'] });
    assert.equal(ws.protocol, 'v12.stomp');
    assert.equal(ws.readyState, 1);
    ws.close();
    await next(ws, 'close');
  });

  it('sends and receives text and binary, small and 1 MiB', async () => {
    const ws = await connect(url);
    ws.send('hello');
    assert.deepEqual(await next(ws, 'message'), ['hello', false]);
    const big = pattern(MiB, 5);
    ws.send(big);
    const [data, isBinary] = await next(ws, 'message');
    assert.equal(isBinary, true);
    assert.ok(big.equals(data));
    const text = 'ü'.repeat(MiB / 2);
    ws.send(text);
    assert.equal((await next(ws, 'message'))[0], text);
    ws.close();
    await next(ws, 'close');
  });

  it('fragments both ways', async () => {
    const ws = await connect(url);
    ws.sendFragment('binary', Buffer.from([1, 2]), false);
    ws.sendFragment('binary', Buffer.from([3]), true);
    const [data, isBinary] = await next(ws, 'message');
    assert.equal(isBinary, true);
    assert.deepEqual([...data], [1, 2, 3]);
    ws.send('fragments');
    assert.equal((await next(ws, 'message'))[0], 'Hello');
    ws.close();
    await next(ws, 'close');
  });

  it('pings and answers pings', async () => {
    const ws = await connect(url);
    ws.ping('abc');
    assert.equal((await next(ws, 'pong'))[0].toString(), 'abc');
    ws.send('ping-me');
    assert.equal((await next(ws, 'message'))[0], 'pong srv');
    ws.close();
    await next(ws, 'close');
  });

  it('closes: client first, server first, abnormally', async () => {
    let ws = await connect(url);
    ws.close(1000, 'done');
    let [code] = await next(ws, 'close');
    assert.equal(code, 1000);
    await within(3000, (async () => {
      while (!closes.some(([c, r]) => c === 1000 && r === 'done')) await new Promise((r) => setTimeout(r, 10));
    })(), 'ws server close event');

    ws = await connect(url);
    ws.send('close-me');
    const [code2, reason2] = await next(ws, 'close');
    assert.deepEqual([code2, reason2], [4001, 'bye']);

    ws = await connect(url);
    ws.send('terminate-me');
    [code] = await next(ws, 'close');
    assert.equal(code, 1006);
  });

  it('rejects with the status when the server refuses', async () => {
    await assert.rejects(connect(`ws://127.0.0.1:${srv.port}/forbidden`), (err) => {
      assert.equal(err.status, 401);
      assert.equal(err.code, 'rejected');
      return true;
    });
  });

  it('fails when nothing listens', async () => {
    const probe = await listen();
    const { port } = probe;
    await probe.close();
    await assert.rejects(connect(`ws://127.0.0.1:${port}/`), /ECONNREFUSED|closed/);
  });

  it('negotiates permessage-deflate with ws', async () => {
    const ws = await connect(url, { deflate: true });
    assert.match(ws.extensions, /permessage-deflate/);
    const text = 'compress me '.repeat(10000);
    ws.send(text);
    assert.equal((await next(ws, 'message'))[0], text);
    ws.close();
    await next(ws, 'close');
  });
});

describe('our client, our server', () => {
  it('frees every connection: 600 connections leave the WASM memory flat', async () => {
    const srv = await listen();
    try {
      let open = 0;
      serve(srv.server, {}, (ws) => {
        open++;
        ws.on('message', (d) => ws.send(d));
        ws.on('close', () => open--);
      });
      const url = `ws://127.0.0.1:${srv.port}/`;
      const round = async (n) => {
        for (let i = 0; i < n; i += 20) {
          await Promise.all(
            Array.from({ length: 20 }, async () => {
              const ws = await connect(url);
              ws.send(pattern(10000));
              await next(ws, 'message');
              ws.close();
              await next(ws, 'close');
            }),
          );
        }
      };
      await round(100); // warm-up
      await within(5000, (async () => {
        while (open > 0) await new Promise((r) => setTimeout(r, 10));
      })(), 'server connections closed');
      const before = wasmMemorySize();
      await round(500);
      assert.equal(wasmMemorySize(), before, 'WASM memory grew');
    } finally {
      await srv.close();
    }
  });


  it('accepts without a subprotocol when none matches', async () => {
    const srv = await listen();
    try {
      serve(srv.server, { subprotocols: ['v12.stomp'] }, (ws) => ws.on('message', (d) => ws.send(d)));
      const ws = await connect(`ws://127.0.0.1:${srv.port}/`, { subprotocols: ['mqtt'] });
      assert.equal(ws.protocol, '');
      ws.send('x');
      assert.equal((await next(ws, 'message'))[0], 'x');
      ws.close();
      await next(ws, 'close');
    } finally {
      await srv.close();
    }
  });
});
