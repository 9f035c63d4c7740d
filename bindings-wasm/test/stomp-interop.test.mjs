// Interop of the STOMP broker served through the npm package (StompBrokerHost on this
// package's WebSocket server, and on net for TCP) with @stomp/stompjs, the client Spring's
// browser users have, in Node with `ws` (and @stomp/tcp-wrapper for TCP); and our own client
// (StompClientSession, test/stomp-driver.mjs) against the same server. Each stompjs case:
// a queue with client-individual acks, three messages (a header that needs escaping, a
// UTF-8 body, a 20 000-byte body), receipts and DISCONNECT.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { Client, Versions } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import WebSocket from 'ws';

import { STOMP_SUBPROTOCOLS, StompBroker, StompBrokerHost, serve } from '../lib/node.js';
import { within } from './helpers.mjs';
import { StompTestClient } from './stomp-driver.mjs';

const BODIES = ['one', 'zwei: ü €', 'x'.repeat(20000)];

let host;
let http;
let tcp;
let wsUrl;
let tcpPort;

before(async () => {
  host = new StompBrokerHost(new StompBroker({ heartBeat: [0, 0] }));
  http = createServer((req, res) => res.writeHead(404).end());
  serve(http, { subprotocols: [...STOMP_SUBPROTOCOLS] }, (ws) => host.handleWebSocket(ws));
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  wsUrl = `ws://127.0.0.1:${http.address().port}/stomp`;
  tcp = net.createServer((socket) => host.handleSocket(socket));
  await new Promise((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  tcpPort = tcp.address().port;
});

after(async () => {
  host.close();
  http.closeAllConnections?.();
  await new Promise((resolve) => http.close(resolve));
  await new Promise((resolve) => tcp.close(resolve));
});

/** A connected stompjs client. */
async function stompjs(factory, versions, connectHeaders = { login: 'guest', passcode: 'guest', host: '/' }) {
  const client = new Client({
    webSocketFactory: factory,
    stompVersions: new Versions(versions),
    connectHeaders,
    heartbeatIncoming: 0,
    heartbeatOutgoing: 0,
    reconnectDelay: 0,
  });
  const errors = [];
  client.onStompError = (frame) => errors.push(frame);
  const connected = new Promise((resolve, reject) => {
    client.onConnect = resolve;
    client.onWebSocketError = reject;
  });
  client.activate();
  const frame = await within(10000, connected, 'CONNECTED');
  return { client, errors, frame };
}

/** The messages a stompjs subscription receives, and a way to wait for n of them. */
function collect() {
  const received = [];
  let wake = () => {};
  return {
    received,
    onMessage: (message) => {
      received.push(message);
      wake();
    },
    until: (n) =>
      within(
        10000,
        new Promise((resolve) => {
          wake = () => received.length >= n && resolve();
          wake();
        }),
        `${n} MESSAGEs`,
      ),
  };
}

const cases = [
  ['WebSocket, v12.stomp', () => new WebSocket(wsUrl, ['v12.stomp']), ['1.2'], '1.2'],
  ['WebSocket, v11.stomp', () => new WebSocket(wsUrl, ['v11.stomp']), ['1.1'], '1.1'],
  ['WebSocket, all offered (stompjs default)', () => new WebSocket(wsUrl, ['v12.stomp', 'v11.stomp', 'v10.stomp']), ['1.0', '1.1', '1.2'], '1.2'],
  ['WebSocket, no subprotocol', () => new WebSocket(wsUrl), ['1.2'], '1.2'],
  ['TCP 1.2', () => new TCPWrapper('127.0.0.1', tcpPort), ['1.2'], '1.2'],
  ['TCP 1.1', () => new TCPWrapper('127.0.0.1', tcpPort), ['1.1'], '1.1'],
];

describe('@stomp/stompjs against the broker served by the npm package', () => {
  for (const [name, factory, versions, expected] of cases) {
    it(name, async () => {
      const { client, errors, frame } = await stompjs(factory, versions);
      try {
        assert.equal(frame.headers.version, expected);
        assert.equal(frame.headers.server, 'sansocket-stomp');
        const destination = `/queue/interop-${randomUUID()}`;
        const inbox = collect();
        const subscribed = new Promise((resolve) => client.watchForReceipt('sub', resolve));
        client.subscribe(
          destination,
          (message) => {
            message.ack();
            inbox.onMessage(message);
          },
          { id: 's1', ack: 'client-individual', receipt: 'sub' },
        );
        await within(10000, subscribed, 'RECEIPT of SUBSCRIBE');
        BODIES.forEach((body, i) => client.publish({ destination, body, headers: { seq: String(i), note: 'a:b' } }));
        await inbox.until(BODIES.length);
        inbox.received.forEach((message, i) => {
          assert.equal(message.body, BODIES[i]);
          assert.equal(message.headers.seq, String(i));
          // stompjs unescapes only under 1.2 and leaves a 1.1 `\c` as is
          assert.equal(message.headers.note, expected === '1.2' ? 'a:b' : 'a\\cb');
          assert.equal(message.headers.subscription, 's1');
          assert.equal(message.headers['content-length'], String(Buffer.byteLength(BODIES[i])));
        });
        assert.deepEqual(errors, []);
      } finally {
        await client.deactivate();
      }
    });
  }

  it('fans a topic out to two stompjs clients, and commits a transaction', async () => {
    const topic = `/topic/fan-${randomUUID()}`;
    const clients = await Promise.all([0, 1].map(() => stompjs(() => new WebSocket(wsUrl, ['v12.stomp']), ['1.2'])));
    try {
      const inboxes = clients.map(({ client }) => {
        const inbox = collect();
        client.subscribe(topic, inbox.onMessage, { id: 't' });
        return inbox;
      });
      const { client } = clients[0];
      const sync = new Promise((resolve) => client.watchForReceipt('sync', resolve));
      client.publish({ destination: '/queue/sync', headers: { receipt: 'sync' } });
      await within(10000, sync, 'RECEIPT');
      const tx = client.begin();
      client.publish({ destination: topic, body: 'in tx', headers: { transaction: tx.id } });
      const aborted = client.begin();
      client.publish({ destination: topic, body: 'aborted', headers: { transaction: aborted.id } });
      aborted.abort();
      client.publish({ destination: topic, body: 'plain' });
      tx.commit();
      for (const inbox of inboxes) {
        await inbox.until(2);
        assert.deepEqual(
          inbox.received.map((m) => m.body),
          ['plain', 'in tx'],
        );
      }
    } finally {
      await Promise.all(clients.map(({ client }) => client.deactivate()));
    }
  });

  it('answers a stompjs CONNECT that asks for a version it lacks with an ERROR', async () => {
    // v10.stomp caps the broker at 1.0; stompjs offers 1.1 and 1.2 only
    const client = new Client({
      webSocketFactory: () => new WebSocket(wsUrl, ['v10.stomp']),
      stompVersions: new Versions(['1.1', '1.2']),
      reconnectDelay: 0,
    });
    const error = new Promise((resolve) => {
      client.onStompError = resolve;
    });
    client.activate();
    const frame = await within(10000, error, 'ERROR');
    assert.equal(frame.headers.version, '1.0');
    await client.deactivate();
  });
});

describe('our client against the broker served by the npm package', () => {
  for (const transport of ['websocket', 'tcp']) {
    it(transport, async () => {
      const client =
        transport === 'websocket'
          ? await StompTestClient.websocket(wsUrl, { heartBeat: [0, 0] })
          : await StompTestClient.tcp('127.0.0.1', tcpPort, { heartBeat: [0, 0] });
      const { session } = client;
      assert.equal(client.connected.version, '1.2');
      const destination = `/queue/ours-${randomUUID()}`;
      session.subscribe(destination, 'client-individual', [['receipt', 'sub']]);
      const body = Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff); // not UTF-8: binary
      session.send(destination, body, [['note', 'a:b\\c\nd']]);
      client.flush();
      assert.equal((await client.expect('receipt')).receiptId, 'sub');
      const [message] = await client.messages(1);
      assert.deepEqual(message.body, body);
      assert.equal(message.headers.find(([n]) => n === 'note')[1], 'a:b\\c\nd');
      session.nack(message);
      client.flush();
      const [again] = await client.messages(1); // redelivered after NACK
      assert.deepEqual(again.body, body);
      session.ack(again);
      session.disconnect(true);
      client.flush();
      await client.expect('disconnected');
      assert.equal(session.shouldCloseTransport, true);
      client.close();
    });
  }
});
