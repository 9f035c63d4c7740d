#!/usr/bin/env node
// The page reconnects after the server restarts: starts `PYTHON -m sansocket.chat` (or, given
// the Node server's chat_server.mjs instead of PYTHON, `node chat_server.mjs`) on an
// ephemeral port, opens a headless Chromium page, stops the server (SIGTERM), starts it
// again on the same port, and checks that the page comes back online by itself and that a
// post made after the restart appears.
//
//   node tests/chat/reconnect.mjs PYTHON|path/to/chat_server.mjs [QUERY]
//
// Prints one JSON line; exit status 0 on success. Bounded: 30 s per step.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(join(repo, 'bindings-wasm/package.json'));
const { chromium } = require('playwright-core');
const [serverArg, extra = ''] = process.argv.slice(2);
const command = serverArg.endsWith('.mjs') ? [process.execPath, serverArg] : [serverArg, '-m', 'sansocket.chat'];
const STEP = 30000;

function startServer(port) {
  const child = spawn(command[0], [...command.slice(1), `127.0.0.1:${port}`, '--npm-dir', join(repo, 'bindings-wasm')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the server did not start')), STEP);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^chat: (http:\S+)$/m);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], port: Number(new URL(m[1]).port) });
      }
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
}

const stopServer = (child) =>
  new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

const profile = mkdtempSync(join(tmpdir(), 'sansocket-chat-reconnect-'));
const report = {};
let context;
let server;
let ok = false;
try {
  server = await startServer(0);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await context.newPage();
  await page.goto(`${server.url}?room=again&user=eve${extra ? `&${extra}` : ''}`, { timeout: STEP });
  await page.waitForSelector('#status[data-state="online"]', { timeout: STEP });
  report.stopExit = await stopServer(server.child);
  await page.waitForSelector('#status[data-state="offline"]', { timeout: STEP });
  report.offline = await page.textContent('#status');
  server = await startServer(server.port);
  await page.waitForSelector('#status[data-state="online"]', { timeout: STEP });
  await page.fill('#message', 'after the restart');
  await page.press('#message', 'Enter');
  await page.waitForFunction(
    () => [...document.querySelectorAll('#messages li.post .text')].some((e) => e.textContent === 'after the restart'),
    null,
    { timeout: STEP },
  );
  ok = report.stopExit === 0;
} catch (err) {
  report.error = String(err?.stack ?? err);
} finally {
  await context?.close().catch(() => {});
  if (server) report.finalExit = await stopServer(server.child);
  rmSync(profile, { recursive: true, force: true });
}
report.ok = ok;
console.log(JSON.stringify(report));
process.exit(ok ? 0 : 1);
