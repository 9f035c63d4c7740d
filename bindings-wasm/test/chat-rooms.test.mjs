// The Node chat server's room logic (examples/chat/rooms.mjs): the same cases as the Python
// package's tests/test_chat_rooms.py, which hold for sansocket/chat/rooms.py.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Rooms, validRoom } from '../examples/chat/rooms.mjs';

const clock = () => 1_700_000_000_250.4;

test('posts are stamped, numbered and kept up to the history limit', () => {
  const rooms = new Rooms({ history: 3, clock });
  const events = [0, 1, 2, 3, 4].map((i) => rooms.post('s1', 'ann', 'lobby', `hi ${i}`));
  assert.deepEqual(events[0], { type: 'post', user: 'ann', text: 'hi 0', time: 1_700_000_000_250, id: 0 });
  assert.equal(JSON.stringify(events[0]), '{"type":"post","user":"ann","text":"hi 0","time":1700000000250,"id":0}');
  const [history, announce] = rooms.join('s2', 'bob', 'lobby');
  assert.deepEqual(history.posts.map((p) => p.id), [2, 3, 4]);
  assert.deepEqual(history.online, ['bob']);
  assert.deepEqual(announce, { type: 'join', user: 'bob', online: ['bob'] });
  assert.deepEqual(new Rooms({ history: 0, clock }).post('s', 'a', 'r', 'x').id, 0);
});

test('the online list counts sessions per user', () => {
  const rooms = new Rooms({ clock });
  assert.notEqual(rooms.join('tab1', 'ann', 'r'), null);
  const second = rooms.join('tab2', 'ann', 'r');
  assert.equal(second[1], null); // a second tab: no announcement
  assert.notEqual(rooms.join('tab3', 'bob', 'r'), null);
  assert.deepEqual(rooms.online('r'), ['ann', 'bob']);
  assert.deepEqual(rooms.leave('tab1', 'r'), []); // ann is still there in tab2
  assert.deepEqual(rooms.leaveAll('tab2'), [['r', { type: 'leave', user: 'ann', online: ['bob'] }]]);
  assert.deepEqual(rooms.leave('tab2', 'r'), []); // twice: nothing
  assert.deepEqual(rooms.online('r'), ['bob']);
});

test('bad room names, empty and long texts', () => {
  const rooms = new Rooms({ maxText: 5, clock });
  assert.ok(validRoom('a-b_C9') && !validRoom('') && !validRoom('a/b') && !validRoom('x'.repeat(65)));
  assert.ok(!validRoom('r\n'));
  assert.equal(rooms.join('s', 'ann', '../etc'), null);
  assert.equal(rooms.post('s', 'ann', 'a b', 'hi'), null);
  assert.equal(rooms.post('s', 'ann', 'r', '   '), null);
  assert.equal(rooms.post('s', 'ann', 'r', '  abcdefgh ').text, 'abcde');
  assert.equal(rooms.post('s', 'ann', 'r', '😀😀😀😀😀😀').text, '😀😀😀😀😀'); // code points, as Python
});

test('rooms are bounded, idle ones forgotten first', () => {
  const rooms = new Rooms({ maxRooms: 2, clock });
  assert.notEqual(rooms.join('s1', 'ann', 'busy'), null);
  assert.notEqual(rooms.post('s1', 'ann', 'idle', 'x'), null);
  assert.notEqual(rooms.post('s1', 'ann', 'new', 'y'), null); // forgets "idle", not "busy"
  const joined = rooms.join('s2', 'bob', 'idle'); // forgets "new"
  assert.deepEqual(joined[0].posts, []);
  assert.equal(rooms.join('s3', 'cid', 'third'), null); // both rooms have someone online
  assert.equal(rooms.post('s3', 'cid', 'third', 'z'), null);
  assert.deepEqual(rooms.leaveAll('s1'), [['busy', { type: 'leave', user: 'ann', online: [] }]]);
  assert.notEqual(rooms.join('s3', 'cid', 'third'), null);
});

test('relayed posts are numbered where they are kept, and remote users counted', () => {
  const rooms = new Rooms({ clock });
  const stamped = rooms.stamp('ann', 'r', ' hi ');
  assert.deepEqual(stamped, { type: 'post', user: 'ann', text: 'hi', time: 1_700_000_000_250 });
  assert.notEqual(rooms.join('s', 'bob', 'r'), null);
  assert.deepEqual(rooms.record('r', stamped), { ...stamped, id: 0 });
  assert.deepEqual(rooms.record('r', { ...stamped, text: 'again' }), { ...stamped, text: 'again', id: 1 });
  assert.equal(rooms.stamp('ann', 'r', ''), null);
  assert.equal(rooms.record('bad/name', stamped), null);
  assert.deepEqual(rooms.remote('r', { type: 'join', user: 'zed' }), { type: 'join', user: 'zed', online: ['bob', 'zed'] });
  assert.equal(rooms.remote('r', { type: 'post', user: 'zed' }), null);
  assert.deepEqual(rooms.remote('r', { type: 'leave', user: 'zed' }), { type: 'leave', user: 'zed', online: ['bob'] });
  assert.deepEqual(rooms.join('s2', 'cy', 'r')[0].posts.map((p) => p.id), [0, 1]);
});
