// @stomp/stompjs (its UMD bundle, served by the chat server from the npm package) behind
// the interface of index.js. Its own reconnect is off: the page does that, with backoff.
let loading = null;

export function ready() {
  loading ??= new Promise((resolve, reject) => {
    if (globalThis.StompJs) return resolve();
    const script = document.createElement('script');
    script.src = '/vendor/stompjs/stomp.umd.min.js';
    script.onload = () => resolve();
    script.onerror = () => {
      loading = null;
      reject(new Error(`cannot load ${script.src}`));
    };
    document.head.append(script);
  });
  return loading;
}

export function open({ url, login, passcode, onClose }) {
  return new Promise((resolve, reject) => {
    let connected = false;
    let ended = false;
    const end = (why) => {
      if (ended) return;
      ended = true;
      client.deactivate();
      if (connected) onClose(why);
      else reject(new Error(why));
    };
    const client = new globalThis.StompJs.Client({
      brokerURL: url,
      connectHeaders: { login, passcode },
      reconnectDelay: 0,
      heartbeatIncoming: 10000,
      heartbeatOutgoing: 10000,
      onConnect: () => {
        connected = true;
        resolve(session);
      },
      onStompError: (frame) => end(`ERROR ${frame.headers.message ?? ''}`),
      onWebSocketClose: (ev) => end(`closed ${ev.code}`),
    });
    const session = {
      subscribe: (destination, onBody) => client.subscribe(destination, (m) => onBody(m.body)),
      send: (destination, body, headers = {}) => client.publish({ destination, body, headers }),
      close: () => end('closed by the page'),
    };
    client.activate();
  });
}
