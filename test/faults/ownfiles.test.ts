// The engine's own files written several at once (os/ownfile.ts replaceOwnFiles, the addon's
// writeFiles): status, stat and pid of a supervisor letting go in one thread-pool job, each
// through its .new file and a rename; something planted at a .new name fails that file at once
// (a FIFO without a reader is ENXIO, never a thread held) and the files after it are left as
// they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Sandbox } from '../helpers/sandbox.ts';
import { replaceOwnFiles } from '../../packages/core/src/os/ownfile.ts';

test('replaceOwnFiles writes each file through its .new in order; a FIFO at a .new name fails that one (ENXIO) and leaves the rest', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const at = (name: string): { path: string; tmp: string } => ({ path: box.path(`sv/${name}`), tmp: box.path(`sv/${name}.new`) });
  box.write('sv/pid', 'old pid\n');
  await replaceOwnFiles([{ ...at('status'), data: Buffer.from([1, 2, 3]) }, { ...at('stat'), data: 'down\n' }, { ...at('pid'), data: '' }]);
  assert.deepEqual([...readFileSync(box.path('sv/status'))], [1, 2, 3]);
  assert.equal(readFileSync(box.path('sv/stat'), 'utf8'), 'down\n');
  assert.equal(readFileSync(box.path('sv/pid'), 'utf8'), '');
  assert.deepEqual(readdirSync(box.path('sv')).sort(), ['pid', 'stat', 'status']);

  execFileSync('mkfifo', [box.path('sv/stat.new')]);
  await assert.rejects(replaceOwnFiles([{ ...at('status'), data: 'second' }, { ...at('stat'), data: 'run\n' }, { ...at('pid'), data: '42\n' }]), { code: 'ENXIO' });
  assert.equal(readFileSync(box.path('sv/status'), 'utf8'), 'second');
  assert.equal(readFileSync(box.path('sv/stat'), 'utf8'), 'down\n');
  assert.equal(readFileSync(box.path('sv/pid'), 'utf8'), '');
  assert.equal(existsSync(box.path('sv/pid.new')), false);
});
