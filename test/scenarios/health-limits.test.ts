// Memory and CPU limits over the whole process tree, and the samples every service gets (issue 7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { own, supervise, waitUp } from '../fixtures/supervision.ts';
import { starts, svstat, waitHealth } from './_health.ts';

// A child of run (not run itself) that grows by 16 MB every 50 ms up to 400 MB, then holds.
const LEAK = `node -e 'const a = []; setInterval(() => { if (a.length < 25) a.push(Buffer.alloc(16 << 20, 1)); }, 50)' &\nwait`;

describe('limits', { concurrency: 2 }, () => {
  it('every service is sampled: -v shows the memory of its tree', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', 'exec sleep 100');
    await supervise(box, dir);
    const pid = await waitUp(dir);
    await waitHealth(dir, (h) => h.pid === pid && typeof h['memory'] === 'number' && (h['memory'] as number) > 0, 'memory sampled');
    assert.match((await svstat(box.root, '-v', 's')).stdout, /\n {2}memory: [\d.]+ (KB|MB) \(process tree\)\n/);
    assert.match((await svstat(box.root, 's')).stdout, /^s: up \(pid \d+\) \d+ seconds\n$/);
  });

  it('a tree that allocates past limit-memory is restarted and the status says why', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', `echo x >> starts\n${LEAK}`, { 'limit-memory': '150M\n', 'limit-interval': '0.2\n', 'limit-samples': '3\n' });
    const sup = await supervise(box, dir);
    const first = await waitUp(dir);
    const h = await waitHealth(dir, (x) => typeof x['cause'] === 'string' && (x['cause'] as string).startsWith('limit-memory'), 'restarted for memory', 30_000);
    assert.match(h['cause'] as string, /^limit-memory: [\d.]+ MB > 150 MB for 3 samples$/);
    await waitFor(() => starts(dir) >= 2, 20_000, 'started again');
    const second = await waitUp(dir);
    assert.notEqual(second, first);
    assert.match((await svstat(box.root, '-v', 's')).stdout, /\n {2}last restart cause: limit-memory: [\d.]+ MB > 150 MB for 3 samples\n/);
    await waitFor(() => own(sup.stderr(), 'supervise').some((l) => /^supervise: warning: .*\/s over limit-memory: [\d.]+ MB > 150 MB for 3 samples, restarting$/.test(l)), DEADLINE_MS, 'the warning');
  });

  it('a busy loop past limit-cpu is restarted; limit-action alert only reports', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const busy = 'echo x >> starts\nwhile :; do :; done';
    const a = box.service('a', busy, { 'limit-cpu': '20\n', 'limit-interval': '0.5\n', 'limit-samples': '2\n' });
    const b = box.service('b', busy, { 'limit-cpu': '20\n', 'limit-interval': '0.5\n', 'limit-samples': '2\n', 'limit-action': 'alert\n' });
    await supervise(box, a);
    const supB = await supervise(box, b);
    const pidB = await waitUp(b);
    await waitHealth(a, (x) => typeof x['cause'] === 'string' && (x['cause'] as string).startsWith('limit-cpu'), 'a restarted for cpu', 30_000);
    await waitFor(() => starts(a) >= 2, 20_000, 'a started again');
    await waitFor(() => own(supB.stderr(), 'supervise').some((l) => /^supervise: warning: .*\/b over limit-cpu: \d+% > 20% for 2 samples$/.test(l)), 30_000, 'b alert');
    const hb = await waitHealth(b, (x) => x.pid === pidB, 'b record');
    assert.equal(hb['cause'], null, 'b was not restarted');
    assert.equal(starts(b), 1);
  });

  it('bad limit files get one warning each and change nothing', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', 'exec sleep 100', { 'limit-memory': 'lots\n', 'limit-cpu': '-3\n', 'limit-action': 'reboot\n', 'limit-interval': '0\n', 'limit-samples': 'x\n' });
    const sup = await supervise(box, dir);
    await waitUp(dir);
    await waitFor(() => own(sup.stderr(), 'supervise').length >= 5, DEADLINE_MS, 'five warnings');
    assert.deepEqual(own(sup.stderr(), 'supervise').map((l) => l.replace(dir, 'S')).sort(), [
      'supervise: warning: unable to parse S/limit-action: not one of restart, alert, stop: "reboot", ignored',
      'supervise: warning: unable to parse S/limit-cpu: not a percentage above 0: "-3", ignored',
      'supervise: warning: unable to parse S/limit-interval: must be more than 0 seconds, ignored',
      'supervise: warning: unable to parse S/limit-memory: not a size (bytes, or a number with K, M or G): "lots", ignored',
      'supervise: warning: unable to parse S/limit-samples: not a whole number: "x", ignored',
    ]);
  });
});
