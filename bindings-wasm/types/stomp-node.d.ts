// Node glue for the STOMP broker.
/// <reference types="node" />
import type { Socket } from 'node:net';

import type { WebSocket } from './index.js';
import type { StompBroker, StompBrokerEvent } from './stomp.js';

/**
 * Runs a StompBroker over this package's WebSockets and net.Sockets. Backpressure: once a
 * write returns false (the socket's writableHighWaterMark), a connection's bytes stay in
 * the broker until 'drain', where its maxOutgoing bound applies (a topic subscriber that
 * would pass it gets ERROR `slow consumer` and is closed).
 */
export declare class StompBrokerHost {
  constructor(broker: StompBroker, onEvent?: (event: StompBrokerEvent) => void);
  readonly broker: StompBroker;
  /** A WebSocket from serve/handleUpgrade (subprotocols: STOMP_SUBPROTOCOLS); returns the broker's id for it. */
  handleWebSocket(ws: WebSocket): number;
  /** A TCP socket (STOMP over TCP); returns the broker's id for it. */
  handleSocket(socket: Socket): number;
  /** Delivers the broker's events and bytes, re-arms the heart-beat timer. */
  flush(): void;
  /** Stops the heart-beat timer. */
  close(): void;
}
