// multilog script parsing: actions, clamps, usage errors, and the in-svscan script file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLogScriptFile, parseScript, errorKind } from '@svkit/core';

test('settings apply to the directories after them, with 0.76 clamps', () => {
  const s = parseScript(['t', 's100', 'n1', './a', 's99999999', 'n5', '!gzip', '/b', '!', './c']);
  assert.equal(s.timestamp, true);
  assert.deepEqual(s.actions, [
    { kind: 'dir', dir: './a', size: 4096, num: 2, processor: undefined },
    { kind: 'dir', dir: '/b', size: 16777215, num: 5, processor: 'gzip' },
    { kind: 'dir', dir: './c', size: 16777215, num: 5, processor: undefined },
  ]);
});

test('defaults are s99999 n10, and selection actions keep their order', () => {
  const s = parseScript(['-*', '+a*', 'e', '=st', './d']);
  assert.equal(s.timestamp, false);
  assert.deepEqual(s.actions.map((a) => a.kind), ['deselect', 'select', 'alert', 'status', 'dir']);
  assert.deepEqual(s.actions[4], { kind: 'dir', dir: './d', size: 99999, num: 10, processor: undefined });
  assert.deepEqual(parseScript([]), { timestamp: false, actions: [] });
});

test('what 0.76 silently ignores is a usage error here', () => {
  for (const bad of [['xyz'], ['dir'], ['./a', 't'], ['sabc'], ['n'], ['='], ['ex']]) {
    assert.throws(() => parseScript(bad), (err: unknown) => errorKind(err) === 'usage', bad.join(' '));
  }
});

test('a script file has one action per line, comments and blank lines skipped', () => {
  const text = '# log of web\nt\n\n  s1000000  \nn20\n!gzip -c\n-* debug *\n./main\n';
  assert.deepEqual(parseLogScriptFile(text), ['t', 's1000000', 'n20', '!gzip -c', '-* debug *', './main']);
});

test('1 and 1t (svscan\'s in-process script only): copy to stdout; multilog and anything else refuse them', () => {
  assert.deepEqual(parseScript(['t', '1', '1t', './main'], 'S/log/multilog', true).actions.slice(0, 2), [{ kind: 'stdout', stamp: false }, { kind: 'stdout', stamp: true }]);
  assert.throws(() => parseScript(['1']), /unable to parse action 1: unknown action/);
  assert.throws(() => parseScript(['1x'], undefined, true), /unable to parse action 1x: unknown action/);
  assert.throws(() => parseScript(['12'], undefined, true), /unable to parse action 12: unknown action/);
});
