// examples/echo_server.mjs: the Rust example's command line and behaviour.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import WsClient from 'ws';

import { connect } from '../lib/node.js';
import { next, pattern, within } from './helpers.mjs';

const EXAMPLE = fileURLToPath(new URL('../examples/echo_server.mjs', import.meta.url));

/** Starts the example on a free port; resolves with {url, port, stop}. */
function start(...args) {
  return startWith({}, ...args);
}

/** The same with these environment variables added. */
async function startWith(env, ...args) {
  const child = spawn(process.execPath, [EXAMPLE, '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  const port = await within(10000, new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      output += d;
      const m = output.match(/listening on 127\.0\.0\.1:(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`echo_server exited with ${code}`)));
  }), 'echo_server start');
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await within(5000, next(child, 'exit'), 'echo_server exit').catch(() => child.kill('SIGKILL'));
    }
  };
  return { url: `ws://127.0.0.1:${port}/`, port, stop };
}

describe('examples/echo_server.mjs', () => {
  let server;

  before(async () => {
    server = await start('--subprotocol', 'v12.stomp', '--subprotocol', 'v11.stomp');
  });

  after(() => server.stop());

  it('selects subprotocols in the order given on the command line', async () => {
    for (const [offered, selected] of [
      [['v11.stomp', 'v12.stomp'], 'v12.stomp'],
      [['v10.stomp', 'v11.stomp'], 'v11.stomp'],
      [['mqtt'], ''],
    ]) {
      const ws = await connect(server.url, { subprotocols: offered });
      assert.equal(ws.protocol, selected, `offered ${offered}`);
      ws.close();
      await next(ws, 'close');
    }
  });

  it('echoes text and binary up to large messages, with permessage-deflate', async () => {
    const ws = new WsClient(server.url, { perMessageDeflate: true, maxPayload: 64 << 20 });
    await next(ws, 'open');
    assert.match(ws.extensions, /permessage-deflate/);
    ws.send('hello');
    assert.equal((await next(ws, 'message'))[0].toString(), 'hello');
    const big = pattern(20 << 20, 4); // larger than the default 16 MiB limit
    ws.send(big);
    const [data, isBinary] = await next(ws, 'message', 30000);
    assert.equal(isBinary, true);
    assert.ok(big.equals(data));
    ws.close(1000);
    assert.equal((await next(ws, 'close'))[0], 1000);
  });

  it('--no-deflate turns compression off', async () => {
    const plain = await start('--no-deflate');
    try {
      const ws = new WsClient(plain.url, { perMessageDeflate: true });
      await next(ws, 'open');
      assert.equal(ws.extensions, '');
      ws.close();
      await next(ws, 'close');
    } finally {
      await plain.stop();
    }
  });

  it('drops a connection not upgraded in time, and keeps an idle WebSocket', async () => {
    const quick = await startWith({ ECHO_READ_TIMEOUT_MS: '600' }, '--no-deflate');
    try {
      const t0 = Date.now();
      const silent = net.connect(quick.port, '127.0.0.1');
      silent.on('error', () => {});
      const slow = net.connect(quick.port, '127.0.0.1', () => slow.write('GET / HTTP/1.1\r\nHost: x\r\n'));
      slow.on('error', () => {});
      const dropped = Promise.all([next(silent, 'close', 5000), next(slow, 'close', 5000)]);
      const ws = new WsClient(quick.url);
      await next(ws, 'open');
      await dropped;
      assert.ok(Date.now() - t0 >= 550, `dropped after ${Date.now() - t0} ms, before the timeout`);
      // The WebSocket, idle as long, stays open and echoes.
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal(ws.readyState, WsClient.OPEN);
      ws.send('still here');
      const [data] = await next(ws, 'message');
      assert.equal(String(data), 'still here');
      ws.close();
      await next(ws, 'close');
    } finally {
      await quick.stop();
    }
  });

  it('refuses a bad command line with exit code 2', () => {
    const run = (...args) => spawnSync(process.execPath, [EXAMPLE, ...args], { encoding: 'utf8', timeout: 10000 });
    for (const args of [[], ['127.0.0.1:1', '--bogus'], ['127.0.0.1:1', '127.0.0.1:2']]) {
      const r = run(...args);
      assert.equal(r.status, 2, `args ${args.join(' ')}`);
      assert.match(r.stderr, /usage: echo_server ADDR \[--subprotocol NAME\]\.\.\. \[--no-deflate\]/);
    }
  });
});
