// The events file writer (S/supervise/events): NDJSON in order, batched, rotated to events.1
// before it passes 64 KiB, a full queue counted with one warning, a FIFO in its place refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENTS_MAX, EventJournal, JOURNAL_QUEUE } from '../../packages/core/src/events/journal.ts';
import { makeEvent } from '../../packages/core/src/events/event.ts';
import { MARK } from '../helpers/sandbox.ts';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), `${MARK}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const lines = (p: string): Record<string, unknown>[] => readFileSync(p, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

test('events are appended as NDJSON in order and rotated to events.1 before 64 KiB', async (t) => {
  const dir = scratch(t);
  const warnings: string[] = [];
  const j = new EventJournal(dir, 'web', (m) => warnings.push(m));
  let n = 0;
  // Several batches, each flushed, until the file has been rotated.
  while (!existsSync(join(dir, 'events.1'))) {
    for (let i = 0; i < 100; i++) j.push(makeEvent('start', 'web', n++, { what: 'run', pad: 'x'.repeat(100) }));
    await j.flushed();
  }
  assert.deepEqual(warnings, []);
  assert.ok(statSync(join(dir, 'events.1')).size <= EVENTS_MAX);
  assert.ok(statSync(join(dir, 'events')).size <= EVENTS_MAX);
  const all = [...lines(join(dir, 'events.1')), ...lines(join(dir, 'events'))];
  assert.equal(all.at(-1)?.['pid'], n - 1);
  for (let i = 1; i < all.length; i++) assert.equal(all[i]?.['pid'], (all[i - 1]?.['pid'] as number) + 1);
  assert.equal(all[0]?.['v'], 1);
  assert.equal(all[0]?.['kind'], 'start');
});

test('a full queue drops and counts, with one warning', async (t) => {
  const dir = scratch(t);
  const warnings: string[] = [];
  const j = new EventJournal(dir, 'web', (m) => warnings.push(m));
  for (let i = 0; i < JOURNAL_QUEUE + 10; i++) j.push(makeEvent('exit', 'web', i));
  await j.flushed();
  assert.equal(j.dropped, 10);
  assert.deepEqual(warnings, ['unable to write web/supervise/events: queue full, dropping events']);
  assert.equal(lines(join(dir, 'events')).length, JOURNAL_QUEUE);
});

test('a FIFO at supervise/events is not opened for long: a warning, and no hang', async (t) => {
  const dir = scratch(t);
  execFileSync('mkfifo', [join(dir, 'events')]);
  const warnings: string[] = [];
  const j = new EventJournal(dir, 'web', (m) => warnings.push(m));
  j.push(makeEvent('start', 'web', 1));
  await j.flushed();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /^unable to write web\/supervise\/events: /);
});
