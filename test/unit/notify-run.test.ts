// svnotify's hand-over rule, on a real spool and a real HTTP receiver: an event appended while
// a sender is at work finds the lock taken and only waits; the sender, once it let go, starts the
// next sender for it, so no event is left without one. The start of a process is the one part
// given by the test (it records the lock it is handed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync } from 'node:fs';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { startHttp } from '../cli/_receivers.ts';
import { buildConfig } from '../../packages/core/src/notify/config.ts';
import { hookRun, sendBatch, type RunDeps } from '../../packages/core/src/notify/run.ts';
import { hasEvents, pendingEvents, tryLockSender } from '../../packages/core/src/notify/spool.ts';
import type { ServiceEvent } from '../../packages/core/src/events/event.ts';

const exit = (pid: number): ServiceEvent => ({ v: 1, kind: 'exit', service: 'web', time: Date.now(), pid, what: 'run', code: 3, signal: null, then: 'restart' });

test('an event spooled while the sender sends gets the next sender, started once the lock is free', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const http = await startHttp();
  t.after(() => http.close());
  const spool = box.path('spool');
  const cfg = buildConfig({}, {}, { webhook: `http://127.0.0.1:${http.port}/`, batch: '60', spool });
  const handed: boolean[] = [];
  const deps: RunDeps = {
    host: 'box',
    userAgent: 'test',
    // The lock is held by the fd handed over: a new open cannot take it.
    startSender: () => { handed.push(tryLockSender(spool) === undefined); },
  };
  // The first event of a window: this run becomes the sender and hands the lock over.
  assert.deepEqual(await hookRun(cfg, exit(1), deps), { kind: 'queued', dropped: false, sender: 'started' });
  assert.deepEqual(handed, [true]);
  handed.length = 0;
  // Now be that sender: while its POST is under way, another hook run spools event 2.
  const fd = tryLockSender(spool);
  assert.notEqual(fd, undefined);
  // The receiver holds its answer until event 2 is spooled: the POST is under way meanwhile.
  let answer = (): void => {};
  http.hold = new Promise<void>((resolve) => { answer = resolve; });
  const sending = sendBatch(cfg, fd ?? -1, deps);
  await waitFor(() => http.posts.length === 1, 20_000, 'the POST under way');
  const during = await hookRun(cfg, exit(2), deps);
  answer();
  const delivery = await sending;
  assert.deepEqual(during, { kind: 'queued', dropped: false, sender: 'at work' });
  assert.deepEqual(delivery, { sent: [{ destination: 'webhook', events: 1 }], failed: [] });
  assert.deepEqual((JSON.parse(http.posts[0]?.body ?? '') as { events: ServiceEvent[] }).events.map((e) => e.pid), [1]);
  // Event 2 waits in the spool, and its sender was started after the lock was let go.
  assert.equal(hasEvents(spool), true);
  assert.deepEqual(handed, [true]);
  assert.deepEqual(pendingEvents(spool, 'webhook'), []);
  const free = tryLockSender(spool);
  assert.notEqual(free, undefined, 'the hand-over closed our copy of the lock');
  closeSync(free ?? -1);
});
