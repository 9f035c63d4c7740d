// The STOMP API of the npm package: conversions in and out, every error type, the sessions
// and the broker driven in memory with time moved by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  STOMP_SUBPROTOCOLS,
  StompBroker,
  StompClientSession,
  StompDecoder,
  StompServerSession,
  encodeFrame,
  isBinaryFrame,
  stompHeader,
  stompVersionForSubprotocol,
} from '../lib/node.js';

const text = (b) => Buffer.from(b).toString('latin1');

test('encodeFrame and StompDecoder round trip, per version', () => {
  const frame = { command: 'SEND', headers: [['destination', '/queue/a'], ['k', 'a:b\nc\\d'], ['k', 'second']], body: 'hé\0llo' };
  for (const version of ['1.1', '1.2']) {
    const data = encodeFrame(frame, version);
    assert.ok(text(data).includes('content-length:7\n'));
    const decoder = new StompDecoder(version);
    // An ArrayBuffer works too (a small frame is a view into a shared pool: cut it out).
    decoder.receiveData(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    const [decoded, ...rest] = [...decoder.events()];
    assert.deepEqual(rest, []);
    assert.equal(decoded.command, 'SEND');
    assert.deepEqual(decoded.headers, [...frame.headers, ['content-length', '7']]);
    assert.equal(stompHeader(decoded, 'k'), 'a:b\nc\\d');
    assert.equal(Buffer.from(decoded.body).toString(), 'hé\0llo');
    decoder.free();
  }
  assert.equal(text(encodeFrame({ command: 'CONNECT', headers: [['host', '/']] }, '1.0')), 'CONNECT\nhost:/\n\n\0');
});

test('bad arguments throw TypeError or RangeError', () => {
  assert.throws(() => encodeFrame({ command: 'NOPE', headers: [] }), RangeError);
  assert.throws(() => new StompDecoder('1.3'), RangeError);
  assert.throws(() => encodeFrame({ command: 'SEND', headers: [['only-name']] }), TypeError);
  assert.throws(() => new StompClientSession(0, { heartBeat: 'often' }), TypeError);
  assert.throws(() => new StompClientSession(0).subscribe('/q', 'sometimes'), RangeError);
  assert.throws(() => new StompDecoder().receiveData(42), TypeError);
});

test('errors are typed, with the engine kind as code', () => {
  assert.throws(() => encodeFrame({ command: 'SUBSCRIBE', headers: [['id', '1']], body: 'x' }), {
    name: 'StompEncodeError',
    code: 'body-not-allowed',
  });
  const decoder = new StompDecoder('1.2', { limits: { maxBody: 10 } });
  decoder.receiveData('SEND\ncontent-length:11\n');
  assert.throws(() => decoder.nextEvent(), { name: 'StompDecodeError', code: 'body-too-large', isLimit: true });
  assert.equal(decoder.hasFailed, true);
  assert.throws(() => new StompClientSession(0).unsubscribe('never'), { name: 'StompUsageError', code: 'unknown-subscription' });
  const server = new StompServerSession(0);
  server.receiveData('SEND\ndestination:/a\nreceipt:r\n\n\0', 0);
  assert.throws(() => server.nextEvent(), { name: 'StompSessionError', code: 'protocol' });
  assert.equal(server.shouldCloseTransport, true);
  const error = text(server.dataToSend(0));
  assert.ok(error.startsWith('ERROR\n') && error.includes('receipt-id:r\n'), error);
});

test('a client and a server in memory, heart-beats on a hand-moved clock', () => {
  const client = new StompClientSession(0, { login: 'u', passcode: 'p', heartBeat: [1000, 1000] });
  const server = new StompServerSession(0, { heartBeat: [1000, 1000] });
  server.receiveData(client.dataToSend(0), 0);
  const [request] = [...server.events()];
  assert.equal(request.type, 'connect');
  assert.deepEqual([request.version, request.login, request.passcode, request.heartBeat], ['1.2', 'u', 'p', [1000, 1000]]);
  server.accept('s-1', [['user-name', 'u']]);
  client.receiveData(server.dataToSend(0), 0);
  const [connected] = [...client.events()];
  assert.equal(connected.type, 'connected');
  assert.deepEqual([connected.version, connected.session, connected.heartBeat], ['1.2', 's-1', [1000, 1000]]);
  assert.equal(stompHeader(connected.frame, 'user-name'), 'u');

  const sub = client.subscribe('/queue/a', 'client-individual');
  client.send('/queue/a', new Uint8Array([0xff]), [['receipt', 'r1']]);
  server.receiveData(client.dataToSend(10), 10);
  const [subscribe, send] = [...server.events()];
  assert.equal(stompHeader(subscribe, 'id'), sub);
  assert.deepEqual([...send.body], [0xff]);
  server.sendFrame({
    command: 'MESSAGE',
    headers: [['destination', '/queue/a'], ['message-id', 'm1'], ['subscription', sub], ['ack', 'a1']],
    body: 'x',
  });
  server.sendReceipt('r1');
  client.receiveData(server.dataToSend(20), 20);
  const [message, receipt] = [...client.events()];
  assert.equal(message.type, 'message');
  assert.deepEqual([message.subscription, message.messageId, message.ack, text(message.body)], [sub, 'm1', 'a1', 'x']);
  assert.deepEqual(receipt, { type: 'receipt', receiptId: 'r1' });
  assert.deepEqual(client.pendingReceipts, []);
  client.ack(message);
  assert.equal(text(client.dataToSend(30)), 'ACK\nid:a1\n\n\0');

  const due = client.pollTimeout();
  assert.ok(due !== undefined && due <= 1030);
  client.handleTimeout(due);
  assert.equal(text(client.dataToSend(due)), '\n');
  server.handleTimeout(10000);
  assert.throws(() => [...server.events()], { name: 'StompSessionError', code: 'heart-beat-timeout' });
});

test('the broker: authentication, grants, application destinations, topics and queues', () => {
  const broker = new StompBroker({ appPrefixes: ['/app/'], authenticate: true, heartBeat: [0, 0] });
  const a = broker.open(0);
  const b = broker.open(0, '1.1');
  broker.receiveData(a, 'CONNECT\naccept-version:1.2\nlogin:alice\n\n\0', 0);
  broker.receiveData(b, 'CONNECT\naccept-version:1.1,1.2\nlogin:mallory\n\n\0', 0);
  const auth = [...broker.events()];
  assert.deepEqual(auth.map((e) => [e.type, e.connection, e.login]), [['authenticate', a, 'alice'], ['authenticate', b, 'mallory']]);
  broker.accept(a, { subscribe: ['/topic/'] });
  broker.reject(b, 'who are you');
  const [closed] = [...broker.events()];
  assert.equal(closed.type, 'closed');
  assert.equal(closed.connection, b);
  assert.equal(closed.error.code, 'rejected');
  assert.equal(broker.shouldClose(b), true);
  assert.ok(text(broker.dataToSend(b, 0)).startsWith('ERROR\n'));
  broker.close(b);

  broker.receiveData(a, 'SUBSCRIBE\nid:1\ndestination:/topic/t\n\n\0SEND\ndestination:/app/x\n\nhi\0', 0);
  assert.deepEqual(broker.connectionsToFlush(), [a]);
  assert.ok(text(broker.dataToSend(a, 0)).startsWith('CONNECTED\n'));
  const [app] = [...broker.events()];
  assert.equal(app.type, 'app-message');
  assert.equal(text(app.frame.body), 'hi');
  broker.publish('/topic/t', 'news', [['k', 'v']]);
  const out = text(broker.dataToSend(a, 0));
  assert.ok(out.startsWith('MESSAGE\n') && out.includes('k:v\n') && out.includes('subscription:1\n'), out);
  broker.publish('/queue/q', 'waits');
  assert.equal(broker.queueDepth('/queue/q'), 1);
  assert.throws(() => broker.publish('/nowhere', ''), { name: 'StompUsageError', code: 'unknown-destination' });
  assert.equal(broker.connectionCount, 1);
  broker.receiveData(a, 'DISCONNECT\nreceipt:bye\n\n\0', 0);
  assert.ok(text(broker.dataToSend(a, 0)).includes('receipt-id:bye'));
  assert.equal(broker.shouldClose(a), true);
  broker.free();
});

test('WebSocket helpers', () => {
  assert.deepEqual([...STOMP_SUBPROTOCOLS], ['v12.stomp', 'v11.stomp', 'v10.stomp']);
  assert.equal(stompVersionForSubprotocol(''), '1.2');
  assert.equal(stompVersionForSubprotocol('v10.stomp'), '1.0');
  assert.equal(isBinaryFrame(new Uint8Array([0xff])), true);
  assert.equal(isBinaryFrame('SEND\n\n\0'), false);
});
