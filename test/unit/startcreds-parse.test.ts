import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLimit, parseNice, parseUmask, parseUser } from '../../packages/core/src/formats/startcreds.ts';

test('user: name, name:group, uid:gid; junk refused', () => {
  assert.deepEqual(parseUser('nobody\n'), { name: 'nobody' });
  assert.deepEqual(parseUser('www:staff'), { name: 'www', group: 'staff' });
  assert.deepEqual(parseUser(' 1000:100 \n'), { uid: 1000, gid: 100 });
  for (const bad of ['', ':', 'a:b:c', '-5', 'a b', '1000:']) assert.equal(typeof parseUser(bad), 'string', bad);
});

test('rlimit: N (soft, hard kept), unlimited, soft:hard; -5, huge, soft over hard refused', () => {
  assert.deepEqual(parseLimit('nofile', '77\n'), [7, 77, -2]);
  assert.deepEqual(parseLimit('core', 'unlimited'), [4, -1, -2]);
  assert.deepEqual(parseLimit('as', '10:20'), [9, 10, 20]);
  assert.deepEqual(parseLimit('cpu', '10:unlimited'), [0, 10, -1]);
  for (const bad of ['-5', 'huge', '20:10', 'unlimited:10', '1:2:3', '']) assert.equal(typeof parseLimit('nofile', bad), 'string', bad);
  assert.match(parseLimit('files', '1') as string, /not a resource/);
});

test('umask octal, nice increment', () => {
  assert.equal(parseUmask('022\n'), 0o22);
  assert.equal(parseUmask('0027'), 0o27);
  assert.equal(typeof parseUmask('899'), 'string');
  assert.equal(parseNice('5'), 5);
  assert.equal(parseNice('-3'), -3);
  assert.equal(typeof parseNice('huge'), 'string');
  assert.equal(typeof parseNice('100'), 'string');
});
