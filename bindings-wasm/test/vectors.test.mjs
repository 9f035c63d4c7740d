// Replays the shared vectors (tests/vectors/*.json, format in tests/vectors/README.md)
// through the WASM binding: the same cases, the same expected events and bytes as the Rust
// runner (core/tests/vectors.rs), including its chunking-invariance runs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ClientConnection, ServerConnection } from '../lib/node.js';

const DIR = new URL('../../tests/vectors/', import.meta.url);
const EVERY_OFFSET_UP_TO = 4096;
const ACTIONS = ['accept', 'reject', 'send_text', 'send_binary', 'send_fragment', 'ping', 'pong', 'close'];
const CHECK_KEYS = ['events', 'data_to_send', 'http_response', 'state', 'should_close_transport', 'usage_error'];
const CASE_KEYS = ['name', 'description', 'role', 'config', 'open', 'subprotocol', 'seed', 'request', 'initial_data_to_send', 'steps'];
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

// ---- bytes specs ---------------------------------------------------------------------

function unhex(h) {
  const digits = h.replace(/\s+/g, '');
  assert.equal(digits.length % 2, 0, `odd hex length in ${h}`);
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

function hex(b) {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function part(p) {
  if (typeof p === 'string') return unhex(p);
  const unit = p.text !== undefined ? encoder.encode(p.text) : unhex(p.hex);
  return concat(Array(p.repeat ?? 1).fill(unit));
}

function bytes(spec) {
  if (typeof spec === 'string') return unhex(spec);
  return concat(spec.map(part));
}

// ---- events as the vectors write them --------------------------------------------------

function extension(e) {
  return [e.name, ...e.params.map(([k, v]) => (v === null ? k : `${k}=${v}`))].join('; ');
}

function asVector(e, role) {
  switch (e.type) {
    case 'request':
      return {
        type: 'request',
        target: e.target,
        host: e.host,
        origin: e.origin,
        key: e.key,
        subprotocols: e.subprotocols,
        extensions: e.extensions.map(extension),
      };
    case 'accepted':
      return { type: 'accepted', subprotocol: e.subprotocol, extensions: e.extensions.map(extension) };
    case 'rejected':
      return { type: 'rejected', status: e.status, reason: e.reason, body_hex: hex(e.body) };
    case 'text':
      return { type: 'text', data: e.data };
    case 'binary':
      return { type: 'binary', data_hex: hex(e.data) };
    case 'chunk':
      return e.kind === 'text'
        ? { type: 'chunk', kind: 'text', data: e.data, fin: e.fin }
        : { type: 'chunk', kind: 'binary', data_hex: hex(e.data), fin: e.fin };
    case 'ping':
    case 'pong':
      return { type: e.type, data_hex: hex(e.data) };
    case 'close':
      return { type: 'close', code: e.code, reason: e.reason };
    case 'error': {
      const err = e.error;
      assert.ok(err instanceof Error, 'an error event carries an Error');
      if (err.name === 'ProtocolError') return { type: 'error', kind: err.code, close_code: err.closeCode };
      if (role === 'server' && err.status !== null) return { type: 'error', kind: err.code, status: err.status };
      return { type: 'error', kind: err.code };
    }
    default:
      throw new Error(`unknown event ${JSON.stringify(e)}`);
  }
}

function expected(e) {
  const out = { ...e };
  for (const key of ['data_hex', 'body_hex']) if (key in out) out[key] = hex(bytes(out[key]));
  if (Array.isArray(out.data)) out.data = utf8.decode(bytes(out.data));
  return out;
}

function mergeChunks(events) {
  const out = [];
  for (const e of events) {
    const last = out.at(-1);
    if (e.type === 'error' && last?.type === 'chunk' && last.fin === false) out.pop();
    const open = out.at(-1);
    if (open?.type === 'chunk' && open.fin === false && e.type === 'chunk') {
      for (const key of ['data', 'data_hex']) {
        if (typeof open[key] === 'string' && typeof e[key] === 'string') open[key] += e[key];
      }
      open.fin = e.fin;
    } else {
      out.push({ ...e });
    }
  }
  return out;
}

// ---- connections and actions -----------------------------------------------------------

const CONFIG = {
  max_frame_size: 'maxFrameSize',
  max_message_size: 'maxMessageSize',
  max_fragments: 'maxFragments',
  max_handshake_size: 'maxHandshakeSize',
  max_headers: 'maxHeaders',
  max_rejection_body: 'maxRejectionBody',
  auto_pong: 'autoPong',
  require_origin: 'requireOrigin',
  allowed_origins: 'allowedOrigins',
  delivery: 'delivery',
  deflate: 'deflate',
};
const DEFLATE = {
  max_window_bits: 'maxWindowBits',
  level: 'level',
  min_size: 'minSize',
  no_context_takeover: 'noContextTakeover',
  request_peer_no_context_takeover: 'requestPeerNoContextTakeover',
};

function rename(object, names) {
  const out = {};
  for (const [key, value] of Object.entries(object)) {
    assert.ok(key in names, `unknown config field ${key}`);
    out[names[key]] = value;
  }
  return out;
}

function options(c) {
  const opts = rename(c.config ?? {}, CONFIG);
  if (opts.deflate) opts.deflate = rename(opts.deflate, DEFLATE);
  if (c.open) {
    opts.open = true;
    if (c.subprotocol !== undefined) opts.subprotocol = c.subprotocol;
  }
  return opts;
}

function connect(c) {
  const opts = options(c);
  if (c.role === 'server') return new ServerConnection(opts);
  assert.equal(typeof c.seed, 'number', 'a client case has a seed');
  opts.entropySeed = c.seed;
  if (!c.open) {
    const r = c.request;
    Object.assign(opts, { host: r.host, target: r.target ?? '/' });
    if (r.origin !== undefined) opts.origin = r.origin;
    if (r.subprotocols) opts.subprotocols = r.subprotocols;
    if (r.extensions) opts.extensions = r.extensions;
    if (r.headers) opts.headers = r.headers;
  }
  return new ClientConnection(opts);
}

/** Performs an action; true if it was refused with a UsageError. */
function perform(conn, action, arg) {
  try {
    switch (action) {
      case 'accept':
        conn.accept({ subprotocol: arg.subprotocol ?? null, headers: arg.headers ?? null });
        break;
      case 'reject':
        conn.reject(arg.status, { headers: arg.headers ?? null, body: arg.body === undefined ? undefined : bytes(arg.body) });
        break;
      case 'send_text':
        conn.sendText(arg);
        break;
      case 'send_binary':
        conn.sendBinary(bytes(arg));
        break;
      case 'send_fragment':
        conn.sendFragment(arg.kind, bytes(arg.data), arg.fin);
        break;
      case 'ping':
        conn.ping(bytes(arg));
        break;
      case 'pong':
        conn.pong(bytes(arg));
        break;
      case 'close':
        conn.close(arg[0], arg[1]);
        break;
      default:
        throw new Error(`unknown action ${action}`);
    }
    return false;
  } catch (e) {
    if (e instanceof Error && e.name === 'UsageError') return true;
    throw e;
  }
}

// ---- replay ----------------------------------------------------------------------------

function groups(c, merge) {
  const out = [];
  for (const step of c.steps) {
    const keys = Object.keys(step);
    const inputs = keys.filter((k) => k === 'receive' || k === 'eof' || ACTIONS.includes(k));
    assert.equal(inputs.length, 1, `a step has exactly one input or action: ${JSON.stringify(step)}`);
    for (const k of keys) assert.ok(inputs.includes(k) || CHECK_KEYS.includes(k), `unknown step key ${k}`);
    const last = out.at(-1);
    if (step.receive !== undefined) {
      if (merge && last?.input) {
        last.steps.push(step);
        last.input = concat([last.input, bytes(step.receive)]);
      } else {
        out.push({ steps: [step], input: bytes(step.receive) });
      }
    } else {
      out.push({ steps: [step], input: null });
    }
  }
  return out;
}

function pieces(input, index, split) {
  if (split.kind === 'at' && split.group === index) return [input.subarray(0, split.offset), input.subarray(split.offset)];
  if (split.kind === 'bytewise' && input.length > 0) return Array.from(input, (_, i) => input.subarray(i, i + 1));
  return [input];
}

function drain(conn, role, events) {
  for (const e of conn.events()) events.push(asVector(e, role));
}

function checkHttp(out, spec) {
  const text = Buffer.from(out).toString('latin1');
  const at = text.indexOf('\r\n\r\n');
  assert.ok(at >= 0, 'no HTTP head');
  const [statusLine, ...lines] = text.slice(0, at).split('\r\n');
  const body = text.slice(at + 4);
  assert.ok(statusLine.startsWith(`HTTP/1.1 ${spec.status} `), `status line ${statusLine}, expected ${spec.status}`);
  const headers = lines.map((l) => l.split(': ')).map(([n, ...v]) => [n.toLowerCase(), v.join(': ')]);
  for (const [name, value] of spec.headers ?? []) {
    assert.ok(headers.some(([n, v]) => n === name.toLowerCase() && v === value), `no header ${name}: ${value}`);
  }
  const length = headers.find(([n]) => n === 'content-length');
  if (length) assert.equal(Number(length[1]), body.length, 'Content-Length and body');
}

function run(c, gs, split, exact) {
  const conn = connect(c);
  try {
    const initial = conn.dataToSend();
    if (c.initial_data_to_send !== undefined) assert.equal(hex(initial), hex(bytes(c.initial_data_to_send)), 'initial data_to_send');
    else if (c.role === 'server') assert.equal(initial.length, 0, 'a server queued bytes before any input');
    const chunks = c.config?.delivery === 'chunks';
    gs.forEach((group, index) => {
      const at = (what) => `step group ${index} (${what})`;
      let events = [];
      let usage = null;
      if (group.input) {
        for (const piece of pieces(group.input, index, split)) {
          conn.receiveData(piece);
          drain(conn, c.role, events);
        }
      } else {
        const step = group.steps[0];
        if (step.eof !== undefined) {
          conn.receiveEof();
        } else {
          const action = Object.keys(step).find((k) => ACTIONS.includes(k));
          usage = perform(conn, action, step[action]);
        }
        drain(conn, c.role, events);
      }
      const out = conn.dataToSend();
      let want = group.steps.flatMap((s) => s.events ?? []).map(expected);
      if (chunks && !exact) {
        want = mergeChunks(want);
        events = mergeChunks(events);
      }
      assert.deepEqual(events, want, at('events'));
      if (usage !== null) {
        assert.equal(usage, group.steps[0].usage_error ?? false, at('usage error'));
        if (usage) assert.equal(out.length, 0, at('a refused action queued bytes'));
      }
      if (group.steps.every((s) => s.data_to_send !== undefined)) {
        const wantOut = concat(group.steps.map((s) => bytes(s.data_to_send)));
        assert.equal(hex(out), hex(wantOut), at('data_to_send'));
      }
      const http = group.steps.filter((s) => s.http_response).map((s) => s.http_response);
      if (http.length === 1) checkHttp(out, http[0]);
      const last = group.steps.at(-1);
      if (last.state !== undefined) assert.equal(conn.state, last.state, at('state'));
      if (last.should_close_transport !== undefined) {
        assert.equal(conn.shouldCloseTransport, last.should_close_transport, at('should_close_transport'));
      }
    });
  } finally {
    conn.free();
  }
}

function offsets(len) {
  if (len <= EVERY_OFFSET_UP_TO) return Array.from({ length: Math.max(0, len - 1) }, (_, i) => i + 1);
  const v = [];
  for (let i = 1; i <= 64; i++) v.push(i);
  for (let i = len - 64; i < len; i++) v.push(i);
  for (let i = 64; i < len - 64; i += Math.floor(len / 64)) v.push(i);
  return v;
}

function replay(c) {
  for (const k of Object.keys(c)) assert.ok(CASE_KEYS.includes(k), `unknown case key ${k}`);
  const attempt = (label, fn) => {
    try {
      fn();
    } catch (e) {
      e.message = `${label}: ${e.message}`;
      throw e;
    }
  };
  attempt('as given', () => run(c, groups(c, false), { kind: 'whole' }, true));
  const merged = groups(c, true);
  let runs = 1;
  merged.forEach((group, index) => {
    if (!group.input) return;
    for (const offset of offsets(group.input.length)) {
      attempt(`split at ${offset} of group ${index}`, () => run(c, merged, { kind: 'at', group: index, offset }, false));
      runs++;
    }
  });
  attempt('byte by byte', () => run(c, merged, { kind: 'bytewise' }, false));
  return runs + 1;
}

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('the vector files are there', () => {
  assert.ok(files.length >= 10, `only ${files.length} vector files in ${DIR.pathname}`);
});

for (const file of files) {
  test(`vectors: ${file}`, (t) => {
    const { cases } = JSON.parse(readFileSync(new URL(file, DIR), 'utf8'));
    assert.ok(cases.length > 0, `${file} has no cases`);
    const failures = [];
    let runs = 0;
    for (const c of cases) {
      try {
        runs += replay(c);
      } catch (e) {
        failures.push(`${file} / ${c.name}: ${e.message}`);
      }
    }
    t.diagnostic(`${cases.length} cases, ${runs} runs (as given, every split, byte by byte)`);
    assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases failed:\n${failures.join('\n\n')}`);
  });
}
