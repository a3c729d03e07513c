// svwatch's command line: usage and a missing dir, in the suite's grammar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';

const USAGE = 'svwatch: usage: svwatch [--human] [--replay N] dir...\n';

test('svwatch: no dir, a bad option or a bad --replay is a usage error (100)', async () => {
  for (const args of [[], ['-x', '.'], ['--replay', 'lots', '.']]) {
    assert.deepEqual(await runTool('svwatch', args), { code: 100, signal: null, stdout: '', stderr: USAGE });
  }
});

test('svwatch: a missing dir is a fatal 111', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const r = await runTool('svwatch', [box.path('nope')]);
  assert.deepEqual(r, { code: 111, signal: null, stdout: '', stderr: `svwatch: fatal: unable to open ${box.path('nope')}: file does not exist\n` });
});
