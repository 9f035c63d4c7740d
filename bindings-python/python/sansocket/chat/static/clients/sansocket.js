// sansocket's own STOMP client, from the npm package's web build (served by the chat server
// at /vendor/sansocket/), behind the interface of index.js: the browser's WebSocket moves
// the bytes, the engine does the STOMP protocol.
let web = null;

export async function ready() {
  web ??= await import('/vendor/sansocket/lib/web.js');
  if (typeof web.StompClient !== 'function') {
    throw new Error('the web build has no StompClient');
  }
  await web.init();
}

export function open(options) {
  return web.StompClient.openSession(options);
}
