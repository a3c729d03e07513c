// The engine's health transitions as events through the optional onEvent sink (issues 7, 8, 12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { Supervisor } from '../../packages/core/src/supervise/supervisor.ts';
import type { ServiceEvent } from '../../packages/core/src/events/event.ts';

test('ready, restart (cause), backoff and failed reach onEvent with their fields', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = box.service('s', 'while [ ! -e go ]; do sleep 0.05; done\necho >&3\nuntil grep -q \'"ready":true\' supervise/health; do sleep 0.05; done\nexit 1', {
    'notification-fd': '3\n', 'restart-backoff': '1 1\n', 'restart-giveup': '2 60\n',
  });
  const events: ServiceEvent[] = [];
  const warnings: string[] = [];
  const sup = new Supervisor({ dir, onWarning: (m) => warnings.push(m), onEvent: (e) => events.push(e) });
  t.after(() => sup.shutdown());
  sup.start();
  await waitFor(() => sup.status().pid !== 0, DEADLINE_MS, 'started');
  writeFileSync(`${dir}/go`, '');
  await waitFor(() => events.some((e) => e.kind === 'failed'), 30_000, 'failed event');
  // The supervisor's own events (start, exit) interleave: one event per transition, in order.
  const kinds = events.map((e) => e.kind);
  assert.deepEqual(kinds, ['start', 'ready', 'exit', 'backoff', 'restart', 'start', 'ready', 'exit', 'failed']);
  for (const e of events) {
    assert.equal(e.v, 1);
    assert.equal(e.service, dir);
    assert.ok(typeof e.time === 'number');
  }
  const of = (kind: string, n = 0): ServiceEvent | undefined => events.filter((e) => e.kind === kind)[n];
  assert.ok((of('ready')?.pid ?? 0) > 0);
  assert.deepEqual([of('exit')?.['then'], of('exit', 1)?.['then']], ['restart', 'down']);
  assert.deepEqual([of('restart')?.['cause'], of('restart')?.['reason'], of('restart')?.['code']], ['exit', 'exit 1', 1]);
  assert.equal(of('backoff')?.['wait'], 1);
  assert.equal(of('failed')?.['reason'], '2 failures within 60 seconds (restart-giveup)');
  assert.equal(warnings.length, 1);
  await sup.shutdown();
});
