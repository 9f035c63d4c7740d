// sansocket's own STOMP client, from the npm package's web build (served by the chat server
// at /vendor/sansocket/), behind the interface of index.js: the browser's WebSocket moves
// the bytes, the engine's StompClientSession does the STOMP protocol (frames, versions,
// heart-beats on the clock this file passes in).
let web = null;

export async function ready() {
  web ??= await import('/vendor/sansocket/lib/web.js');
  if (typeof web.StompClientSession !== 'function') {
    throw new Error('the web build has no StompClientSession');
  }
  await web.init();
}

const now = () => Math.floor(performance.now());
const decoder = new TextDecoder();

export function open({ url, login, passcode, onClose }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [...web.STOMP_SUBPROTOCOLS]);
    ws.binaryType = 'arraybuffer';
    let session = null;
    let connected = false;
    let ended = false;
    let timer = null;
    const handlers = new Map(); // subscription id -> onBody

    const end = (why) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      if (ws.readyState <= WebSocket.OPEN) ws.close();
      session?.free();
      session = null;
      if (connected) onClose(why);
      else reject(new Error(why));
    };
    // Writes what the session has to send, then re-arms the heart-beat timer.
    const flush = () => {
      if (!session) return;
      const data = session.dataToSend(now());
      if (data.length) ws.send(web.isBinaryFrame(data) ? data : decoder.decode(data));
      if (session.shouldCloseTransport) return end('the session ended');
      clearTimeout(timer);
      const due = session.pollTimeout();
      if (due !== undefined) {
        timer = setTimeout(() => {
          if (!session) return;
          session.handleTimeout(now());
          flush();
        }, Math.max(0, due - now()));
      }
    };
    const api = {
      subscribe(destination, onBody) {
        const id = session.subscribe(destination);
        handlers.set(id, onBody);
        flush();
        return id;
      },
      send(destination, body, headers = {}) {
        session.send(destination, body, Object.entries(headers));
        flush();
      },
      close: () => end('closed by the page'),
    };

    ws.onopen = () => {
      const version = web.stompVersionForSubprotocol(ws.protocol || null);
      // host: the engine's default, '/' (RabbitMQ's default virtual host; the chat server ignores it).
      session = new web.StompClientSession(now(), { login, passcode, maxVersion: version });
      flush();
    };
    ws.onmessage = (e) => {
      if (!session) return;
      try {
        session.receiveData(typeof e.data === 'string' ? e.data : new Uint8Array(e.data), now());
        for (const event of session.events()) {
          if (event.type === 'connected') {
            connected = true;
            resolve(api);
          } else if (event.type === 'message') {
            handlers.get(event.subscription)?.(decoder.decode(event.body));
          }
        }
        flush();
      } catch (err) {
        end(`STOMP: ${err.message}`); // an ERROR frame from the server, or a bad frame
      }
    };
    ws.onclose = (e) => end(`closed ${e.code}`);
  });
}
