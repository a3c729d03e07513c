// The log engine in-process, as svscan uses it: feed, rotateAll, close, no process-wide state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { openLog, errorKind } from '@svkit/core';
import { Sandbox } from '../helpers/sandbox.ts';

test('an engine writes each complete line at feed time and finishes current with mode 0744', (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const alerts: string[] = [];
  const log = openLog(['./d', '-*', '+err*', 'e'], { cwd: box.root, onAlert: (l) => alerts.push(Buffer.from(l).toString()) });
  log.feed(Buffer.from('one\nerr two\nthr'));
  assert.equal(readFileSync(box.path('d/current'), 'utf8'), 'one\nerr two\n');
  assert.equal(log.midLine, true);
  log.feed(Buffer.from('ee\n'));
  assert.equal(log.paused, false);
  log.rotateAll();
  log.rotateAll();
  log.feed(Buffer.from('last'));
  log.close();
  const archives = readdirSync(box.path('d')).filter((n) => n.startsWith('@'));
  assert.equal(archives.length, 1);
  assert.equal(readFileSync(box.path('d', archives[0] ?? ''), 'utf8'), 'one\nerr two\nthree\n');
  assert.equal(readFileSync(box.path('d/current'), 'utf8'), 'last\n');
  assert.equal(statSync(box.path('d/current')).mode & 0o777, 0o744);
  assert.deepEqual(alerts, ['err two\n']);
});

test('two engines cannot hold one directory; the failure is reported before any input', (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const first = openLog(['./d'], { cwd: box.root });
  assert.throws(() => openLog(['./d'], { cwd: box.root }), (err: unknown) =>
    errorKind(err) === 'temporary' && (err as Error).message === 'unable to lock directory ./d: temporary failure');
  first.close();
  openLog(['./d'], { cwd: box.root }).close();
});
