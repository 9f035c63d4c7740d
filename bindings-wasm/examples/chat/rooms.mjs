// The chat's application logic, with no transport: the JavaScript twin of the Python
// package's sansocket/chat/rooms.py, with the same rules and the same events (plain objects
// sent as JSON, keys in the same order):
//
// - join(session, user, room): the history reply for the joining page (the last posts and
//   who is online) and the join announcement (null for a second tab of the same user);
// - post(session, user, room, text): the post stamped with the sender's name, the time
//   (ms since the epoch, from the injected clock) and a per-room number;
// - leaveAll(session): the leave announcements when a session ends.
//
// Everything that grows has a limit: posts kept per room (history, 50), rooms kept
// (maxRooms, 10 000: past it the least recently used room with nobody online is forgotten,
// and a join to a new room is refused if every room is in use), characters of a post
// (maxText, 2000: longer is cut).

/** Room names as they appear in destinations: letters, digits, `_` and `-`, at most 64. */
export const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const validRoom = (name) => typeof name === 'string' && ROOM_NAME.test(name);

/** The first `n` code points of `text` (as Python's text[:n]). */
function cut(text, n) {
  if (text.length <= n) return text;
  return Array.from(text).slice(0, n).join('');
}

/** Code point order (as Python's sorted() on str). */
function byCodePoint(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const bump = (counts, user, by) => {
  const n = (counts.get(user) ?? 0) + by;
  if (n > 0) counts.set(user, n);
  else counts.delete(user);
  return n;
};

export class Rooms {
  #history;
  #maxRooms;
  #maxText;
  #clock;
  #rooms = new Map(); // name -> {posts, online: Map(user -> sessions), remote, nextId}; LRU order
  #members = new Map(); // `${session}\n${room}` -> Set(users)
  #joined = new Map(); // session -> Set(rooms)

  /** clock: ms since the epoch (default Date.now). */
  constructor({ history = 50, maxRooms = 10_000, maxText = 2000, clock = Date.now } = {}) {
    this.#history = history;
    this.#maxRooms = maxRooms;
    this.#maxText = maxText;
    this.#clock = clock;
  }

  #room(name, create) {
    const room = this.#rooms.get(name);
    if (room !== undefined) {
      this.#rooms.delete(name);
      this.#rooms.set(name, room);
      return room;
    }
    if (!create) return null;
    if (this.#rooms.size >= this.#maxRooms) {
      let idle = null;
      for (const [n, r] of this.#rooms) {
        if (r.online.size === 0 && r.remote.size === 0) {
          idle = n;
          break;
        }
      }
      if (idle === null) return null;
      this.#rooms.delete(idle);
    }
    const made = { posts: [], online: new Map(), remote: new Map(), nextId: 0 };
    this.#rooms.set(name, made);
    return made;
  }

  /** Who is in the room, sorted (with those a relay announced from other servers). */
  online(name) {
    const room = this.#rooms.get(name);
    if (!room) return [];
    return [...new Set([...room.online.keys(), ...room.remote.keys()])].sort(byCodePoint);
  }

  /** [history, announcement or null], or null if the name is invalid or no room is free. */
  join(session, user, name) {
    const room = validRoom(name) ? this.#room(name, true) : null;
    if (room === null) return null;
    const key = `${session}\n${name}`;
    let users = this.#members.get(key);
    if (users === undefined) this.#members.set(key, (users = new Set()));
    let rooms = this.#joined.get(session);
    if (rooms === undefined) this.#joined.set(session, (rooms = new Set()));
    rooms.add(name);
    let announce = null;
    if (!users.has(user)) {
      users.add(user);
      if (bump(room.online, user, 1) === 1) {
        announce = { type: 'join', user, online: this.online(name) };
      }
    }
    const history = { type: 'history', posts: [...room.posts], online: this.online(name) };
    return [history, announce];
  }

  /** The stamped, numbered and kept post, or null (invalid room, no room free, empty text). */
  post(session, user, name, text) {
    const post = this.stamp(user, name, text);
    return post === null ? null : this.record(name, post);
  }

  /** The post without its number and not kept, or null as for post(). */
  stamp(user, name, text) {
    const kept = cut(text.trim(), this.#maxText);
    if (!validRoom(name) || !kept) return null;
    return { type: 'post', user, text: kept, time: Math.floor(this.#clock()) };
  }

  /** Keeps a stamped post with the room's next number: the event to show, or null. */
  record(name, post) {
    const room = validRoom(name) ? this.#room(name, true) : null;
    if (room === null) return null;
    const event = { ...post, id: room.nextId };
    room.nextId += 1;
    room.posts.push(event);
    if (room.posts.length > this.#history) room.posts.splice(0, room.posts.length - this.#history);
    return event;
  }

  /**
   * A join or leave announced by another server (through a relay): counted in the room's
   * online list, which the returned copy carries; null if it is not one.
   */
  remote(name, event) {
    const room = validRoom(name) ? this.#room(name, true) : null;
    const user = event?.user;
    if (room === null || (event.type !== 'join' && event.type !== 'leave') || typeof user !== 'string') return null;
    if (event.type === 'join') bump(room.remote, user, 1);
    else if ((room.remote.get(user) ?? 0) > 0) bump(room.remote, user, -1);
    return { type: event.type, user, online: this.online(name) };
  }

  /** `session` leaves room `name`: the announcements (one per user whose last session it was). */
  leave(session, name) {
    const key = `${session}\n${name}`;
    const users = this.#members.get(key) ?? new Set();
    this.#members.delete(key);
    const rooms = this.#joined.get(session);
    if (rooms !== undefined) {
      rooms.delete(name);
      if (rooms.size === 0) this.#joined.delete(session);
    }
    const room = this.#rooms.get(name);
    const events = [];
    if (room === undefined) return events;
    for (const user of [...users].sort(byCodePoint)) {
      if (bump(room.online, user, -1) <= 0) {
        events.push({ type: 'leave', user, online: this.online(name) });
      }
    }
    return events;
  }

  /** `session` is gone: [room, announcement] for every room it was in. */
  leaveAll(session) {
    const names = [...(this.#joined.get(session) ?? [])].sort(byCodePoint);
    return names.flatMap((n) => this.leave(session, n).map((e) => [n, e]));
  }
}
