// The sans-IO API, shared by the Node and the browser entries.

/** Limits and switches of both roles (the Rust core's `Config`). */
export interface ConnectionOptions {
  /** Largest frame payload accepted (default 16 MiB); bigger fails with 1009. */
  maxFrameSize?: number;
  /** Largest message, all fragments together (default 16 MiB); bigger fails with 1009. */
  maxMessageSize?: number;
  /** Most frames in one message (default 131072); more fails with 1009. */
  maxFragments?: number;
  /** Largest HTTP head of the handshake (default 16 KiB); a server answers 431. */
  maxHandshakeSize?: number;
  /** Most header lines in the HTTP head (default 128); a server answers 431. */
  maxHeaders?: number;
  /** Client: most bytes of a rejection's body kept (default 64 KiB). */
  maxRejectionBody?: number;
  /** Answer pings with pongs automatically (default true). */
  autoPong?: boolean;
  /** Whole messages (default) or pieces as they arrive ('chunk' events). */
  delivery?: 'messages' | 'chunks';
  /** Server: only these Origin values are accepted, others get 403. */
  allowedOrigins?: string[] | null;
  /** Server: with allowedOrigins, also refuse requests without Origin. */
  requireOrigin?: boolean;
  /** permessage-deflate (RFC 7692): true for the defaults, an object to tune, false for none (default). */
  deflate?: boolean | DeflateOptions | null;
  /** Start open, without a handshake (the host did it, e.g. over HTTP/2). */
  open?: boolean;
  /** With `open`: the subprotocol that was negotiated. */
  subprotocol?: string | null;
}

export interface DeflateOptions {
  /** Our compressor's largest window, 8-15 bits (default 12). */
  maxWindowBits?: number;
  /** Reset our compressor after every message (default false). */
  noContextTakeover?: boolean;
  /** Ask the peer to reset its compressor after every message (default false). */
  requestPeerNoContextTakeover?: boolean;
  /** Compression level 0-9 (default 6). */
  level?: number;
  /** Messages shorter than this are sent uncompressed (default 64). */
  minSize?: number;
  /**
   * Keep only the compression window between messages, dropping the compressor's and
   * decompressor's other state (less memory per idle connection, a little more CPU per
   * message; default false).
   */
  lowMemory?: boolean;
}

/** Header fields: `[[name, value], ...]` or `{name: value}`. */
export type Headers = Array<[string, string]> | Record<string, string>;

export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;

export interface ClientOptions extends ConnectionOptions {
  /** The Host header: "example.com" or "example.com:8080" (required unless `open`). */
  host?: string;
  /** The request target, path and query (default "/"). */
  target?: string;
  /** The Origin header. */
  origin?: string | null;
  /** Subprotocols to offer, most preferred first. */
  subprotocols?: string[];
  /** Extension offers sent as written (deflate is offered by the `deflate` option). */
  extensions?: string[];
  /** Extra request headers. */
  headers?: Headers;
  /** Tests only: deterministic mask keys (SplitMix64). Never in production. */
  entropySeed?: number;
}

/** An offer or answer in Sec-WebSocket-Extensions; a parameter without value has null. */
export interface Extension {
  name: string;
  params: Array<[string, string | null]>;
}

/** Server: a valid upgrade request; answer with accept() or reject(). */
export interface RequestEvent {
  type: 'request';
  target: string;
  path: string;
  query: string | null;
  host: string;
  origin: string | null;
  key: string;
  subprotocols: string[];
  extensions: Extension[];
  /** Every header in order; values one character per byte (latin1). */
  headers: Array<[string, string]>;
}

/** Client: the server answered 101; the connection is open. */
export interface AcceptedEvent {
  type: 'accepted';
  subprotocol: string | null;
  extensions: Extension[];
  headers: Array<[string, string]>;
}

/** Client: the server answered something else than 101; close the transport. */
export interface RejectedEvent {
  type: 'rejected';
  status: number;
  reason: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

export interface TextEvent {
  type: 'text';
  data: string;
}

export interface BinaryEvent {
  type: 'binary';
  data: Uint8Array;
}

/** A piece of a message (delivery: 'chunks'); text pieces are whole characters. */
export type ChunkEvent =
  | { type: 'chunk'; kind: 'text'; data: string; fin: boolean }
  | { type: 'chunk'; kind: 'binary'; data: Uint8Array; fin: boolean };

export interface PingEvent {
  type: 'ping';
  data: Uint8Array;
}

export interface PongEvent {
  type: 'pong';
  data: Uint8Array;
}

/** The peer sent a close frame (code 1005 when it had none); the reply is queued. */
export interface CloseEvent {
  type: 'close';
  code: number;
  reason: string;
}

/** The connection failed; the close frame or HTTP answer is queued: flush and close. */
export interface ErrorEvent {
  type: 'error';
  error: ConnectionError;
}

export type Event =
  | RequestEvent
  | AcceptedEvent
  | RejectedEvent
  | TextEvent
  | BinaryEvent
  | ChunkEvent
  | PingEvent
  | PongEvent
  | CloseEvent
  | ErrorEvent;

/** A peer's protocol violation or a failed handshake. */
export interface ConnectionError extends Error {
  name: 'ProtocolError' | 'HandshakeError';
  /** Stable kebab-case name: 'invalid-utf8', 'message-too-large', 'invalid-key'… */
  code: string;
  /** Protocol errors: the close code sent (1002, 1007, 1009; 1006 for an abnormal EOF). */
  closeCode: number | null;
  /** Server handshake errors: the HTTP status answered (400, 403, 405, 426, 431, 505). */
  status: number | null;
}

/** Thrown by an action the connection's state does not allow (nothing was queued). */
export interface UsageError extends Error {
  name: 'UsageError';
  /** 'invalid-state', 'no-pending-request', 'subprotocol-not-offered', 'invalid-header',
   * 'invalid-status', 'invalid-close-code', 'close-reason-too-long',
   * 'control-payload-too-long', 'fragment-order', 'invalid-utf8'. */
  code: string;
}

export type State = 'connecting' | 'open' | 'closing' | 'closed';

/** Options of `receiveData`. */
export interface ReceiveOptions {
  /**
   * The buffer is given away (a socket's read nothing else uses): payloads of the next
   * `events()` are written into it, unmasked, one after the other as long as they fit, and
   * handed out as views of it instead of copies.
   */
  consume?: boolean;
}

/** Options of `events`. */
export interface EventsOptions {
  /** 'bytes': text messages and text chunks carry their (checked) UTF-8 bytes, not a string. */
  textAs?: 'string' | 'bytes';
}

/** A text message as its UTF-8 bytes (`events({textAs: 'bytes'})`). */
export interface TextBytesEvent {
  type: 'text';
  data: Uint8Array;
}

/** A text piece as its UTF-8 bytes (`events({textAs: 'bytes'})`, delivery: 'chunks'). */
export interface TextBytesChunkEvent {
  type: 'chunk';
  kind: 'text';
  data: Uint8Array;
  fin: boolean;
}

/** The events of `events({textAs: 'bytes'})`. */
export type BytesEvent =
  | Exclude<Event, TextEvent | ChunkEvent>
  | Extract<ChunkEvent, { kind: 'binary' }>
  | TextBytesEvent
  | TextBytesChunkEvent;

declare abstract class Connection {
  /** Bytes read from the transport. */
  receiveData(data: Bytes, options?: ReceiveOptions): void;
  /** The peer closed its side of the transport. */
  receiveEof(): void;
  /** Every event decoded so far, in order ([] when none). */
  events(options?: { textAs?: 'string' }): Event[];
  events(options: { textAs: 'bytes' }): BytesEvent[];
  events(options?: EventsOptions): Array<Event | BytesEvent>;
  /** Everything queued for the transport: a new Uint8Array, empty if nothing is. */
  dataToSend(): Uint8Array;
  /**
   * Queues a whole message and takes everything queued, as buffers to write in order
   * (writev): a server without permessage-deflate gets the payload back as it is, behind
   * the frame header. A string is text, bytes binary unless `binary` is false.
   */
  sendAndTake(data: Bytes | string, binary?: boolean): Uint8Array[];
  sendText(text: string): void;
  sendBinary(data: Bytes): void;
  sendFragment(kind: 'text' | 'binary', data: Bytes | string, fin: boolean): void;
  ping(payload?: Bytes | string): void;
  pong(payload?: Bytes | string): void;
  /** Start the close handshake (default 1000, ''). */
  close(code?: number, reason?: string): void;
  readonly state: State;
  readonly role: 'client' | 'server';
  readonly subprotocol: string | null;
  /** The negotiated permessage-deflate parameters (a header value), or null. */
  readonly extensions: string | null;
  /** True once the transport should be closed (after writing dataToSend()). */
  readonly shouldCloseTransport: boolean;
  readonly bufferedAmount: number;
  readonly bufferedInput: number;
  readonly freed: boolean;
  /** Releases the WASM memory now; any later call but free() throws. */
  free(): void;
  [Symbol.dispose](): void;
}

export class ServerConnection extends Connection {
  constructor(options?: ConnectionOptions);
  /** The first of `preferences` the pending request offers, or null. */
  selectSubprotocol(preferences: string[]): string | null;
  accept(options?: { subprotocol?: string | null; headers?: Headers | null }): void;
  reject(status: number, options?: { headers?: Headers | null; body?: Bytes | string }): void;
}

export class ClientConnection extends Connection {
  constructor(options: ClientOptions);
}

/** The WASM instance's memory size in bytes (it grows, never shrinks). */
export function wasmMemorySize(): number;
