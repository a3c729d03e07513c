// The event feed (packages/core/src/events/feed.ts) on real files and inotify: journaled events
// as written, across rotation and truncation without loss or repeat; replay of the last N;
// start at the end by default; events derived from supervise/status where no events file is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventJournal } from '../../packages/core/src/events/journal.ts';
import { makeEvent, type ServiceEvent } from '../../packages/core/src/events/event.ts';
import { openFeed } from '../../packages/core/src/events/feed.ts';
import { packStatus } from '../../packages/core/src/formats/status.ts';
import { tai64nAt } from '../../packages/core/src/formats/tai64n.ts';
import { MARK, waitFor } from '../helpers/sandbox.ts';

function service(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), `${MARK}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'supervise'));
  return dir;
}

test('journaled events arrive in order through several rotations, none lost or repeated; old ones are not replayed by default', async (t) => {
  const dir = service(t);
  const j = new EventJournal(join(dir, 'supervise'), 'web', () => {});
  j.push(makeEvent('start', 'web', 1));
  await j.flushed();
  const got: ServiceEvent[] = [];
  const feed = openFeed([dir], (e) => got.push(e));
  t.after(() => feed.close());
  await feed.ready;
  const N = 3000; // ~100 bytes each: four or five rotations at 64 KiB
  for (let i = 0; i < N; i++) {
    j.push(makeEvent('exit', 'web', 1000 + i, { code: 0, what: 'run', then: 'restart' }));
    if (i % 50 === 49) await j.flushed();
  }
  await j.flushed();
  await waitFor(() => got.length >= N, 20_000, `${N} events (got ${got.length})`);
  assert.equal(got.length, N);
  got.forEach((e, i) => assert.equal(e.pid, 1000 + i));
});

test('replay delivers the last N (from events.1 too); a truncated file is read again from its start', async (t) => {
  const dir = service(t);
  const sup = join(dir, 'supervise');
  writeFileSync(join(sup, 'events.1'), [1, 2, 3].map((p) => JSON.stringify(makeEvent('start', 'web', p)) + '\n').join(''));
  writeFileSync(join(sup, 'events'), [4, 5].map((p) => JSON.stringify(makeEvent('start', 'web', p)) + '\n').join('') + 'not json\n');
  const got: ServiceEvent[] = [];
  const warnings: string[] = [];
  const feed = openFeed([dir], (e) => got.push(e), { replay: 4, onWarning: (m) => warnings.push(m) });
  t.after(() => feed.close());
  await feed.ready;
  assert.deepEqual(got.map((e) => e.pid), [3, 4, 5]);
  assert.equal(warnings.length, 1);
  truncateSync(join(sup, 'events'), 0);
  writeFileSync(join(sup, 'events'), JSON.stringify(makeEvent('exit', 'web', 6)) + '\n');
  await waitFor(() => got.length === 4, 20_000, 'the event after truncation');
  assert.equal(got[3]?.pid, 6);
});

test('without an events file, status changes become start, exit and want events (from: status)', async (t) => {
  const dir = service(t);
  const status = (pid: number, want: 'up' | 'down'): void => {
    writeFileSync(join(dir, 'supervise/status.new'), packStatus({ stamp: tai64nAt(), pid, paused: false, want }).subarray(0, 18));
    renameSync(join(dir, 'supervise/status.new'), join(dir, 'supervise/status'));
  };
  status(100, 'up');
  const got: ServiceEvent[] = [];
  const feed = openFeed([{ dir, name: 'db' }], (e) => got.push(e));
  t.after(() => feed.close());
  await feed.ready;
  status(101, 'up');
  await waitFor(() => got.length >= 2, 20_000, 'the pid change');
  status(0, 'down');
  await waitFor(() => got.length >= 4, 20_000, 'the stop');
  assert.deepEqual(got.map((e) => [e.kind, e.service, e.pid, e['from']]), [
    ['exit', 'db', 100, 'status'], ['start', 'db', 101, 'status'], ['down', 'db', 0, 'status'], ['exit', 'db', 101, 'status'],
  ]);
});
