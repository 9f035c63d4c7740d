// The chat page: joins `/?room=NAME&user=NAME` over STOMP on WebSocket and keeps going.
//
// Parameters (all optional): room (default "lobby"), user (default guest-NNNN),
// client=sansocket|stompjs (the STOMP client, default sansocket), ws (the STOMP endpoint,
// default ws://<this host>/stomp), direct=1 (no application destinations: posts go
// straight to /topic/<room>, for a plain broker such as RabbitMQ's web-STOMP), login and
// passcode (sent in CONNECT; default: the user name and nothing).
//
// With the chat server (application destinations, as Spring's @MessageMapping):
//   SUBSCRIBE /topic/<room>          live events: {type:"post", id, user, text, time},
//                                    {type:"join"|"leave", user, online:[...]}
//   SUBSCRIBE /topic/_me.<token>     this page's replies (token: random, per connection)
//   SEND /app/rooms/<room>/join      with reply-to:/topic/_me.<token>: the server answers
//                                    {type:"history", posts:[...], online:[...]} there and
//                                    announces the join; the leave is announced when the
//                                    connection ends
//   SEND /app/rooms/<room>           the text of a post; the server stamps user and time
import { openSession } from './clients/index.js';

const params = new URLSearchParams(location.search);
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const room = ROOM_NAME.test(params.get('room') ?? '') ? params.get('room') : 'lobby';
const user = (params.get('user') || `guest-${Math.floor(Math.random() * 10000)}`).slice(0, 64);
const direct = params.get('direct') === '1';
const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
const url = params.get('ws') || `${scheme}//${location.host}/stomp`;
const login = params.get('login') ?? user;
const passcode = params.get('passcode') ?? '';

const $ = (id) => document.getElementById(id);
const messages = $('messages');
const input = $('message');
$('room').textContent = room;
$('me').textContent = user;
document.title = `#${room} · sansocket chat`;

function setStatus(state, text = state) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

function scrolled(append) {
  const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
  append();
  if (atBottom) messages.scrollTop = messages.scrollHeight;
}

function addPost(post) {
  scrolled(() => {
    const li = document.createElement('li');
    li.className = 'post';
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = new Date(post.time).toLocaleTimeString();
    const name = document.createElement('span');
    name.className = 'user';
    name.textContent = post.user;
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = post.text;
    li.append(time, name, text);
    messages.append(li);
  });
}

function addNotice(text) {
  scrolled(() => {
    const li = document.createElement('li');
    li.className = 'notice';
    li.textContent = text;
    messages.append(li);
  });
}

function setOnline(names) {
  $('online').replaceChildren(
    ...[...new Set(names)].sort().map((n) => {
      const li = document.createElement('li');
      li.textContent = n;
      return li;
    }),
  );
}

// One connection's view of the room: live events wait until the history has arrived, so
// that nothing is shown twice or lost in between.
function joinRoom(session) {
  let pending = direct ? null : [];
  let lastId = -1;
  const live = (event) => {
    if (pending) return void pending.push(event);
    if (event.type === 'post') {
      if (event.id === undefined || event.id > lastId) addPost(event);
      if (event.id !== undefined) lastId = Math.max(lastId, event.id);
    } else if (event.type === 'join' || event.type === 'leave') {
      addNotice(`${event.user} ${event.type === 'join' ? 'joined' : 'left'}`);
      setOnline(event.online);
    }
  };
  session.subscribe(`/topic/${room}`, (body) => live(JSON.parse(body)));
  if (direct) return;
  const replyTo = `/topic/_me.${crypto.getRandomValues(new Uint32Array(4)).join('-')}`;
  session.subscribe(replyTo, (body) => {
    const history = JSON.parse(body);
    messages.replaceChildren();
    for (const post of history.posts) addPost(post);
    lastId = history.posts.length ? history.posts[history.posts.length - 1].id : -1;
    setOnline(history.online);
    const waiting = pending ?? [];
    pending = null;
    waiting.forEach(live);
  });
  session.send(`/app/rooms/${room}/join`, '', { 'reply-to': replyTo });
}

let session = null;

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text || !session) return; // offline: the text stays in the box
  if (direct) {
    session.send(`/topic/${room}`, JSON.stringify({ type: 'post', user, text, time: Date.now() }));
  } else {
    session.send(`/app/rooms/${room}`, text);
  }
  input.value = '';
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Connect, and after a failure or a lost connection try again: 0.5 s doubling to 15 s,
// with jitter so that a restarted server is not hit by every page at once.
async function run() {
  const clientName = params.get('client') || 'sansocket';
  let delay = 500;
  for (;;) {
    setStatus('connecting');
    let lost;
    const closed = new Promise((resolve) => (lost = resolve));
    try {
      const opened = await openSession(clientName, { url, login, passcode, onClose: lost });
      session = opened.session;
      delay = 500;
      setStatus('online', `online (${opened.client})`);
      joinRoom(session);
      const why = await closed;
      console.warn('chat: connection lost:', why);
    } catch (err) {
      console.warn('chat: cannot connect:', err);
    }
    session = null;
    const wait = delay + Math.random() * delay * 0.5;
    setStatus('offline', `offline, retrying in ${Math.round(wait / 100) / 10} s`);
    await sleep(wait);
    delay = Math.min(delay * 2, 15000);
  }
}

window.chat = { room, user, url }; // for tests and the console
run();
