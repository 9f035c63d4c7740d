// Clients through HTTP proxies: connect(url, {proxy}) against a real proxy (tinyproxy,
// started here on loopback with its own configuration; bindings-wasm/test.sh installs it),
// with and without credentials, refusing (407, 403), a "proxy" that closes, wss:// through
// the tunnel, the environment variables; and ProxyConnect itself.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { ProxyConnect, connect, serve } from '../lib/node.js';
import { listen, next, within } from './helpers.mjs';

const hasTinyproxy = spawnSync('tinyproxy', ['-v']).status === 0;
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const skip = hasTinyproxy ? false : 'tinyproxy is not installed (bindings-wasm/test.sh installs it)';
const ENV = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY'];

let dir;
let echo; // {server, port, close}
let tlsEcho; // {server, port, cert}
const proxies = [];

/** tinyproxy on a loopback port, CONNECT allowed to `ports` only; resolves with its port. */
async function tinyproxy(ports, auth = null) {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await next(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  const lines = [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 30', 'Allow 127.0.0.1', 'MaxClients 16', 'LogLevel Info'];
  for (const p of ports) lines.push(`ConnectPort ${p}`);
  if (auth) lines.push(`BasicAuth ${auth}`);
  if (process.getuid?.() === 0) lines.push('User nobody', 'Group nogroup');
  const conf = join(dir, `tinyproxy-${port}.conf`);
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const log = openSync(join(dir, `tinyproxy-${port}.log`), 'w');
  const child = spawn('tinyproxy', ['-d', '-c', conf], { stdio: ['ignore', log, log] });
  closeSync(log);
  proxies.push(child);
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => resolve(s.destroy() || true));
      s.on('error', () => resolve(false));
    });
    if (up) return port;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`tinyproxy did not start: ${readFileSync(join(dir, `tinyproxy-${port}.log`), 'utf8')}`);
}

/** A "proxy" that reads the request, writes `answer` and closes. */
async function closingProxy(answer = '') {
  const server = net.createServer((s) => {
    s.once('data', () => s.end(answer));
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening');
  return server;
}

async function roundTrip(url, options) {
  const ws = await connect(url, options);
  ws.send('through the proxy');
  const [reply] = await next(ws, 'message');
  ws.close(1000);
  await next(ws, 'close');
  return String(reply);
}

before(async () => {
  for (const name of ENV) {
    delete process.env[name];
    delete process.env[name.toLowerCase()];
  }
  dir = mkdtempSync(join(tmpdir(), 'sansocket-proxy-'));
  echo = await listen();
  serve(echo.server, {}, (ws) => ws.on('message', (d, isBinary) => ws.send(isBinary ? d : String(d))));
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { encoding: 'utf8', timeout: 60000 });
  if (made.status === 0) {
    const cert = readFileSync(join(dir, 'cert.pem'));
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert });
    serve(server, {}, (ws) => ws.on('message', (d) => ws.send(String(d))));
    server.listen(0, '127.0.0.1');
    await next(server, 'listening');
    tlsEcho = { server, port: server.address().port, cert };
  }
});

after(async () => {
  for (const child of proxies) child.kill();
  await echo?.close();
  tlsEcho?.server.closeAllConnections?.();
  tlsEcho?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('ProxyConnect: the request, a 2xx with the bytes after it, a refusal, errors with codes', () => {
  const p = new ProxyConnect('example.com', 443, 'Aladdin', 'open sesame');
  assert.equal(
    Buffer.from(p.dataToSend()).toString(),
    'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n',
  );
  assert.equal(p.receiveData(Buffer.from('HTTP/1.1 200 OK\r\n')), undefined);
  const done = p.receiveData(Buffer.from('\r\nrest'));
  assert.equal(done.type, 'connected');
  assert.equal(Buffer.from(done.rest).toString(), 'rest');
  assert.throws(() => p.receiveData(Buffer.from('x')), { code: 'proxy-finished' });
  p.free();
  const q = new ProxyConnect('h', 1);
  const refused = q.receiveData(Buffer.from('HTTP/1.0 407 Auth\r\nContent-Length: 2\r\n\r\nno'));
  assert.deepEqual([refused.type, refused.status, refused.reason, refused.headers], ['rejected', 407, 'Auth', [['Content-Length', '2']]]);
  assert.equal(Buffer.from(refused.body).toString(), 'no');
  q.free();
  const r = new ProxyConnect('h', 1);
  assert.throws(() => r.receiveEof(), { code: 'proxy-closed' });
  r.free();
  assert.throws(() => new ProxyConnect('bad host', 1), { code: 'proxy-invalid-target' });
});

test('ws:// through tinyproxy', { skip }, async () => {
  const port = await tinyproxy([echo.port]);
  assert.equal(await roundTrip(`ws://127.0.0.1:${echo.port}/`, { proxy: `http://127.0.0.1:${port}` }), 'through the proxy');
  const log = readFileSync(join(dir, `tinyproxy-${port}.log`), 'utf8');
  assert.match(log, /CONNECT/);
  assert.ok(log.includes(`127.0.0.1:${echo.port}`));
});

test('credentials from the proxy URL; 407 without them', { skip }, async () => {
  const port = await tinyproxy([echo.port], 'user s3cret');
  const url = `ws://127.0.0.1:${echo.port}/`;
  // Percent-encoded in the URL ("us%65r" is "user"), decoded before Basic encoding.
  assert.equal(await roundTrip(url, { proxy: `http://us%65r:s3cret@127.0.0.1:${port}` }), 'through the proxy');
  await assert.rejects(connect(url, { proxy: `http://127.0.0.1:${port}` }), (err) => {
    assert.equal(err.code, 'proxy-rejected');
    assert.equal(err.status, 407);
    assert.ok(err.headers.some(([n]) => n.toLowerCase() === 'proxy-authenticate'));
    assert.match(err.body.toString(), /407/);
    return true;
  });
  // Wrong credentials: tinyproxy 1.11 answers 401 (other proxies 407).
  await assert.rejects(connect(url, { proxy: `http://user:wrong@127.0.0.1:${port}` }), (err) => [401, 407].includes(err.status));
});

test('a port the proxy refuses is a 403', { skip }, async () => {
  const port = await tinyproxy([1]);
  await assert.rejects(connect(`ws://127.0.0.1:${echo.port}/`, { proxy: `http://127.0.0.1:${port}` }), (err) => {
    assert.equal(err.code, 'proxy-rejected');
    assert.equal(err.status, 403);
    return true;
  });
});

test('wss:// through tinyproxy: TLS inside the tunnel', { skip: skip || (hasOpenssl ? false : 'no openssl') }, async () => {
  const port = await tinyproxy([tlsEcho.port]);
  const reply = await roundTrip(`wss://127.0.0.1:${tlsEcho.port}/`, {
    proxy: `http://127.0.0.1:${port}`,
    tls: { ca: tlsEcho.cert },
  });
  assert.equal(reply, 'through the proxy');
});

test('a proxy that closes or does not speak HTTP: an Error, never a hang', async () => {
  for (const [answer, code] of [['', 'proxy-closed'], ['HTTP/1.1 200 Conn', 'proxy-closed'], ['garbage\r\n\r\n', 'proxy-malformed']]) {
    const server = await closingProxy(answer);
    const proxy = `http://127.0.0.1:${server.address().port}`;
    await within(5000, assert.rejects(connect('ws://127.0.0.1:9/', { proxy }), { code }), code);
    server.close();
  }
  const server = await closingProxy('HTTP/1.0 502 Bad Gateway\r\n\r\ntarget down');
  await assert.rejects(connect('ws://127.0.0.1:9/', { proxy: `http://127.0.0.1:${server.address().port}` }), (err) => {
    assert.deepEqual([err.status, err.body.toString()], [502, 'target down']);
    return true;
  });
  server.close();
  await assert.rejects(connect('ws://127.0.0.1:9/', { proxy: 'socks5://127.0.0.1:1080' }), TypeError);
});

test('HTTP_PROXY / ALL_PROXY / HTTPS_PROXY / NO_PROXY from the environment', async () => {
  const server = await closingProxy();
  const proxy = `http://127.0.0.1:${server.address().port}`;
  const url = `ws://127.0.0.1:${echo.port}/`;
  try {
    for (const name of ['HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) {
      process.env[name] = proxy;
      await assert.rejects(connect(url), { code: 'proxy-closed' }, name); // went to the closing proxy
      assert.equal(await roundTrip(url, { proxy: null }), 'through the proxy');
      delete process.env[name];
    }
    process.env.HTTPS_PROXY = proxy; // for wss:// only
    assert.equal(await roundTrip(url), 'through the proxy');
    process.env.HTTP_PROXY = proxy;
    for (const noProxy of ['127.0.0.1', '*', `127.0.0.1:${echo.port}`, 'example.com, 127.0.0.1']) {
      process.env.NO_PROXY = noProxy;
      assert.equal(await roundTrip(url), 'through the proxy', noProxy);
    }
  } finally {
    for (const name of ENV) {
      delete process.env[name];
      delete process.env[name.toLowerCase()];
    }
    server.close();
  }
});
