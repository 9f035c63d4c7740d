// Node clients through HTTP proxies: which proxy (the `proxy` option or the environment, as
// websockets and curl read it) and the CONNECT tunnel, driven by the core's ProxyConnect on
// a net socket. IO only: the request and the reading of the answer are the core's.
import net from 'node:net';

import { ProxyConnect } from './node-wasm.js';

function env(name) {
  return process.env[name.toLowerCase()] || process.env[name.toUpperCase()] || '';
}

/** True when NO_PROXY (or no_proxy) names `host` (or host:port): '*', a host, a domain
 * suffix ('example.com' and '.example.com' match 'a.example.com'). */
function bypassed(host, port) {
  const h = host.toLowerCase();
  for (const raw of env('no_proxy').split(/[\s,]+/)) {
    let entry = raw.toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(entry);
    if (m) {
      if (Number(m[2]) !== port) continue;
      entry = m[1];
    }
    entry = entry.replace(/^\[(.*)\]$/, '$1').replace(/^\*?\./, '');
    if (h === entry || h.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/**
 * The proxy URL for a connection, or null for none. `proxy`: a URL string, `true` (from
 * HTTPS_PROXY for wss://, HTTP_PROXY for ws://, else ALL_PROXY, lowercase names first,
 * unless NO_PROXY matches), `null`/`false`/`undefined` for a direct connection... except
 * that `undefined` means the default, `true`.
 */
export function resolveProxy(proxy, secure, host, port) {
  if (proxy === null || proxy === false) return null;
  if (typeof proxy === 'string' || proxy instanceof URL) return String(proxy);
  if (bypassed(host, port)) return null;
  return (secure ? env('https_proxy') : env('http_proxy')) || env('all_proxy') || null;
}

/**
 * A net socket to `proxyUrl` tunnelled to host:port with CONNECT: resolves to
 * `{socket, rest}` (`rest`: bytes the target sent behind the proxy's answer). Rejects with
 * an Error of code 'proxy-rejected' (with status, reason, headers, body) for any answer but
 * 2xx, 'proxy-closed' / 'proxy-malformed' for a proxy that closes or does not speak HTTP.
 */
export function openTunnel(proxyUrl, host, port, timeout) {
  return new Promise((resolve, reject) => {
    const p = new URL(proxyUrl);
    if (p.protocol !== 'http:') {
      throw new TypeError(`connect: only http:// proxies are supported, not ${p.protocol}//`);
    }
    const user = p.username ? decodeURIComponent(p.username) : undefined;
    const password = p.password ? decodeURIComponent(p.password) : undefined;
    const tunnel = new ProxyConnect(host, port, user, password);
    const socket = net.connect({ host: p.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(p.port) || 80 });
    let done = false;
    const timer = setTimeout(
      () => finish(new Error(`connect: no answer from the proxy ${p.host} within ${timeout} ms`)),
      timeout,
    );

    function finish(err, value = undefined) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', finish);
      socket.off('close', onClose);
      tunnel.free();
      if (err) {
        socket.on('error', () => {});
        socket.destroy();
        reject(err);
      } else {
        resolve(value);
      }
    }
    function settle(answer) {
      if (answer === undefined) return;
      if (answer.type === 'connected') {
        finish(null, { socket, rest: answer.rest });
        return;
      }
      const err = new Error(`connect: the proxy refused the tunnel: ${answer.status} ${answer.reason}`);
      Object.assign(err, {
        code: 'proxy-rejected',
        status: answer.status,
        headers: answer.headers,
        body: Buffer.from(answer.body),
      });
      finish(err);
    }
    function onData(chunk) {
      try {
        settle(tunnel.receiveData(chunk));
      } catch (err) {
        finish(err);
      }
    }
    function onEnd() {
      try {
        settle(tunnel.receiveEof());
      } catch (err) {
        finish(err);
      }
    }
    function onClose() {
      const err = new Error('connect: the proxy closed the connection before answering');
      finish(Object.assign(err, { code: 'proxy-closed' }));
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', finish);
    socket.on('close', onClose);
    socket.write(tunnel.dataToSend());
  });
}
