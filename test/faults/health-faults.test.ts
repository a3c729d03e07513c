// One sick service's health files, checks and limits never stall svscan or another service (issue 7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { DEADLINE_MS, processesUnder, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { startSvscan, statusPid, waitUp } from '../scenarios/_svscan.ts';
import { svstat, waitHealth } from '../scenarios/_health.ts';

test('hanging checks, FIFO and device health files, and a flooding check leave svscan responsive', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/good', 'exec sleep 1000');
  // A check that hangs far past any test deadline, with a long timeout.
  box.service('sc/hang', 'exec sleep 1000', { 'health/interval': '0.1\n', 'health/timeout': '600\n' });
  box.write('sc/hang/health/check', '#!/bin/sh\nexec sleep 1000\n', 0o755);
  // A TCP check to an address that never answers (TEST-NET-1, dropped), with a long timeout.
  box.service('sc/blackhole', 'exec sleep 1000', { 'health/tcp': '192.0.2.1:9\n', 'health/interval': '0.1\n', 'health/timeout': '600\n' });
  // Files that would block or grow a synchronous reader.
  box.service('sc/fifos', 'exec sleep 1000');
  execFileSync('mkfifo', [box.path('sc/fifos/limit-memory'), box.path('sc/fifos/notification-fd')]);
  symlinkSync('/dev/zero', box.path('sc/fifos/restart-backoff'));
  box.write('sc/fifos/limit-cpu', '1'.repeat(100_000) + '\n');
  const scan = startSvscan(box, 'sc');
  const good = await waitUp(box.path('sc/good'));
  await waitUp(box.path('sc/hang'));
  await waitUp(box.path('sc/blackhole'));
  const fifos = await waitUp(box.path('sc/fifos'));
  await waitFor(() => ['limit-memory', 'notification-fd', 'restart-backoff', 'limit-cpu'].every((f) => scan.stderr().includes(`fifos/${f}:`)), 20_000, 'warnings for the fifos service');
  const err = scan.stderr();
  assert.match(err, /svscan: warning: .*unable to read sc\/fifos\/limit-memory: not a regular file \(fifo\), ignored\n/);
  assert.match(err, /svscan: warning: .*unable to read sc\/fifos\/notification-fd: not a regular file \(fifo\), ignored\n/);
  assert.match(err, /svscan: warning: .*unable to read sc\/fifos\/restart-backoff: not a regular file \(character device\), ignored\n/);
  assert.match(err, /svscan: warning: .*unable to read sc\/fifos\/limit-cpu: larger than 65536 bytes, ignored\n/);
  assert.match((await svstat(box.root, 'sc/fifos')).stdout, new RegExp(`^sc/fifos: up \\(pid ${fifos}\\) \\d+ seconds\\n$`));
  // run's sleep and the first check's: the check hangs from here on.
  const inHang = (): number => processesUnder(box.path('sc/hang')).length;
  await waitFor(() => inHang() === 2, 20_000, 'the hanging check started');
  // The others stay controllable while the checks hang.
  assert.equal((await runTool('svc', ['-d', 'sc/good'], { cwd: box.root })).code, 0);
  await waitFor(() => statusPid(box.path('sc/good')) === 0, DEADLINE_MS, 'good down while checks hang');
  assert.equal((await runTool('svc', ['-u', 'sc/good'], { cwd: box.root })).code, 0);
  const again = await waitUp(box.path('sc/good'), DEADLINE_MS);
  assert.notEqual(again, good);
  // Still one round at a time: many intervals later, the hanging check is still the only one.
  assert.equal(inHang(), 2);
  const h = await waitHealth(box.path('sc/hang'), (x) => x['health'] === 'unknown', 'hang unknown');
  assert.equal(h['check'], null);
  // Down, the service takes its check with it: nothing of sc/hang is left running.
  assert.equal((await runTool('svc', ['-d', 'sc/hang'], { cwd: box.root })).code, 0);
  await waitFor(() => inHang() === 0, 20_000, 'the hanging check killed with its service');
});
