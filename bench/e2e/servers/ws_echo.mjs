#!/usr/bin/env node
// ws 8 (with bufferutil, installed beside it) as an echo server:
//
//   node servers/ws_echo.mjs 127.0.0.1:PORT
import { WebSocketServer } from 'ws';

const [, host, port] = process.argv[2].match(/^(.*):(\d+)$/);
const wss = new WebSocketServer({ host, port: Number(port), perMessageDeflate: false, maxPayload: 64 << 20 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {});
});
