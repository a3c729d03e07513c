// Issue 13 row 6: `cp -a S/web S/.t && mv S/.t S/web2` while web runs. On 585efdd web2 adopted
// web's process (the copied status passes the pid and start-time check) and `svc -d web2`
// killed web. Now a process is adopted only if it is proven this directory's: web2 starts its
// own run, and after a kill -9 of svscan each directory adopts its own process again, a run
// that changed directory (no cwd to prove it) included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { Sandbox, processesUnder, waitFor } from '../helpers/sandbox.ts';
import { startBackground } from '../helpers/tools.ts';
import { alive, startSvscan, statusPid, supervised, waitNewPid, waitUp, type Svscan } from '../scenarios/_svscan.ts';
import { marker, processesRunning, svcDownActs } from './_children.ts';

async function kill9(scan: Svscan): Promise<void> {
  process.kill(scan.pid, 'SIGKILL');
  assert.deepEqual(await scan.exited, { code: null, signal: 'SIGKILL' });
}

test('a copied service directory adopts nothing: web2 runs its own, svc -d web2 never touches web', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const webArgs = `sleep ${marker()}`;
  const awayArgs = `sleep ${marker()}`;
  box.service('sc/web', `exec ${webArgs}`);
  // Changes directory before exec: its cwd cannot prove whose it is; svscan's journal does.
  box.service('sc/away', `cd / && exec ${awayArgs}`);
  box.service('sc/other', 'exec sleep 1000');
  const dir = (n: string): string => box.path('sc', n);
  let scan = startSvscan(box, 'sc');
  const web = await waitUp(dir('web'));
  const away = await waitUp(dir('away'));
  await waitUp(dir('other'));

  // A live supervise/ renames files into place (pid.new, health.new): a cp that meets one
  // vanishing mid-copy is tried again, as a user would.
  for (const n of ['web', 'away']) execFileSync('sh', ['-c', `for i in 1 2 3 4 5 6 7 8 9 10; do rm -rf sc/.t; cp -a sc/${n} sc/.t 2>/dev/null && break; done && mv sc/.t sc/${n}2`], { cwd: box.root });
  const web2 = await waitNewPid(dir('web2'), web, 20_000);
  const away2 = await waitNewPid(dir('away2'), away, 20_000);
  assert.deepEqual(processesRunning(webArgs).sort(), [web, web2].sort(), 'web and web2: one process each');
  assert.deepEqual(processesRunning(awayArgs).sort(), [away, away2].sort(), 'away and away2: one process each');

  // kill -9 of svscan: each directory adopts its own process, nothing starts twice.
  await kill9(scan);
  scan = startSvscan(box, 'sc');
  const all = ['web', 'web2', 'away', 'away2', 'other'];
  await waitFor(() => all.every((n) => supervised(dir(n))), 20_000, 'every service supervised again');
  assert.deepEqual(all.slice(0, 4).map((n) => statusPid(dir(n))), [web, web2, away, away2], 'each adopted its own');
  assert.deepEqual(processesRunning(webArgs).sort(), [web, web2].sort(), 'no copy of web started');
  assert.deepEqual(processesRunning(awayArgs).sort(), [away, away2].sort(), 'no copy of away started');

  // svc -d of a copy brings down the copy only; the others stay controllable.
  await svcDownActs(dir('web2'), 'web2');
  await svcDownActs(dir('away2'), 'away2');
  assert.ok(alive(web) && alive(away), 'web and away untouched by the copies');
  assert.equal(statusPid(dir('web')), web);
  await svcDownActs(dir('other'), 'other');
  await svcDownActs(dir('away'), 'away');
  await waitFor(() => !alive(away), 20_000, 'away itself stopped by svc -d away');

  process.kill(scan.pid, 'SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  assert.equal(scan.stderr(), '');
  assert.deepEqual(processesUnder(box.root), [], 'nothing left running');
  assert.deepEqual([...processesRunning(webArgs), ...processesRunning(awayArgs)], [], 'no orphan');
});

test('standalone supervise: a copy made while supervise was dead adopts nothing, the original adopts its own', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const args = `sleep ${marker()}`;
  box.service('web', `exec ${args}`);
  const start = (d: string): ChildProcess => box.track(startBackground('supervise', [d], { cwd: box.root }));
  let sup = start('web');
  const web = await waitUp(box.path('web'));
  sup.kill('SIGKILL');
  await new Promise((r) => sup.once('exit', r));
  execFileSync('sh', ['-c', 'cp -a web .t && mv .t web2'], { cwd: box.root });
  const copy = start('web2');
  const web2 = await waitNewPid(box.path('web2'), web, 20_000);
  sup = start('web');
  await waitFor(() => supervised(box.path('web')), 20_000, 'web supervised again');
  assert.equal(statusPid(box.path('web')), web, 'web adopted its own process');
  assert.deepEqual(processesRunning(args).sort(), [web, web2].sort(), 'one process each');
  await svcDownActs(box.path('web2'), 'web2');
  assert.ok(alive(web), 'svc -d web2 left web alone');
  for (const c of [copy, sup]) {
    c.kill('SIGTERM');
    await new Promise((r) => c.once('exit', r));
  }
  assert.deepEqual(processesRunning(args), [], 'no orphan');
});
