// wss://: our client over tls.connect to our server on an https server (a certificate made
// for the test with openssl; skipped when openssl is missing).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { connect, serve } from '../lib/node.js';
import { next } from './helpers.mjs';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

test('wss: our client and our server over TLS', { skip: hasOpenssl ? false : 'no openssl' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sansocket-tls-'));
  try {
    const made = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { encoding: 'utf8', timeout: 60000 });
    assert.equal(made.status, 0, made.stderr);
    const cert = readFileSync(join(dir, 'cert.pem'));
    const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert });
    serve(server, { subprotocols: ['chat'] }, (ws) => ws.on('message', (d, isBinary) => ws.send(isBinary ? d : `echo ${d}`)));
    server.listen(0, '127.0.0.1');
    await next(server, 'listening');
    try {
      const ws = await connect(`wss://localhost:${server.address().port}/secure`, {
        subprotocols: ['chat'],
        tls: { ca: cert, host: '127.0.0.1' },
      });
      assert.equal(ws.protocol, 'chat');
      ws.send('over tls');
      assert.equal((await next(ws, 'message'))[0], 'echo over tls');
      ws.close(1000);
      assert.equal((await next(ws, 'close'))[0], 1000);
      await assert.rejects(connect(`wss://localhost:${server.address().port}/`, { tls: { host: '127.0.0.1' } }), /self-signed|certificate/);
    } finally {
      server.closeAllConnections?.();
      server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
