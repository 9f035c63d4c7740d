// @stomp/stompjs against RabbitMQ, over Web-STOMP (ws://127.0.0.1:15674/ws, with `ws`) and
// over TCP 61613 (@stomp/tcp-wrapper), STOMP 1.1 and 1.2: proves the peer and the service
// the interop tests rely on. The broker is started by tests/stomp/run.sh, not here.
// Each case sends three messages to a fresh queue (a header that needs escaping, a UTF-8
// body, a 20 000-byte body), receives them with client-individual acks and disconnects.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';

import { Client, Versions } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import WebSocket from 'ws';

import { within } from '../test/helpers.mjs';

const host = process.env.RABBITMQ_STOMP_HOST ?? '127.0.0.1';
const tcpPort = Number(process.env.RABBITMQ_STOMP_PORT ?? 61613);
const wsUrl = process.env.RABBITMQ_WS_URL ?? 'ws://127.0.0.1:15674/ws';
const login = process.env.RABBITMQ_USER ?? 'guest';
const passcode = process.env.RABBITMQ_PASSWORD ?? 'guest';

/** A connected stompjs client; `factory` makes its socket. */
async function open(factory, versions) {
  const client = new Client({
    webSocketFactory: factory,
    stompVersions: new Versions(versions),
    connectHeaders: { login, passcode, host: '/' },
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

const cases = [
  ['web-STOMP 1.2', () => new WebSocket(wsUrl, ['v12.stomp']), ['1.2'], '1.2'],
  ['web-STOMP 1.1', () => new WebSocket(wsUrl, ['v11.stomp']), ['1.1'], '1.1'],
  ['web-STOMP, all offered', () => new WebSocket(wsUrl, ['v12.stomp', 'v11.stomp', 'v10.stomp']), ['1.0', '1.1', '1.2'], '1.2'],
  ['TCP 1.2', () => new TCPWrapper(host, tcpPort), ['1.2'], '1.2'],
  ['TCP 1.1', () => new TCPWrapper(host, tcpPort), ['1.1'], '1.1'],
];

describe('@stomp/stompjs against RabbitMQ', () => {
  for (const [name, factory, versions, expected] of cases) {
    it(name, async () => {
      const { client, errors, frame } = await open(factory, versions);
      try {
        assert.equal(frame.headers.version, expected);
        const destination = `/queue/smoke-${randomUUID()}`;
        const received = [];
        let wake;
        const receipt = new Promise((resolve) => client.watchForReceipt('sub', resolve));
        client.subscribe(
          destination,
          (message) => {
            received.push(message);
            message.ack();
            wake?.();
          },
          { id: 's1', ack: 'client-individual', receipt: 'sub' },
        );
        await within(10000, receipt, 'RECEIPT of SUBSCRIBE');
        const bodies = ['one', 'zwei: ü €', 'x'.repeat(20000)];
        bodies.forEach((body, i) =>
          client.publish({ destination, body, headers: { seq: String(i), note: 'a:b' } }),
        );
        await within(
          10000,
          new Promise((resolve) => {
            wake = () => received.length === bodies.length && resolve();
            wake();
          }),
          'three MESSAGEs',
        );
        received.forEach((message, i) => {
          assert.equal(message.body, bodies[i]);
          assert.equal(message.headers.seq, String(i));
          // stompjs unescapes header values only when 1.2 was negotiated: under 1.1 it
          // hands over RabbitMQ's (correct) `\c` as is.
          assert.equal(message.headers.note, expected === '1.2' ? 'a:b' : 'a\\cb');
          assert.equal(message.headers.subscription, 's1');
          assert.equal(message.headers.destination, destination);
        });
        assert.deepEqual(errors, []);
      } finally {
        await client.deactivate();
      }
    });
  }
});
