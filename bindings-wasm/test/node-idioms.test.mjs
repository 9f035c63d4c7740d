// What ws users expect of the Node glue: numeric readyState with its constants, lowMemory
// accepted, and a failing random source failing the client with an Error instead of
// reusing keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ClientConnection, ServerConnection, WebSocket, connect, serve } from '../lib/node.js';
import { listen, next } from './helpers.mjs';

test('readyState is a number, with CONNECTING/OPEN/CLOSING/CLOSED on the class and instances', async () => {
  assert.deepEqual([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED], [0, 1, 2, 3]);
  const { server, port, close } = await listen();
  serve(server, {}, (ws) => ws.on('message', (d) => ws.send(String(d))));
  try {
    const ws = await connect(`ws://127.0.0.1:${port}/`);
    assert.deepEqual([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED], [0, 1, 2, 3]);
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close(1000);
    assert.equal(ws.readyState, WebSocket.CLOSING);
    await next(ws, 'close');
    assert.equal(ws.readyState, WebSocket.CLOSED);
  } finally {
    await close();
  }
});

test('deflate.lowMemory is accepted and checked', () => {
  new ServerConnection({ deflate: { lowMemory: true } }).free();
  new ClientConnection({ host: 'h', deflate: { lowMemory: false } }).free();
  assert.throws(() => new ServerConnection({ deflate: { lowMemory: 'yes' } }), TypeError);
});

/** Runs `f` while crypto.getRandomValues throws. */
function withoutRandomness(f) {
  const original = Object.getOwnPropertyDescriptor(globalThis.crypto, 'getRandomValues');
  globalThis.crypto.getRandomValues = () => {
    throw new Error('no entropy');
  };
  try {
    return f();
  } finally {
    if (original) Object.defineProperty(globalThis.crypto, 'getRandomValues', original);
    else delete globalThis.crypto.getRandomValues;
  }
}

test('a random source that fails: the constructor throws, or the connection fails for good', () => {
  assert.throws(() => withoutRandomness(() => new ClientConnection({ host: 'h' })), /getRandomValues/);
  const client = new ClientConnection({ host: 'h', open: true });
  client.sendText('fine');
  assert.ok(client.dataToSend().length > 0);
  // The engine draws mask keys in blocks of random bytes: within at most a block's worth of
  // messages (256 bytes, 64 keys), a send needs the source and fails.
  withoutRandomness(() => {
    let failed = null;
    for (let i = 0; i < 100 && failed === null; i++) {
      try {
        client.sendText('x');
      } catch (err) {
        failed = err;
      }
    }
    assert.equal(failed?.code, 'entropy-failed');
  });
  // Nothing masked with a key that was not random is ever handed out, even once the
  // source works again.
  assert.throws(() => client.dataToSend(), { code: 'entropy-failed' });
  assert.throws(() => client.sendText('y'), { code: 'entropy-failed' });
  client.free();
});

test('the glue: a failing random source emits error and closes the WebSocket', async () => {
  const { server, port, close } = await listen();
  serve(server, {}, () => {});
  try {
    const ws = await connect(`ws://127.0.0.1:${port}/`);
    const errors = [];
    ws.on('error', (e) => errors.push(e.code));
    withoutRandomness(() => {
      let failed = null;
      for (let i = 0; i < 100 && failed === null; i++) {
        try {
          ws.send('x');
        } catch (err) {
          failed = err;
        }
      }
      assert.equal(failed?.code, 'entropy-failed');
    });
    await next(ws, 'close');
    assert.deepEqual(errors, ['entropy-failed']);
  } finally {
    await close();
  }
});
