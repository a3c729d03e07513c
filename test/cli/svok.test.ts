// svok: exit codes and messages of 0.76 (compat 3.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool, startBackground } from '../helpers/tools.ts';

test('svok with no argument prints the usage line and exits 100', async () => {
  const r = await runTool('svok', []);
  assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', 'svok: usage: svok dir\n']);
});

test('svok on a missing directory is fatal with exit 111', async () => {
  const r = await runTool('svok', ['/nonexistent-svkit']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [111, '', 'svok: fatal: unable to chdir to /nonexistent-svkit: file does not exist\n']);
});

test('svok exits 100 for a never-supervised directory and 0 while supervise runs', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = box.service('s', 'exec sleep 100');
  const before = await runTool('svok', [dir]);
  assert.deepEqual([before.code, before.stdout, before.stderr], [100, '', '']);
  box.track(startBackground('supervise', [dir]));
  await waitFor(async () => (await runTool('svok', [dir])).code === 0, DEADLINE_MS, 'svok 0');
  const r = await runTool('svok', [dir]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
});
