// svscan's journal (SCANDIR/.svscan/children): what one svscan records, the next reads back;
// the file stays bounded; garbage and non-regular files are ignored with a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../packages/core/src/scan/journal.ts';
import { MARK } from '../helpers/sandbox.ts';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), `${MARK}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('records survive into the next load; ended ones do not; names with spaces and newlines round-trip', (t) => {
  const dir = scratch(t);
  const warnings: string[] = [];
  const a = new Journal(dir, (m) => warnings.push(m));
  assert.deepEqual(a.load(), []);
  a.started('1:10', 'web', { pid: 100, pgid: 100, startTicks: 5000 });
  a.started('1:11', 'odd name\nwith "quotes"', { pid: 101, pgid: 101, startTicks: 5001 });
  a.started('1:12', 'gone', { pid: 102, pgid: 102, startTicks: 5002 });
  a.ended('1:12', 102);
  a.ended('1:10', 999); // not its pid: nothing happens
  a.started('1:10', 'web', { pid: 103, pgid: 103, startTicks: 5003 }); // a restart replaces the record
  // No close(): as after a kill -9, the appended lines are all there is.
  const b = new Journal(dir, (m) => warnings.push(m));
  assert.deepEqual(b.load().sort((x, y) => x.pid - y.pid), [
    { pid: 101, pgid: 101, startTicks: 5001, dir: '1:11', name: 'odd name\nwith "quotes"' },
    { pid: 103, pgid: 103, startTicks: 5003, dir: '1:10', name: 'web' },
  ]);
  assert.equal(b.ownerOf(103, 5003), '1:10');
  assert.equal(b.ownerOf(103, 5004), undefined, 'another start time: another process');
  assert.equal(b.ownerOf(100, 5000), undefined, 'replaced by the restart');
  assert.deepEqual(warnings, []);
});

test('the file stays bounded: a thousand restarts of one service leave a few dozen lines', (t) => {
  const dir = scratch(t);
  const j = new Journal(dir, () => {});
  j.load();
  for (let i = 0; i < 1000; i++) {
    j.started('1:10', 'loop', { pid: 1000 + i, pgid: 1000 + i, startTicks: i + 1 });
    j.ended('1:10', 1000 + i);
  }
  j.started('1:10', 'loop', { pid: 5000, pgid: 5000, startTicks: 7 });
  const lines = readFileSync(join(dir, '.svscan/children'), 'utf8').split('\n').length;
  assert.ok(lines <= 66, `${lines} lines`);
  j.close();
  assert.deepEqual(new Journal(dir, () => {}).load().map((r) => r.pid), [5000]);
});

test('malformed lines are skipped; a file that is not svscan\'s is ignored with one warning, never waited on', (t) => {
  const dir = scratch(t);
  const j = new Journal(dir, () => {});
  j.load();
  j.started('1:10', 'web', { pid: 100, pgid: 100, startTicks: 5000 });
  appendFileSync(join(dir, '.svscan/children'), '+ 1 1 1 1:1 "pid 1"\n+ x 2 3 1:2 "a"\n+ 7 7 7 nodev "b"\n+ 8 8 8 1:3 notjson\n- 1:10\ngarbage\n');
  assert.deepEqual(new Journal(dir, () => {}).load().map((r) => r.name), ['web']);

  const fifoDir = scratch(t);
  mkdirSync(join(fifoDir, '.svscan'));
  execFileSync('mkfifo', [join(fifoDir, '.svscan/children')]);
  const warnings: string[] = [];
  assert.deepEqual(new Journal(fifoDir, (m) => warnings.push(m)).load(), []);
  assert.deepEqual(warnings, [`unable to read ${fifoDir}/.svscan/children: not a regular file`]);

  const badDir = scratch(t);
  mkdirSync(join(badDir, '.svscan'));
  appendFileSync(join(badDir, '.svscan/children'), '{"version":1}\n');
  const more: string[] = [];
  assert.deepEqual(new Journal(badDir, (m) => more.push(m)).load(), []);
  assert.deepEqual(more, [`unable to read ${badDir}/.svscan/children: bad format`]);
});
