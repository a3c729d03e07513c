// svscan -v's rendering of service events, svc -w's goals, and the warning rate limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goalOf, makeEvent, reached, tai64nAt, type Status } from '@svkit/core';
import { Warner } from '../../packages/core/src/supervise/warner.ts';
import { describe, eventLine } from '../../packages/tools/src/_cli/events.ts';

test('events render as the issue shows them: up, exit with restart, TERM then KILL, commands', () => {
  assert.equal(describe(makeEvent('start', 'web', 123, { what: 'run' })), 'up pid 123');
  assert.equal(describe(makeEvent('start', 'web', 123, { what: 'run', adopted: true })), 'adopted pid 123');
  assert.equal(describe(makeEvent('exit', 'flapping', 9, { what: 'run', code: 1, signal: null, then: 'restart' })), undefined, 'the restart line tells');
  assert.equal(describe(makeEvent('restart', 'flapping', 0, { what: 'run', code: 1, signal: null, cause: 'exit', wait: 1 })), 'exited 1, restarting in 1 s');
  assert.equal(describe(makeEvent('exit', 'w', 9, { what: 'run', code: null, signal: 'TERM', then: 'finish' })), 'killed by TERM, running finish');
  assert.equal(describe(makeEvent('stop', 'stubborn', 9, { kill: 3 })), 'TERM, KILL in 3 s');
  assert.equal(describe(makeEvent('stop', 'stubborn', 9, { kill: 0 })), 'TERM');
  assert.equal(describe(makeEvent('kill', 'stubborn', 9, { why: 'timeout' })), 'KILL (still running after TERM)');
  assert.equal(describe(makeEvent('down', 'web', 9)), 'want down');
  const line = eventLine(makeEvent('start', 'web', 123, { what: 'run' }), 'svscan') ?? '';
  assert.match(line, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} web: up pid 123\n$/);
  assert.match(eventLine(makeEvent('supervisor-stop', '', 1, { dir: 'sv' }), 'svscan') ?? '', / svscan: stopped scanning sv\n$/);
});

test('svc -w goals: the last of u/d/o decides, t or k after it means a new pid', () => {
  assert.equal(goalOf('u'), 'up');
  assert.equal(goalOf('d'), 'down');
  assert.equal(goalOf('t'), 'restart');
  assert.equal(goalOf('ut'), 'restart');
  assert.equal(goalOf('dt'), 'down');
  assert.equal(goalOf('du'), 'up');
  assert.equal(goalOf('o'), 'once');
  assert.equal(goalOf('xh'), undefined);
});

test('reached: up is a running run (not finish), down has no process, restart a new pid', () => {
  const st = (pid: number, state: 'down' | 'run' | 'finish'): Status => ({ stamp: tai64nAt(), pid, paused: false, want: 'up', runit: { termSent: false, state } });
  assert.equal(reached('up', st(5, 'run'), undefined), true);
  assert.equal(reached('up', st(5, 'finish'), undefined), false);
  assert.equal(reached('down', st(0, 'down'), undefined), true);
  assert.equal(reached('down', st(5, 'finish'), undefined), false);
  assert.equal(reached('restart', st(5, 'run'), st(5, 'run')), false);
  assert.equal(reached('restart', st(6, 'run'), st(5, 'run')), true);
  assert.equal(reached('up', undefined, undefined), false);
});

test('Warner: each text at most once a minute, also when two take turns; a bounded memory', () => {
  const said: string[] = [];
  const w = new Warner((m) => said.push(m));
  for (let i = 0; i < 5; i++) {
    w.warn('a');
    w.warn('b');
  }
  assert.deepEqual(said, ['a', 'b']);
  for (let i = 0; i < 200; i++) w.warn(`n${i}`);
  assert.equal(said.length, 202);
  w.clear();
  w.warn('a');
  assert.equal(said.at(-1), 'a');
});
