// Our STOMP client (StompClientSession, driven by test/stomp-driver.mjs) against RabbitMQ:
// over Web-STOMP (this package's WebSocket client; each subprotocol, and none) and over TCP
// 61613 (1.0, 1.1, 1.2). A queue with client acks, escaped headers, a UTF-8 body, a body
// that is not UTF-8, a NACK redelivered, a committed and an aborted transaction, receipts,
// DISCONNECT, and RabbitMQ's ERROR for bad credentials as a typed error.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';

import { stompHeader } from '../lib/node.js';
import { StompTestClient } from '../test/stomp-driver.mjs';

const host = process.env.RABBITMQ_STOMP_HOST ?? '127.0.0.1';
const tcpPort = Number(process.env.RABBITMQ_STOMP_PORT ?? 61613);
const wsUrl = process.env.RABBITMQ_WS_URL ?? 'ws://127.0.0.1:15674/ws';
const login = process.env.RABBITMQ_USER ?? 'guest';
const passcode = process.env.RABBITMQ_PASSWORD ?? 'guest';
const NOTE = 'a:b\\c\nd';

const cases = [
  ['websocket', '1.2', ['v12.stomp', 'v11.stomp', 'v10.stomp']],
  ['websocket', '1.1', ['v11.stomp']],
  ['websocket', '1.2', []],
  ['tcp', '1.2'],
  ['tcp', '1.1'],
  ['tcp', '1.0'],
];

describe('our client against RabbitMQ', () => {
  for (const [transport, version, subprotocols] of cases) {
    it(`${transport} ${version}${subprotocols ? ` [${subprotocols.join(',')}]` : ''}`, async () => {
      const options = { login, passcode, heartBeat: [0, 0], maxVersion: version };
      const client =
        transport === 'tcp' ? await StompTestClient.tcp(host, tcpPort, options) : await StompTestClient.websocket(wsUrl, options, subprotocols);
      const { session } = client;
      assert.equal(client.connected.version, version);
      assert.match(client.connected.server ?? '', /^RabbitMQ\//);
      const destination = `/queue/ours-${randomUUID()}`;
      session.subscribe(destination, version === '1.0' ? 'client' : 'client-individual', [['receipt', 'sub']]);
      client.flush();
      assert.equal((await client.expect('receipt')).receiptId, 'sub');
      const note = version === '1.0' ? 'plain' : NOTE;
      const bodies = [Buffer.from('one'), Buffer.from('zwei: ü €'), Buffer.from(Uint8Array.from({ length: 20480 }, (_, i) => i & 0xff))];
      bodies.forEach((body, i) => session.send(destination, body, [['seq', String(i)], ['note', note]]));
      client.flush();
      const messages = await client.messages(bodies.length);
      messages.forEach((m, i) => {
        assert.deepEqual(Buffer.from(m.body), bodies[i]);
        assert.equal(stompHeader(m, 'seq'), String(i));
        assert.equal(stompHeader(m, 'note'), note);
        assert.equal(m.destination, destination);
      });
      if (version === '1.0') {
        session.ack(messages.at(-1)); // cumulative
      } else {
        messages.slice(0, -1).forEach((m) => session.ack(m));
        session.nack(messages.at(-1)); // RabbitMQ requeues it
        client.flush();
        const [again] = await client.messages(1);
        assert.deepEqual(Buffer.from(again.body), bodies.at(-1));
        session.ack(again);
        const tx = session.begin();
        session.send(destination, 'committed', [['transaction', tx]]);
        session.commit(tx);
        const aborted = session.begin();
        session.send(destination, 'aborted', [['transaction', aborted]]);
        session.abort(aborted, [['receipt', 'aborted']]);
        client.flush();
        assert.equal((await client.expect('receipt')).receiptId, 'aborted');
        const [committed] = await client.messages(1);
        assert.equal(Buffer.from(committed.body).toString(), 'committed');
        session.ack(committed);
      }
      session.disconnect(true);
      client.flush();
      const last = await client.next();
      // RabbitMQ 3.10 Web-STOMP closes the WebSocket instead of sending DISCONNECT's RECEIPT
      assert.ok(last.type === 'disconnected' || (transport === 'websocket' && last.type === 'end'), last.type);
      assert.equal(session.shouldCloseTransport, true);
      client.close();
    });
  }

  it('RabbitMQ ERROR for bad credentials is a StompSessionError', async () => {
    await assert.rejects(StompTestClient.tcp(host, tcpPort, { login, passcode: 'wrong', heartBeat: [0, 0] }), (err) => {
      assert.equal(err.name, 'StompSessionError');
      assert.equal(err.code, 'server-error');
      assert.equal(err.frame.command, 'ERROR');
      return true;
    });
  });
});
