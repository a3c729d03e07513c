// multilog patterns: the 16-pair truth table observed with daemontools 0.76 (compat 7.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchPattern } from '@svkit/core';

export const TRUTH: readonly (readonly [string, string, boolean])[] = [
  ['a*c', 'abc', true],
  ['a*c', 'abcbc', false],
  ['a*c', 'abdc', true],
  ['a*c*', 'abcdc', true],
  ['*', '', true],
  ['', '', true],
  ['', 'x', false],
  ['hello', 'hello world', false],
  ['hello*', 'hello world', true],
  ['*world', 'hello world', true],
  ['*o', 'hello world', false],
  ['h*o*d', 'hello world', true],
  ['a**b', 'a*b', true],
  ['a**b', 'axb', false],
  ['* fatal: *', 'x fatal: y', true],
  ['named[*]: Cleaned cache *', 'named[135]: Cleaned cache of 3121 RRs', true],
];

test('the 16 pattern/line pairs match as in 0.76', () => {
  for (const [pattern, line, want] of TRUTH) {
    assert.equal(matchPattern(Buffer.from(pattern), Buffer.from(line)), want, `${pattern} / ${line}`);
  }
});

test('a backslash is literal and matching honours start and end', () => {
  assert.equal(matchPattern(Buffer.from('a\\*'), Buffer.from('a\\xyz')), true);
  assert.equal(matchPattern(Buffer.from('b*'), Buffer.from('abc'), 1, 3), true);
  assert.equal(matchPattern(Buffer.from('*c'), Buffer.from('abcd'), 0, 3), true);
  assert.equal(matchPattern(Buffer.from('*d'), Buffer.from('abcd'), 0, 3), false);
});
