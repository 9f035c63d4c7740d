// ServerConnection and ClientConnection: the sans-IO API in JavaScript idiom, over the
// WASM module's RawConnection. This file converts types and nothing else; every protocol
// decision is the Rust core's.
//
// Speed: one call into WASM per received chunk (`events()`) decodes every frame in it and
// leaves a table of [kind, address, length, extra] rows in WASM memory (see src/events.rs);
// the rows become plain objects here, each payload copied out. No view into WASM memory is
// ever handed out: a memory growth would detach it.

const STATES = ['connecting', 'open', 'closing', 'closed'];
// Text was validated by the core, so the decoder need not be fatal.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
// Node: an ArrayBuffer without the zero fill that `new Uint8Array(n)` and `slice` pay for
// (its bytes are overwritten at once). Never pooled, so a payload's `.buffer` holds only
// payloads of the same batch. Elsewhere a plain (zeroed) allocation.
const allocUnsafeSlow = globalThis.Buffer?.allocUnsafeSlow;
/** Batches at least this large are copied into an unzeroed buffer (smaller: slice). */
const UNZEROED_MIN = 4096;

// Row kinds: defined once, in src/events.rs, and read from the WASM module's eventKinds()
// when the first connection is made.
let TEXT, BINARY, TEXT_CHUNK, BINARY_CHUNK, PING, PONG, RICH;
/** Bytes between two payloads (frame headers, a small frame) still copied in one piece. */
const MAX_GAP = 256;

/** Bytes from a Uint8Array (Buffer), another view or an ArrayBuffer; strings as UTF-8. */
function toBytes(data, what, allowString) {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (allowString && typeof data === 'string') return encoder.encode(data);
  const types = allowString ? 'a string, Uint8Array, ArrayBuffer or view' : 'a Uint8Array, ArrayBuffer or view';
  throw new TypeError(`${what} expects ${types}, got ${data === null ? 'null' : typeof data}`);
}

/**
 * Makes the connection classes for one instance of the WASM module. `getRaw()` returns the
 * module's exports (it throws while a browser build is not initialised yet).
 */
export function createClasses(getRaw) {
  let memory = null;
  let buffer = null;
  let u8 = null;
  let u32 = null;

  /** Views of WASM memory, renewed whenever the memory grew (old buffers are detached). */
  function refresh() {
    if (memory === null) {
      ({ TEXT, BINARY, TEXT_CHUNK, BINARY_CHUNK, PING, PONG, RICH } = getRaw().eventKinds());
      memory = getRaw().wasmMemory();
    }
    if (memory.buffer !== buffer) {
      buffer = memory.buffer;
      u8 = new Uint8Array(buffer);
      u32 = new Uint32Array(buffer);
    }
  }

  /** A new ArrayBuffer holding WASM memory [lo, hi): one allocation, one copy. */
  function copyOut(lo, hi) {
    if (allocUnsafeSlow === undefined || hi - lo < UNZEROED_MIN) return u8.slice(lo, hi).buffer;
    const out = allocUnsafeSlow(hi - lo);
    out.set(u8.subarray(lo, hi));
    return out.buffer;
  }

  /** The RawConnection of a connection, or a clear error once it was freed. */
  let live;

  class Connection {
    #raw;

    static {
      live = (conn) => {
        const raw = conn.#raw;
        if (raw === null) throw new Error('sansocket: this connection was freed');
        return raw;
      };
    }

    constructor(raw) {
      this.#raw = raw;
    }

    /** Bytes read from the transport. */
    receiveData(data) {
      const bytes = toBytes(data, 'receiveData', false);
      live(this).feed(bytes);
    }

    /** The peer closed its side of the transport (a read returned 0 bytes / 'end'). */
    receiveEof() {
      live(this).feedEof();
    }

    /**
     * Every event decoded so far, as plain objects, in order; [] when none.
     *
     * Binary payloads are copied out of WASM memory in as few pieces as possible: payloads
     * that lay side by side (frames of one received chunk) share one new ArrayBuffer, each
     * event's `data` a Uint8Array over its part. Keep `data.slice()` rather than `data` to
     * hold on to a small message without its neighbours.
     */
    events() {
      const raw = live(this);
      const table = raw.drain();
      if (table === 0) return [];
      refresh();
      const head = table >>> 2;
      const rows = u32[head];
      const rich = u32[head + 1] > 0 ? raw.takeRich() : null;
      if (rich !== null) refresh();
      const events = new Array(rows);
      let r = 0;
      // A run of byte rows [first, i) whose payloads lie within [lo, hi) is copied at once.
      let first = -1;
      let lo = 0;
      let hi = 0;
      const flush = (end) => {
        const copy = copyOut(lo, hi);
        for (let j = first, q = head + 2 + first * 4; j < end; j++, q += 4) {
          const kind = u32[q];
          if (kind === TEXT || kind === TEXT_CHUNK || kind === RICH) continue;
          const data = new Uint8Array(copy, u32[q + 1] - lo, u32[q + 2]);
          if (kind === BINARY) events[j] = { type: 'binary', data };
          else if (kind === BINARY_CHUNK) events[j] = { type: 'chunk', kind: 'binary', data, fin: u32[q + 3] === 1 };
          else events[j] = { type: kind === PING ? 'ping' : 'pong', data };
        }
        first = -1;
      };
      for (let i = 0, p = head + 2; i < rows; i++, p += 4) {
        const kind = u32[p];
        const start = u32[p + 1];
        const end = start + u32[p + 2];
        if (kind === TEXT) {
          events[i] = { type: 'text', data: decoder.decode(u8.subarray(start, end)) };
        } else if (kind === TEXT_CHUNK) {
          events[i] = { type: 'chunk', kind: 'text', data: decoder.decode(u8.subarray(start, end)), fin: u32[p + 3] === 1 };
        } else if (kind === RICH) {
          events[i] = rich[r++];
        } else if (kind >= BINARY && kind <= PONG) {
          if (first >= 0 && start >= hi && start - hi <= MAX_GAP) {
            hi = end;
          } else {
            if (first >= 0) flush(i);
            first = i;
            lo = start;
            hi = end;
          }
        } else {
          throw new Error(`sansocket: unknown event row ${kind}`);
        }
      }
      if (first >= 0) flush(rows);
      return events;
    }

    /** Everything queued for the transport, as a new Uint8Array (empty if nothing is). */
    dataToSend() {
      const regs = live(this).takeOutput();
      if (regs === 0) return EMPTY.slice();
      refresh();
      const p = regs >>> 2;
      const start = u32[p];
      return u8.slice(start, start + u32[p + 1]);
    }

    /** Queue a text message. */
    sendText(text) {
      if (typeof text !== 'string') throw new TypeError(`sendText expects a string, got ${typeof text}`);
      live(this).sendText(text);
    }

    /** Queue a binary message. */
    sendBinary(data) {
      live(this).sendBinary(toBytes(data, 'sendBinary', false));
    }

    /** Queue one fragment: `kind` is 'text' or 'binary'; `fin` ends the message. */
    sendFragment(kind, data, fin) {
      if (kind !== 'text' && kind !== 'binary') {
        throw new TypeError(`sendFragment kind must be "text" or "binary", not ${String(kind)}`);
      }
      live(this).sendFragment(kind === 'text', toBytes(data, 'sendFragment', true), Boolean(fin));
    }

    /** Queue a ping (payload at most 125 bytes). */
    ping(payload = EMPTY) {
      live(this).ping(toBytes(payload, 'ping', true));
    }

    /** Queue a pong (payload at most 125 bytes). */
    pong(payload = EMPTY) {
      live(this).pong(toBytes(payload, 'pong', true));
    }

    /** Start the close handshake (code 1005 sends a close frame without a code). */
    close(code = 1000, reason = '') {
      if (typeof code !== 'number') throw new TypeError(`close code must be a number, got ${typeof code}`);
      if (typeof reason !== 'string') throw new TypeError(`close reason must be a string, got ${typeof reason}`);
      live(this).close(code, reason);
    }

    /** 'connecting' | 'open' | 'closing' | 'closed' */
    get state() {
      return STATES[live(this).state()];
    }

    /** 'client' | 'server' */
    get role() {
      return live(this).isClient() ? 'client' : 'server';
    }

    /** The negotiated subprotocol, or null. */
    get subprotocol() {
      return live(this).subprotocol() ?? null;
    }

    /** The negotiated permessage-deflate parameters (a header value), or null. */
    get extensions() {
      return live(this).deflate() ?? null;
    }

    /** True once the transport should be closed (after writing dataToSend()). */
    get shouldCloseTransport() {
      return live(this).shouldCloseTransport();
    }

    /** Bytes waiting for dataToSend(). */
    get bufferedAmount() {
      return live(this).bufferedAmount();
    }

    /** Received bytes held: undecoded input plus an unfinished message. */
    get bufferedInput() {
      return live(this).bufferedInput();
    }

    /** True once free() was called. */
    get freed() {
      return this.#raw === null;
    }

    /**
     * Releases the connection's WASM memory at once. Safe to call twice; any other method
     * throws afterwards. Without it the memory is released when the object is garbage
     * collected (FinalizationRegistry), which may be much later.
     */
    free() {
      if (this.#raw !== null) {
        const raw = this.#raw;
        this.#raw = null;
        raw.free();
      }
    }

    /** `using conn = new ServerConnection()` frees it at the end of the block. */
    [Symbol.dispose]() {
      this.free();
    }
  }

  class ServerConnection extends Connection {
    /** A server connection; `opts` are the core's limits (see the README). */
    constructor(opts = undefined) {
      super(getRaw().RawConnection.server(opts));
    }

    /** The first of `preferences` that the pending request offers, or null. */
    selectSubprotocol(preferences) {
      return live(this).selectSubprotocol(preferences) ?? null;
    }

    /** Accept the pending request: `{subprotocol, headers}`, both optional. */
    accept({ subprotocol = null, headers = null } = {}) {
      if (subprotocol !== null && typeof subprotocol !== 'string') {
        throw new TypeError(`accept subprotocol must be a string or null, got ${typeof subprotocol}`);
      }
      live(this).accept(subprotocol, headers);
    }

    /** Refuse the pending request with an HTTP status, `{headers, body}` optional. */
    reject(status, { headers = null, body = EMPTY } = {}) {
      if (typeof status !== 'number') throw new TypeError(`reject status must be a number, got ${typeof status}`);
      live(this).reject(status, headers, toBytes(body, 'reject body', true));
    }
  }

  class ClientConnection extends Connection {
    /** A client connection; its upgrade request is queued at once in dataToSend(). */
    constructor(opts) {
      super(getRaw().RawConnection.client(opts));
    }
  }

  /** The size of the WASM instance's memory in bytes (it grows, it never shrinks). */
  function wasmMemorySize() {
    refresh();
    return buffer.byteLength;
  }

  return { ServerConnection, ClientConnection, wasmMemorySize };
}
