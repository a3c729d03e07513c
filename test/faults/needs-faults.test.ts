// Bad needs/ (issue 9): a FIFO where needs/ should be or inside it, more entries than are read,
// a link to a device: one warning each, never a wait of svscan's main thread, nothing else held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { startSvscan, statusPid } from '../scenarios/_svscan.ts';
import { waitHealth } from '../scenarios/_health.ts';
import { DEADLINE_MS, assertControllable, count, stopAndCheck } from './_faults.ts';

test('a FIFO as needs/ or in it is warned about once and ignored; too many entries: one warning, the first 256 count', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/ctl', 'echo up > up\nexec sleep 1000');
  box.service('sc/fifo', 'echo up > up\nexec sleep 1000');
  execFileSync('mkfifo', [box.path('sc/fifo/needs')]);
  box.service('sc/inner', 'echo up > up\nexec sleep 1000', { 'needs/ctl': '' });
  execFileSync('mkfifo', [box.path('sc/inner/needs/pipe')]);
  mkdirSync(box.path('sc/inner/needs/sub'));
  const many = box.service('sc/many', 'echo up > up\nexec sleep 1000');
  mkdirSync(box.path('sc/many/needs'));
  for (let i = 0; i < 300; i++) writeFileSync(box.path(`sc/many/needs/x${String(i).padStart(3, '0')}`), '');
  box.service('sc/dev', 'echo up > up\nexec sleep 1000');
  mkdirSync(box.path('sc/dev/needs'));
  symlinkSync('/dev/zero', box.path('sc/dev/needs/zero'));
  const scan = startSvscan(box, 'sc');
  for (const name of ['ctl', 'fifo', 'inner']) await waitFor(() => existsSync(box.path('sc', name, 'up')), DEADLINE_MS, `${name} started`);
  const h = await waitHealth(many, (x) => Array.isArray(x['waitingFor']), 'many waits');
  assert.equal((h['waitingFor'] as string[]).length, 256);
  await waitHealth(box.path('sc/dev'), (x) => JSON.stringify(x['waitingFor']) === '["zero"]', 'dev waits for a service named zero');
  const st = await runTool('svstat', ['sc/many'], { cwd: box.root });
  assert.match(st.stdout, /^sc\/many: down \d+ seconds, normally up, want up, waiting for x000, x001, x002, x003, x004 and 251 more\n$/);
  // A waiting service is controllable: svc -d makes it want down (the wait is no longer shown), svc -u waits again.
  const svcD = await runTool('svc', ['-d', 'sc/many'], { cwd: box.root });
  assert.deepEqual([svcD.code, svcD.stdout, svcD.stderr], [0, '', '']);
  await waitFor(async () => /^sc\/many: down \d+ seconds, normally up\n$/.test((await runTool('svstat', ['sc/many'], { cwd: box.root })).stdout), DEADLINE_MS, 'many wants down');
  const svcU = await runTool('svc', ['-u', 'sc/many'], { cwd: box.root });
  assert.deepEqual([svcU.code, svcU.stdout, svcU.stderr], [0, '', '']);
  await waitFor(async () => / want up, waiting for x000, /.test((await runTool('svstat', ['sc/many'], { cwd: box.root })).stdout), DEADLINE_MS, 'many waits again');
  assert.equal(existsSync(box.path('sc/many/up')), false);
  const expected = [
    'svscan: warning: unable to read sc/fifo/needs: not a directory; ignored\n',
    'svscan: warning: unable to read sc/inner/needs/pipe: not a regular file or symlink; ignored\n',
    'svscan: warning: unable to read sc/inner/needs/sub: not a regular file or symlink; ignored\n',
    'svscan: warning: unable to read all of sc/many/needs: more than 256 entries; the rest is ignored\n',
    'svscan: warning: unable to start sc/many: it needs x000, x001, x002, x003, x004 and 251 more, which are no service of sc; many waits\n',
    'svscan: warning: unable to start sc/dev: it needs zero, which is no service of sc; dev waits\n',
  ];
  await waitFor(() => expected.every((l) => scan.stderr().includes(l)), DEADLINE_MS, 'every warning');
  for (const l of expected) assert.equal(count(scan.stderr(), l), 1, l);
  assert.equal(expected.reduce((s, l) => s.replace(l, ''), scan.stderr()), '', 'no other message');
  // A need that goes down does not stop its running dependant (start order only).
  const inner = statusPid(box.path('sc/inner'));
  await assertControllable(box, 'sc/ctl');
  assert.equal(statusPid(box.path('sc/inner')), inner);
  await stopAndCheck(box, scan);
});
