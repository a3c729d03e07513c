// svc's ordered getopt: letters kept once, in command-line order (compat 3.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getoptLetters } from '../../packages/tools/src/_cli/getopt.ts';

const SVC = 'udopchaitkxq12';
const letters = (...args: string[]): string => getoptLetters(args, SVC).letters;

test('svc -d -u -d sends du', () => assert.equal(letters('-d', '-u', '-d', 'S'), 'du'));
test('svc -ddddd sends d', () => assert.equal(letters('-ddddd', 'S'), 'd'));
test('svc -xd sends xd', () => assert.equal(letters('-xd', 'S'), 'xd'));
test('svc -tc -u sends tcu', () => assert.equal(letters('-tc', '-u', 'S'), 'tcu'));
test('all eleven daemontools letters fit in one call', () => assert.equal(letters('-udopchaitkx', 'S'), 'udopchaitkx'));

test('operands start at the first non-option, after --, or at a lone -', () => {
  assert.deepEqual(getoptLetters(['-u', 'a', '-d', 'b'], SVC), { letters: 'u', operands: ['a', '-d', 'b'] });
  assert.deepEqual(getoptLetters(['-u', '--', '-d'], SVC), { letters: 'u', operands: ['-d'] });
  assert.deepEqual(getoptLetters(['-', 'x'], SVC), { letters: '', operands: ['-', 'x'] });
  assert.deepEqual(getoptLetters([], SVC), { letters: '', operands: [] });
});

test('the first letter outside the set is reported as illegal', () => {
  assert.deepEqual(getoptLetters(['-uz', 'S'], SVC), { letters: 'u', operands: [], illegal: 'z' });
  assert.equal(getoptLetters(['-d', '-Z'], SVC).illegal, 'Z');
});

test('-w takes the rest of its word or the next word, and is not a letter sent', () => {
  assert.deepEqual(getoptLetters(['-w', '10', '-t', 'S'], SVC, 'w'), { letters: 't', operands: ['S'], values: { w: '10' } });
  assert.deepEqual(getoptLetters(['-uw5', 'S'], SVC, 'w'), { letters: 'u', operands: ['S'], values: { w: '5' } });
  assert.deepEqual(getoptLetters(['-dw'], SVC, 'w'), { letters: 'd', operands: [], missing: 'w' });
  assert.equal(getoptLetters(['-w', '1', 'S'], SVC).illegal, 'w');
});
