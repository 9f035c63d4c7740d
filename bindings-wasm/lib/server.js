// The server side of the Node glue: upgrade requests from a Node `http` (or `https`)
// server's 'upgrade' event become WebSockets on sansocket server connections.
import { serverFrom, serverTemplate, takeOutput } from './node-wasm.js';
import { CLOSE_TIMEOUT, TEXT_AS_BYTES, WebSocket, textAsOption } from './websocket.js';

/** Writes a latin1 string into a Buffer at `offset`: the bytes written (Node's own, without `write`'s argument checks). */
const latin1Write = typeof Buffer.prototype.latin1Write === 'function'
  ? (buf, string, offset) => buf.latin1Write(string, offset)
  : (buf, string, offset) => buf.write(string, offset, 'latin1');

/** Where `serializeRequest` writes a request: one buffer for every upgrade, grown as needed. */
let requestBytes = Buffer.allocUnsafeSlow(2048);

/**
 * The request as bytes again, for the engine to check (Node's parser already read it): a
 * view of a buffer shared by every upgrade, valid until the next one (the engine copies it
 * at once). Written piece by piece, without a string of the whole head or a Buffer of its
 * own (garbage for every upgrade). Node's header strings are latin1: a byte per character.
 */
function serializeRequest(req) {
  const raw = req.rawHeaders;
  const method = req.method;
  const url = req.url;
  const version = req.httpVersion;
  let length = method.length + url.length + version.length + 13;
  for (let i = 0; i + 1 < raw.length; i += 2) length += raw[i].length + raw[i + 1].length + 4;
  if (length > requestBytes.length) requestBytes = Buffer.allocUnsafeSlow(Math.max(length, 2 * requestBytes.length));
  const out = requestBytes;
  let at = latin1Write(out, method, 0);
  out[at++] = 0x20; // ' '
  at += latin1Write(out, url, at);
  at += latin1Write(out, ' HTTP/', at);
  at += latin1Write(out, version, at);
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    at += latin1Write(out, raw[i], at);
    out[at++] = 0x3a; // ':'
    out[at++] = 0x20;
    at += latin1Write(out, raw[i + 1], at);
    out[at++] = 0x0d;
    out[at++] = 0x0a;
  }
  out[at++] = 0x0d;
  out[at++] = 0x0a;
  return out.subarray(0, at);
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
  const conn = serverFrom(prepared.template);
  conn.receiveData(serializeRequest(req));
  if (head && head.length > 0) conn.receiveData(head);
  const events = conn.events();
  const request = events[0];
  if (request === undefined || request.type !== 'request') {
    sendAndClose(conn, socket); // the engine queued the HTTP error response
    return;
  }
  const { handleRequest } = prepared;
  if (handleRequest === undefined) {
    // No closures for the usual upgrade (garbage for each).
    proceed(conn, socket, request, prepared, onConnection, undefined);
    return;
  }
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
    decision = handleRequest(request);
  } catch (err) {
    refuse();
    throw err;
  }
  if (decision && typeof decision.then === 'function') {
    decision.then((d) => proceed(conn, socket, request, prepared, onConnection, d), refuse);
  } else {
    proceed(conn, socket, request, prepared, onConnection, decision);
  }
}

/** Accepts or rejects the upgrade as `decision` (handleRequest's answer, if any) says. */
function proceed(conn, socket, request, prepared, onConnection, decision) {
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
  const { closeTimeout, textAsBuffer } = prepared;
  const subprotocol =
    decision && decision.subprotocol !== undefined ? decision.subprotocol : conn.selectSubprotocol(prepared.subprotocols);
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
}

/** Serves WebSocket upgrades of an http/https server: see handleUpgrade() for options. */
export function serve(server, options = {}, onConnection = undefined) {
  // Checked once (a bad option throws now rather than at the first upgrade).
  const prepared = prepare(options);
  const listener = (req, socket, head) => upgrade(req, socket, head, prepared, onConnection);
  server.on('upgrade', listener);
  return () => server.off('upgrade', listener);
}
