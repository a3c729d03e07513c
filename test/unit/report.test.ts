// report.ts: every svstat line variant of compat 4 (from the hexdumps A-L) and the JSON view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSvstat, toJsonStatus, unpackStatus, type Inspection, type Status } from '@svkit/core';
import { HEXDUMPS, bytesOf } from '../fixtures/hexdumps.ts';

const TAI = (1n << 62n) + 10n;
const NOW = 1_800_000_000;

function at(pid: number, want: Status['want'], extra: Partial<Status> = {}, age = 3): Status {
  return { stamp: { seconds: TAI + BigInt(NOW - age), nano: 500 }, pid, paused: false, want, ...extra };
}
const ins = (status: Status, normallyUp = true): Inspection => ({ kind: 'status', status, normallyUp });

for (const d of HEXDUMPS.filter((x) => x.observed)) {
  test(`hexdump ${d.name} gives the line real svstat printed: "${d.line}"`, () => {
    const status = unpackStatus(bytesOf(d));
    assert.ok(status);
    assert.equal(formatSvstat(ins(status, d.normallyUp), d.unix + d.age), d.line);
  });
}

test('each suffix appears only under its condition and in the fixed order', () => {
  const cases: [Inspection, string][] = [
    [ins(at(8645, 'up'), true), 'up (pid 8645) 3 seconds'],
    [ins(at(8645, 'up', { paused: true }), true), 'up (pid 8645) 3 seconds, paused'],
    [ins(at(9457, 'down'), true), 'up (pid 9457) 3 seconds, want down'],
    [ins(at(13518, 'up'), false), 'up (pid 13518) 3 seconds, normally down'],
    [ins(at(12847, 'down', { paused: true }), false), 'up (pid 12847) 3 seconds, normally down, paused, want down'],
    [ins(at(0, 'down'), true), 'down 3 seconds, normally up'],
    [ins(at(0, 'down'), false), 'down 3 seconds'],
    [ins(at(0, 'up'), true), 'down 3 seconds, normally up, want up'],
    [ins(at(0, 'up'), false), 'down 3 seconds, want up'],
    [ins(at(0, 'once'), false), 'down 3 seconds'],
    [ins(at(7, 'once'), true), 'up (pid 7) 3 seconds'],
    [ins(at(0, 'down', { paused: true }), false), 'down 3 seconds'],
  ];
  for (const [i, line] of cases) assert.equal(formatSvstat(i, NOW), line);
});

test('seconds are always plural, nanoseconds ignored, and a future stamp reads 0 seconds', () => {
  assert.equal(formatSvstat(ins(at(1, 'up', {}, 1)), NOW), 'up (pid 1) 1 seconds');
  assert.equal(formatSvstat(ins(at(1, 'up', { stamp: { seconds: TAI + BigInt(NOW), nano: 999_999_500 } })), NOW), 'up (pid 1) 0 seconds');
  assert.equal(formatSvstat(ins(at(1, 'up', {}, -100)), NOW), 'up (pid 1) 0 seconds');
});

test('a problem is printed as its text', () => {
  for (const text of ['supervise not running', 'unable to chdir: file does not exist', 'unable to open supervise/ok: file does not exist', 'unable to read supervise/status: bad format']) {
    assert.equal(formatSvstat({ kind: 'problem', problem: text, running: false }, NOW), text);
  }
});

test('JSON of a running runit-form service names every field', () => {
  const s = at(42, 'down', { paused: true, runit: { termSent: true, state: 'run' } }, 5);
  assert.deepEqual(toJsonStatus('web', ins(s, false), NOW), {
    dir: 'web', ok: true, error: null, supervised: true, state: 'up', pid: 42, want: 'down', paused: true,
    normally: 'down', seconds: 5, stamp: '@' + (TAI + BigInt(NOW - 5)).toString(16) + '000001f4', termSent: true, format: 'runit',
  });
});

test('JSON of an 18-byte daemontools record: format daemontools, termSent null', () => {
  const status = unpackStatus(bytesOf(HEXDUMPS.find((d) => d.name === 'E')!));
  assert.ok(status);
  const j = toJsonStatus('svc', ins(status, true), HEXDUMPS[4]!.unix + 2);
  assert.deepEqual([j.state, j.pid, j.want, j.paused, j.normally, j.seconds, j.termSent, j.format], ['down', null, 'down', false, 'up', 2, null, 'daemontools']);
  assert.equal(j.stamp, '@400000006b01f7620b66a1ec');
});

test('JSON state is finish while runit state byte says finish, and once is reported', () => {
  const j = toJsonStatus('f', ins(at(9, 'once', { runit: { termSent: false, state: 'finish' } })), NOW);
  assert.deepEqual([j.state, j.pid, j.want], ['finish', 9, 'once']);
});

test('JSON of a problem has ok false, the error text and null fields', () => {
  const j = toJsonStatus('x', { kind: 'problem', problem: 'unable to read supervise/status: bad format', running: true }, NOW);
  assert.deepEqual(j, {
    dir: 'x', ok: false, error: 'unable to read supervise/status: bad format', supervised: true, state: null, pid: null,
    want: null, paused: null, normally: null, seconds: null, stamp: null, termSent: null, format: null,
  });
});
