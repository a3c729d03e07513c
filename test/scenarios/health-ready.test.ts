// Readiness: notification-fd (s6's protocol) and timeout-ready (issue 7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { own, supervise, waitUp } from '../fixtures/supervision.ts';
import { starts, svstat, waitHealth } from './_health.ts';

describe('readiness', { concurrency: 3 }, () => {
  it('a service that becomes ready late: not ready, then ready on the newline on fd 3', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    // Ready only once the test says so: anything before the newline does not count.
    const dir = box.service('s', 'printf starting >&3\necho waiting > waiting\nwhile [ ! -e go ]; do sleep 0.05; done\necho >&3\nexec sleep 100', { 'notification-fd': '3\n' });
    await supervise(box, dir);
    const pid = await waitUp(dir);
    await waitFor(() => existsSync(`${dir}/waiting`), DEADLINE_MS, 'run waiting');
    await waitHealth(dir, (h) => h.pid === pid && h['ready'] === false, 'not ready recorded');
    assert.match((await svstat(box.root, 's')).stdout, new RegExp(`^s: up \\(pid ${pid}\\) \\d+ seconds, not ready\\n$`));
    writeFileSync(`${dir}/go`, '');
    await waitHealth(dir, (h) => h['ready'] === true, 'ready');
    assert.match((await svstat(box.root, 's')).stdout, new RegExp(`^s: up \\(pid ${pid}\\) \\d+ seconds, ready\\n$`));
    assert.match((await svstat(box.root, '-v', 's')).stdout, /\n {2}ready: yes, since \d+ seconds ago\n/);
  });

  it('a service that never becomes ready is restarted after timeout-ready, and says so', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', 'echo x >> starts\nexec sleep 100', { 'notification-fd': '5\n', 'timeout-ready': '1\n' });
    const sup = await supervise(box, dir);
    await waitFor(() => starts(dir) >= 2, 20_000, 'restarted after the readiness timeout');
    // The cause is written when the timeout fires, the count once the restart is made: wait for both.
    const h = await waitHealth(dir, (x) => x['cause'] === 'timeout-ready: not ready after 1 seconds' && x.restarts >= 1, 'cause and restart recorded');
    assert.equal(h['cause'], 'timeout-ready: not ready after 1 seconds');
    await waitFor(() => own(sup.stderr(), 'supervise').some((l) => /^supervise: warning: .*\/s not ready after 1 seconds \(timeout-ready\), restarting$/.test(l)), DEADLINE_MS, 'the warning');
  });

  it('EOF on the pipe without a newline is not readiness', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', 'printf ready-but-no-newline >&3\nexec 3>&-\necho closed > closed\nexec sleep 100', { 'notification-fd': '3\n' });
    await supervise(box, dir);
    const pid = await waitUp(dir);
    await waitFor(() => existsSync(`${dir}/closed`), DEADLINE_MS, 'fd closed');
    const h = await waitHealth(dir, (x) => x.pid === pid, 'record of the run');
    assert.equal(h['ready'], false);
    assert.match((await svstat(box.root, 's')).stdout, /, not ready\n$/);
  });

  it('a bad notification-fd or timeout-ready is one warning each; the service is ready once up, as before', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('s', 'exec sleep 100', { 'notification-fd': 'three\n', 'timeout-ready': '-5\n' });
    const sup = await supervise(box, dir);
    const pid = await waitUp(dir);
    await waitFor(() => own(sup.stderr(), 'supervise').length >= 2, DEADLINE_MS, 'two warnings');
    assert.deepEqual(own(sup.stderr(), 'supervise').map((l) => l.replace(dir, 'S')).sort(), [
      'supervise: warning: unable to parse S/notification-fd: not a file descriptor number: "three", ignored',
      'supervise: warning: unable to parse S/timeout-ready: not a number of seconds: "-5", ignored',
    ]);
    assert.match((await svstat(box.root, 's')).stdout, new RegExp(`^s: up \\(pid ${pid}\\) \\d+ seconds\\n$`));
  });
});

