// A real browser: headless Chromium (Debian's `chromium`, driven by playwright-core).
// 1. A page's native WebSocket talks to a Node server built on the binding: text, binary,
//    permessage-deflate (Chromium offers it), a clean close.
// 2. A page loads the `web`-target build and runs a client/server pair of sansocket
//    connections inside the browser.
// Without /usr/bin/chromium the tests are skipped, unless SANSOCKET_REQUIRE_BROWSER=1
// (test.sh installs Chromium and sets it).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { serve } from '../lib/node.js';
import { listen, within } from './helpers.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const required = process.env.SANSOCKET_REQUIRE_BROWSER === '1';
const skip = existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (apt-get install chromium)`;
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

const NATIVE_PAGE = `<!doctype html><meta charset="utf-8"><title>native WebSocket</title>
<pre id="out">running</pre>
<script type="module">
const out = document.getElementById('out');
const result = { messages: [] };
const ws = new WebSocket('ws://' + location.host + '/echo', ['echo.v2', 'echo.v1']);
ws.binaryType = 'arraybuffer';
ws.onopen = () => {
  result.protocol = ws.protocol;
  result.extensions = ws.extensions;
  ws.send('hello from chromium');
  ws.send(new Uint8Array([1, 2, 3, 255]));
  ws.send('x'.repeat(100000));
};
ws.onmessage = (e) => {
  result.messages.push(typeof e.data === 'string' ? (e.data.length > 100 ? 'text:' + e.data.length : e.data) : Array.from(new Uint8Array(e.data)));
  if (result.messages.length === 3) ws.close(1000, 'done');
};
ws.onclose = (e) => {
  Object.assign(result, { code: e.code, reason: e.reason, wasClean: e.wasClean });
  out.textContent = JSON.stringify(result);
  window.__result = result;
};
ws.onerror = () => { result.error = true; };
</script>`;

const WASM_PAGE = `<!doctype html><meta charset="utf-8"><title>sansocket in the browser</title>
<pre id="out">running</pre>
<script type="module">
import init, { ClientConnection, ServerConnection, wasmMemorySize } from '/lib/web.js';
const out = document.getElementById('out');
try {
  await init();
  const client = new ClientConnection({ host: 'in.browser', target: '/pair', subprotocols: ['v1'], deflate: true });
  const server = new ServerConnection({ deflate: true });
  const relay = (from, to) => { to.receiveData(from.dataToSend()); return to.events(); };
  const [request] = relay(client, server);
  server.accept({ subprotocol: server.selectSubprotocol(['v1']) });
  const [accepted] = relay(server, client);
  client.sendText('hello, server');
  const big = new Uint8Array(100000).map((_, i) => i & 0xff);
  client.sendBinary(big);
  client.ping('p');
  const atServer = relay(client, server);
  server.sendText('hello, client');
  const atClient = relay(server, client);
  client.close(1000, 'bye');
  const closeAtServer = relay(client, server);
  const closeAtClient = relay(server, client);
  client.receiveEof();
  client.events();
  const result = {
    request: request.type + ' ' + request.path,
    subprotocol: accepted.subprotocol,
    extensions: client.extensions,
    atServer: atServer.map((e) => e.type + ':' + (typeof e.data === 'string' ? e.data : e.data.length)),
    bigIntact: atServer[1].data.every((b, i) => b === (i & 0xff)),
    atClient: atClient.map((e) => e.type + ':' + (typeof e.data === 'string' ? e.data : e.data.length)),
    close: [closeAtServer[0].type, closeAtServer[0].code, closeAtServer[0].reason, closeAtClient[0].type],
    transport: [server.shouldCloseTransport, client.shouldCloseTransport, client.state],
    memory: wasmMemorySize() > 0,
    userAgent: navigator.userAgent,
  };
  client.free();
  server.free();
  out.textContent = JSON.stringify(result, null, 1);
  window.__result = result;
} catch (e) {
  window.__result = { error: String(e && e.stack || e) };
  out.textContent = window.__result.error;
}
</script>`;

describe('headless Chromium', { skip: required ? false : skip }, () => {
  let srv;
  let context;
  let profile;
  const closes = [];
  const received = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install -y chromium)`);
    srv = await listen((req, res) => {
      const path = new URL(req.url, 'http://x').pathname;
      if (path === '/native.html' || path === '/wasm.html') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(path === '/native.html' ? NATIVE_PAGE : WASM_PAGE);
        return;
      }
      const file = normalize(join(ROOT, path));
      const allowed = (file.startsWith(join(ROOT, 'lib')) || file.startsWith(join(ROOT, 'pkg', 'web'))) && existsSync(file);
      if (!allowed) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    });
    serve(srv.server, { subprotocols: ['echo.v1'], deflate: true }, (ws, request) => {
      ws.on('message', (data, isBinary) => {
        received.push(isBinary ? [...data] : data.length > 100 ? `text:${data.length}` : data);
        ws.send(data);
      });
      ws.on('close', (code, reason) => closes.push({ path: request.path, code, reason }));
    });
    const { chromium } = await import('playwright-core');
    profile = mkdtempSync(join(tmpdir(), 'sansocket-chromium-'));
    context = await within(60000, chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }), 'launching Chromium');
  });

  after(async () => {
    await context?.close().catch(() => {});
    await srv?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Opens a page and waits for its window.__result. */
  async function result(path) {
    const page = await context.newPage();
    try {
      await page.goto(`http://127.0.0.1:${srv.port}${path}`, { timeout: 20000 });
      await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 20000 });
      return await page.evaluate(() => window.__result);
    } finally {
      await page.close();
    }
  }

  it("the page's native WebSocket talks to a server built on the binding", async () => {
    const r = await result('/native.html');
    assert.equal(r.error, undefined);
    assert.equal(r.protocol, 'echo.v1');
    assert.match(r.extensions, /permessage-deflate/, 'Chromium negotiated compression with us');
    assert.deepEqual(r.messages, ['hello from chromium', [1, 2, 3, 255], 'text:100000']);
    assert.deepEqual([r.code, r.reason, r.wasClean], [1000, '', true]);
    assert.deepEqual(received, ['hello from chromium', [1, 2, 3, 255], 'text:100000']);
    await within(5000, (async () => {
      while (closes.length === 0) await new Promise((res) => setTimeout(res, 10));
    })(), 'server close event');
    assert.deepEqual(closes[0], { path: '/echo', code: 1000, reason: 'done' });
  });

  it('the web-target build runs a client/server pair inside the page', async () => {
    const r = await result('/wasm.html');
    assert.equal(r.error, undefined, r.error);
    assert.match(r.userAgent, /Chrome/);
    assert.equal(r.request, 'request /pair');
    assert.equal(r.subprotocol, 'v1');
    assert.match(r.extensions, /permessage-deflate/);
    assert.deepEqual(r.atServer, ['text:hello, server', 'binary:100000', 'ping:1']);
    assert.equal(r.bigIntact, true);
    assert.deepEqual(r.atClient, ['pong:1', 'text:hello, client']);
    assert.deepEqual(r.close, ['close', 1000, 'bye', 'close']);
    assert.deepEqual(r.transport, [true, true, 'closed']);
    assert.equal(r.memory, true);
  });
});
