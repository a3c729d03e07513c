// Restart policy and the state file: back-off, give-up into failed and out of it, restart-never,
// why a start failed, and bad policy files (issue 7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { own, supervise, waitStatus, waitUp } from '../fixtures/supervision.ts';
import { health, starts, svstat, waitHealth } from './_health.ts';

const COUNTING = 'echo x >> starts\necho boom >&2\nexit 1';

describe('restart policy', { concurrency: 3 }, () => {
  it('a crash loop keeps the daemontools line and -v says restarts, last exit and cause', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', COUNTING);
    await supervise(box, dir);
    await waitHealth(dir, (h) => h.restarts >= 2, 'two restarts');
    const line = await svstat(box.root, 's');
    assert.equal(line.stderr, '');
    assert.match(line.stdout, /^s: (up \(pid \d+\) \d+ seconds|down \d+ seconds, normally up, want up)\n$/);
    const v = await svstat(box.root, '-v', 's');
    assert.equal(v.code, 0);
    assert.match(v.stdout, /\n {2}restarts: [2-9]\d*\n/);
    assert.match(v.stdout, /\n {2}last exit: exit 1, \d+ seconds ago\n/);
    assert.match(v.stdout, /\n {2}last restart cause: exit 1\n/);
  });

  it('a run that cannot be started says why in -v and --json', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', 'exec sleep 100');
    chmodSync(`${dir}/run`, 0o644);
    const sup = await supervise(box, dir);
    await waitHealth(dir, (h) => typeof h['startError'] === 'string', 'start error recorded');
    const v = await svstat(box.root, '-v', 's');
    assert.match(v.stdout, /^s: down \d+ seconds, normally up, want up\n {2}state: down\n {2}restarts: 0\n {2}last start failed: unable to start run: access denied\n$/);
    const j = JSON.parse((await svstat(box.root, '--json', 's')).stdout) as { services: Record<string, unknown>[] };
    assert.equal(j.services[0]?.['startError'], 'unable to start run: access denied');
    await waitFor(() => /supervise: warning: unable to start .*\/s\/run: access denied/.test(sup.stderr()), DEADLINE_MS, 'the warning');
    // Fixed: the next start succeeds and the error is gone.
    chmodSync(`${dir}/run`, 0o755);
    await waitUp(dir, 'up once run is executable', 20_000);
    await waitHealth(dir, (h) => h['startError'] === null && h.pid !== 0, 'start error cleared');
  });

  it('restart-backoff doubles the wait up to MAX, shows it, and restart-reset starts afresh', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    // The fourth run stays up past restart-reset (2 s): the wait after it is BASE again.
    const dir = box.service('s', 'echo x >> starts\nif [ "$(wc -l < starts)" -eq 4 ]; then sleep 3; fi\nexit 1', {
      'restart-backoff': '1 4\n', 'restart-reset': '2\n',
    });
    await supervise(box, dir);
    // The wait after each end of run, keyed by the restart count of the record.
    const byRun = new Map<number, number>();
    let sawLine = false;
    await waitFor(async () => {
      const h = health(dir);
      const b = h?.['backoff'] as { wait: number } | null | undefined;
      if (h !== undefined && h.pid === 0 && b) {
        if (!byRun.has(h.restarts)) byRun.set(h.restarts, b.wait);
        if (b.wait === 4 && !sawLine) {
          const r = await svstat(box.root, 's');
          if (/^s: down \d+ seconds, normally up, want up, backoff 4 seconds\n$/.test(r.stdout)) sawLine = true;
        }
      }
      return byRun.size >= 4;
    }, 40_000, 'four back-off waits');
    assert.deepEqual([...byRun.entries()], [[0, 1], [1, 2], [2, 4], [3, 1]]);
    assert.ok(sawLine, 'svstat showed ", backoff 4 seconds" during the 4 s wait');
  });

  it('restart-giveup leaves the service failed until svc -u, or until the service dir changes', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const a = box.service('a', COUNTING, { 'restart-giveup': '3 60\n' });
    const b = box.service('b', COUNTING, { 'restart-giveup': '2 60\n' });
    const supA = await supervise(box, a);
    await supervise(box, b);
    await waitHealth(a, (h) => typeof h['failed'] === 'string', 'a failed');
    assert.equal(starts(a), 3);
    const r = await svstat(box.root, 'a');
    assert.match(r.stdout, /^a: down \d+ seconds, normally up, failed\n$/);
    const v = await svstat(box.root, '-v', 'a');
    assert.match(v.stdout, /\n {2}failed: 3 failures within 60 seconds \(restart-giveup\) \(svc -u to start it again\)\n/);
    await waitFor(() => own(supA.stderr(), 'supervise').some((l) => /^supervise: warning: .*\/a failed: 3 failures within 60 seconds \(restart-giveup\); left down until svc -u or a change of the service dir$/.test(l)), DEADLINE_MS, 'the warning');
    // svc -u: out of failed, a fresh tally (three more starts before failing again).
    assert.equal((await runTool('svc', ['-u', 'a'], { cwd: box.root })).code, 0);
    await waitFor(() => starts(a) >= 4, 20_000, 'a started again after svc -u');
    await waitFor(() => starts(a) === 6 && typeof health(a)?.['failed'] === 'string', 20_000, 'a failed again after three more');
    // b: a change of the service dir lets it start again.
    await waitHealth(b, (h) => typeof h['failed'] === 'string', 'b failed');
    assert.equal(starts(b), 2);
    writeFileSync(`${b}/restart-giveup`, '5 60\n');
    await waitFor(() => starts(b) >= 3, 20_000, 'b started again after its dir changed');
  });

  it('restart-never: an exit code listed is not restarted; others are', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', 'echo x >> starts\n[ "$(wc -l < starts)" -ge 2 ] && exit 100\nexit 3', { 'restart-never': '100 111\n' });
    await supervise(box, dir);
    await waitHealth(dir, (h) => typeof h['failed'] === 'string', 'failed after exit 100');
    assert.equal(starts(dir), 2);
    const s = await waitStatus(dir, (x) => x.pid === 0 && x.want === 0x64, 'down, want down');
    assert.equal(s.pid, 0);
    const v = await svstat(box.root, '-v', 's');
    assert.match(v.stdout, /^s: down \d+ seconds, normally up, failed\n/);
    assert.match(v.stdout, /\n {2}last exit: exit 100, /);
    assert.match(v.stdout, /\n {2}failed: exit 100 is in restart-never/);
  });

  it('bad policy files get one warning each and the service runs with the defaults', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', 'exec sleep 100', {
      'restart-backoff': 'fast\n', 'restart-giveup': '-1 x\n', 'restart-never': 'sometimes\n', 'restart-reset': '1h\n',
    });
    const sup = await supervise(box, dir);
    await waitUp(dir);
    await waitFor(() => own(sup.stderr(), 'supervise').length >= 4, DEADLINE_MS, 'four warnings');
    assert.deepEqual(own(sup.stderr(), 'supervise').map((l) => l.replace(dir, 'S')).sort(), [
      'supervise: warning: unable to parse S/restart-backoff: expected two numbers of seconds: BASE MAX, ignored',
      'supervise: warning: unable to parse S/restart-giveup: not a whole number: "-1", ignored',
      'supervise: warning: unable to parse S/restart-never: not an exit code (0-255): "sometimes", ignored',
      'supervise: warning: unable to parse S/restart-reset: not a number of seconds: "1h", ignored',
    ]);
    const r = await svstat(box.root, 's');
    assert.match(r.stdout, /^s: up \(pid \d+\) \d+ seconds\n$/);
  });
});
