// A small driver of StompClientSession for the tests: over a net.Socket or a WebSocket of
// this package. It only moves bytes and time; the session decides everything.
import net from 'node:net';

import { STOMP_SUBPROTOCOLS, StompClientSession, connect, isBinaryFrame, stompVersionForSubprotocol } from '../lib/node.js';

export const now = () => performance.now();

export class StompTestClient {
  constructor(session, write, close) {
    this.session = session;
    this.write = write;
    this.closeTransport = close;
    this.queue = [];
    this.waiters = [];
    this.ended = false;
  }

  static async tcp(host, port, options = {}) {
    const socket = net.connect(port, host);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new StompTestClient(new StompClientSession(now(), options), (d) => socket.write(d), () => socket.end());
    socket.on('data', (d) => client.#received(d));
    socket.on('close', () => client.#eof());
    socket.on('error', () => {});
    return client.#open();
  }

  static async websocket(url, options = {}, subprotocols = STOMP_SUBPROTOCOLS) {
    const ws = await connect(url, { subprotocols: [...subprotocols] });
    const config = { maxVersion: stompVersionForSubprotocol(ws.protocol), ...options };
    const write = (d) => ws.send(isBinaryFrame(d) ? d : Buffer.from(d).toString('utf8'));
    const client = new StompTestClient(new StompClientSession(now(), config), write, () => ws.close());
    client.ws = ws;
    ws.on('message', (d) => client.#received(typeof d === 'string' ? d : d));
    ws.on('close', () => client.#eof());
    ws.on('error', () => {});
    return client.#open();
  }

  async #open() {
    this.flush();
    this.connected = await this.expect('connected');
    return this;
  }

  #received(data) {
    if (this.freed) return;
    this.session.receiveData(data, now());
    this.#pump();
  }

  #eof() {
    if (this.freed) return;
    this.ended = true;
    this.session.receiveEof();
    this.#pump();
  }

  #pump() {
    try {
      for (const e of this.session.events()) if (e.type !== 'heart-beat') this.queue.push(e);
    } catch (err) {
      this.queue.push({ type: 'error', error: err });
    }
    if (this.ended) this.queue.push({ type: 'end' });
    for (const w of this.waiters.splice(0)) w();
  }

  flush() {
    const data = this.session.dataToSend(now());
    if (data.length > 0) this.write(data);
  }

  /** The next event that is not a heart-beat ({type: 'end'} once the transport closed). */
  async next(ms = 10000) {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a STOMP event');
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const e = this.queue.shift();
    if (e.type === 'error') throw e.error;
    return e;
  }

  async expect(type) {
    const e = await this.next();
    if (e.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(e.type)}`);
    return e;
  }

  async messages(n) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await this.expect('message'));
    return out;
  }

  close() {
    this.closeTransport();
    this.freed = true;
    this.session.free();
  }
}
