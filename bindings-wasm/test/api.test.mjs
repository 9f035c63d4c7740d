// The sans-IO API in JavaScript: both roles in memory, batching, copies, errors as Errors,
// and no input that can trap the WASM instance.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ClientConnection, ServerConnection, wasmMemorySize } from '../lib/node.js';

const text = (s) => new TextEncoder().encode(s);

/** A client and a server after the handshake. */
function pair(serverOptions = {}, clientOptions = {}) {
  const client = new ClientConnection({ host: 'example.com', target: '/chat', ...clientOptions });
  const server = new ServerConnection(serverOptions);
  server.receiveData(client.dataToSend());
  const [request] = server.events();
  assert.equal(request.type, 'request');
  server.accept({ subprotocol: server.selectSubprotocol(['v2', 'v1']) });
  client.receiveData(server.dataToSend());
  const [accepted] = client.events();
  assert.equal(accepted.type, 'accepted');
  return { client, server, request, accepted };
}

/** Moves what `from` queued to `to` and returns `to`'s events. */
function relay(from, to) {
  to.receiveData(from.dataToSend());
  return to.events();
}

test('handshake, messages both ways, close handshake', () => {
  const { client, server, request, accepted } = pair({}, { subprotocols: ['v1', 'v2'], origin: 'https://example.com', headers: { 'X-Token': 'abc' } });
  assert.equal(request.path, '/chat');
  assert.equal(request.origin, 'https://example.com');
  assert.deepEqual(request.subprotocols, ['v1', 'v2']);
  assert.ok(request.headers.some(([n, v]) => n === 'X-Token' && v === 'abc'));
  assert.equal(accepted.subprotocol, 'v2');
  assert.equal(client.subprotocol, 'v2');
  assert.equal(server.subprotocol, 'v2');
  assert.equal(client.role, 'client');
  assert.equal(server.role, 'server');
  assert.equal(client.state, 'open');

  client.sendText('héllo');
  client.sendBinary(new Uint8Array([1, 2, 3]));
  client.sendBinary(new Uint16Array([0x0102]).buffer);
  client.ping('p');
  assert.ok(client.bufferedAmount > 0);
  assert.deepEqual(relay(client, server), [
    { type: 'text', data: 'héllo' },
    { type: 'binary', data: new Uint8Array([1, 2, 3]) },
    { type: 'binary', data: new Uint8Array([2, 1]) },
    { type: 'ping', data: text('p') },
  ]);
  assert.deepEqual(relay(server, client), [{ type: 'pong', data: text('p') }], 'the pong was automatic');

  server.sendFragment('text', 'frag', false);
  server.ping();
  server.sendFragment('text', text('ment'), true);
  assert.deepEqual(relay(server, client), [
    { type: 'ping', data: new Uint8Array(0) },
    { type: 'text', data: 'fragment' },
  ]);

  client.close(4000, 'done');
  assert.equal(client.state, 'closing');
  assert.deepEqual(relay(client, server), [
    { type: 'pong', data: new Uint8Array(0) }, // the client's automatic answer to the ping
    { type: 'close', code: 4000, reason: 'done' },
  ]);
  assert.equal(server.shouldCloseTransport, true);
  assert.deepEqual(relay(server, client), [{ type: 'close', code: 4000, reason: '' }]);
  assert.equal(client.shouldCloseTransport, false, 'a client waits for the server to close TCP');
  client.receiveEof();
  assert.deepEqual(client.events(), []);
  assert.equal(client.shouldCloseTransport, true);
  assert.equal(client.state, 'closed');
  client.free();
  server.free();
});

test('one events() call returns every frame of a received chunk, in order', () => {
  const { client, server } = pair();
  for (let i = 0; i < 1000; i++) {
    if (i % 3 === 0) client.sendText(`m${i}`);
    else client.sendBinary(new Uint8Array([i & 0xff]));
  }
  const events = relay(client, server);
  assert.equal(events.length, 1000);
  events.forEach((e, i) => {
    if (i % 3 === 0) assert.deepEqual(e, { type: 'text', data: `m${i}` });
    else assert.deepEqual(e, { type: 'binary', data: new Uint8Array([i & 0xff]) });
  });
  assert.deepEqual(server.events(), [], 'nothing left');
  client.free();
  server.free();
});

test('payloads and outgoing bytes are copies: a memory growth does not detach them', () => {
  const { client, server } = pair({ maxMessageSize: 64 << 20, maxFrameSize: 64 << 20 });
  client.sendBinary(new Uint8Array(100).fill(9));
  const out = client.dataToSend();
  server.receiveData(out);
  const [message] = server.events();
  const before = wasmMemorySize();
  // Force the WASM memory to grow: a 32 MiB message held by the connection.
  client.sendBinary(new Uint8Array(32 << 20));
  const big = client.dataToSend();
  server.receiveData(big);
  assert.equal(server.events()[0].data.length, 32 << 20);
  assert.ok(wasmMemorySize() > before, 'the memory grew');
  assert.equal(out.byteLength, 106, 'dataToSend() result intact');
  assert.equal(message.data.byteLength, 100);
  assert.ok(message.data.every((b) => b === 9), 'event data intact');
  client.free();
  server.free();
});

test('chunk delivery, server reject and client rejection event', () => {
  const { client, server } = pair({ delivery: 'chunks' });
  client.sendFragment('text', 'ab', false);
  client.sendFragment('text', 'c', true);
  assert.deepEqual(relay(client, server), [
    { type: 'chunk', kind: 'text', data: 'ab', fin: false },
    { type: 'chunk', kind: 'text', data: 'c', fin: true },
  ]);
  client.free();
  server.free();

  const c2 = new ClientConnection({ host: 'h' });
  const s2 = new ServerConnection();
  relay(c2, s2);
  s2.reject(403, { headers: [['X-Why', 'no']], body: 'nope' });
  assert.equal(s2.shouldCloseTransport, true);
  const [rejected] = relay(s2, c2);
  assert.equal(rejected.type, 'rejected');
  assert.equal(rejected.status, 403);
  assert.equal(new TextDecoder().decode(rejected.body), 'nope');
  assert.ok(rejected.headers.some(([n, v]) => n === 'X-Why' && v === 'no'));
  c2.free();
  s2.free();
});

test('permessage-deflate between the two roles', () => {
  const { client, server, accepted } = pair({ deflate: true }, { deflate: { level: 9 } });
  assert.equal(accepted.extensions[0].name, 'permessage-deflate');
  assert.match(client.extensions, /permessage-deflate/);
  const message = 'compressible '.repeat(1000);
  client.sendText(message);
  const wire = client.dataToSend();
  assert.ok(wire.length < message.length / 10, `compressed to ${wire.length} bytes`);
  server.receiveData(wire);
  assert.deepEqual(server.events(), [{ type: 'text', data: message }]);
  client.free();
  server.free();
});

test('clients draw keys from crypto.getRandomValues', () => {
  const keys = new Set();
  for (let i = 0; i < 20; i++) {
    const c = new ClientConnection({ host: 'h' });
    keys.add(new TextDecoder().decode(c.dataToSend()).match(/Sec-WebSocket-Key: (\S+)/)[1]);
    c.free();
  }
  assert.equal(keys.size, 20);
});

test('peer errors are error events with code, closeCode and status', () => {
  const { client, server } = pair();
  server.receiveData(new Uint8Array([0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28])); // invalid UTF-8
  const [event] = server.events();
  assert.equal(event.type, 'error');
  assert.ok(event.error instanceof Error);
  assert.equal(event.error.name, 'ProtocolError');
  assert.equal(event.error.code, 'invalid-utf8');
  assert.equal(event.error.closeCode, 1007);
  assert.equal(event.error.status, null);
  assert.match(event.error.message, /UTF-8/);
  assert.equal(server.shouldCloseTransport, true);
  assert.deepEqual([...server.dataToSend().subarray(0, 4)], [0x88, 0x0f, 0x03, 0xef], 'close frame 1007 queued');
  client.free();
  server.free();

  const s = new ServerConnection();
  s.receiveData(text('POST / HTTP/1.1\r\nHost: h\r\n\r\n'));
  const [bad] = s.events();
  assert.equal(bad.error.name, 'HandshakeError');
  assert.equal(bad.error.code, 'method-not-allowed');
  assert.equal(bad.error.status, 405);
  assert.match(new TextDecoder().decode(s.dataToSend()), /^HTTP\/1\.1 405 /);
  s.free();
});

test('misuse throws Errors with a code; bad arguments throw TypeError/RangeError', () => {
  const s = new ServerConnection();
  const usage = (fn, code) =>
    assert.throws(fn, (e) => e instanceof Error && e.name === 'UsageError' && e.code === code && e.message.length > 10);
  usage(() => s.sendText('x'), 'invalid-state');
  usage(() => s.accept(), 'no-pending-request');
  const c = new ClientConnection({ host: 'h', subprotocols: ['a'] });
  s.receiveData(c.dataToSend());
  s.events();
  usage(() => s.accept({ subprotocol: 'b' }), 'subprotocol-not-offered');
  usage(() => s.reject(101), 'invalid-status');
  s.accept({ subprotocol: 'a' });
  usage(() => s.ping(new Uint8Array(126)), 'control-payload-too-long');
  usage(() => s.close(1006), 'invalid-close-code');
  usage(() => s.close(1000, 'x'.repeat(124)), 'close-reason-too-long');
  usage(() => s.sendFragment('binary', new Uint8Array(1), true) || s.sendFragment('text', 'x', true) || s.sendFragment('binary', new Uint8Array(0), false) || s.sendFragment('text', 'y', true), 'fragment-order');

  assert.throws(() => new ServerConnection({ maxMesageSize: 1 }), TypeError);
  assert.throws(() => new ServerConnection({ maxMessageSize: -1 }), RangeError);
  assert.throws(() => new ServerConnection({ maxMessageSize: '1' }), TypeError);
  assert.throws(() => new ServerConnection({ delivery: 'frames' }), TypeError);
  assert.throws(() => new ServerConnection({ deflate: { maxWindowBits: 16 } }), RangeError);
  assert.throws(() => new ServerConnection({ deflate: { maxWindowBits: 7 } }), RangeError);
  new ServerConnection({ deflate: { maxWindowBits: 8 } }); // the core compresses 8-bit windows
  assert.throws(() => new ServerConnection('x'), TypeError);
  assert.throws(() => new ClientConnection({}), /host/);
  assert.throws(() => new ClientConnection({ host: 'h', headers: [['a']] }), TypeError);
  assert.throws(() => new ClientConnection({ host: 'h', headers: { 'Bad\r\nName': 'x' } }), (e) => e.code === 'invalid-header');
  assert.throws(() => s.close(70000), RangeError);
  assert.throws(() => s.reject(1.5), RangeError);
  assert.throws(() => s.sendText(5), TypeError);
  assert.throws(() => s.sendBinary('x'), TypeError);
  assert.throws(() => s.receiveData('GET'), TypeError);
  assert.throws(() => s.selectSubprotocol('a'), TypeError);
  s.free();
  c.free();
});

test('random input in random pieces never traps the instance', () => {
  let x = 12345;
  const rand = (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const request = text('GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  let errors = 0;
  for (let i = 0; i < 3000; i++) {
    const open = i % 3 !== 0;
    const conn = i % 2 ? new ServerConnection({ open, delivery: i % 4 === 1 ? 'chunks' : 'messages', maxMessageSize: 1 << 16 }) : new ClientConnection({ host: 'h', open, deflate: i % 5 === 0 });
    if (!open && i % 2) {
      conn.receiveData(request);
      conn.events();
      conn.accept();
    }
    const junk = new Uint8Array(rand(600));
    for (let j = 0; j < junk.length; j++) junk[j] = rand(8) === 0 ? 0x80 | rand(16) : rand(256);
    let at = 0;
    while (at < junk.length) {
      const n = 1 + rand(64);
      conn.receiveData(junk.subarray(at, at + n));
      at += n;
      for (const e of conn.events()) if (e.type === 'error') errors++;
      conn.dataToSend();
    }
    if (rand(2)) conn.receiveEof();
    conn.events();
    conn.free();
  }
  assert.ok(errors > 100, `the junk failed connections (${errors} errors)`);
  // The instance still works.
  const { client, server } = pair();
  client.sendText('alive');
  assert.deepEqual(relay(client, server), [{ type: 'text', data: 'alive' }]);
});

test('a frame announcing 2^63 bytes is an error event, not a trap', () => {
  const s = new ServerConnection({ open: true, maxFrameSize: 2 ** 32 - 1, maxMessageSize: 2 ** 32 - 1 });
  s.receiveData(new Uint8Array([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]));
  const [event] = s.events();
  assert.equal(event.type, 'error');
  assert.equal(event.error.closeCode, 1009);
  s.free();
});

test('the TypeScript declarations type-check a usage file (tsc --noEmit)', () => {
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
  const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
});
