// Rooms across server processes: the JavaScript twin of the Python package's
// sansocket/chat/relay.py. One STOMP connection over TCP to an external broker (RabbitMQ's
// STOMP plugin on 61613…), shared by the whole process: it subscribes once to
// /topic/<room> for each room its pages joined, sends the posts, joins and leaves its pages
// make to the broker instead of the in-process one, and hands what comes back (its own and
// other servers' events, in the broker's order) to the chat (ChatApp.relayed), which numbers
// posts, keeps them as history and publishes them locally. Python and Node chat servers can
// share one broker and one room.
//
// The protocol is StompClientSession (sans-IO): this module only moves bytes and time. It
// logs in with its own login/passcode/virtual host (guest/guest// by default), whatever the
// browsers send; heart-beats 10 s both ways; while the broker is unreachable it reconnects
// with backoff (0.5 s doubling to 10 s) and keeps at most maxPending events to send once
// connected (the oldest are dropped past that).
import net from 'node:net';

import { StompClientSession } from '../../lib/node.js';

const now = () => performance.now();
const JSON_TYPE = [['content-type', 'application/json']];

export class Relay {
  #session = null;
  #socket = null;
  #timer = undefined;
  #retry = undefined;
  #delay = 500;
  #closed = false;
  #subscribed = new Set();
  #pending = [];

  /**
   * address: {host, port}; onMessage(destination, body: Uint8Array) gets every MESSAGE of the
   * subscribed destinations; onConnected() after every (re)connection; log(message).
   */
  constructor(address, onMessage, { login = 'guest', passcode = 'guest', vhost = '/', heartBeat = 10_000, maxPending = 1000, onConnected = () => {}, log = console.error } = {}) {
    this.address = address;
    this.onMessage = onMessage;
    this.options = { login, passcode, host: vhost, heartBeat: [heartBeat, heartBeat] };
    this.maxPending = maxPending;
    this.onConnected = onConnected;
    this.log = log;
    this.connected = false;
  }

  start() {
    this.#connect();
  }

  /** Stops for good (no reconnection) once what was sent is written (at most 2 s). */
  close() {
    this.#closed = true;
    clearTimeout(this.#retry);
    const socket = this.#socket;
    if (socket === null || socket.destroyed) {
      this.#drop();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 2000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  /** Receive `destination` from now on (and after every reconnect). */
  subscribe(destination) {
    if (this.#subscribed.has(destination)) return;
    this.#subscribed.add(destination);
    if (this.connected) {
      this.#session.subscribe(destination);
      this.#flush();
    }
  }

  /** Send to the broker; kept until connected if it is not. */
  publish(destination, body) {
    if (this.connected) {
      this.#session.send(destination, body, JSON_TYPE);
      this.#flush();
      return;
    }
    this.#pending.push([destination, body]);
    if (this.#pending.length > this.maxPending) this.#pending.shift();
  }

  #connect() {
    const { host, port } = this.address;
    const socket = net.connect({ host, port });
    const session = new StompClientSession(now(), this.options);
    this.#socket = socket;
    this.#session = session;
    socket.setTimeout(10_000, () => socket.destroy(new Error('timed out')));
    socket.on('connect', () => {
      socket.setTimeout(0);
      this.#flush();
    });
    socket.on('data', (data) => {
      if (this.#session !== session) return;
      try {
        session.receiveData(data, now());
        this.#events(session);
      } catch (err) {
        this.log(`chat: relay ${host}:${port}: ${err.message}`);
        socket.destroy();
      }
    });
    socket.on('end', () => {
      if (this.#session === session) session.receiveEof();
      socket.destroy();
    });
    socket.on('error', (err) => this.log(`chat: relay ${host}:${port}: ${err.message}`));
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#drop();
      if (this.#closed) return;
      this.log(`chat: relay reconnecting in ${(this.#delay / 1000).toFixed(1)} s`);
      this.#retry = setTimeout(() => this.#connect(), this.#delay);
      this.#delay = Math.min(this.#delay * 2, 10_000);
    });
  }

  #events(session) {
    for (const event of session.events()) {
      if (event.type === 'connected') {
        this.#delay = 500;
        for (const destination of [...this.#subscribed].sort()) session.subscribe(destination);
        this.connected = true;
        for (const [destination, body] of this.#pending.splice(0)) session.send(destination, body, JSON_TYPE);
        this.onConnected();
      } else if (event.type === 'message') {
        this.onMessage(event.destination, event.body);
      }
    }
    this.#flush();
  }

  #flush() {
    const session = this.#session;
    if (session === null || this.#socket === null) return;
    const data = session.dataToSend(now());
    if (data.length > 0) this.#socket.write(data); // (buffered by net while connecting)
    if (session.shouldCloseTransport) this.#socket.end();
    clearTimeout(this.#timer);
    const due = session.pollTimeout();
    if (due !== undefined && due !== null) {
      this.#timer = setTimeout(() => {
        if (this.#session !== session) return;
        try {
          session.handleTimeout(now());
          this.#events(session);
        } catch (err) {
          this.log(`chat: relay: ${err.message}`);
          this.#socket?.destroy();
        }
      }, Math.max(0, due - now()));
    }
  }

  #drop() {
    clearTimeout(this.#timer);
    this.connected = false;
    const socket = this.#socket;
    this.#socket = null;
    this.#session?.free();
    this.#session = null;
    socket?.destroy();
  }
}
