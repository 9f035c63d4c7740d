// The chat's application destinations on a StompBroker, as Spring's @MessageMapping methods
// would be: the JavaScript twin of the Python package's sansocket/chat/app.py. The broker (made with `authenticate: true` and `appPrefixes: ['/app/']`) hands
// over every SEND to /app/… and every ended session; ChatApp answers with broker.publish():
//
// - SEND /app/rooms/<room>/join with `reply-to: /topic/_me.<token>`: the history (last
//   posts, who is online) to the reply topic, the join to /topic/<room>;
// - SEND /app/rooms/<room> with the text as body: the post, stamped with the sender's name
//   (the `login` of its CONNECT), the time and a number, to /topic/<room>;
// - a session that ends leaves its rooms (announced on /topic/<room>).
//
// Other /app/… destinations are ignored. The rules themselves are Rooms (rooms.mjs).
//
// With a Relay (relay.mjs) the posts, joins and leaves go to the external broker instead,
// tagged with this server's `origin`; what the broker sends back (from every server) is
// numbered, kept and published here by relayed().
import { stompHeader } from '../../lib/node.js';

/** Where a page asks for its replies: a topic only it subscribes to. */
export const REPLY_PREFIX = '/topic/_me.';
const APP = /^\/app\/rooms\/([^/]+)(\/join)?$/;
const TOKEN = /^[A-Za-z0-9_.-]{1,128}$/;
const decoder = new TextDecoder(); // invalid UTF-8 becomes U+FFFD, as Python's 'replace'

export class ChatApp {
  /** broker: a StompBroker; rooms: a Rooms; log(message): warnings. */
  constructor(broker, rooms, log = console.warn) {
    this.broker = broker;
    this.rooms = rooms;
    this.log = log;
    this.users = new Map(); // connection -> name
    /** Set by the server when rooms are relayed to an external broker. */
    this.relay = null;
    /** Called after events published from outside a broker event (relayed ones). */
    this.flush = () => {};
    this.origin = `${process.pid}-${Date.now().toString(16)}`;
  }

  /** A broker event (authenticate, app-message or closed). */
  onEvent(event) {
    if (event.type === 'authenticate') {
      // Anyone may chat: the login is the name shown, not a credential.
      const user = cut((event.login ?? '').trim(), 64) || `guest-${event.connection}`;
      this.users.set(event.connection, user);
      this.broker.accept(event.connection);
    } else if (event.type === 'app-message') {
      this.#appMessage(event.connection, event.frame);
    } else if (event.type === 'closed') {
      this.connectionGone(event.connection);
    }
  }

  /**
   * The session ended (a closed event) or its transport went away (the broker reports no
   * event for that): announce that it left its rooms. Twice is harmless.
   */
  connectionGone(conn) {
    this.users.delete(conn);
    for (const [room, announce] of this.rooms.leaveAll(String(conn))) this.#toRoom(room, announce);
  }

  #appMessage(conn, frame) {
    const match = APP.exec(stompHeader(frame, 'destination') ?? '');
    if (match === null) return;
    const [, room, join] = match;
    const user = this.users.get(conn) ?? `guest-${conn}`;
    if (join) {
      const replyTo = stompHeader(frame, 'reply-to') ?? '';
      if (!replyTo.startsWith(REPLY_PREFIX) || !TOKEN.test(replyTo.slice(REPLY_PREFIX.length))) return;
      const joined = this.rooms.join(String(conn), user, room);
      if (joined === null) return;
      const [history, announce] = joined;
      this.relay?.subscribe(`/topic/${room}`);
      this.#publish(replyTo, history);
      if (announce !== null) this.#toRoom(room, announce);
      return;
    }
    if (this.relay !== null) {
      const stamped = this.rooms.stamp(user, room, decoder.decode(frame.body));
      if (stamped !== null) this.#toRoom(room, stamped);
      return;
    }
    const post = this.rooms.post(String(conn), user, room, decoder.decode(frame.body));
    if (post !== null) this.#publish(`/topic/${room}`, post);
  }

  #toRoom(room, event) {
    if (this.relay === null) this.#publish(`/topic/${room}`, event);
    else this.relay.publish(`/topic/${room}`, JSON.stringify({ ...event, origin: this.origin }));
  }

  /**
   * A MESSAGE from the external broker: a post to number, keep and publish, or a join or
   * leave (another server's ones counted in the online list).
   */
  relayed(destination, body) {
    const room = destination.startsWith('/topic/') ? destination.slice('/topic/'.length) : '';
    let event;
    try {
      event = JSON.parse(decoder.decode(body));
    } catch {
      return;
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) return;
    const mine = event.origin === this.origin;
    delete event.origin;
    let shown;
    if (event.type === 'post') {
      const { user, text, time } = event;
      if (typeof user !== 'string' || typeof text !== 'string' || !Number.isInteger(time)) return;
      shown = this.rooms.record(room, { type: 'post', user: cut(user, 64), text: cut(text, 2000), time });
    } else if (mine) {
      shown = { ...event, online: this.rooms.online(room) };
    } else {
      shown = this.rooms.remote(room, event);
    }
    if (shown !== null) {
      this.#publish(`/topic/${room}`, shown);
      this.flush();
    }
  }

  #publish(destination, event) {
    try {
      this.broker.publish(destination, JSON.stringify(event), [['content-type', 'application/json']]);
    } catch (err) {
      this.log(`chat: cannot publish to ${destination}: ${err.message}`);
    }
  }
}

/** At most `n` code points of `text` (as Python's text[:n]). */
function cut(text, n) {
  return text.length <= n ? text : Array.from(text).slice(0, n).join('');
}
