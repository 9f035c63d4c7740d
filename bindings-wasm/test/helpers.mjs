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

/** A masked frame as a client sends it (a key that changes with `seed`). */
export function masked(opcode, payload, fin = true, seed = 0) {
  const key = Buffer.from([0x37 ^ seed, 0xfa, 0x21 ^ seed, 0x3d]);
  const n = payload.length;
  const head = n > 65535 ? 10 : n > 125 ? 4 : 2;
  const out = Buffer.alloc(head + 4 + n);
  out[0] = (fin ? 0x80 : 0) | opcode;
  if (n > 65535) {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  } else if (n > 125) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | n;
  }
  key.copy(out, head);
  for (let i = 0; i < n; i++) out[head + 4 + i] = payload[i] ^ key[i & 3];
  return out;
}

/** `wire` cut at `cuts` (sorted offsets). */
export function cutAt(wire, cuts) {
  const reads = [];
  let at = 0;
  for (const c of cuts) {
    reads.push(wire.subarray(at, c));
    at = c;
  }
  reads.push(wire.subarray(at));
  return reads;
}

/** `wire` in reads of `size` bytes (the last one shorter). */
export function everyN(wire, size) {
  const cuts = [];
  for (let at = size; at < wire.length; at += size) cuts.push(at);
  return cutAt(wire, cuts);
}
