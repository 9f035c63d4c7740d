// @stomp/stompjs 7.5.0 through @stomp/tcp-wrapper 1.0.1 (STOMP 1.2 over TCP) against the
// sansocket-stomp TCP broker example: a client-individual queue subscription with NACK
// redelivery and ACK, escaped headers, a binary body on a topic, a receipt, heart-beats.
// Not wired into a suite yet:
//   cargo run -p sansocket-stomp --example tcp_broker -- 127.0.0.1:0   # prints the port
//   npm i @stomp/stompjs@7.5.0 @stomp/tcp-wrapper@1.0.1 && node stompjs_tcp.mjs 127.0.0.1 PORT
import { Client } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';

const [host, port] = [process.argv[2], Number(process.argv[3])];
const fail = (m) => { console.error('FAIL', m); process.exit(1); };
setTimeout(() => fail('timeout'), 15000);

function connect() {
  return new Promise((resolve) => {
    const c = new Client({
      webSocketFactory: () => new TCPWrapper(host, port),
      heartbeatIncoming: 1000, heartbeatOutgoing: 1000, reconnectDelay: 0,
      onStompError: (f) => fail('ERROR ' + f.headers.message),
    });
    c.onConnect = (frame) => resolve([c, frame]);
    c.activate();
  });
}

const [a, frame] = await connect();
const [b] = await connect();
if (frame.headers.version !== '1.2') fail('version ' + frame.headers.version);
const got = [];
const done = new Promise((resolve) => {
  a.subscribe('/queue/js', (m) => {
    got.push(m);
    if (got.length === 1) m.nack();          // redelivered
    else { m.ack(); resolve(); }
  }, { ack: 'client-individual' });
});
const topic = new Promise((resolve) => b.subscribe('/topic/js', (m) => resolve(m)));
await new Promise((r) => setTimeout(r, 200));
b.publish({ destination: '/queue/js', body: 'héllo\n\\:', headers: { 'x-k': 'a:b' } });
await done;
if (got[1].body !== 'héllo\n\\:' || got[1].headers['x-k'] !== 'a:b') fail(JSON.stringify(got[1].headers));
if (got[0].headers['message-id'] !== got[1].headers['message-id']) fail('not the same message');
const receipt = new Promise((resolve) => a.watchForReceipt('r-js', resolve));
a.publish({ destination: '/topic/js', binaryBody: new Uint8Array([0, 1, 255]), headers: { receipt: 'r-js' } });
const m = await topic;
await receipt;
if (m.binaryBody.length !== 3 || m.binaryBody[2] !== 255) fail('binary body');
await new Promise((r) => setTimeout(r, 2500));   // heart-beats keep both sessions up
await a.deactivate(); await b.deactivate();
console.log('stompjs 1.2 over TCP: ok');
process.exit(0);
