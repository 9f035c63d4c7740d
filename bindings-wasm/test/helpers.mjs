// Shared helpers for the tests: loopback servers, bounded waits.
import { once } from 'node:events';
import { createServer } from 'node:http';

/** Resolves with `promise`'s value, or rejects after `ms` (no test waits forever). */
export function within(ms, promise, what = 'operation') {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The next `event` of `emitter`, within `ms`. */
export function next(emitter, event, ms = 5000) {
  return within(ms, once(emitter, event), `waiting for '${event}'`);
}

/** An http server on 127.0.0.1, an ephemeral port; resolves with {server, port, close}. */
export async function listen(handler = (req, res) => res.writeHead(404).end()) {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  const { port } = server.address();
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const close = async () => {
    for (const s of sockets) s.destroy();
    server.close();
    await within(5000, once(server, 'close'), 'closing the server').catch(() => {});
  };
  return { server, port, close };
}

/** Bytes with a recognisable pattern. */
export function pattern(n, seed = 1) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}
