// Memory: free() releases a connection's WASM memory at once, so 100 000 connections made
// and closed one after another leave the WASM memory where it was after a warm-up.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ClientConnection, ServerConnection, wasmMemorySize } from '../lib/node.js';

const payload = new Uint8Array(4096).fill(7);

/** One whole connection: handshake, a message each way, the close handshake, free(). */
function cycle(i) {
  const client = new ClientConnection({ host: 'example.com', target: `/c/${i}`, subprotocols: ['v1'] });
  const server = new ServerConnection();
  try {
    server.receiveData(client.dataToSend());
    const [request] = server.events();
    server.accept({ subprotocol: server.selectSubprotocol(['v1']) });
    client.receiveData(server.dataToSend());
    assert.equal(client.events()[0].type, 'accepted');
    client.sendBinary(payload);
    server.receiveData(client.dataToSend());
    const [message] = server.events();
    server.sendText(request.path);
    client.receiveData(server.dataToSend());
    const [echo] = client.events();
    client.close(1000, 'bye');
    server.receiveData(client.dataToSend());
    server.events();
    client.receiveData(server.dataToSend());
    client.events();
    client.receiveEof();
    client.events();
    assert.equal(message.data.length, 4096);
    assert.equal(echo.data, `/c/${i}`);
    assert.ok(server.shouldCloseTransport && client.shouldCloseTransport);
  } finally {
    client.free();
    server.free();
  }
}

test('100k open/close cycles with free() keep the WASM memory flat', (t) => {
  for (let i = 0; i < 2000; i++) cycle(i); // warm-up: allocator pools reach their size
  const before = wasmMemorySize();
  const t0 = performance.now();
  for (let i = 0; i < 100_000; i++) cycle(i);
  const after = wasmMemorySize();
  const ms = performance.now() - t0;
  t.diagnostic(`100000 cycles in ${ms.toFixed(0)} ms; WASM memory ${before} -> ${after} bytes`);
  assert.equal(after, before, `WASM memory grew from ${before} to ${after} bytes`);
});

test('the measure is sensitive: connections kept alive do grow the memory', () => {
  const before = wasmMemorySize();
  const kept = [];
  try {
    for (let i = 0; i < 20_000 && wasmMemorySize() === before; i++) {
      const conn = new ServerConnection();
      // Hold a partial request so each connection keeps a receive buffer.
      conn.receiveData(new TextEncoder().encode(`GET /${'x'.repeat(2000)}`));
      conn.events();
      kept.push(conn);
    }
    assert.ok(wasmMemorySize() > before, 'memory grew while connections were kept');
  } finally {
    for (const conn of kept) conn.free();
  }
});

test('free() twice is safe; a freed connection throws a clear Error', () => {
  const conn = new ServerConnection();
  assert.equal(conn.freed, false);
  conn.free();
  conn.free();
  assert.equal(conn.freed, true);
  assert.throws(() => conn.receiveData(new Uint8Array(1)), /this connection was freed/);
  assert.throws(() => conn.events(), /this connection was freed/);
  assert.throws(() => conn.state, /this connection was freed/);
});

test('Symbol.dispose frees the connection', () => {
  const conn = new ServerConnection();
  conn[Symbol.dispose]();
  assert.equal(conn.freed, true);
});

test('an accepted, idle server connection holds no receive buffer: about 1.2 KB of WASM memory', () => {
  const request = new TextEncoder().encode(
    'GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const n = 5000;
  const kept = [];
  const before = wasmMemorySize();
  try {
    for (let i = 0; i < n; i++) {
      const conn = new ServerConnection();
      conn.receiveData(request);
      assert.equal(conn.events()[0].type, 'request');
      conn.accept();
      assert.deepEqual(conn.events(), []); // what the Node glue does next
      assert.match(new TextDecoder().decode(conn.dataToSend()), /^HTTP\/1\.1 101 /);
      kept.push(conn);
    }
    const perConnection = (wasmMemorySize() - before) / n;
    // The connection itself; with the request's buffer kept it was over 1.4 KB.
    assert.ok(perConnection < 1300, `${perConnection.toFixed(0)} bytes of WASM memory per idle connection`);
  } finally {
    for (const conn of kept) conn.free();
  }
  // Early frames that came with the request stay and are decoded.
  const early = new ServerConnection();
  const frame = [0x82, 0x83, 1, 2, 3, 4, 1 ^ 9, 2 ^ 8, 3 ^ 7];
  early.receiveData(Uint8Array.from([...request, ...frame]));
  assert.equal(early.events()[0].type, 'request');
  early.accept();
  assert.deepEqual([...early.events()[0].data], [9, 8, 7]);
  early.free();
});
