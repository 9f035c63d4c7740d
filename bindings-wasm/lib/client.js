// The client side of the Node glue: connect() over `net` or `tls`, through an HTTP proxy's
// CONNECT tunnel where one is set.
import { isIP } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';

import { ClientConnection } from './node-wasm.js';
import { openTunnel, resolveProxy } from './proxy.js';
import { CLOSE_TIMEOUT, TEXT_AS_BYTES, WebSocket, textAsOption } from './websocket.js';

/** How long a client waits for the server's 101. */
const HANDSHAKE_TIMEOUT = 10000;

/**
 * Opens a client WebSocket over net (ws://) or tls (wss://); resolves once the server
 * accepted. options: the ClientConnection options (subprotocols, origin, headers, limits,
 * deflate…; host and target come from the URL), plus tls (options for tls.connect),
 * handshakeTimeout (ms, default 10000), closeTimeout (ms, default 2000), textAs ('string'
 * or 'buffer', as for handleUpgrade) and proxy: an
 * http:// proxy URL (credentials in it become Proxy-Authorization: Basic), true (the
 * default: HTTPS_PROXY for wss://, HTTP_PROXY for ws://, else ALL_PROXY, unless NO_PROXY
 * names the host) or null for a direct connection. TLS for wss:// runs inside the tunnel.
 * A refusal rejects with an Error carrying status, headers and body (code 'rejected' from
 * the server, 'proxy-rejected' from the proxy).
 */
export function connect(url, options = {}) {
  let u;
  try {
    u = new URL(url);
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
      throw new TypeError(`connect: the URL must be ws:// or wss://, not ${u.protocol}`);
    }
  } catch (err) {
    return Promise.reject(err);
  }
  const { proxy = true, handshakeTimeout = HANDSHAKE_TIMEOUT, ...rest } = options;
  const secure = u.protocol === 'wss:';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(u.port) || (secure ? 443 : 80);
  let proxyUrl;
  try {
    proxyUrl = resolveProxy(proxy, secure, host, port);
  } catch (err) {
    return Promise.reject(err);
  }
  if (proxyUrl === null) return handshake(u, { handshakeTimeout, ...rest }, null);
  const started = Date.now();
  return openTunnel(proxyUrl, host, port, handshakeTimeout).then(({ socket, rest: early }) => {
    if (early.length > 0 && secure) {
      socket.destroy();
      throw new Error('connect: the server spoke before the TLS handshake through the proxy');
    }
    const left = Math.max(1, handshakeTimeout - (Date.now() - started));
    return handshake(u, { handshakeTimeout: left, ...rest }, { socket, early });
  });
}

/** The WebSocket handshake on a new socket, or on a proxy's `tunnel` ({socket, early}). */
function handshake(u, options, tunnel) {
  return new Promise((resolve, reject) => {
    const {
      tls: tlsOptions = {},
      handshakeTimeout = HANDSHAKE_TIMEOUT,
      closeTimeout = CLOSE_TIMEOUT,
      textAs,
      ...config
    } = options;
    const textAsBuffer = textAsOption(textAs);
    const secure = u.protocol === 'wss:';
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(u.port) || (secure ? 443 : 80);
    let conn;
    try {
      conn = new ClientConnection({ host: u.host, target: `${u.pathname}${u.search}`, ...config });
    } catch (err) {
      tunnel?.socket.destroy();
      throw err;
    }
    let socket;
    try {
      const servername = isIP(host) ? undefined : host;
      if (tunnel !== null) {
        socket = secure
          ? tls.connect({ socket: tunnel.socket, host, servername, ALPNProtocols: ['http/1.1'], ...tlsOptions })
          : tunnel.socket;
      } else {
        socket = secure
          ? tls.connect({ host, port, servername, ALPNProtocols: ['http/1.1'], ...tlsOptions })
          : net.connect({ host, port });
      }
    } catch (err) {
      conn.free();
      tunnel?.socket.destroy();
      throw err;
    }
    socket.setNoDelay(true);
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`connect: no answer from ${u.host} within ${handshakeTimeout} ms`)), handshakeTimeout);

    function cleanup() {
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', fail);
      socket.off('close', onClose);
    }
    function fail(err) {
      if (settled) return;
      cleanup();
      socket.on('error', () => {});
      socket.destroy();
      if (!conn.freed) conn.free();
      reject(err);
    }
    function handle(events) {
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        if (event.type === 'accepted') {
          cleanup();
          socket.pause();
          const ws = new WebSocket(conn, socket, { closeTimeout, textAsBuffer });
          resolve(ws);
          // Frames that came with the 101 wait until the caller has added its listeners.
          setImmediate(() => ws._start(events.slice(i + 1)));
          return;
        }
        if (event.type === 'rejected') {
          const err = new Error(`connect: the server refused the WebSocket: ${event.status} ${event.reason}`);
          Object.assign(err, { code: 'rejected', status: event.status, headers: event.headers, body: event.body });
          fail(err);
          return;
        }
        if (event.type === 'error') {
          fail(event.error);
          return;
        }
      }
    }
    function onData(chunk) {
      conn.receiveData(chunk);
      handle(conn.events(textAsBuffer ? TEXT_AS_BYTES : undefined));
    }
    function onEnd() {
      conn.receiveEof();
      handle(conn.events(textAsBuffer ? TEXT_AS_BYTES : undefined));
      fail(new Error('connect: the server closed the connection during the handshake'));
    }
    function onClose() {
      fail(new Error('connect: the connection closed during the handshake'));
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', fail);
    socket.on('close', onClose);
    try {
      socket.write(conn.dataToSend());
    } catch (err) {
      fail(err); // the random source failed
      return;
    }
    if (tunnel !== null && tunnel.early.length > 0) onData(tunnel.early);
  });
}
