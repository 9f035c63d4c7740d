// Type-checked (tsc --noEmit) by test/types.test.mjs: the declarations describe real usage.
import { createServer } from 'node:http';

import {
  ClientConnection,
  ProxyConnect,
  ServerConnection,
  WebSocket as WebSocketClass,
  connect,
  serve,
  wasmMemorySize,
  type Event,
  type RequestEvent,
  type WebSocket,
} from 'sansocket';

function describe(event: Event): string {
  switch (event.type) {
    case 'request':
      return `${event.path} ${event.subprotocols.join(',')}`;
    case 'accepted':
      return event.subprotocol ?? '';
    case 'rejected':
      return `${event.status} ${event.body.length}`;
    case 'text':
      return event.data.toUpperCase();
    case 'binary':
      return String(event.data.byteLength);
    case 'chunk':
      return event.kind === 'text' ? event.data : String(event.data.length);
    case 'ping':
    case 'pong':
      return String(event.data.length);
    case 'close':
      return `${event.code} ${event.reason}`;
    case 'error':
      return `${event.error.code} ${event.error.closeCode ?? event.error.status ?? ''}`;
  }
}

const server = new ServerConnection({ maxMessageSize: 1 << 20, deflate: { level: 9 } });
const client = new ClientConnection({ host: 'example.com', subprotocols: ['v11.stomp'], headers: [['X-A', 'b']] });
server.receiveData(client.dataToSend());
for (const event of server.events()) {
  describe(event);
  if (event.type === 'request') {
    const request: RequestEvent = event;
    server.accept({ subprotocol: server.selectSubprotocol(['v12.stomp', 'v11.stomp']) });
    void request;
  }
}
const bytes: Uint8Array = server.dataToSend();
client.receiveData(bytes);
client.sendText('hi');
client.close(1000, 'bye');
const state: 'connecting' | 'open' | 'closing' | 'closed' = client.state;
void state;
server.free();
client[Symbol.dispose]();
const size: number = wasmMemorySize();
void size;

const parts: Uint8Array[] = server.sendAndTake(new Uint8Array([1]), true);
void parts;
server.receiveData(new Uint8Array(0), { consume: true });
for (const event of server.events({ textAs: 'bytes' })) {
  if (event.type === 'text') {
    const bytes: Uint8Array = event.data;
    void bytes;
  }
}

const http = createServer();
serve(http, { textAs: 'buffer' }, (ws: WebSocket) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
const stop: () => void = serve(http, { subprotocols: ['chat'], handleRequest: (r) => (r.origin ? undefined : { reject: { status: 403 } }) }, (ws: WebSocket) => {
  ws.on('message', (data, isBinary) => {
    if (!ws.send(isBinary ? data : String(data))) ws.pause();
  });
  ws.on('close', (code: number, reason: string) => void [code, reason]);
});
void stop;

async function run(): Promise<void> {
  const ws = await connect('ws://127.0.0.1:9/', { subprotocols: ['chat'], handshakeTimeout: 100 });
  ws.send(new Uint8Array([1, 2]));
  ws.close();
}
void run;

async function throughProxy(): Promise<void> {
  const ws = await connect('wss://example.com/', { proxy: 'http://user:pass@127.0.0.1:3128', tls: { ca: 'x' } });
  const open: boolean = ws.readyState === WebSocketClass.OPEN && ws.OPEN === 1;
  void open;
  await connect('ws://example.com/', { proxy: null });
  const tunnel = new ProxyConnect('example.com', 443, 'user', 'pass');
  const request: Uint8Array = tunnel.dataToSend();
  const answer = tunnel.receiveData(request);
  if (answer?.type === 'rejected') void [answer.status, answer.reason, answer.headers, answer.body];
  else if (answer?.type === 'connected') void answer.rest;
  tunnel.free();
  new ServerConnection({ deflate: { lowMemory: true } }).free();
}
void throughProxy;
