#!/usr/bin/env node
// Two headless Chromium pages (Debian's chromium, driven by playwright-core from
// bindings-wasm's node_modules) join the same room of a running chat page and each sees the
// other's post, with the sender's name, in <ul id="messages">.
//
//   node tests/chat/two_pages.mjs BASE_URL [QUERY [CLIENT]]
//
// BASE_URL is where the page is served (http://127.0.0.1:8080/); QUERY is added to both
// pages' query (client=stompjs, or ws=...&direct=1&login=guest&passcode=guest for a plain
// broker); CLIENT (sansocket or stompjs), if given, is the client both pages must have
// used (the page falls back to stompjs when the web build has no STOMP client). Prints one JSON line with what each page shows; exit status 0 when both pages
// show both posts, 1 otherwise. Everything is bounded: 60 s to launch, 30 s per step.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(join(repo, 'bindings-wasm/package.json'));
const { chromium } = require('playwright-core');

const [base, extra = '', client = ''] = process.argv.slice(2);
if (!base) {
  console.error('usage: node tests/chat/two_pages.mjs BASE_URL [QUERY]');
  process.exit(2);
}
const room = `r${process.pid}`;
const STEP = 30000;

const profile = mkdtempSync(join(tmpdir(), 'sansocket-chat-chromium-'));
let context;
let ok = false;
const report = { room, query: extra };
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const open = async (user) => {
    const page = await context.newPage();
    const logs = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    const url = new URL(base);
    url.search = `room=${room}&user=${user}${extra ? `&${extra}` : ''}`;
    await page.goto(url.href, { timeout: STEP });
    await page.waitForSelector('#status[data-state="online"]', { timeout: STEP });
    return { page, user, logs };
  };
  const pages = [await open('alice'), await open('bob')];
  for (const { page, user } of pages) {
    await page.fill('#message', `hello from ${user}`);
    await page.press('#message', 'Enter');
  }
  const want = pages.map(({ user }) => [user, `hello from ${user}`]);
  for (const p of pages) {
    await p.page.waitForFunction(
      (n) => document.querySelectorAll('#messages li.post').length >= n, want.length, { timeout: STEP },
    ).catch(() => {});
    p.posts = await p.page.$$eval('#messages li.post', (lis) =>
      lis.map((li) => [li.querySelector('.user').textContent, li.querySelector('.text').textContent]));
    p.status = await p.page.textContent('#status');
    p.online = await p.page.$$eval('#online li', (lis) => lis.map((li) => li.textContent));
  }
  report.pages = pages.map(({ user, posts, status, online, logs }) => ({ user, status, posts, online, logs }));
  ok = pages.every((p) => want.every(([u, t]) => p.posts.some(([pu, pt]) => pu === u && pt === t)));
  if (client) ok &&= pages.every((p) => p.status === `online (${client})`);
} catch (err) {
  report.error = String(err?.stack ?? err);
} finally {
  await context?.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
report.ok = ok;
console.log(JSON.stringify(report));
process.exit(ok ? 0 : 1);
