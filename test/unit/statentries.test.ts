// os/statentries.ts: the addon's stat of every entry of a directory agrees with Node's statSync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statEntries, type EntryStat } from '../../packages/core/src/os/statentries.ts';

test('statEntries: directories, files and links as statSync sees them; what stat cannot follow is undefined', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'svkit-statentries-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'svc'));
  writeFileSync(join(dir, 'file'), 'x');
  symlinkSync(join(dir, 'svc'), join(dir, 'link'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  const names = ['svc', 'file', 'link', 'dangling', 'gone', 'é ünïcode'];
  mkdirSync(join(dir, 'é ünïcode'));
  const got = statEntries(dir, names);
  assert.ok(got, 'the addon has statEntries');
  for (const [i, name] of names.entries()) {
    const want = statSync(join(dir, name), { throwIfNoEntry: false });
    const e: EntryStat | undefined = got[i];
    if (want === undefined) {
      assert.equal(e, undefined, name);
      continue;
    }
    assert.ok(e, name);
    assert.deepEqual([e.isDirectory(), e.dev, e.ino, e.mtimeMs, e.ctimeMs], [want.isDirectory(), want.dev, want.ino, want.mtimeMs, want.ctimeMs], name);
  }
  assert.equal(statEntries(join(dir, 'gone'), ['x']), undefined, 'a directory that cannot be opened: undefined for all');
});
