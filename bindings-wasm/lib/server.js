// The server side of the Node glue: upgrade requests from a Node `http` (or `https`)
// server's 'upgrade' event become WebSockets on sansocket server connections.
import { serverFrom, serverTemplate, takeOutput } from './node-wasm.js';
import { CLOSE_TIMEOUT, TEXT_AS_BYTES, WebSocket, textAsOption } from './websocket.js';

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
