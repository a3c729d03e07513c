// multilog patterns: the 16-pair truth table observed with daemontools 0.76 (compat 7.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchPattern } from '@svkit/core';
import { TRUTH } from '../fixtures/patterns.ts';


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
