import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_HEALTH, type HealthConfig } from '../../packages/core/src/health/config.ts';
import { RestartPolicy } from '../../packages/core/src/health/policy.ts';
import { LimitWatch } from '../../packages/core/src/health/limits.ts';
import { sumTrees } from '../../packages/core/src/health/sampler.ts';

const cfg = (c: Partial<HealthConfig>): HealthConfig => ({ ...NO_HEALTH, ...c });

test('without policy files: today\'s pacing, at least 1 s between starts, never failed', () => {
  const p = new RestartPolicy();
  for (let i = 0; i < 50; i++) assert.deepEqual(p.decide(NO_HEALTH, 200, 1, i * 1000), { kind: 'restart', wait: 800, backoff: false });
  assert.deepEqual(p.decide(NO_HEALTH, 5000, 1, 60_000), { kind: 'restart', wait: 0, backoff: false });
});

test('restart-backoff doubles up to MAX and starts afresh after a run of restart-reset', () => {
  const c = cfg({ backoff: { base: 1000, max: 8000 }, reset: 60_000 });
  const q = new RestartPolicy();
  const seen = [0, 1, 2, 3, 4, 5].map((i) => {
    const d = q.decide(c, 10, 1, i);
    return d.kind === 'restart' ? d.wait : -1;
  });
  assert.deepEqual(seen, [1000, 2000, 4000, 8000, 8000, 8000]);
  const afterLongRun = q.decide(c, 60_000, 1, 100);
  assert.deepEqual(afterLongRun, { kind: 'restart', wait: 1000, backoff: true });
});

test('restart-giveup: N failures within T seconds is failed; older ones fall out of the window; reset clears', () => {
  const c = cfg({ giveup: { failures: 3, within: 10_000 } });
  const p = new RestartPolicy();
  assert.equal(p.decide(c, 10, 1, 0).kind, 'restart');
  assert.equal(p.decide(c, 10, 1, 20_000).kind, 'restart');
  assert.equal(p.decide(c, 10, 1, 21_000).kind, 'restart');
  const d = p.decide(c, 10, 1, 22_000);
  assert.deepEqual(d, { kind: 'failed', why: '3 failures within 10 seconds (restart-giveup)' });
  p.reset();
  assert.equal(p.decide(c, 10, 1, 23_000).kind, 'restart');
});

test('restart-never: a listed exit code is failed at once; a commanded end is no failure', () => {
  const c = cfg({ never: [100], giveup: { failures: 1, within: 10_000 } });
  assert.deepEqual(new RestartPolicy().decide(c, 5000, 100, 0), { kind: 'failed', why: 'exit 100 is in restart-never' });
  assert.deepEqual(new RestartPolicy().decide(c, 5000, null, 0, false), { kind: 'restart', wait: 0, backoff: false });
});

test('limits act after limit-samples consecutive samples over, and a dip starts the count again', () => {
  const w = new LimitWatch(cfg({ limitMemory: 1000, limitCpu: 50, limitSamples: 3 }));
  const s = (memory: number, cpu: number | null) => ({ memory, cpu, at: 0 });
  assert.equal(w.feed(s(2000, null)), undefined);
  assert.equal(w.feed(s(2000, 10)), undefined);
  assert.equal(w.feed(s(10, 10)), undefined);
  assert.equal(w.feed(s(2000, 10)), undefined);
  assert.equal(w.feed(s(2000, 10)), undefined);
  assert.equal(w.feed(s(2000, 10))?.which, 'limit-memory');
  assert.equal(w.feed(s(10, 90)), undefined);
  assert.equal(w.feed(s(10, 90)), undefined);
  assert.match(w.feed(s(10, 90))?.reason ?? '', /^limit-cpu: 90% > 50% for 3 samples$/);
});

test('sumTrees adds the group and every descendant, also one that left the group', () => {
  // [hz, page, (pid, ppid, pgid, ticks, rss)...]
  const t = new Float64Array([100, 4096,
    10, 1, 10, 5, 100, // the service's leader
    11, 10, 10, 1, 10, // in its group
    12, 11, 12, 2, 20, // setsid'd grandchild: a descendant all the same
    20, 1, 20, 7, 70, // another service
    30, 1, 30, 9, 90, // unrelated
  ]);
  const sums = sumTrees(t, new Set([10, 20, 99]));
  assert.deepEqual(sums.get(10), [8, 130]);
  assert.deepEqual(sums.get(20), [7, 70]);
  assert.deepEqual(sums.get(99), [0, 0]);
});
