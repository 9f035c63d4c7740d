// The browser entry's declarations.
import init, { ClientConnection, ServerConnection } from 'sansocket/web';

async function main(): Promise<void> {
  await init();
  const server = new ServerConnection({ open: true });
  const client = new ClientConnection({ open: true, subprotocol: null });
  client.sendBinary(new Uint8Array(3));
  server.receiveData(client.dataToSend());
  const events = server.events();
  const first = events[0];
  if (first?.type === 'binary') first.data.byteLength.toFixed();
}
void main;
