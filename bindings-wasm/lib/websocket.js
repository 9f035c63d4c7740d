// A WebSocket on a Node socket: bytes go from the socket to its sansocket connection and
// back, events become EventEmitter events. Backpressure: send() returns socket.write()'s
// answer and 'drain' follows; pause()/resume() stop and restart reading. Made by the
// server's upgrade (server.js) and by connect() (client.js).
import { EventEmitter } from 'node:events';

import { receiveEvents, takeOutput } from './node-wasm.js';

/** How long to wait for the peer to close TCP once the close handshake is under way. */
export const CLOSE_TIMEOUT = 2000;
/** readyState by the engine's state, as in ws and the browser's WebSocket. */
const READY_STATES = { connecting: 0, open: 1, closing: 2, closed: 3 };
export const TEXT_AS_BYTES = { textAs: 'bytes' };
/** Whether an event carries data and changes nothing in the connection's state. */
function isDataEvent(type) {
  return type === 'binary' || type === 'text' || type === 'chunk' || type === 'ping' || type === 'pong';
}
const EMPTY = new Uint8Array(0);
/** The WebSocket of a socket, for the shared socket listeners. */
const WEBSOCKET = Symbol('sansocket.WebSocket');

/** The `textAs` option: 'string' (the default) or 'buffer'. */
export function textAsOption(value) {
  if (value === undefined || value === 'string') return false;
  if (value === 'buffer') return true;
  throw new TypeError(`textAs must be 'string' or 'buffer', not ${String(value)}`);
}

function toBuffer(u8) {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

/**
 * A WebSocket on a Node socket. Events: 'message' (data: string | Buffer, isBinary),
 * 'chunk' (data: string | Buffer, fin, isBinary) with `delivery: 'chunks'`, 'ping' (Buffer),
 * 'pong' (Buffer), 'close' (code, reason) once the transport is closed, 'error' (Error),
 * 'drain' (the socket's write buffer emptied).
 */
export class WebSocket extends EventEmitter {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  #conn;
  #socket;
  #closeTimeout;
  #timer = null;
  #code = 1006;
  #reason = '';
  #ending = false;
  #closed = false;
  #started = false;
  #protocol;
  #extensions;
  #eventOptions;

  /** @internal Made by handleUpgrade() and connect(). */
  constructor(conn, socket, { closeTimeout = CLOSE_TIMEOUT, textAsBuffer = false } = {}) {
    super();
    this.#eventOptions = textAsBuffer ? TEXT_AS_BYTES : undefined;
    this.#conn = conn;
    this.#socket = socket;
    this.#closeTimeout = closeTimeout;
    this.#protocol = conn.subprotocol ?? '';
    this.#extensions = conn.extensions ?? '';
  }

  /** @internal Starts reading: dispatches `pending` events, then what the socket brings. */
  _start(pending = []) {
    if (this.#started) return;
    this.#started = true;
    const socket = this.#socket;
    // The same listener functions for every socket (no closures per connection: idle
    // connections are many); each finds its WebSocket on the socket.
    socket[WEBSOCKET] = this;
    socket.on('data', WebSocket.#onData);
    socket.on('end', WebSocket.#onEnd);
    socket.on('error', WebSocket.#onError);
    socket.on('drain', WebSocket.#onDrain);
    socket.on('close', WebSocket.#onClose);
    if (socket.destroyed) {
      queueMicrotask(() => this.#onTransportClosed());
      return;
    }
    this.#process(pending);
    this.#flush(); // the 101 (a server), or what the events before the start queued
    socket.resume();
  }

  /** Socket listeners: `this` is the socket. */
  static #onData(chunk) {
    const ws = this[WEBSOCKET];
    if (ws.#conn.freed) return;
    // A socket's read is ours: payloads may be handed out as views of it (no copy).
    ws.#process(receiveEvents(ws.#conn, chunk, ws.#eventOptions !== undefined));
  }

  static #onEnd() {
    const ws = this[WEBSOCKET];
    if (ws.#conn.freed) return;
    ws.#conn.receiveEof();
    ws.#process(ws.#conn.events(ws.#eventOptions));
    ws.#endTransport();
  }

  static #onError(err) {
    const ws = this[WEBSOCKET];
    if (ws.listenerCount('error') > 0) ws.emit('error', err);
  }

  static #onDrain() {
    this[WEBSOCKET].emit('drain');
  }

  static #onClose() {
    this[WEBSOCKET].#onTransportClosed();
  }

  /** The negotiated subprotocol, or ''. */
  get protocol() {
    return this.#protocol;
  }

  /** The negotiated permessage-deflate parameters (a header value), or ''. */
  get extensions() {
    return this.#extensions;
  }

  get CONNECTING() {
    return 0;
  }

  get OPEN() {
    return 1;
  }

  get CLOSING() {
    return 2;
  }

  get CLOSED() {
    return 3;
  }

  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED (the constants on the class and instances). */
  get readyState() {
    return this.#closed || this.#conn.freed ? 3 : READY_STATES[this.#conn.state];
  }

  /** Bytes written but not yet handed to the kernel. */
  get bufferedAmount() {
    return this.#socket.writableLength;
  }

  /** The close code: the peer's, the error's, or 1006 (meaningful once 'close' fired). */
  get closeCode() {
    return this.#code;
  }

  /**
   * Sends a message: a string as text, bytes as binary; `{binary}` chooses (as in ws:
   * bytes with `binary: false` go as text, checked as UTF-8). A server's payload goes to
   * the socket as it is, behind the frame header (no copy). False: wait for 'drain'.
   */
  send(data, options = undefined) {
    const binary = options?.binary ?? typeof data !== 'string';
    let parts;
    try {
      parts = this.#live().sendAndTake(data, binary); // as #act, without a closure per message
    } catch (err) {
      if (err?.code === 'entropy-failed') this.#fail(err);
      throw err;
    }
    const socket = this.#socket;
    if (socket.destroyed) return false;
    let ok;
    if (parts.length === 1) {
      ok = socket.write(parts[0]);
    } else {
      socket.cork();
      socket.write(parts[0]);
      ok = socket.write(parts[1]);
      socket.uncork();
    }
    // A write as large as the socket's high-water mark answers false even when the kernel
    // took it all at once (the uncork above): nothing is waiting then, so no 'drain' to
    // wait for.
    return ok || socket.writableLength === 0;
  }

  /** Sends one fragment of a message (`kind` 'text' or 'binary'; `fin` ends it). */
  sendFragment(kind, data, fin) {
    this.#act((c) => c.sendFragment(kind, data, fin));
    return this.#flush();
  }

  /** Sends a ping. */
  ping(data = undefined) {
    this.#act((c) => c.ping(data));
    return this.#flush();
  }

  /** Sends a pong (a heartbeat; pings are answered automatically). */
  pong(data = undefined) {
    this.#act((c) => c.pong(data));
    return this.#flush();
  }

  /**
   * Starts the close handshake. The 'close' event follows once the transport is closed
   * (after at most the close timeout if the peer does not answer).
   */
  close(code = 1000, reason = '') {
    if (this.#closed || this.#conn.freed || this.#conn.state === 'closed') return;
    this.#act((c) => c.close(code, reason));
    this.#flush();
    this.#afterIo();
  }

  /** Closes the transport at once, without a close handshake. */
  terminate() {
    this.#socket.destroy();
  }

  /** Stops reading from the socket (backpressure towards the peer). */
  pause() {
    this.#socket.pause();
  }

  /** Reads again after pause(). */
  resume() {
    if (this.#started) this.#socket.resume();
  }

  #live() {
    if (this.#closed || this.#conn.freed) throw new Error('sansocket: the WebSocket is closed');
    return this.#conn;
  }

  /** Runs an action; the random source failing fails the connection, and throws. */
  #act(action) {
    try {
      action(this.#live());
    } catch (err) {
      if (err?.code === 'entropy-failed') this.#fail(err);
      throw err;
    }
  }

  /** Ends the connection on an error that leaves nothing to send: 'error', then 'close'. */
  #fail(err) {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    this.#socket.destroy();
  }

  #process(events) {
    // Only a handshake, close or error event can change what the transport should do
    // (the application's own close() looks after itself): data alone needs no state check.
    // The engine queues bytes of its own only with those or a ping (the pong): after data
    // alone there is nothing to flush (the application's sends wrote theirs already).
    // Several events of one read: the socket is corked while they are dispatched, so that
    // what the application sends in answer leaves in one write (writev) instead of one
    // system call per message.
    const n = events.length;
    const socket = this.#socket;
    const corked = n > 1 && !socket.destroyed;
    if (corked) socket.cork();
    try {
      let settles = false;
      let answers = false;
      for (let i = 0; i < n; i++) {
        const event = events[i];
        const type = event.type;
        if (type === 'ping') answers = true;
        else if (!isDataEvent(type)) settles = true;
        this.#dispatch(event);
      }
      if (this.#conn.freed || !(settles || answers)) return;
      this.#flush();
      if (settles) this.#afterIo();
    } finally {
      if (corked) socket.uncork();
    }
  }

  #dispatch(event) {
    switch (event.type) {
      case 'text':
        this.emit('message', typeof event.data === 'string' ? event.data : toBuffer(event.data), false);
        break;
      case 'binary':
        this.emit('message', toBuffer(event.data), true);
        break;
      case 'chunk':
        if (event.kind === 'text') {
          this.emit('chunk', typeof event.data === 'string' ? event.data : toBuffer(event.data), event.fin, false);
        }
        else this.emit('chunk', toBuffer(event.data), event.fin, true);
        break;
      case 'ping':
        this.emit('ping', toBuffer(event.data));
        break;
      case 'pong':
        this.emit('pong', toBuffer(event.data));
        break;
      case 'close':
        this.#code = event.code;
        this.#reason = event.reason;
        break;
      case 'error': {
        const { error } = event;
        if (error.closeCode !== null) this.#code = error.closeCode;
        if (error.code !== 'abnormal-closure' && this.listenerCount('error') > 0) this.emit('error', error);
        break;
      }
      default:
        break;
    }
  }

  /** Writes what the connection queued; returns false while the socket's buffer is full. */
  #flush() {
    if (this.#conn.freed || this.#socket.destroyed) return false;
    let out;
    try {
      // Usually an echo took everything already (send): one cheap call instead of two.
      out = this.#conn.bufferedAmount === 0 ? EMPTY : takeOutput(this.#conn);
    } catch (err) {
      this.#fail(err); // the random source failed: nothing may be sent
      return false;
    }
    if (out.length === 0) return !this.#socket.writableNeedDrain || this.#socket.writableLength === 0;
    return this.#socket.write(out) || this.#socket.writableLength === 0;
  }

  /** Closes the transport when the engine says so; bounds the close handshake in time. */
  #afterIo() {
    if (this.#conn.freed) return;
    if (this.#conn.shouldCloseTransport) {
      this.#endTransport();
    } else if (this.#conn.state === 'closing' || this.#conn.state === 'closed') {
      this.#armTimer();
    }
  }

  #endTransport() {
    if (this.#ending) return;
    this.#ending = true;
    this.#socket.end();
    this.#armTimer();
  }

  #armTimer() {
    if (this.#timer !== null || this.#closed) return;
    this.#timer = setTimeout(() => this.#socket.destroy(), this.#closeTimeout);
    this.#timer.unref?.();
  }

  #onTransportClosed() {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#conn.free();
    this.emit('close', this.#code, this.#reason);
  }
}
