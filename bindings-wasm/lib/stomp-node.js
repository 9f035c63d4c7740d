// The STOMP classes on Node's WASM instance, and the Node glue that serves a StompBroker
// over WebSocket (this package's server) and over plain TCP (net).
import { createRequire } from 'node:module';

import { STOMP_SUBPROTOCOLS, createStompClasses } from './stomp.js';

const require = createRequire(import.meta.url);
// Loaded on first use, then kept: a require() per call resolves the path every time.
let module;
const raw = () => (module ??= require('../pkg/node/sansocket_wasm.js'));

export const {
  StompDecoder,
  StompClientSession,
  StompServerSession,
  StompBroker,
  encodeFrame,
  isBinaryFrame,
  stompVersionForSubprotocol,
} = createStompClasses(raw);
export { STOMP_SUBPROTOCOLS, stompHeader } from './stomp.js';

const now = () => performance.now();

/**
 * Runs `broker` over transports: `handleWebSocket(ws)` for a WebSocket of this package's
 * `serve`/`handleUpgrade` (pass `subprotocols: STOMP_SUBPROTOCOLS` to them; a client that
 * offers none is served 1.2), `handleSocket(socket)` for a net.Socket (STOMP over TCP).
 * Bytes read go to the broker; its bytes go out (a text message when they are UTF-8,
 * binary otherwise); transports are closed when the broker says so; heart-beat timers
 * run on setTimeout. What arrives in one turn of the event loop is flushed once, after it
 * (setImmediate): a publish to many connections costs one write per connection per turn,
 * not one per frame. `onEvent(event)` gets the broker's authenticate, app-message and
 * closed events (it may call broker.accept/reject/publish). Both handle methods return the
 * broker's id for the connection. `close()` stops the timer.
 *
 * Backpressure: once a write to a connection returns false (the socket holds more than its
 * `writableHighWaterMark`: 16 KiB by default; `net.createServer({highWaterMark})` and
 * `http.createServer({highWaterMark})` set it), the connection's bytes stay in the broker
 * until the socket's 'drain'. The broker's bound then applies (`maxOutgoing`, 1 MiB by
 * default): a queue message waits for a subscriber with room, and a topic message that
 * would pass the bound closes that connection with an ERROR (`message:slow consumer`). A
 * client that does not read costs the server at most that bound plus one write.
 */
export class StompBrokerHost {
  constructor(broker, onEvent = undefined) {
    this.broker = broker;
    this.onEvent = onEvent;
    this.transports = new Map();
    this.timer = undefined;
    this.scheduled = undefined;
    /** Connections whose socket drained while their bytes waited in the broker. */
    this.drained = new Set();
  }

  /** Flushes after what else arrived in this turn of the event loop (see flush()). */
  #later() {
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      this.flush();
    });
  }

  /** Hands out events and bytes, and re-arms the heart-beat timer. */
  flush() {
    for (const event of this.broker.events()) this.onEvent?.(event);
    const t = now();
    for (const id of this.broker.connectionsToFlush()) {
      this.drained.delete(id);
      this.#send(id, t);
    }
    for (const id of this.drained) this.#send(id, t);
    this.drained.clear();
    clearTimeout(this.timer);
    const due = this.broker.pollTimeout();
    if (due !== undefined) {
      this.timer = setTimeout(() => {
        this.broker.handleTimeout(now());
        this.flush();
      }, Math.max(0, due - now()));
      this.timer.unref?.();
    }
  }

  /** Writes the broker's bytes for `id`, unless its socket is waiting for 'drain'. */
  #send(id, t) {
    const transport = this.transports.get(id);
    if (transport === undefined) {
      this.broker.dataToSend(id, t);
      return;
    }
    // Left in the broker (bounded there); a connection it closes gets its last bytes.
    if (transport.waiting && !this.broker.shouldClose(id)) return;
    const { data, close, binary } = this.broker.takeData(id, t);
    if (data.length > 0) transport.waiting = !transport.write(data, binary);
    if (close) transport.end();
  }

  #attach(maxVersion, transport) {
    const id = this.broker.open(now(), maxVersion);
    transport.waiting = false;
    this.transports.set(id, transport);
    return id;
  }

  /** The socket's buffer emptied: what waited in the broker goes out after this turn. */
  #drain(id) {
    const transport = this.transports.get(id);
    if (transport === undefined || !transport.waiting) return;
    transport.waiting = false;
    this.drained.add(id);
    this.#later();
  }

  #gone(id) {
    if (!this.transports.delete(id)) return;
    this.drained.delete(id);
    this.broker.close(id);
    this.flush();
  }

  handleWebSocket(ws) {
    // Once the WebSocket is closing (the peer's close frame, or ours) nothing more can be
    // sent; its 'close' event follows and the broker forgets the connection.
    const open = () => ws.readyState === ws.OPEN;
    const id = this.#attach(stompVersionForSubprotocol(ws.protocol), {
      write: (data, binary) =>
        !open() || ws.send(binary ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) !== false,
      end: () => open() && ws.close(1000),
    });
    ws.on('message', (data) => {
      this.broker.receiveData(id, data, now());
      this.#later();
    });
    ws.on('drain', () => this.#drain(id));
    ws.on('close', () => this.#gone(id));
    ws.on('error', () => {});
    return id;
  }

  handleSocket(socket) {
    const id = this.#attach('1.2', { write: (data) => socket.write(data), end: () => socket.end() });
    socket.on('data', (data) => {
      this.broker.receiveData(id, data, now());
      this.#later();
    });
    socket.on('drain', () => this.#drain(id));
    socket.on('close', () => this.#gone(id));
    socket.on('error', () => {});
    return id;
  }

  close() {
    clearTimeout(this.timer);
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }
}
