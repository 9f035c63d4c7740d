#!/usr/bin/env node
// The host's floor in Node: no WebSocket at all. Answers the client's handshake with a fixed
// 101 response, then writes back every byte it reads, unchanged (the client runs with --floor):
//
//   node servers/floor_echo.mjs 127.0.0.1:PORT
import { createServer } from 'node:net';

const RESPONSE =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

const [, host, port] = process.argv[2].match(/^(.*):(\d+)$/);
createServer({ noDelay: true }, (socket) => {
  let head = Buffer.alloc(0);
  const onHead = (data) => {
    head = Buffer.concat([head, data]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    socket.off('data', onHead);
    socket.write(RESPONSE);
    if (head.length > end + 4) socket.write(head.subarray(end + 4));
    socket.on('data', (chunk) => socket.write(chunk));
  };
  socket.on('data', onHead);
  socket.on('error', () => {});
}).listen(Number(port), host, 1024);
