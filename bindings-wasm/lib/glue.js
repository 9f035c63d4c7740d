// Node glue: sansocket connections on real sockets. A server takes upgrade requests from a
// Node `http` (or `https`) server's 'upgrade' event; a client connects over `net` or `tls`.
// IO only: bytes go from the socket to the connection and back, events become
// EventEmitter events. Backpressure: send() returns socket.write()'s answer and 'drain'
// follows; pause()/resume() stop and restart reading.
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';

import { ClientConnection, receiveEvents, serverFrom, serverTemplate, takeOutput } from './node-wasm.js';
import { openTunnel, resolveProxy } from './proxy.js';

/** How long to wait for the peer to close TCP once the close handshake is under way. */
const CLOSE_TIMEOUT = 2000;
/** How long a client waits for the server's 101. */
const HANDSHAKE_TIMEOUT = 10000;
/** readyState by the engine's state, as in ws and the browser's WebSocket. */
const READY_STATES = { connecting: 0, open: 1, closing: 2, closed: 3 };
const TEXT_AS_BYTES = { textAs: 'bytes' };
/** Events that carry data and change nothing in the connection's state. */
const DATA_EVENTS = new Set(['text', 'binary', 'chunk', 'ping', 'pong']);
const EMPTY = new Uint8Array(0);
/** The WebSocket of a socket, for the shared socket listeners. */
const WEBSOCKET = Symbol('sansocket.WebSocket');

/** The `textAs` option: 'string' (the default) or 'buffer'. */
function textAsOption(value) {
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
    let settles = false;
    let answers = false;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      const type = event.type;
      if (type === 'ping') answers = true;
      else if (!DATA_EVENTS.has(type)) settles = true;
      this.#dispatch(event);
    }
    if (this.#conn.freed || !(settles || answers)) return;
    this.#flush();
    if (settles) this.#afterIo();
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

/** The request as bytes again, for the engine to check (Node's parser already read it). */
function serializeRequest(req) {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

function sendAndClose(conn, socket) {
  const out = conn.dataToSend();
  conn.free();
  socket.on('error', () => {});
  socket.end(out);
  setTimeout(() => socket.destroy(), CLOSE_TIMEOUT).unref();
}

/**
 * Handles an http server's 'upgrade' event with a sansocket ServerConnection.
 *
 * options: the ServerConnection options (limits, deflate, allowedOrigins…), plus
 *   subprotocols: names in the server's order of preference; the first one the client
 *     offers is selected, none if none matches;
 *   handleRequest(request): optional, may return (or resolve to) `{reject: {status,
 *     headers, body}}` to refuse, or `{subprotocol, headers}` to accept with those;
 *   closeTimeout: ms to wait for the peer during the close handshake (default 2000);
 *   textAs: 'string' (the default) or 'buffer': text messages as a Buffer of UTF-8 bytes
 *     (checked by the engine; `data.toString()` decodes them), as ws hands them over.
 * onConnection(ws, request) is called with the WebSocket before any message is read.
 */
export function handleUpgrade(req, socket, head, options = {}, onConnection = undefined) {
  upgrade(req, socket, head, prepare(options), onConnection);
}

/** The options of handleUpgrade() checked once: the glue's and the connection's. */
function prepare(options) {
  const { subprotocols = [], handleRequest = undefined, closeTimeout = CLOSE_TIMEOUT, textAs, ...config } = options;
  return { subprotocols, handleRequest, closeTimeout, textAsBuffer: textAsOption(textAs), template: serverTemplate(config) };
}

function upgrade(req, socket, head, prepared, onConnection) {
  const { subprotocols, handleRequest, closeTimeout, textAsBuffer } = prepared;
  const conn = serverFrom(prepared.template);
  conn.receiveData(serializeRequest(req));
  if (head && head.length > 0) conn.receiveData(head);
  const events = conn.events();
  const request = events[0];
  if (request === undefined || request.type !== 'request') {
    sendAndClose(conn, socket); // the engine queued the HTTP error response
    return;
  }
  const proceed = (decision) => {
    if (socket.destroyed) {
      conn.free();
      return;
    }
    if (decision && decision.reject) {
      const { status = 403, headers = null, body = undefined } = decision.reject;
      conn.reject(status, { headers, body });
      sendAndClose(conn, socket);
      return;
    }
    const subprotocol =
      decision && decision.subprotocol !== undefined ? decision.subprotocol : conn.selectSubprotocol(subprotocols);
    conn.accept({ subprotocol, headers: decision?.headers ?? null });
    socket.setNoDelay(true);
    socket.setTimeout(0);
    // The 101 first, then the events of frames that came with the request: the engine
    // keeps the last output it handed out until its next call, and an idle connection
    // would otherwise hold the 101's memory. Corked: the 101 and whatever the application
    // sends before the start leave in one write.
    const response = takeOutput(conn);
    const pending = conn.events(textAsBuffer ? TEXT_AS_BYTES : undefined);
    socket.cork();
    socket.write(response);
    const ws = new WebSocket(conn, socket, { closeTimeout, textAsBuffer });
    try {
      if (onConnection) onConnection(ws, request);
      ws._start(pending);
    } finally {
      socket.uncork();
    }
  };
  // handleRequest failed: answer 500. A synchronous exception propagates to the caller;
  // a rejected promise ends here.
  const refuse = () => {
    if (!conn.freed) {
      conn.reject(500, { body: 'internal server error' });
      sendAndClose(conn, socket);
    }
  };
  let decision;
  try {
    decision = handleRequest ? handleRequest(request) : undefined;
  } catch (err) {
    refuse();
    throw err;
  }
  if (decision && typeof decision.then === 'function') decision.then(proceed, refuse);
  else proceed(decision);
}

/** Serves WebSocket upgrades of an http/https server: see handleUpgrade() for options. */
export function serve(server, options = {}, onConnection = undefined) {
  // Checked once (a bad option throws now rather than at the first upgrade).
  const prepared = prepare(options);
  const listener = (req, socket, head) => upgrade(req, socket, head, prepared, onConnection);
  server.on('upgrade', listener);
  return () => server.off('upgrade', listener);
}

/**
 * Opens a client WebSocket over net (ws://) or tls (wss://); resolves once the server
 * accepted. options: the ClientConnection options (subprotocols, origin, headers, limits,
 * deflate…; host and target come from the URL), plus tls (options for tls.connect),
 * handshakeTimeout (ms, default 10000), closeTimeout (ms, default 2000), textAs ('string'
 * or 'buffer', as for handleUpgrade) and proxy: an
 * http:// proxy URL (credentials in it become Proxy-Authorization: Basic), true (the
 * default: HTTPS_PROXY for wss://, HTTP_PROXY for ws://, else ALL_PROXY, unless NO_PROXY
 * names the host) or null for a direct connection. TLS for wss:// runs inside the tunnel.
 * A refusal rejects with an Error carrying status, headers and body (code 'rejected' from
 * the server, 'proxy-rejected' from the proxy).
 */
export function connect(url, options = {}) {
  let u;
  try {
    u = new URL(url);
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
      throw new TypeError(`connect: the URL must be ws:// or wss://, not ${u.protocol}`);
    }
  } catch (err) {
    return Promise.reject(err);
  }
  const { proxy = true, handshakeTimeout = HANDSHAKE_TIMEOUT, ...rest } = options;
  const secure = u.protocol === 'wss:';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(u.port) || (secure ? 443 : 80);
  let proxyUrl;
  try {
    proxyUrl = resolveProxy(proxy, secure, host, port);
  } catch (err) {
    return Promise.reject(err);
  }
  if (proxyUrl === null) return handshake(u, { handshakeTimeout, ...rest }, null);
  const started = Date.now();
  return openTunnel(proxyUrl, host, port, handshakeTimeout).then(({ socket, rest: early }) => {
    if (early.length > 0 && secure) {
      socket.destroy();
      throw new Error('connect: the server spoke before the TLS handshake through the proxy');
    }
    const left = Math.max(1, handshakeTimeout - (Date.now() - started));
    return handshake(u, { handshakeTimeout: left, ...rest }, { socket, early });
  });
}

/** The WebSocket handshake on a new socket, or on a proxy's `tunnel` ({socket, early}). */
function handshake(u, options, tunnel) {
  return new Promise((resolve, reject) => {
    const {
      tls: tlsOptions = {},
      handshakeTimeout = HANDSHAKE_TIMEOUT,
      closeTimeout = CLOSE_TIMEOUT,
      textAs,
      ...config
    } = options;
    const textAsBuffer = textAsOption(textAs);
    const secure = u.protocol === 'wss:';
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(u.port) || (secure ? 443 : 80);
    let conn;
    try {
      conn = new ClientConnection({ host: u.host, target: `${u.pathname}${u.search}`, ...config });
    } catch (err) {
      tunnel?.socket.destroy();
      throw err;
    }
    let socket;
    try {
      const servername = isIP(host) ? undefined : host;
      if (tunnel !== null) {
        socket = secure
          ? tls.connect({ socket: tunnel.socket, host, servername, ALPNProtocols: ['http/1.1'], ...tlsOptions })
          : tunnel.socket;
      } else {
        socket = secure
          ? tls.connect({ host, port, servername, ALPNProtocols: ['http/1.1'], ...tlsOptions })
          : net.connect({ host, port });
      }
    } catch (err) {
      conn.free();
      tunnel?.socket.destroy();
      throw err;
    }
    socket.setNoDelay(true);
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`connect: no answer from ${u.host} within ${handshakeTimeout} ms`)), handshakeTimeout);

    function cleanup() {
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', fail);
      socket.off('close', onClose);
    }
    function fail(err) {
      if (settled) return;
      cleanup();
      socket.on('error', () => {});
      socket.destroy();
      if (!conn.freed) conn.free();
      reject(err);
    }
    function handle(events) {
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        if (event.type === 'accepted') {
          cleanup();
          socket.pause();
          const ws = new WebSocket(conn, socket, { closeTimeout, textAsBuffer });
          resolve(ws);
          // Frames that came with the 101 wait until the caller has added its listeners.
          setImmediate(() => ws._start(events.slice(i + 1)));
          return;
        }
        if (event.type === 'rejected') {
          const err = new Error(`connect: the server refused the WebSocket: ${event.status} ${event.reason}`);
          Object.assign(err, { code: 'rejected', status: event.status, headers: event.headers, body: event.body });
          fail(err);
          return;
        }
        if (event.type === 'error') {
          fail(event.error);
          return;
        }
      }
    }
    function onData(chunk) {
      conn.receiveData(chunk);
      handle(conn.events(textAsBuffer ? TEXT_AS_BYTES : undefined));
    }
    function onEnd() {
      conn.receiveEof();
      handle(conn.events(textAsBuffer ? TEXT_AS_BYTES : undefined));
      fail(new Error('connect: the server closed the connection during the handshake'));
    }
    function onClose() {
      fail(new Error('connect: the connection closed during the handshake'));
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', fail);
    socket.on('close', onClose);
    try {
      socket.write(conn.dataToSend());
    } catch (err) {
      fail(err); // the random source failed
      return;
    }
    if (tunnel !== null && tunnel.early.length > 0) onData(tunnel.early);
  });
}
