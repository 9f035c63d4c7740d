// Type-checked (tsc --noEmit) by test/api.test.mjs: the STOMP declarations describe real usage.
import { createServer } from 'node:http';
import net from 'node:net';

import {
  STOMP_SUBPROTOCOLS,
  StompBroker,
  StompBrokerHost,
  StompClientSession,
  StompDecoder,
  StompServerSession,
  encodeFrame,
  isBinaryFrame,
  serve,
  stompHeader,
  stompVersionForSubprotocol,
  type StompClientEvent,
  type StompSessionError,
} from 'sansocket';

function describe(event: StompClientEvent): string {
  switch (event.type) {
    case 'connected':
      return `${event.version} ${event.heartBeat[0]}`;
    case 'message':
      return `${event.destination} ${event.body.byteLength} ${stompHeader(event, 'content-type') ?? ''}`;
    case 'receipt':
      return event.receiptId;
    case 'disconnected':
    case 'heart-beat':
      return event.type;
  }
}

const now = performance.now();
const client = new StompClientSession(now, { login: 'guest', passcode: 'guest', heartBeat: [0, 0], limits: { maxBody: 1 << 16 } });
const id: string = client.subscribe('/topic/a', 'client-individual', [['receipt', 'r']]);
client.send('/topic/a', 'text');
client.send('/topic/a', new Uint8Array([1, 2, 3]));
try {
  for (const event of client.events()) {
    console.log(describe(event));
    if (event.type === 'message') client.ack(event, client.begin());
  }
} catch (err) {
  const e = err as StompSessionError;
  console.log(e.code, e.stompMessage, e.frame?.command);
}
const out: Uint8Array = client.dataToSend(now);
const due: number | undefined = client.pollTimeout();
console.log(id, out.byteLength, due, isBinaryFrame(out));

const decoder = new StompDecoder('1.1', { limits: { maxHeaders: 8 } });
decoder.receiveData(encodeFrame({ command: 'SEND', headers: [['destination', '/q']], body: 'x' }, '1.1'));
const decoded = decoder.nextEvent();
if (decoded?.type === 'frame') console.log(decoded.command, decoded.headers.length);

const server = new StompServerSession(0, { serverName: null });
for (const event of server.events()) {
  if (event.type === 'connect') server.accept(undefined, [['user-name', event.login ?? '']]);
}

const broker = new StompBroker({ appPrefixes: ['/app/'], authenticate: true, maxOutgoing: 1 << 20 });
const host = new StompBrokerHost(broker, (event) => {
  if (event.type === 'authenticate') broker.accept(event.connection, { send: ['/app/'] });
  if (event.type === 'closed') console.log(event.error?.code);
});
const http = createServer();
serve(http, { subprotocols: [...STOMP_SUBPROTOCOLS] }, (ws) => host.handleWebSocket(ws));
net.createServer((socket) => host.handleSocket(socket));
console.log(stompVersionForSubprotocol('v11.stomp'), broker.connectionCount);
