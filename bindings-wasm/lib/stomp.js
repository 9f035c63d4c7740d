// STOMP 1.0/1.1/1.2 as a sans-IO engine (the Rust crate sansocket-stomp) in JavaScript
// idiom: StompDecoder, encodeFrame, StompClientSession, StompServerSession, StompBroker.
// This file converts types and nothing else; every protocol decision is the Rust engine's.
//
// Frames are plain objects {command, headers: [[name, value], ...], body: Uint8Array};
// events are plain objects with a `type`. Time is a number of milliseconds from a clock the
// host chooses (performance.now(), Date.now()); nothing here reads a clock. Errors are
// Errors named StompDecodeError, StompEncodeError, StompUsageError or StompSessionError
// with a kebab-case `code`.

//
// Speed: StompDecoder and encodeFrame cross into WASM once per frame. A decoded frame is a
// packed row in WASM memory (src/stomp/codec.rs): its command, header names and values are
// read with one string decode and sliced; its body is copied out once. To encode, the
// command, version and headers are written into WASM memory, NUL-separated (ASCII a unit at a
// time, other text through TextEncoder.encodeInto), the Rust encoder returns the frame's
// head, and the head and body are copied once into the frame; a small frame is cut from a
// shared pool (as Node's Buffer.allocUnsafe), since a new Uint8Array of its own costs V8 more
// than the rest of the encoding.

const encoder = new TextEncoder();
// Header text was validated as UTF-8 by the engine, so the decoder need not be fatal.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const EMPTY = new Uint8Array(0);
// Node: an ArrayBuffer without the zero fill (its bytes are overwritten at once).
const allocUnsafeSlow = globalThis.Buffer?.allocUnsafeSlow;
/** Bodies at least this large are copied into an unzeroed buffer (smaller: slice). */
const UNZEROED_MIN = 4096;
/** Encoded frames shorter than this share a pool of POOL_SIZE bytes (see allocate()). */
const POOLED_MAX = 4096;
const POOL_SIZE = 64 * 1024;
/** Packed decoder row kinds (src/stomp/codec.rs). */
const ROW_FRAME = 1;

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
  let memory = null;
  let buffer = null;
  let u8 = null;
  let u32 = null;
  /** The scratch buffer in WASM memory that encodeFrame writes its packed string to. */
  let scratchAt = 0;
  let scratchLen = 0;
  /** A view of it (renewed with the views of WASM memory). */
  let scratch = null;

  /**
   * Views of WASM memory, renewed whenever the memory grew: growing detaches the old buffer,
   * whose views then have no bytes (cheaper to test than reading memory.buffer each time).
   */
  function refresh() {
    if (u8 === null || u8.byteLength === 0) {
      memory ??= getRaw().wasmMemory();
      buffer = memory.buffer;
      u8 = new Uint8Array(buffer);
      u32 = new Uint32Array(buffer);
      scratch = null;
    }
  }

  /** The event of the packed decoder row at `at` (see src/stomp/codec.rs). */
  function unpack(at) {
    refresh();
    const q = at >>> 2;
    if (u32[q] !== ROW_FRAME) return { type: 'heart-beat' };
    const textAt = u32[q + 1];
    const text = decoder.decode(u8.subarray(textAt, textAt + u32[q + 2]));
    const count = u32[q + 3];
    const bodyAt = u32[q + 4];
    const bodyLen = u32[q + 5];
    let pos = u32[q + 6];
    const command = text.slice(0, pos);
    const headers = new Array(count);
    for (let i = 0, p = q + 7; i < count; i++, p += 2) {
      const nameEnd = pos + u32[p];
      const valueEnd = nameEnd + u32[p + 1];
      headers[i] = [text.slice(pos, nameEnd), text.slice(nameEnd, valueEnd)];
      pos = valueEnd;
    }
    let body;
    if (allocUnsafeSlow === undefined || bodyLen < UNZEROED_MIN) {
      body = u8.slice(bodyAt, bodyAt + bodyLen);
    } else {
      body = new Uint8Array(allocUnsafeSlow(bodyLen).buffer, 0, bodyLen);
      body.set(u8.subarray(bodyAt, bodyAt + bodyLen));
    }
    return { type: 'frame', command, headers, body };
  }

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
      const at = this.#raw.nextPacked();
      return at === 0 ? undefined : unpack(at);
    }
    /** Every event decoded so far. */
    events() {
      return drain(this);
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

  /**
   * The length in UTF-16 code units of the command, version and headers with a separator
   * after each but the last, or -1 when the headers are not an array of [string, string]
   * pairs (stompEncode then throws the TypeError).
   */
  function packedLength(command, version, headers) {
    if (typeof command !== 'string' || typeof version !== 'string' || !Array.isArray(headers)) return -1;
    let len = command.length + 1 + version.length;
    for (let i = 0; i < headers.length; i++) {
      const pair = headers[i];
      if (!Array.isArray(pair) || pair.length !== 2) return -1;
      const name = pair[0];
      const value = pair[1];
      if (typeof name !== 'string' || typeof value !== 'string') return -1;
      len += name.length + value.length + 2;
    }
    return len;
  }

  /** Makes the scratch buffer in WASM memory at least `len` bytes long; renews the views. */
  function reserveScratch(len) {
    if (len > scratchLen) {
      scratchLen = Math.max(len, 1024);
      scratchAt = getRaw().stompEncodeScratch(scratchLen);
      scratch = null;
    }
    refresh();
    scratch ??= u8.subarray(scratchAt, scratchAt + scratchLen);
  }

  /** Writes `text` at `at` in WASM memory when it is ASCII without NUL; returns where it ends, or -1. */
  function putAscii(text, at) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0 || c > 0x7f) return -1;
      u8[at++] = c;
    }
    return at;
  }

  /**
   * Writes the command, version and headers into the scratch buffer (shaped as
   * packedLength checked), each followed by a NUL but the last, in UTF-8; returns the
   * byte count. ASCII is copied a unit at a time (most headers are ASCII: no string is
   * built); other text is joined and encoded with TextEncoder.encodeInto.
   */
  function packInto(command, version, headers, len) {
    reserveScratch(len);
    let p = putAscii(command, scratchAt);
    if (p >= 0) {
      u8[p++] = 0;
      p = putAscii(version, p);
    }
    for (let i = 0; i < headers.length && p >= 0; i++) {
      u8[p++] = 0;
      p = putAscii(headers[i][0], p);
      if (p < 0) break;
      u8[p++] = 0;
      p = putAscii(headers[i][1], p);
    }
    if (p >= 0) return p - scratchAt;
    let packed = `${command}\0${version}`;
    for (let i = 0; i < headers.length; i++) packed += `\0${headers[i][0]}\0${headers[i][1]}`;
    reserveScratch(len * 3); // UTF-8: at most 3 bytes a UTF-16 unit
    return encoder.encodeInto(packed, scratch).written;
  }

  /** The pool small frames are cut from, and where its free part starts. */
  let pool = null;
  let poolAt = 0;

  /**
   * `len` bytes for an encoded frame: below POOLED_MAX a view into a shared pool (a new
   * Uint8Array of more than 64 bytes costs V8 an ArrayBuffer of its own, which took half of
   * the time of encoding a small frame), else a buffer of its own (on Node not zeroed
   * first: every byte is written at once).
   */
  function allocate(len) {
    if (len >= POOLED_MAX) {
      if (allocUnsafeSlow === undefined) return new Uint8Array(len);
      return new Uint8Array(allocUnsafeSlow(len).buffer, 0, len);
    }
    if (pool === null || poolAt + len > pool.byteLength) {
      pool = new ArrayBuffer(POOL_SIZE);
      poolAt = 0;
    }
    const out = new Uint8Array(pool, poolAt, len);
    poolAt = (poolAt + len + 7) & ~7; // 8-byte aligned, as Node's Buffer pool
    return out;
  }

  /** A frame as bytes for `version`; headers escaped for it, content-length on bodies. */
  function encodeFrame(frame, version = '1.2') {
    const headers = frame.headers ?? [];
    const body = toBytes(frame.body, 'encodeFrame');
    const raw = getRaw();
    const packed = packedLength(frame.command, version, headers);
    const at =
      packed < 0 ? 0 : raw.stompEncodeHeadScratch(packInto(frame.command, version, headers, packed), headers.length, body.length);
    // 0: not shaped as expected, a NUL inside the command or a header, or an invalid frame:
    // the general path, which encodes it or throws the error.
    if (at === 0) return raw.stompEncode(frame.command, headers, body, version);
    refresh();
    const headLen = (u8[at] | (u8[at + 1] << 8) | (u8[at + 2] << 16) | (u8[at + 3] << 24)) >>> 0;
    const len = headLen + body.length + 1;
    const out = allocate(len);
    out.set(u8.subarray(at + 4, at + 4 + headLen));
    out.set(body, headLen);
    out[len - 1] = 0; // the NUL that ends the frame
    return out;
  }

  /** Whether encoded frames must go in a binary WebSocket message (not UTF-8). */
  function isBinaryFrame(encoded) {
    return getRaw().stompIsBinary(toBytes(encoded, 'isBinaryFrame'));
  }

  /** The STOMP version a WebSocket subprotocol allows ('v11.stomp' → '1.1'; none → '1.2'). */
  function stompVersionForSubprotocol(subprotocol) {
    return getRaw().stompSubprotocolVersion(subprotocol || undefined);
  }

  /** Reads a session's WASM object (set in StompSession's static block). */
  let rawOf;

  /** What the client and the server sessions share: bytes in and out, events, timers. */
  class StompSession {
    #raw;
    static {
      rawOf = (session) => session.#raw;
    }
    constructor(raw) {
      this.#raw = raw;
    }
    receiveData(data, now) {
      this.#raw.receive(toBytes(data, 'receiveData'), now);
    }
    receiveEof() {
      this.#raw.receiveEof();
    }
    /** The next event, or undefined; throws StompSessionError (see each session). */
    nextEvent() {
      return this.#raw.nextEvent();
    }
    events() {
      return drain(this.#raw);
    }
    sendFrame(frame) {
      this.#raw.sendFrame(frame.command, frame.headers ?? [], toBytes(frame.body, 'sendFrame'));
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
    /** Frees the WASM memory now (otherwise when garbage collected). */
    free() {
      this.#raw.free();
    }
  }

  /** Events: connected | message | receipt | disconnected | heart-beat. */
  class StompClientSession extends StompSession {
    /**
     * Queues CONNECT. options: {host ('/'), login, passcode, maxVersion ('1.2'), heartBeat
     * ([10000, 10000]), grace (2), limits, stompCommand (false), headers}.
     */
    constructor(now = 0, options = {}) {
      super(new (getRaw().RawStompClient)(now, options));
    }
    /** Returns the subscription id. ack: 'auto' | 'client' | 'client-individual'. */
    subscribe(destination, ack = 'auto', headers = []) {
      return rawOf(this).subscribe(destination, ack, headers);
    }
    unsubscribe(id, headers = []) {
      rawOf(this).unsubscribe(id, headers);
    }
    send(destination, body = EMPTY, headers = []) {
      rawOf(this).send(destination, toBytes(body, 'send'), headers);
    }
    /** ACK a message event, with the headers of the negotiated version. */
    ack(message, transaction = undefined) {
      rawOf(this).ack(message.headers, transaction);
    }
    nack(message, transaction = undefined) {
      rawOf(this).nack(message.headers, transaction);
    }
    /** Returns the transaction id. */
    begin(headers = []) {
      return rawOf(this).begin(headers);
    }
    commit(id, headers = []) {
      rawOf(this).commit(id, headers);
    }
    abort(id, headers = []) {
      rawOf(this).abort(id, headers);
    }
    disconnect(receipt = true) {
      rawOf(this).disconnect(receipt);
    }
    get pendingReceipts() {
      return rawOf(this).pendingReceipts;
    }
  }

  /** Events: connect | frame | disconnect | heart-beat; a StompSessionError has its ERROR queued. */
  class StompServerSession extends StompSession {
    /** options: {maxVersion, heartBeat, grace, limits, serverName ('sansocket-stomp'; null: none)}. */
    constructor(now = 0, options = {}) {
      super(new (getRaw().RawStompServer)(now, options));
    }
    accept(session = undefined, headers = []) {
      rawOf(this).accept(session, headers);
    }
    reject(message) {
      rawOf(this).reject(message);
    }
    sendReceipt(receiptId) {
      rawOf(this).sendReceipt(receiptId);
    }
    sendError(message, receiptId = undefined) {
      rawOf(this).sendError(message, receiptId);
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
    /**
     * dataToSend, shouldClose and isBinaryFrame in one call: {data, close, binary}. A
     * `data` under 4 KiB is a view into a shared pool (as encodeFrame's).
     */
    takeData(id, now) {
      const q = this.#raw.takePacked(id, now) >>> 2;
      refresh();
      const at = u32[q];
      const len = u32[q + 1];
      const flags = u32[q + 2];
      const data = len === 0 ? EMPTY : allocate(len);
      if (len > 0) data.set(u8.subarray(at, at + len));
      return { data, close: (flags & 1) !== 0, binary: (flags & 2) !== 0 };
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
