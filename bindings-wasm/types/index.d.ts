// The Node entry: `import { ServerConnection, serve, connect } from 'sansocket'`.
/// <reference types="node" />
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';

import type { ClientOptions, ConnectionOptions, Headers, RequestEvent } from './connection.js';

export * from './connection.js';
export * from './stomp.js';
export { StompBrokerHost } from './stomp-node.js';

/** A WebSocket on a Node socket (made by handleUpgrade/serve and connect). */
export declare class WebSocket extends EventEmitter {
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  /** The negotiated subprotocol, or ''. */
  readonly protocol: string;
  /** The negotiated permessage-deflate parameters, or ''. */
  readonly extensions: string;
  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED, as in ws and the browser. */
  readonly readyState: 0 | 1 | 2 | 3;
  /** Bytes written to the socket but not yet sent. */
  readonly bufferedAmount: number;
  /** The close code once 'close' fired: the peer's, an error's, or 1006. */
  readonly closeCode: number;
  /**
   * Sends a string as text, bytes as binary (`{binary}` chooses, as in ws); false: wait for
   * 'drain'. A server's payload goes to the socket as it is, behind the frame header.
   */
  send(data: string | Uint8Array | ArrayBuffer | ArrayBufferView, options?: { binary?: boolean }): boolean;
  sendFragment(kind: 'text' | 'binary', data: string | Uint8Array, fin: boolean): boolean;
  ping(data?: string | Uint8Array): boolean;
  pong(data?: string | Uint8Array): boolean;
  close(code?: number, reason?: string): void;
  /** Closes the socket at once. */
  terminate(): void;
  /** Stops reading from the socket. */
  pause(): void;
  resume(): void;

  on(event: 'message', listener: (data: string | Buffer, isBinary: boolean) => void): this;
  on(event: 'chunk', listener: (data: string | Buffer, fin: boolean, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  on(event: 'close', listener: (code: number, reason: string) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'drain', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'message', listener: (data: string | Buffer, isBinary: boolean) => void): this;
  once(event: 'close', listener: (code: number, reason: string) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

export type RequestDecision =
  | { reject: { status?: number; headers?: Headers | null; body?: Uint8Array | string } }
  | { subprotocol?: string | null; headers?: Headers | null }
  | undefined
  | void;

export interface ServeOptions extends ConnectionOptions {
  /** Subprotocols in the server's order of preference; none selected if none matches. */
  subprotocols?: string[];
  /** Decide on a request; may return a promise. */
  handleRequest?: (request: RequestEvent) => RequestDecision | Promise<RequestDecision>;
  /** ms to wait for the peer during the close handshake (default 2000). */
  closeTimeout?: number;
  /** 'buffer': text messages as a Buffer of their (checked) UTF-8 bytes, as ws gives them. */
  textAs?: 'string' | 'buffer';
}

/** Handles one http 'upgrade' event. */
export declare function handleUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options?: ServeOptions,
  onConnection?: (ws: WebSocket, request: RequestEvent) => void,
): void;

/** Serves WebSocket upgrades of an http/https server; returns a function that stops it. */
export declare function serve(
  server: HttpServer | HttpsServer,
  options?: ServeOptions,
  onConnection?: (ws: WebSocket, request: RequestEvent) => void,
): () => void;

export interface ConnectOptions extends Omit<ClientOptions, 'host' | 'target' | 'open' | 'subprotocol'> {
  /** Options for tls.connect (wss://). */
  tls?: TlsConnectionOptions;
  /** ms to wait for the 101 (default 10000). */
  handshakeTimeout?: number;
  /** ms to wait for the peer during the close handshake (default 2000). */
  closeTimeout?: number;
  /** 'buffer': text messages as a Buffer of their (checked) UTF-8 bytes, as ws gives them. */
  textAs?: 'string' | 'buffer';
  /**
   * An http:// proxy URL to tunnel through with CONNECT (`http://user:pass@host:port`),
   * `true` (the default) for HTTPS_PROXY / HTTP_PROXY / ALL_PROXY unless NO_PROXY names the
   * host, `null` or `false` for a direct connection.
   */
  proxy?: string | URL | boolean | null;
}

/** What a proxy answered: the tunnel is open, or it refused. */
export type ProxyOutcome =
  | { type: 'connected'; rest: Uint8Array }
  | { type: 'rejected'; status: number; reason: string; headers: Array<[string, string]>; body: Uint8Array };

/**
 * The client side of an HTTP CONNECT tunnel, sans-IO: write dataToSend() to the proxy, feed
 * its answer to receiveData() until it returns an outcome; receiveEof() when it closes.
 * Errors have a code: 'proxy-malformed', 'proxy-head-too-large', 'proxy-closed',
 * 'proxy-invalid-target', 'proxy-finished'. Call free() when done.
 */
export declare class ProxyConnect {
  constructor(host: string, port: number, username?: string | null, password?: string | null);
  dataToSend(): Uint8Array;
  receiveData(data: Uint8Array): ProxyOutcome | undefined;
  receiveEof(): ProxyOutcome;
  free(): void;
}

/** Opens a client WebSocket (ws:// over net, wss:// over tls). */
export declare function connect(url: string | URL, options?: ConnectOptions): Promise<WebSocket>;
