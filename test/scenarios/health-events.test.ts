// The engine's health transitions as events through the optional onEvent sink (issues 7, 8, 12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
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
  await waitFor(() => sup.status().pid !== 0, 10_000, 'started');
  writeFileSync(`${dir}/go`, '');
  await waitFor(() => events.some((e) => e.kind === 'failed'), 30_000, 'failed event');
  const kinds = events.map((e) => e.kind);
  assert.deepEqual(kinds, ['ready', 'restart', 'backoff', 'ready', 'failed']);
  for (const e of events) {
    assert.equal(e.v, 1);
    assert.equal(e.service, dir);
    assert.ok(typeof e.time === 'number');
  }
  assert.ok((events[0]?.pid ?? 0) > 0);
  assert.deepEqual([events[1]?.['cause'], events[1]?.['reason']], ['exit', 'exit 1']);
  assert.equal(events[2]?.['wait'], 1);
  assert.equal(events[4]?.['reason'], '2 failures within 60 seconds (restart-giveup)');
  assert.equal(warnings.length, 1);
  await sup.shutdown();
});
