// Replays the STOMP vectors (tests/vectors/stomp/*.json, format in its README) as the Rust
// runners do: the decoder files through StompDecoder (stomp/tests/vectors.rs: each input
// whole, cut in two at every offset, and byte by byte), and server.json through
// StompServerSession (stomp/tests/session_vectors.rs: whole and byte by byte).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

import { StompDecoder, StompServerSession, stompHeader } from '../lib/node.js';

const DIR = new URL('../../tests/vectors/stomp/', import.meta.url);
const EVERY_OFFSET_UP_TO = 4096;
const hex = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

const files = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'server.json').sort();
const cases = files.flatMap((f) =>
  JSON.parse(readFileSync(new URL(f, DIR), 'utf8')).cases.map((c) => ({ file: f.replace('.json', ''), ...c })),
);

function input(c) {
  return c.input_hex !== undefined ? Uint8Array.from(Buffer.from(c.input_hex, 'hex')) : new TextEncoder().encode(c.input);
}

function expected(c) {
  return c.events.map((e) => {
    if (e.type !== 'frame') return e;
    const body = e.body_hex !== undefined ? e.body_hex : Buffer.from(e.body ?? '', 'utf8').toString('hex');
    return { type: 'frame', command: e.command, headers: e.headers, body_hex: body };
  });
}

const LIMIT_KEYS = { max_headers: 'maxHeaders', max_line: 'maxLine', max_header_block: 'maxHeaderBlock', max_body: 'maxBody' };

function replay(c, pieces) {
  const limits = Object.fromEntries(Object.entries(c.limits ?? {}).map(([k, v]) => [LIMIT_KEYS[k], v]));
  const decoder = new StompDecoder(c.version, { limits });
  const events = [];
  try {
    for (const piece of pieces) {
      decoder.receiveData(piece);
      for (;;) {
        let e;
        try {
          e = decoder.nextEvent();
        } catch (err) {
          assert.equal(err.name, 'StompDecodeError');
          assert.equal(decoder.hasFailed, true);
          assert.equal(decoder.nextEvent(), undefined);
          events.push({ type: 'error', kind: err.code });
          return events;
        }
        if (e === undefined) break;
        events.push(e.type === 'frame' ? { type: 'frame', command: e.command, headers: e.headers, body_hex: hex(e.body) } : { type: e.type });
      }
    }
    return events;
  } finally {
    decoder.free();
  }
}

test('the STOMP vectors are there', () => {
  assert.ok(cases.length >= 50, `${cases.length} cases`);
});

for (const c of cases) {
  test(`stomp ${c.file}/${c.name}: whole, every split, byte by byte`, () => {
    const data = input(c);
    const want = expected(c);
    assert.deepEqual(replay(c, [data]), want);
    const n = data.length;
    for (let cut = 0; cut <= n; cut += n <= EVERY_OFFSET_UP_TO ? 1 : Math.max(1, n >> 9)) {
      assert.deepEqual(replay(c, [data.subarray(0, cut), data.subarray(cut)]), want, `cut at ${cut}`);
    }
    if (n <= EVERY_OFFSET_UP_TO) {
      assert.deepEqual(replay(c, Array.from({ length: n }, (_, i) => data.subarray(i, i + 1))), want, 'byte by byte');
    }
  });
}

// ---- the server session (server.json) ---------------------------------------------------

const serverCases = JSON.parse(readFileSync(new URL('server.json', DIR), 'utf8')).cases;

function serverSession(c) {
  const cfg = c.config ?? {};
  const options = {};
  if (cfg.max_version !== undefined) options.maxVersion = cfg.max_version;
  if (cfg.heart_beat !== undefined) options.heartBeat = cfg.heart_beat;
  if (cfg.grace !== undefined) options.grace = cfg.grace;
  if ('server_name' in cfg) options.serverName = cfg.server_name;
  if (cfg.limits !== undefined) options.limits = Object.fromEntries(Object.entries(cfg.limits).map(([k, v]) => [LIMIT_KEYS[k], v]));
  return new StompServerSession(0, options);
}

function serverEvents(session) {
  const events = [];
  for (;;) {
    let e;
    try {
      e = session.nextEvent();
    } catch (err) {
      assert.equal(err.name, 'StompSessionError');
      events.push({ type: 'error', kind: err.code });
      return events;
    }
    if (e === undefined) return events;
    if (e.type === 'connect') {
      events.push({ type: 'connect', version: e.version, login: e.login, passcode: e.passcode, host: e.host, heart_beat: e.heartBeat });
    } else if (e.type === 'frame') {
      const out = { type: 'frame', command: e.command, headers: e.headers };
      if (e.body.length > 0) out.body = Buffer.from(e.body).toString('utf8');
      events.push(out);
    } else {
      events.push({ type: e.type });
    }
  }
}

function checkSent(out, data, expected) {
  out.receiveData(data);
  const got = [...out.events()];
  assert.equal(got.length, expected.length, JSON.stringify({ got, expected }));
  got.forEach((g, i) => {
    const x = expected[i];
    if (g.type === 'heart-beat') return assert.deepEqual(x, { 'heart-beat': true });
    assert.equal(g.command, x.command);
    if (g.command === 'CONNECTED') out.setVersion(stompHeader(g, 'version') ?? '1.0');
    for (const [n, v] of x.headers) assert.ok(g.headers.some(([a, b]) => a === n && b === v), `no ${n}:${v} in ${JSON.stringify(g.headers)}`);
    if (x.body !== undefined) assert.equal(Buffer.from(g.body).toString('utf8'), x.body);
  });
}

function runServerCase(c, bytewise) {
  const session = serverSession(c);
  const out = new StompDecoder('1.2');
  let now = 0;
  try {
    for (const step of c.steps) {
      if (step.now !== undefined) now = step.now;
      if (step.receive !== undefined) {
        const data = new TextEncoder().encode(step.receive);
        if (bytewise) for (let i = 0; i < data.length; i++) session.receiveData(data.subarray(i, i + 1), now);
        else session.receiveData(data, now);
      } else if (step.accept !== undefined) session.accept(step.accept.session);
      else if (step.reject !== undefined) session.reject(step.reject);
      else if (step.send_receipt !== undefined) session.sendReceipt(step.send_receipt);
      else if (step.handle_timeout !== undefined) {
        now = step.handle_timeout;
        session.handleTimeout(now);
      } else {
        assert.equal(step.eof, true);
        session.receiveEof();
      }
      assert.deepEqual(serverEvents(session), step.events ?? [], c.name);
      checkSent(out, session.dataToSend(now), step.sent ?? []);
      if (step.should_close_transport !== undefined) assert.equal(session.shouldCloseTransport, step.should_close_transport);
      if (step.poll_timeout !== undefined) assert.equal(session.pollTimeout() ?? null, step.poll_timeout);
    }
  } finally {
    session.free();
    out.free();
  }
}

test('the server session vectors are there', () => {
  assert.ok(serverCases.length >= 20, `${serverCases.length} cases`);
});

for (const c of serverCases) {
  test(`stomp server/${c.name}: whole and byte by byte`, () => {
    runServerCase(c, false);
    runServerCase(c, true);
  });
}
