// The page's STOMP clients behind one small interface, so the same page runs on
// sansocket's own client or on @stomp/stompjs (the client Spring users have).
//
//   openSession(name, { url, login, passcode, onClose }) resolves, once CONNECTED, to
//   { client, session } with session.subscribe(destination, onBody),
//   session.send(destination, body, headers = {}) and session.close(); onClose(reason) is
//   called once when the connection ends.
//   It rejects if the connection fails before CONNECTED.
const CLIENTS = {
  sansocket: () => import('./sansocket.js'),
  stompjs: () => import('./stompjs.js'),
};

export async function openSession(name, options) {
  const load = CLIENTS[name] ?? CLIENTS.sansocket;
  let client = CLIENTS[name] ? name : 'sansocket';
  let module;
  try {
    module = await load();
    await module.ready();
  } catch (err) {
    // The npm package's web build has no STOMP client (not built, or an older package):
    // say so and use stompjs rather than show a dead page.
    if (client === 'stompjs') throw err;
    console.warn(`chat: the sansocket STOMP client is unavailable (${err.message}); using stompjs`);
    client = 'stompjs';
    module = await CLIENTS.stompjs();
    await module.ready();
  }
  return { client, session: await module.open(options) };
}
