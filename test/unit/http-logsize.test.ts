// logsize.ts: svkit_service_log_bytes counts `current` and every `@` entry of the log directory
// at each scrape; finished archives' sizes are remembered while listed. Each step below changes
// the directory as multilog does (or as a user might) and checks the next figure against a
// fresh count of the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogSizes } from '../../packages/core/src/http/logsize.ts';

/** What the figure must be: the regular files named current or @..., counted from scratch. */
function counted(logdir: string): number {
  return readdirSync(logdir)
    .filter((n) => n === 'current' || n.startsWith('@'))
    .map((n) => statSync(join(logdir, n)))
    .reduce((a, s) => a + (s.isFile() ? s.size : 0), 0);
}

test('log bytes follow writes, rotations, deletions and odd @ entries; no log, no figure', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'svkit-logsize-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const svc = join(root, 'web');
  const logdir = join(svc, 'log', 'main');
  mkdirSync(logdir, { recursive: true });
  const sizes = new LogSizes();
  const figure = (): Promise<number | undefined> | undefined => sizes.bytes(svc, Date.now());
  const steps: [string, () => void][] = [
    ['a new current', () => writeFileSync(join(logdir, 'current'), 'one\n')],
    ['lock and state are not counted', () => { writeFileSync(join(logdir, 'lock'), ''); writeFileSync(join(logdir, 'state'), 'xxxxxxxx'); }],
    ['current grows', () => appendFileSync(join(logdir, 'current'), 'two\n')],
    ['a rotation: current becomes an archive, a new current', () => {
      renameSync(join(logdir, 'current'), join(logdir, '@400000006942f1a2000003e8.s'));
      writeFileSync(join(logdir, 'current'), '');
    }],
    ['an unfinished archive (.u) and a second rotation', () => {
      writeFileSync(join(logdir, '@400000006942f1a3000003e8.u'), 'cut short\n');
      appendFileSync(join(logdir, 'current'), 'three\n');
      renameSync(join(logdir, 'current'), join(logdir, '@400000006942f1a4000003e8.s'));
      writeFileSync(join(logdir, 'current'), 'four\n');
    }],
    ['retention deletes the oldest archive', () => unlinkSync(join(logdir, '@400000006942f1a2000003e8.s'))],
    ['an @ file a user appends to is read again', () => writeFileSync(join(logdir, '@notes'), 'a')],
    ['... and grows', () => appendFileSync(join(logdir, '@notes'), 'bcdef')],
    ['an @ directory counts nothing', () => mkdirSync(join(logdir, '@400000006942f1a5000003e8.s'))],
  ];
  for (const [what, change] of steps) {
    change();
    assert.equal(await figure(), counted(logdir), what);
  }
  const bare = join(root, 'nolog');
  mkdirSync(bare);
  assert.equal(await sizes.bytes(bare, Date.now()), undefined, 'no log, first scrape');
  assert.equal(sizes.bytes(bare, Date.now()), undefined, 'no log, known: answered without waiting');
});
