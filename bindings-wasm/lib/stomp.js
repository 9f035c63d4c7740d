// STOMP 1.0/1.1/1.2 as a sans-IO engine (the Rust crate sansocket-stomp) in JavaScript
// idiom: StompDecoder, encodeFrame, StompClientSession, StompServerSession, StompBroker.
// This file converts types and nothing else; every protocol decision is the Rust engine's.
//
// Frames are plain objects {command, headers: [[name, value], ...], body: Uint8Array};
// events are plain objects with a `type`. Time is a number of milliseconds from a clock the
// host chooses (performance.now(), Date.now()); nothing here reads a clock. Errors are
// Errors named StompDecodeError, StompEncodeError, StompUsageError or StompSessionError
// with a kebab-case `code`.

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** The WebSocket subprotocols of STOMP, in a server's order of preference. */
export const STOMP_SUBPROTOCOLS = Object.freeze(['v12.stomp', 'v11.stomp', 'v10.stomp']);

/** Bytes from a Uint8Array, another view, an ArrayBuffer or a string (UTF-8). */
function toBytes(data, what) {
  if (data === undefined || data === null) return EMPTY;
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data === 'string') return encoder.encode(data);
  throw new TypeError(`${what} expects a string, Uint8Array, ArrayBuffer or view`);
}

/** The first header called `name` of a frame (or message event), or undefined. */
export function stompHeader(frame, name) {
  for (const [n, v] of frame.headers) if (n === name) return v;
  return undefined;
}

/** Makes the STOMP classes for one instance of the WASM module (see connection.js). */
export function createStompClasses(getRaw) {
  /** Drains `next()` into an array (stops at the first thrown error, which propagates). */
  function* drain(raw) {
    for (let e = raw.nextEvent(); e !== undefined; e = raw.nextEvent()) yield e;
  }

  class StompDecoder {
    #raw;
    /** version: '1.0' | '1.1' | '1.2'; options: {limits: {maxHeaders, maxLine, maxHeaderBlock, maxBody}}. */
    constructor(version = '1.2', options = {}) {
      this.#raw = new (getRaw().RawStompDecoder)(version, options);
    }
    /** Bytes as they arrive, split anywhere. */
    receiveData(data) {
      this.#raw.receive(toBytes(data, 'receiveData'));
    }
    /** The next {type: 'frame', command, headers, body} or {type: 'heart-beat'}, or undefined. */
    nextEvent() {
      return this.#raw.nextEvent();
    }
    /** Every event decoded so far. */
    events() {
      return drain(this.#raw);
    }
    setVersion(version) {
      this.#raw.setVersion(version);
    }
    get version() {
      return this.#raw.version;
    }
    get buffered() {
      return this.#raw.buffered;
    }
    get hasFailed() {
      return this.#raw.hasFailed;
    }
    /** Frees the WASM memory now (otherwise when garbage collected). */
    free() {
      this.#raw.free();
    }
  }

  /** A frame as bytes for `version`; headers escaped for it, content-length on bodies. */
  function encodeFrame(frame, version = '1.2') {
    return getRaw().stompEncode(frame.command, frame.headers ?? [], toBytes(frame.body, 'encodeFrame'), version);
  }

  /** Whether encoded frames must go in a binary WebSocket message (not UTF-8). */
  function isBinaryFrame(encoded) {
    return getRaw().stompIsBinary(toBytes(encoded, 'isBinaryFrame'));
  }

  /** The STOMP version a WebSocket subprotocol allows ('v11.stomp' → '1.1'; none → '1.2'). */
  function stompVersionForSubprotocol(subprotocol) {
    return getRaw().stompSubprotocolVersion(subprotocol || undefined);
  }

  class StompClientSession {
    #raw;
    /**
     * Queues CONNECT. options: {host ('/'), login, passcode, maxVersion ('1.2'), heartBeat
     * ([10000, 10000]), grace (2), limits, stompCommand (false), headers}.
     */
    constructor(now = 0, options = {}) {
      this.#raw = new (getRaw().RawStompClient)(now, options);
    }
    receiveData(data, now) {
      this.#raw.receive(toBytes(data, 'receiveData'), now);
    }
    receiveEof() {
      this.#raw.receiveEof();
    }
    /** connected | message | receipt | disconnected | heart-beat, or undefined; throws StompSessionError. */
    nextEvent() {
      return this.#raw.nextEvent();
    }
    events() {
      return drain(this.#raw);
    }
    sendFrame(frame) {
      this.#raw.sendFrame(frame.command, frame.headers ?? [], toBytes(frame.body, 'sendFrame'));
    }
    /** Returns the subscription id. ack: 'auto' | 'client' | 'client-individual'. */
    subscribe(destination, ack = 'auto', headers = []) {
      return this.#raw.subscribe(destination, ack, headers);
    }
    unsubscribe(id, headers = []) {
      this.#raw.unsubscribe(id, headers);
    }
    send(destination, body = EMPTY, headers = []) {
      this.#raw.send(destination, toBytes(body, 'send'), headers);
    }
    /** ACK a message event, with the headers of the negotiated version. */
    ack(message, transaction = undefined) {
      this.#raw.ack(message.headers, transaction);
    }
    nack(message, transaction = undefined) {
      this.#raw.nack(message.headers, transaction);
    }
    /** Returns the transaction id. */
    begin(headers = []) {
      return this.#raw.begin(headers);
    }
    commit(id, headers = []) {
      this.#raw.commit(id, headers);
    }
    abort(id, headers = []) {
      this.#raw.abort(id, headers);
    }
    disconnect(receipt = true) {
      this.#raw.disconnect(receipt);
    }
    /** The bytes to write (drained). */
    dataToSend(now) {
      return this.#raw.dataToSend(now);
    }
    pollTimeout() {
      return this.#raw.pollTimeout();
    }
    handleTimeout(now) {
      this.#raw.handleTimeout(now);
    }
    get version() {
      return this.#raw.version;
    }
    get isConnected() {
      return this.#raw.isConnected;
    }
    get isClosed() {
      return this.#raw.isClosed;
    }
    get shouldCloseTransport() {
      return this.#raw.shouldCloseTransport;
    }
    get pendingReceipts() {
      return this.#raw.pendingReceipts;
    }
    free() {
      this.#raw.free();
    }
  }

  class StompServerSession {
    #raw;
    /** options: {maxVersion, heartBeat, grace, limits, serverName ('sansocket-stomp'; null: none)}. */
    constructor(now = 0, options = {}) {
      this.#raw = new (getRaw().RawStompServer)(now, options);
    }
    receiveData(data, now) {
      this.#raw.receive(toBytes(data, 'receiveData'), now);
    }
    receiveEof() {
      this.#raw.receiveEof();
    }
    /** connect | frame | disconnect | heart-beat, or undefined; throws StompSessionError (ERROR queued). */
    nextEvent() {
      return this.#raw.nextEvent();
    }
    events() {
      return drain(this.#raw);
    }
    accept(session = undefined, headers = []) {
      this.#raw.accept(session, headers);
    }
    reject(message) {
      this.#raw.reject(message);
    }
    sendFrame(frame) {
      this.#raw.sendFrame(frame.command, frame.headers ?? [], toBytes(frame.body, 'sendFrame'));
    }
    sendReceipt(receiptId) {
      this.#raw.sendReceipt(receiptId);
    }
    sendError(message, receiptId = undefined) {
      this.#raw.sendError(message, receiptId);
    }
    dataToSend(now) {
      return this.#raw.dataToSend(now);
    }
    pollTimeout() {
      return this.#raw.pollTimeout();
    }
    handleTimeout(now) {
      this.#raw.handleTimeout(now);
    }
    get version() {
      return this.#raw.version;
    }
    get isConnected() {
      return this.#raw.isConnected;
    }
    get isClosed() {
      return this.#raw.isClosed;
    }
    get shouldCloseTransport() {
      return this.#raw.shouldCloseTransport;
    }
    free() {
      this.#raw.free();
    }
  }

  class StompBroker {
    #raw;
    /**
     * options: the server options plus {topicPrefixes (['/topic/']), queuePrefixes
     * (['/queue/']), appPrefixes ([]), authenticate (false), maxOutgoing, maxQueueDepth,
     * maxUnacked}.
     */
    constructor(options = {}) {
      this.#raw = new (getRaw().RawStompBroker)(options);
    }
    /** A new connection (capped at `maxVersion`); returns its id. */
    open(now = 0, maxVersion = '1.2') {
      return this.#raw.open(now, maxVersion);
    }
    receiveData(id, data, now) {
      this.#raw.receive(id, toBytes(data, 'receiveData'), now);
    }
    close(id) {
      this.#raw.close(id);
    }
    /** authenticate | app-message | closed, or undefined. */
    nextEvent() {
      return this.#raw.nextEvent();
    }
    events() {
      return drain(this.#raw);
    }
    dataToSend(id, now) {
      return this.#raw.dataToSend(id, now);
    }
    connectionsToFlush() {
      return Array.from(this.#raw.connectionsToFlush());
    }
    shouldClose(id) {
      return this.#raw.shouldClose(id);
    }
    get connectionCount() {
      return this.#raw.connectionCount;
    }
    queueDepth(destination) {
      return this.#raw.queueDepth(destination);
    }
    pollTimeout() {
      return this.#raw.pollTimeout();
    }
    handleTimeout(now) {
      this.#raw.handleTimeout(now);
    }
    /** grants: {send, subscribe}: allowed destination prefixes (undefined: all). */
    accept(id, grants = {}) {
      this.#raw.accept(id, grants.send, grants.subscribe);
    }
    reject(id, message) {
      this.#raw.reject(id, message);
    }
    publish(destination, body = EMPTY, headers = []) {
      this.#raw.publish(destination, toBytes(body, 'publish'), headers);
    }
    free() {
      this.#raw.free();
    }
  }

  return {
    StompDecoder,
    StompClientSession,
    StompServerSession,
    StompBroker,
    encodeFrame,
    isBinaryFrame,
    stompVersionForSubprotocol,
  };
}
