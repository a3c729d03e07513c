import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { startSvscan, waitUp } from '../scenarios/_svscan.ts';
import { health } from '../scenarios/_health.ts';

test('svtop --once: one row per service with state, pid, ready, health, memory and restarts, in 80 columns', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a-service-with-a-very-long-name-indeed', 'exec sleep 1000');
  box.service('sc/late', 'exec sleep 1000', { 'notification-fd': '3\n' });
  box.service('sc/crash', 'exit 1', { 'restart-giveup': '1 60\n' });
  box.write('sc/.hidden/run', '#!/bin/sh\nexec sleep 1000\n', 0o755);
  startSvscan(box, 'sc');
  const pid = await waitUp(box.path('sc/late'));
  await waitUp(box.path('sc/a-service-with-a-very-long-name-indeed'));
  await waitFor(() => typeof health(box.path('sc/crash'))?.['failed'] === 'string', 20_000, 'crash failed');
  await waitFor(() => typeof health(box.path('sc/late'))?.['memory'] === 'number', 20_000, 'late sampled');
  const r = await runTool('svtop', ['--once', 'sc'], { cwd: box.root });
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'svtop sc: 3 services, 2 up');
  assert.match(lines[2] ?? '', /^SERVICE +STATE +PID UPTIME +READY HEALTH +MEM +CPU% RESTARTS$/);
  assert.match(lines[3] ?? '', /^a-service-wi~ up +\d+ \d+s +yes /);
  assert.match(lines[4] ?? '', /^crash +failed +\d+s +0$/);
  assert.match(lines[5] ?? '', new RegExp(`^late +up +${pid} \\d+s +no +[\\d.]+[KM]B(?: +[\\d.]+)? +0$`));
  assert.equal(lines.length, 7);
  for (const l of lines) assert.ok(l.length <= 80, l);
});

test('svtop with no directory prints the usage line and exits 100', async () => {
  const r = await runTool('svtop', []);
  assert.deepEqual([r.code, r.stdout, r.stderr], [100, '', 'svtop: usage: svtop [--once] dir\n']);
});
