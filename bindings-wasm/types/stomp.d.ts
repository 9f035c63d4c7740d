// STOMP 1.0/1.1/1.2 as a sans-IO engine: the codec, both sessions and the broker.

/** `[name, value]` pairs in wire order; repeats are kept (the first one counts). */
export type StompHeaders = Array<[string, string]>;
export type StompVersion = '1.0' | '1.1' | '1.2';
export type StompAckMode = 'auto' | 'client' | 'client-individual';
/** A body or received bytes: strings are sent as UTF-8. */
export type StompBytes = string | Uint8Array | ArrayBuffer | ArrayBufferView;

export interface StompFrame {
  command: string;
  headers: StompHeaders;
  body?: StompBytes;
}

/** A decoded frame (also the server session's event for a client frame). */
export interface StompFrameEvent {
  type: 'frame';
  command: string;
  headers: StompHeaders;
  body: Uint8Array;
}
export interface StompHeartBeatEvent {
  type: 'heart-beat';
}

export interface StompLimits {
  /** Most header lines (default 64). */
  maxHeaders?: number;
  /** Longest command or header line (default 8 KiB). */
  maxLine?: number;
  /** Longest header block (default 32 KiB). */
  maxHeaderBlock?: number;
  /** Longest body; a larger content-length is refused when read (default 1 MiB). */
  maxBody?: number;
}

/** An Error with `name` StompDecodeError, StompEncodeError or StompUsageError. */
export interface StompError extends Error {
  /** The engine's kebab-case kind, e.g. 'body-too-large'. */
  code: string;
  /** StompDecodeError only: a configured limit was crossed. */
  isLimit?: boolean;
}
/** A session failure (`name` StompSessionError). */
export interface StompSessionError extends StompError {
  /** An ERROR's `message` header, or the reason. */
  stompMessage: string;
  /** The server's ERROR frame (client sessions), or null. */
  frame: StompFrameEvent | null;
}

export declare const STOMP_SUBPROTOCOLS: readonly string[];
/** The first header called `name`, or undefined. */
export declare function stompHeader(frame: { headers: StompHeaders }, name: string): string | undefined;
/**
 * A frame as bytes for `version` (default '1.2'); throws a StompEncodeError. A frame under
 * 4 KiB is a view into a shared buffer (as Node's `Buffer.allocUnsafe`): mind its
 * `byteOffset` and `byteLength` when you use its `.buffer`.
 */
export declare function encodeFrame(frame: StompFrame, version?: StompVersion): Uint8Array;
/** Whether encoded frames must go in a binary WebSocket message. */
export declare function isBinaryFrame(encoded: StompBytes): boolean;
/** The version a subprotocol allows ('v11.stomp' → '1.1'; none or other → '1.2'). */
export declare function stompVersionForSubprotocol(subprotocol: string | null | undefined): StompVersion;

export declare class StompDecoder {
  constructor(version?: StompVersion, options?: { limits?: StompLimits });
  receiveData(data: StompBytes): void;
  /** The next event, or undefined; throws a StompDecodeError. */
  nextEvent(): StompFrameEvent | StompHeartBeatEvent | undefined;
  events(): Generator<StompFrameEvent | StompHeartBeatEvent, void, void>;
  setVersion(version: StompVersion): void;
  readonly version: StompVersion;
  readonly buffered: number;
  readonly hasFailed: boolean;
  free(): void;
}

export interface StompConnectedEvent {
  type: 'connected';
  version: StompVersion;
  server: string | null;
  session: string | null;
  /** Negotiated [client sends every, expects the server every] in ms (0: none). */
  heartBeat: [number, number];
  frame: StompFrameEvent;
}
export interface StompMessageEvent {
  type: 'message';
  command: 'MESSAGE';
  headers: StompHeaders;
  body: Uint8Array;
  subscription: string;
  destination: string;
  messageId: string;
  /** The 1.2 `ack` header, or null. */
  ack: string | null;
}
export interface StompReceiptEvent {
  type: 'receipt';
  receiptId: string;
}
export interface StompDisconnectedEvent {
  type: 'disconnected';
}
export type StompClientEvent =
  | StompConnectedEvent
  | StompMessageEvent
  | StompReceiptEvent
  | StompDisconnectedEvent
  | StompHeartBeatEvent;

export interface StompClientOptions {
  host?: string;
  login?: string;
  passcode?: string;
  maxVersion?: StompVersion;
  /** [can send every, wants to receive every] in ms (default [10000, 10000]). */
  heartBeat?: [number, number];
  /** A silent server is dead after its interval times this (default 2). */
  grace?: number;
  limits?: StompLimits;
  stompCommand?: boolean;
  headers?: StompHeaders;
}

/** The client side of a STOMP connection; the constructor queues CONNECT. */
export declare class StompClientSession {
  constructor(now?: number, options?: StompClientOptions);
  receiveData(data: StompBytes, now: number): void;
  receiveEof(): void;
  /** The next event, or undefined; throws a StompSessionError. */
  nextEvent(): StompClientEvent | undefined;
  events(): Generator<StompClientEvent, void, void>;
  sendFrame(frame: StompFrame): void;
  subscribe(destination: string, ack?: StompAckMode, headers?: StompHeaders): string;
  unsubscribe(id: string, headers?: StompHeaders): void;
  send(destination: string, body?: StompBytes, headers?: StompHeaders): void;
  ack(message: StompMessageEvent, transaction?: string): void;
  nack(message: StompMessageEvent, transaction?: string): void;
  begin(headers?: StompHeaders): string;
  commit(id: string, headers?: StompHeaders): void;
  abort(id: string, headers?: StompHeaders): void;
  disconnect(receipt?: boolean): void;
  dataToSend(now: number): Uint8Array;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  readonly version: StompVersion;
  readonly isConnected: boolean;
  readonly isClosed: boolean;
  readonly shouldCloseTransport: boolean;
  readonly pendingReceipts: string[];
  free(): void;
}

export interface StompConnectEvent {
  type: 'connect';
  version: StompVersion;
  host: string | null;
  login: string | null;
  passcode: string | null;
  heartBeat: [number, number];
  frame: StompFrameEvent;
}
export interface StompDisconnectEvent {
  type: 'disconnect';
  frame: StompFrameEvent;
}
export type StompServerEvent = StompConnectEvent | StompFrameEvent | StompDisconnectEvent | StompHeartBeatEvent;

export interface StompServerOptions {
  maxVersion?: StompVersion;
  heartBeat?: [number, number];
  grace?: number;
  limits?: StompLimits;
  /** The CONNECTED `server` header (default 'sansocket-stomp'; null: none). */
  serverName?: string | null;
}

/** The server side of a STOMP connection. */
export declare class StompServerSession {
  constructor(now?: number, options?: StompServerOptions);
  receiveData(data: StompBytes, now: number): void;
  receiveEof(): void;
  /** The next event, or undefined; throws a StompSessionError (its ERROR is queued). */
  nextEvent(): StompServerEvent | undefined;
  events(): Generator<StompServerEvent, void, void>;
  accept(session?: string, headers?: StompHeaders): void;
  reject(message: string): void;
  sendFrame(frame: StompFrame): void;
  sendReceipt(receiptId: string): void;
  sendError(message: string, receiptId?: string): void;
  dataToSend(now: number): Uint8Array;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  readonly version: StompVersion;
  readonly isConnected: boolean;
  readonly isClosed: boolean;
  readonly shouldCloseTransport: boolean;
  free(): void;
}

export interface StompAuthenticateEvent {
  type: 'authenticate';
  connection: number;
  login: string | null;
  passcode: string | null;
  host: string | null;
}
export interface StompAppMessageEvent {
  type: 'app-message';
  connection: number;
  frame: StompFrameEvent;
}
export interface StompClosedEvent {
  type: 'closed';
  connection: number;
  /** Why, or null for a DISCONNECT. */
  error: StompSessionError | null;
}
export type StompBrokerEvent = StompAuthenticateEvent | StompAppMessageEvent | StompClosedEvent;

export interface StompBrokerOptions extends StompServerOptions {
  topicPrefixes?: string[];
  queuePrefixes?: string[];
  appPrefixes?: string[];
  authenticate?: boolean;
  /** Most bytes queued for one connection (default 1 MiB); see the engine's docs. */
  maxOutgoing?: number;
  maxQueueDepth?: number;
  maxUnacked?: number;
}

/** An in-memory STOMP broker without IO. */
export declare class StompBroker {
  constructor(options?: StompBrokerOptions);
  open(now?: number, maxVersion?: StompVersion): number;
  receiveData(id: number, data: StompBytes, now: number): void;
  close(id: number): void;
  nextEvent(): StompBrokerEvent | undefined;
  events(): Generator<StompBrokerEvent, void, void>;
  dataToSend(id: number, now: number): Uint8Array;
  connectionsToFlush(): number[];
  shouldClose(id: number): boolean;
  /** dataToSend, shouldClose and isBinaryFrame in one call; `data` under 4 KiB is a view into a shared pool. */
  takeData(id: number, now: number): { data: Uint8Array; close: boolean; binary: boolean };
  readonly connectionCount: number;
  queueDepth(destination: string): number;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  accept(id: number, grants?: { send?: string[]; subscribe?: string[] }): void;
  reject(id: number, message: string): void;
  publish(destination: string, body?: StompBytes, headers?: StompHeaders): void;
  free(): void;
}
