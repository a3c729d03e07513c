// command.ts: control bytes to commands; unknown bytes are ignored (compat 3.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTROL_LETTERS, PID_SIGNALS, parseControl } from '@svkit/core';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

test('every daemontools letter maps to its command', () => {
  assert.deepEqual(parseControl(bytes('udopchaitkx')), ['up', 'down', 'once', 'pause', 'cont', 'hup', 'alarm', 'interrupt', 'term', 'kill', 'exit']);
});

test('runit\'s extra letters q, 1, 2 map to quit, usr1, usr2', () => {
  assert.deepEqual(parseControl(bytes('q12')), ['quit', 'usr1', 'usr2']);
});

test('unknown bytes are ignored and the known ones keep their order', () => {
  assert.deepEqual(parseControl(bytes('rvwybzUDX\0\n\xff')), []);
  assert.deepEqual(parseControl(bytes('r d\nvu\xffy')), ['down', 'up']);
  assert.deepEqual(parseControl(new Uint8Array()), []);
});

test('repeated letters are each a command (supervise reads what svc de-duplicated)', () => {
  assert.deepEqual(parseControl(bytes('ddu')), ['down', 'down', 'up']);
});

test('only hup, alarm, interrupt, quit, usr1, usr2 are pid-only signals', () => {
  assert.deepEqual(Object.keys(PID_SIGNALS).sort(), ['alarm', 'hup', 'interrupt', 'quit', 'usr1', 'usr2']);
  assert.equal(PID_SIGNALS.hup, 'SIGHUP');
  assert.equal(PID_SIGNALS.usr2, 'SIGUSR2');
  assert.equal(Object.keys(CONTROL_LETTERS).length, 14);
});
