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
const CONSUME_READ = { consume: true };
const TEXT_AS_BYTES = { textAs: 'bytes' };
// Node: an ArrayBuffer without the zero fill that `new Uint8Array(n)` and `slice` pay for
// (its bytes are overwritten at once). Never pooled, so a payload's `.buffer` holds only
// payloads of the same batch. Elsewhere a plain (zeroed) allocation.
const allocUnsafeSlow = globalThis.Buffer?.allocUnsafeSlow;
/** Batches at least this large are copied into an unzeroed buffer (smaller: slice). */
const UNZEROED_MIN = 4096;
/** Node: pooled unzeroed buffers for frame headers; elsewhere a plain Uint8Array. */
const allocUnsafe = globalThis.Buffer?.allocUnsafe?.bind(globalThis.Buffer) ?? ((n) => new Uint8Array(n));
const bufferFrom = globalThis.Buffer?.from?.bind(globalThis.Buffer);
/** Encodes a string into a Buffer at `offset` (Node's native encoder, without `write`'s argument checks). */
const utf8Write = typeof globalThis.Buffer?.prototype.utf8Write === 'function'
  ? (buf, string, offset, length) => buf.utf8Write(string, offset, length)
  : (buf, string, offset, length) => buf.write(string, offset, length, 'utf8');
/** sendAndTake: payloads up to this size are copied behind the header (one buffer). */
const INLINE_MAX = 256;

// Row kinds: defined once, in src/events.rs, and read from the WASM module's eventKinds()
// when the first connection is made.
let TEXT, BINARY, TEXT_CHUNK, BINARY_CHUNK, PING, PONG, RICH, PIECE, IN_READ, IN_READ_PIECE, IN_READ_BEGIN;
/** Bytes between two payloads (frame headers, a small frame) still copied in one piece. */
const MAX_GAP = 256;
/**
 * Payloads side by side share one copy up to this size: larger allocations come from mmap
 * (new pages, faulted in one by one, unmapped when collected), which costs more than an
 * allocation per payload.
 */
const MAX_RUN = 64 << 10;
/**
 * A message whose frame straddles reads is allocated at its full length when its header
 * comes, up to this size; a larger one starts at this size and doubles as its pieces come
 * (a header alone never makes more than this much memory).
 */
const PIECES_UPFRONT = 1 << 20;
/** The longest scratch buffer the WASM instance keeps between reads (`KEEP` in src/whole_frames.rs). */
const SCRATCH_KEEP = 128 << 10;
/**
 * With an in-place unmask (bufferutil): reads up to this long are copied into WASM memory
 * whole; a longer one only where the engine asks (its headers first: `PEEK` in
 * src/in_place.rs, its large binary payloads never).
 */
const COPY_WHOLE_MAX = 2048;
const PEEK = 64;
/** Below these lengths a JavaScript loop beats a call of bufferutil's (ws's figures). */
const NATIVE_UNMASK_MIN = 32;
const NATIVE_MASK_MIN = 48;

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
 * module's exports (it throws while a browser build is not initialised yet). `isUtf8`: the
 * host's native UTF-8 check (Node's `buffer.isUtf8`), used instead of a call into WASM.
 */
export function createClasses(getRaw, { isUtf8 = null, unmask = null, mask = null } = {}) {
  /** The mask key of an in-read row, as the 4-byte Buffer bufferutil takes. */
  const keyWord = new Uint32Array(1);
  const key = unmask === null ? null : bufferFrom(keyWord.buffer);
  /** Whether reads go through `receiveInPlace` (a native in-place unmask is at hand). */
  const inPlace = unmask !== null && mask !== null && bufferFrom !== undefined;

  /** Unmasks `view` (a Buffer) in place with the key word `k` (0: not masked). */
  function unmaskInPlace(view, k) {
    const n = view.length;
    if (k === 0 || n === 0) return;
    keyWord[0] = k;
    if (n < NATIVE_UNMASK_MIN) {
      for (let i = 0; i < n; i++) view[i] ^= key[i & 3];
    } else {
      unmask(view, key);
    }
  }

  /** Writes `src` (a Buffer) unmasked with the key word `k` into `out` at `offset`. */
  function unmaskInto(src, k, out, offset) {
    const n = src.length;
    if (k === 0) {
      out.set(src, offset);
      return;
    }
    keyWord[0] = k;
    if (n < NATIVE_MASK_MIN) {
      for (let i = 0; i < n; i++) out[offset + i] = src[i] ^ key[i & 3];
    } else {
      mask(src, key, out, offset, n);
    }
  }

  let memory = null;
  let buffer = null;
  let u8 = null;
  let u32 = null;
  /** Node: a Buffer over all of WASM memory, for its native UTF-8 decoder. */
  let nodeBuffer = null;

  /**
   * Views of WASM memory, renewed whenever the memory grew: the old ArrayBuffer is then
   * detached, and its length 0 (cheaper to read than `memory.buffer`).
   */
  function refresh() {
    if (u8 !== null && u8.length !== 0) return;
    if (memory === null) {
      ({ TEXT, BINARY, TEXT_CHUNK, BINARY_CHUNK, PING, PONG, RICH, PIECE, IN_READ, IN_READ_PIECE, IN_READ_BEGIN } =
        getRaw().eventKinds());
      memory = getRaw().wasmMemory();
    }
    if (memory.buffer !== buffer) {
      buffer = memory.buffer;
      u8 = new Uint8Array(buffer);
      u32 = new Uint32Array(buffer);
      if (bufferFrom !== undefined) nodeBuffer = bufferFrom(buffer);
    }
  }

  /** The string of the UTF-8 bytes of WASM memory [start, end) (checked by the engine). */
  function utf8(start, end) {
    if (nodeBuffer === null) return decoder.decode(u8.subarray(start, end));
    return nodeBuffer.toString('utf8', start, end);
  }

  /** A new ArrayBuffer holding WASM memory [lo, hi): one allocation, one copy. */
  function copyOut(lo, hi) {
    if (allocUnsafeSlow === undefined || hi - lo < UNZEROED_MIN) return u8.slice(lo, hi).buffer;
    const out = allocUnsafeSlow(hi - lo);
    out.set(u8.subarray(lo, hi));
    return out.buffer;
  }

  /** `n` bytes of new memory (Node: not zeroed from UNZEROED_MIN on). */
  function allocBytes(n) {
    return allocUnsafeSlow === undefined || n < UNZEROED_MIN ? new Uint8Array(n) : allocUnsafeSlow(n);
  }

  /**
   * The message a piece belongs to: at its first piece (`total` > 0) a new one that long,
   * in `room` (free memory of exactly that length) or new memory if null; otherwise the one
   * `conn` is putting together.
   */
  function pieceMessage(conn, total, room) {
    if (total > 0) return { data: room ?? allocBytes(Math.min(total, PIECES_UPFRONT)), filled: 0, total };
    const message = assemblyOf(conn);
    if (message === null) throw new Error('sansocket: a message piece without its start');
    return message;
  }

  /** Keeps `message` with `conn` until its pieces add up to it; then returns its event (else null). */
  function pieceDone(conn, message) {
    if (message.filled < message.total) {
      setAssembly(conn, message);
      return null;
    }
    setAssembly(conn, null);
    return { type: 'binary', data: message.data };
  }

  /** Grows the memory of a message being put together for its next `n` bytes. */
  function makeRoom(message, n) {
    if (message.filled + n > message.data.length) {
      const grown = allocBytes(Math.min(message.total, Math.max(2 * message.data.length, message.filled + n)));
      grown.set(message.data.subarray(0, message.filled));
      message.data = grown;
    }
  }

  /**
   * An IN_READ_PIECE row: `input` [start, end) is the next piece of the binary message that
   * `conn` is putting together, masked with the key word `k` (`total` > 0: the first piece,
   * of a message that long, to be put into `room`, free memory of the read at or before
   * `start`, or into new memory if null). Returns the message's event once its pieces add
   * up to it, otherwise null.
   */
  function takeReadPiece(conn, input, start, end, k, total, room) {
    let message;
    const src = input.subarray(start, end);
    if (total > 0 && room !== null) {
      unmaskInPlace(src, k);
      if (room.byteOffset !== src.byteOffset) input.copyWithin(room.byteOffset - input.byteOffset, start, end);
      message = { data: room, filled: end - start, total };
    } else {
      message = pieceMessage(conn, total, null);
      makeRoom(message, end - start);
      unmaskInto(src, k, message.data, message.filled);
      message.filled += end - start;
    }
    return pieceDone(conn, message);
  }

  /** The index of the first in-read row from row `i` of the table at `head` on (`rows`: none). */
  function nextInRead(head, rows, i) {
    for (let q = head + 2 + i * 4; i < rows; i++, q += 4) {
      if (u32[q] === IN_READ || u32[q] === IN_READ_PIECE) return i;
    }
    return rows;
  }

  /**
   * A PIECE row: WASM memory [start, end) is the next piece of the binary message that
   * `conn` is putting together (`total` > 0: the first piece, of a message that long, to be
   * put into `room`, free memory of exactly that length, or into new memory if null).
   * Returns the message's event once its pieces add up to it, otherwise null.
   */
  function takePiece(conn, start, end, total, room) {
    const message = pieceMessage(conn, total, room);
    const n = end - start;
    makeRoom(message, n);
    message.data.set(u8.subarray(start, end), message.filled);
    message.filled += n;
    return pieceDone(conn, message);
  }

  /**
   * The events of the byte rows [first, end) of the table at `head` (u32 index), whose
   * payloads lie within WASM memory [lo, hi): one copy for them all, each event's data a
   * view of its part. Returns -1 (no run open any more).
   */
  function copyRun(events, head, first, end, lo, hi, textBytes) {
    const copy = copyOut(lo, hi);
    for (let j = first, q = head + 2 + first * 4; j < end; j++, q += 4) {
      const kind = u32[q];
      if (kind > PONG || (!textBytes && (kind === TEXT || kind === TEXT_CHUNK))) continue;
      const data = new Uint8Array(copy, u32[q + 1] - lo, u32[q + 2]);
      if (kind === BINARY) events[j] = { type: 'binary', data };
      else if (kind === TEXT) events[j] = { type: 'text', data };
      else if (kind === TEXT_CHUNK) events[j] = { type: 'chunk', kind: 'text', data, fin: u32[q + 3] === 1 };
      else if (kind === BINARY_CHUNK) events[j] = { type: 'chunk', kind: 'binary', data, fin: u32[q + 3] === 1 };
      else events[j] = { type: kind === PING ? 'ping' : 'pong', data };
    }
    return -1;
  }

  /**
   * The events of the batch whose table is at `table` (0: none), as plain objects. `input`:
   * a consumed read (free memory, see `receiveData`) or null: payloads go into it one after
   * the other, from its start, as long as they fit, and the others are copied out in runs.
   * `conn`: the connection, for the pieces of a message whose frame straddles reads.
   */
  function decode(raw, table, input, textBytes, conn, inRead = false) {
    if (table === 0) return [];
    refresh();
    const head = table >>> 2;
    const rows = u32[head];
    const rich = u32[head + 1] > 0 ? raw.takeRich() : null;
    if (rich !== null) refresh();
    const events = new Array(rows);
    let r = 0;
    const room = input === null ? 0 : input.length;
    let used = 0;
    // In-read rows (`receiveInPlace`): payloads still in the read, at their offsets. What
    // is written into the read must end before the next of them (`limit`, at row `limitAt`).
    let limitAt = inRead ? nextInRead(head, rows, 0) : rows;
    let limit = limitAt < rows ? u32[head + 2 + limitAt * 4 + 1] : room;
    let inReadTotal = 0;
    // A read that ends with the first piece of a message too long for the rest of the read:
    // its whole payloads are moved to the front (unmasked first), as the copy path packs
    // them, so that the message fits in the read instead of new memory.
    const pack = inRead && rows >= 2 && u32[head + 2 + (rows - 2) * 4] === IN_READ_BEGIN &&
      u32[head + 2 + (rows - 2) * 4 + 3] > room - u32[head + 2 + (rows - 1) * 4 + 1];
    // A run of byte rows [first, i) whose payloads lie within [lo, hi) is copied at once.
    let first = -1;
    let lo = 0;
    let hi = 0;
    // Pieces that do not finish their message leave a hole in `events`.
    let holes = 0;
    for (let i = 0, p = head + 2; i < rows; i++, p += 4) {
      const kind = u32[p];
      const start = u32[p + 1];
      const end = start + u32[p + 2];
      if (kind === TEXT && !textBytes) {
        events[i] = { type: 'text', data: utf8(start, end) };
      } else if (kind === TEXT_CHUNK && !textBytes) {
        events[i] = { type: 'chunk', kind: 'text', data: utf8(start, end), fin: u32[p + 3] === 1 };
      } else if (kind === RICH) {
        events[i] = rich[r++];
      } else if (kind === PIECE) {
        if (first >= 0) first = copyRun(events, head, first, i, lo, hi, textBytes);
        // A message that fits in the rest of the consumed read is put together there (the
        // first piece is the read's last row: nothing else goes into it after).
        const total = u32[p + 3];
        let into = null;
        if (total > 0 && total <= limit - used) {
          into = input.subarray(used, used + total);
          used += total;
        }
        const event = takePiece(conn, start, end, total, into);
        if (event === null) holes++;
        else events[i] = event;
      } else if (kind === IN_READ || kind === IN_READ_PIECE) {
        // The payload is the read's [start, end), masked with the key word in `extra`.
        let event;
        if (kind === IN_READ) {
          let data = input.subarray(start, end);
          unmaskInPlace(data, u32[p + 3]);
          if (pack && used < start) {
            input.copyWithin(used, start, end);
            data = input.subarray(used, used + end - start);
            used += end - start;
          } else {
            used = end;
          }
          event = { type: 'binary', data };
        } else {
          // A first piece is the read's last row: its message may take the rest of the read.
          const total = inReadTotal;
          inReadTotal = 0;
          const into = total > 0 && total <= room - used ? input.subarray(used, used + total) : null;
          if (into !== null) used += total;
          event = takeReadPiece(conn, input, start, end, u32[p + 3], total, into);
        }
        if (event === null) holes++;
        else events[i] = event;
        limitAt = nextInRead(head, rows, i + 1);
        limit = limitAt < rows ? u32[head + 2 + limitAt * 4 + 1] : room;
      } else if (kind === IN_READ_BEGIN) {
        inReadTotal = u32[p + 3];
        holes++;
      } else if (kind >= TEXT && kind <= PONG) {
        if (end > start && end - start <= limit - used) {
          if (first >= 0) first = copyRun(events, head, first, i, lo, hi, textBytes);
          input.set(u8.subarray(start, end), used);
          const data = input.subarray(used, used + end - start);
          used += end - start;
          if (kind === BINARY) events[i] = { type: 'binary', data };
          else if (kind === TEXT) events[i] = { type: 'text', data };
          else if (kind === TEXT_CHUNK) events[i] = { type: 'chunk', kind: 'text', data, fin: u32[p + 3] === 1 };
          else if (kind === BINARY_CHUNK) events[i] = { type: 'chunk', kind: 'binary', data, fin: u32[p + 3] === 1 };
          else events[i] = { type: kind === PING ? 'ping' : 'pong', data };
        } else if (first >= 0 && start >= hi && start - hi <= MAX_GAP && end - lo <= MAX_RUN) {
          hi = end;
        } else {
          if (first >= 0) copyRun(events, head, first, i, lo, hi, textBytes);
          first = i;
          lo = start;
          hi = end;
        }
      } else {
        throw new Error(`sansocket: unknown event row ${kind}`);
      }
    }
    if (first >= 0) copyRun(events, head, first, rows, lo, hi, textBytes);
    return holes === 0 ? events : events.filter(Boolean);
  }

  /**
   * The instance's scratch buffer: its address in WASM memory and length, as the last
   * `scratchRoom` returned them (valid until the next `scratchRoom`: nothing else moves it).
   * A read no longer than that is copied there without asking again.
   */
  let scratchAt = 0;
  let scratchLength = 0;

  /**
   * `conn.receiveData(read, {consume: true})` then `conn.events({textAs})` in one call into
   * WASM, for the Node glue (a socket's reads are its own): the read goes through the
   * instance's scratch buffer, whole frames are unmasked straight out of it (no zeroed room
   * in the engine's buffer, one pass fewer per payload), and their payloads are copied out
   * at once (their rows are valid only until the next read on any connection). A binary
   * message whose frame straddles reads is allocated when its header comes and filled
   * piece by piece, each piece unmasked straight out of its read (the engine only counts
   * them). Once used for a connection, give it every read of that connection.
   */
  function receiveEvents(conn, read, textBytes) {
    const raw = live(conn);
    const len = read.length;
    if (len > scratchLength) {
      // The scratch buffer (the instance's) is too short: made longer, or, during the
      // handshake and with delivery by chunks, not used.
      const at = len === 0 ? 0 : raw.scratchRoom(len);
      if (at === 0) {
        conn.receiveData(read, CONSUME_READ);
        return conn.events(textBytes ? TEXT_AS_BYTES : undefined);
      }
      scratchAt = at;
      // Longer than the instance keeps a scratch buffer for: the next read asks again (and
      // the buffer shrinks back).
      scratchLength = len > SCRATCH_KEEP ? 0 : len;
    }
    refresh();
    // A read that continues a message is copied whole: its pieces are unmasked in WASM
    // memory (SIMD) straight into the message, cheaper than unmasked in place and copied.
    if (!inPlace || len <= COPY_WHOLE_MAX || assemblyOf(conn) !== null) {
      u8.set(read, scratchAt);
      return decode(raw, raw.receiveScratch(len), read, textBytes, conn);
    }
    // Large binary payloads are unmasked in the read itself (bufferutil, as ws does): only
    // what the engine asks for is copied into WASM memory, its headers first.
    const input = Buffer.isBuffer(read) ? read : bufferFrom(read.buffer, read.byteOffset, len);
    u8.set(input.subarray(0, PEEK), scratchAt);
    let answer = raw.receiveInPlace(len, 0, PEEK, true);
    while ((answer & 1) === 1) {
      refresh();
      const p = answer >>> 2;
      const from = u32[p];
      const to = u32[p + 1];
      u8.set(input.subarray(from, to), scratchAt + from);
      answer = raw.receiveInPlace(len, from, to, false);
    }
    return decode(raw, answer, input, textBytes, conn, true);
  }

  /**
   * `conn.dataToSend()` for the Node glue, which writes it to a socket at once: small
   * outputs (a 101 response, a pong) are copied into Node's pooled buffers instead of an
   * allocation of their own each (native memory, garbage for every upgrade).
   */
  function takeOutput(conn) {
    const view = outputView(live(conn));
    if (view === null) return EMPTY;
    const out = allocUnsafe(view.length);
    out.set(view);
    return out;
  }

  /**
   * Everything `raw` has queued for the transport, as a view of WASM memory valid until
   * the next call into it (copy it out at once), or null if nothing is queued.
   */
  function outputView(raw) {
    const regs = raw.takeOutput();
    if (regs === 0) return null;
    refresh();
    const p = regs >>> 2;
    const start = u32[p];
    return u8.subarray(start, start + u32[p + 1]);
  }

  /** The RawConnection of a connection, or a clear error once it was freed. */
  let live;
  /** The message a connection puts together from pieces (`takePiece`), or null. */
  let assemblyOf;
  let setAssembly;

  class Connection {
    #raw;

    /** `{data, filled, total}`: a message whose frame straddles reads, being filled. */
    #assembly = null;

    static {
      live = (conn) => {
        const raw = conn.#raw;
        if (raw === null) throw new Error('sansocket: this connection was freed');
        return raw;
      };
      assemblyOf = (conn) => conn.#assembly;
      setAssembly = (conn, message) => {
        conn.#assembly = message;
      };
    }

    /** The last read given with `consume` (its bytes are in WASM memory now). */
    #input = null;

    constructor(raw) {
      this.#raw = raw;
    }

    /**
     * Bytes read from the transport. With `{consume: true}` the buffer is given away (a
     * socket's read, which nothing else uses): once its bytes are in WASM memory the read is
     * free memory, so the payloads of the next `events()` are written into it, unmasked,
     * one after the other as long as they fit, and handed out as views of it, instead of
     * being copied into new memory (ws does the same with its reads). A large message that
     * came in several reads then needs no allocation of its own either.
     */
    receiveData(data, options = undefined) {
      const bytes = toBytes(data, 'receiveData', false);
      this.#input = options?.consume === true && bytes.length > 0 ? bytes : null;
      // Copied once, straight into the core's receive buffer (decoded in place there).
      const raw = live(this);
      if (bytes.length === 0) return;
      const at = raw.inputRoom(bytes.length);
      if (at === 0) {
        raw.feed(bytes); // the handshake
        return;
      }
      refresh();
      u8.set(bytes, at);
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
     *
     * `{textAs: 'bytes'}`: text messages and text chunks carry their UTF-8 bytes (checked by
     * the engine) as a Uint8Array like binary ones, instead of a string; decode them when
     * needed (`Buffer#toString()`, `TextDecoder`).
     */
    events(options = undefined) {
      const raw = live(this);
      const input = this.#input;
      this.#input = null;
      return decode(raw, raw.drain(), input, options?.textAs === 'bytes', this);
    }

    /** Everything queued for the transport, as a new Uint8Array (empty if nothing is). */
    dataToSend() {
      const view = outputView(live(this));
      return view === null ? EMPTY.slice() : view.slice();
    }

    /**
     * Queues a whole message and takes everything queued, as buffers to write in order
     * (`writev`, or `cork`/`write`/`uncork`): the same bytes as `sendText`/`sendBinary`
     * followed by `dataToSend()`, but when the engine need not change the payload (a server
     * without permessage-deflate) the last buffer is `data` itself (or, for a string, its
     * UTF-8 encoding), not copied into WASM memory and out again: the frame header and
     * whatever was queued before come first. Otherwise one new buffer. A string is sent as
     * text, bytes as binary, or as text with `binary: false` (checked as UTF-8). Throws as
     * `sendText`/`sendBinary` do, and queues nothing then.
     */
    sendAndTake(data, binary = typeof data !== 'string') {
      const raw = live(this);
      const string = typeof data === 'string';
      let bytes = null;
      let length;
      if (string && !binary && bufferFrom !== undefined) {
        length = Buffer.byteLength(data, 'utf8');
      } else {
        bytes = string ? (bufferFrom === undefined ? encoder.encode(data) : bufferFrom(data, 'utf8')) : toBytes(data, 'sendAndTake', false);
        length = bytes.length;
        // Bytes sent as text: the engine checks them (and throws its invalid-utf8 error).
        if (!binary && !string && !(isUtf8 === null ? getRaw().RawConnection.checkUtf8(bytes) : isUtf8(bytes))) {
          raw.sendTextBytes(bytes);
        }
      }
      const regs = raw.sendHead(!binary, length);
      if (regs === 0) {
        if (bytes === null) raw.sendText(data);
        else if (binary) raw.sendBinary(bytes);
        else raw.sendTextBytes(bytes);
        return [this.dataToSend()];
      }
      refresh();
      const p = regs >>> 2;
      const outLen = u32[p + 1];
      const headAt = u32[p + 2];
      const headLen = u32[p + 3];
      // Small payloads ride along in the header's buffer: one write instead of two.
      const inline = length <= INLINE_MAX || bytes === null;
      const first = allocUnsafe(outLen + headLen + (inline ? length : 0));
      if (outLen > 0) first.set(u8.subarray(u32[p], u32[p] + outLen));
      for (let i = 0; i < headLen; i++) first[outLen + i] = u8[headAt + i];
      if (!inline) return [first, bytes];
      if (bytes === null) utf8Write(first, data, outLen + headLen, length);
      else if (length > 0) first.set(bytes, outLen + headLen);
      return [first];
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
      return live(this).bufferedInput() + (this.#assembly?.filled ?? 0);
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
        this.#assembly = null;
        raw.free();
      }
    }

    /** `using conn = new ServerConnection()` frees it at the end of the block. */
    [Symbol.dispose]() {
      this.free();
    }
  }

  /** Set by `serverFrom` for the constructor it calls. */
  let fromTemplate = null;

  class ServerConnection extends Connection {
    /** A server connection; `opts` are the core's limits (see the README). */
    constructor(opts = undefined) {
      const template = fromTemplate;
      fromTemplate = null;
      const RawConnection = getRaw().RawConnection;
      super(template === null ? RawConnection.server(opts) : RawConnection.serverFrom(template));
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

  /**
   * Server options checked once for many connections (the Node glue's `serve`): throws as
   * `new ServerConnection(opts)` does. `serverFrom(template)` makes a connection with them
   * without reading an options object again (a string and a lookup per option, garbage
   * for every upgrade).
   */
  function serverTemplate(opts) {
    return new (getRaw().RawServerTemplate)(opts);
  }

  function serverFrom(template) {
    fromTemplate = template;
    try {
      return new ServerConnection();
    } finally {
      fromTemplate = null;
    }
  }

  /** The size of the WASM instance's memory in bytes (it grows, it never shrinks). */
  function wasmMemorySize() {
    refresh();
    return buffer.byteLength;
  }

  return { ServerConnection, ClientConnection, wasmMemorySize, receiveEvents, serverTemplate, serverFrom, takeOutput };
}
