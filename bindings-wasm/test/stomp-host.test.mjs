// StompBrokerHost (lib/stomp-node.js) with a WebSocket that is already closing: the broker's
// bytes for it are dropped instead of throwing out of flush() (which would take the whole
// server down when a page leaves while a publish is going out to it).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';

import { StompBroker, StompBrokerHost, isBinaryFrame } from '../lib/node.js';

class ClosingWebSocket extends EventEmitter {
  OPEN = 1;
  protocol = 'v12.stomp';
  readyState = 1;
  sent = [];
  send(data) {
    if (this.readyState !== 1) throw new Error('not allowed now: a close frame was sent');
    this.sent.push(data);
  }
  close() {
    this.readyState = 2;
  }
}

test('frames of one turn of the event loop are flushed once, after it', async () => {
  const host = new StompBrokerHost(new StompBroker({ heartBeat: [0, 0] }));
  const ws = new ClosingWebSocket();
  host.handleWebSocket(ws);
  ws.emit('message', Buffer.from('CONNECT\naccept-version:1.2\nhost:/\n\n\0'));
  ws.emit('message', Buffer.from('SUBSCRIBE\nid:1\ndestination:/topic/t\nreceipt:r\n\n\0'));
  assert.equal(ws.sent.length, 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ws.sent.length, 1);
  assert.match(String(ws.sent[0]), /^CONNECTED\n[^]*\0RECEIPT\nreceipt-id:r\n/);
  host.close();
});

test('a closing WebSocket gets nothing more, and flush() does not throw', () => {
  const host = new StompBrokerHost(new StompBroker({ heartBeat: [0, 0] }));
  const ws = new ClosingWebSocket();
  const id = host.handleWebSocket(ws);
  assert.equal(typeof id, 'number');
  ws.emit('message', Buffer.from('CONNECT\naccept-version:1.2\nhost:/\n\n\0'));
  host.flush(); // (the host flushes by itself once this turn of the event loop ends)
  assert.ok(String(ws.sent[0]).startsWith('CONNECTED\n'));
  ws.emit('message', Buffer.from('SUBSCRIBE\nid:1\ndestination:/topic/t\n\n\0'));
  host.flush();
  ws.readyState = 2; // the peer's close frame arrived; 'close' comes later
  host.broker.publish('/topic/t', 'late');
  assert.doesNotThrow(() => host.flush());
  assert.equal(ws.sent.length, 1);
  ws.emit('close');
  assert.equal(host.broker.connectionCount, 0);
  host.close();
});

test('takeData is dataToSend, shouldClose and isBinaryFrame in one call', () => {
  const broker = new StompBroker({ heartBeat: [0, 0] });
  const id = broker.open(0);
  broker.receiveData(id, 'CONNECT\naccept-version:1.2\nhost:/\n\n\0SUBSCRIBE\nid:1\ndestination:/topic/t\n\n\0', 0);
  const connected = broker.takeData(id, 0);
  assert.match(Buffer.from(connected.data).toString(), /^CONNECTED\n/);
  assert.deepEqual([connected.close, connected.binary], [false, false]);
  assert.equal(broker.takeData(id, 0).data.length, 0);
  broker.publish('/topic/t', new Uint8Array([0xff, 0xfe]));
  const message = broker.takeData(id, 0);
  assert.deepEqual([message.close, message.binary, isBinaryFrame(message.data)], [false, true, true]);
  broker.receiveData(id, 'NOPE\n\n\0', 0);
  const error = broker.takeData(id, 0);
  assert.match(Buffer.from(error.data).toString(), /^ERROR\n/);
  assert.deepEqual([error.close, broker.shouldClose(id)], [true, true]);
  broker.free();
});
