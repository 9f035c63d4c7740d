// StompBrokerHost (lib/stomp-node.js) with a real slow reader on loopback (TCP and WebSocket): once a socket's
// write() says wait, the connection's bytes stay in the broker (bounded by maxOutgoing)
// instead of piling up in Node's socket buffer, and go out on 'drain'.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import net from 'node:net';
import { test } from 'node:test';

import { STOMP_SUBPROTOCOLS, StompBroker, StompBrokerHost, StompDecoder, connect, serve, stompHeader } from '../lib/node.js';
import { within } from './helpers.mjs';

const turn = () => new Promise((resolve) => setImmediate(resolve));
/** Most turns a test publishes for (the kernel's loopback buffers take a few MB first). */
const MAX_TURNS = 600;

/**
 * A broker served over TCP on 127.0.0.1 and one client subscribed to /topic/t: resolves
 * with the host, the server's socket, the client's socket (paused: it reads nothing more)
 * and the bytes the client read so far (the array keeps growing once it is resumed).
 */
async function subscribedClient(brokerOptions) {
  const host = new StompBrokerHost(new StompBroker({ heartBeat: [0, 0], ...brokerOptions }));
  let serverSocket;
  const server = net.createServer((socket) => {
    serverSocket = socket;
    host.handleSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect(server.address().port, '127.0.0.1');
  const received = [];
  client.on('data', (chunk) => received.push(chunk));
  client.write('CONNECT\naccept-version:1.2\nhost:/\n\n\0SUBSCRIBE\nid:0\ndestination:/topic/t\nreceipt:r\n\n\0');
  await within(5000, (async () => {
    while (!Buffer.concat(received).includes('RECEIPT\nreceipt-id:r')) await once(client, 'data');
  })(), 'the receipt');
  client.pause();
  const close = () => {
    client.destroy();
    server.close();
    host.close();
  };
  return { host, serverSocket, client, received, close };
}

/**
 * Publishes `body` to /topic/t once per turn of the event loop (without backpressure every
 * one would be written) until the broker decides to close connection 0 as a slow consumer, or
 * MAX_TURNS: resolves with the turns taken and the most bytes `buffered()` reported.
 */
async function publishUntilSlowConsumer(host, body, buffered) {
  let most = 0;
  let turns = 0;
  while (!host.broker.shouldClose(0) && turns < MAX_TURNS) {
    host.broker.publish('/topic/t', body);
    host.flush();
    most = Math.max(most, buffered());
    turns += 1;
    await turn();
  }
  assert.ok(host.broker.shouldClose(0), `still open after ${turns} publishes of ${body.length} B`);
  return most;
}

test('a client that does not read is closed as a slow consumer; the server buffers a bounded amount', async (t) => {
  const maxOutgoing = 1024 * 1024;
  const { host, serverSocket, client, received, close } = await subscribedClient({ maxOutgoing });
  t.after(close); // also when an assertion fails: no socket keeps the test process alive
  const body = new Uint8Array(256 * 1024).fill(0x61);
  const buffered = await publishUntilSlowConsumer(host, body, () => serverSocket.writableLength);
  // The socket's high-water mark, one write of at most the broker's bound, and the ERROR.
  assert.ok(buffered <= 16 * 1024 + maxOutgoing + body.length, `${buffered} bytes in Node's buffer`);
  client.resume();
  await within(10000, once(client, 'end'), 'the end of the stream');
  const text = Buffer.concat(received).toString('latin1');
  assert.match(text.slice(-200), /ERROR\n[^\0]*message:slow consumer\n[^]*\0$/);
  await within(5000, (async () => {
    while (host.broker.connectionCount > 0) await turn();
  })(), 'the broker forgetting the connection');
});

test('bytes held back while the socket is full go out in order on drain', async (t) => {
  const { host, serverSocket, client, received, close } = await subscribedClient({ maxOutgoing: 64 * 1024 * 1024 });
  t.after(close);
  const body = new Uint8Array(64 * 1024).fill(0x62);
  let published = 0;
  const publish = () => {
    host.broker.publish('/topic/t', body, [['seq', String(published)]]);
    published += 1;
    host.flush();
  };
  while (!serverSocket.writableNeedDrain && published < MAX_TURNS) {
    publish();
    await turn();
  }
  assert.ok(serverSocket.writableNeedDrain, `the socket took ${published} messages of 64 KiB without filling`);
  const full = serverSocket.writableLength;
  for (let i = 0; i < 8; i++) {
    publish();
    await turn();
  }
  assert.ok(serverSocket.writableLength <= full, 'written while the socket was full');
  client.resume();
  const decoder = new StompDecoder('1.2');
  const seqs = [];
  await within(10000, (async () => {
    for (let at = 0; ; await once(client, 'data')) {
      while (at < received.length) {
        decoder.receiveData(received[at++]);
        for (const e of decoder.events()) if (e.type === 'frame' && e.command === 'MESSAGE') seqs.push(Number(stompHeader(e, 'seq')));
      }
      if (seqs.length >= published) break;
    }
  })(), `${published} messages`);
  assert.deepEqual(seqs, Array.from({ length: published }, (_, i) => i));
  assert.equal(host.broker.shouldClose(0), false);
  decoder.free();
});

test('over WebSocket too: a client that does not read is closed as a slow consumer', async (t) => {
  const host = new StompBrokerHost(new StompBroker({ heartBeat: [0, 0] }));
  const http = createServer((req, res) => res.writeHead(404).end());
  let serverWs;
  serve(http, { subprotocols: [...STOMP_SUBPROTOCOLS] }, (ws) => {
    serverWs = ws;
    host.handleWebSocket(ws);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const client = await connect(`ws://127.0.0.1:${http.address().port}/`, { subprotocols: ['v12.stomp'], proxy: null });
  t.after(() => {
    client.terminate?.();
    http.closeAllConnections?.();
    http.close();
    host.close();
  });
  const received = [];
  client.on('message', (data) => received.push(Buffer.from(data)));
  client.send('CONNECT\naccept-version:1.2\nhost:/\n\n\0SUBSCRIBE\nid:0\ndestination:/topic/t\nreceipt:r\n\n\0');
  await within(5000, (async () => {
    while (!Buffer.concat(received).includes('RECEIPT\nreceipt-id:r')) await once(client, 'message');
  })(), 'the receipt');
  client.pause();
  const body = new Uint8Array(256 * 1024).fill(0x61);
  const buffered = await publishUntilSlowConsumer(host, body, () => serverWs.bufferedAmount);
  assert.ok(buffered <= 16 * 1024 + 1024 * 1024 + 2 * body.length, `${buffered} bytes in Node's buffer`);
  client.resume();
  await within(10000, once(client, 'close'), 'the close');
  assert.match(Buffer.concat(received).toString('latin1').slice(-200), /ERROR\n[^\0]*message:slow consumer\n[^]*\0$/);
});
