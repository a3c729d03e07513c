// svhttp serves dirs run by real daemontools supervise and runit runsv: the on-disk contract only.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { needPeers, peer } from '../helpers/tools.ts';
import { okOpen, supervise, waitRestarted, waitStatus, waitUp } from '../fixtures/supervision.ts';
import { execFileSync } from 'node:child_process';
import { bearer, http, sse, startSvhttp } from '../cli/_svhttp.ts';

const skip = needPeers('supervise', 'runsv');
const real = (name: string): string => peer(name) ?? `/usr/bin/${name}`;
const RW = 'rw-token-0123456789abcdef';

describe('svhttp over real peers', { concurrency: 2, skip }, () => {
  for (const [prog, format] of [['supervise', 'daemontools'], ['runsv', 'runit']] as const) {
    it(`${prog}: list, restart, down and SSE events from status changes, metrics`, async (t) => {
      const box = new Sandbox();
      t.after(() => box.cleanup());
      const dir = box.service('sc/web', 'exec sleep 1000');
      await supervise(box, dir, real(prog));
      const pid = await waitUp(dir);
      const s = await startSvhttp(box, ['--token-file', box.write('tokens', `rw ${RW}\n`, 0o600), 'sc']);
      const one = (await http(s, 'GET', '/api/v1/services/web', bearer(RW))).json();
      assert.deepEqual([one.ok, one.state, one.pid, one.format, one.ready, one.restarts], [true, 'up', pid, format, null, null]);
      const events = await sse(s, '/api/v1/events', bearer(RW));
      t.after(() => events.close());
      await waitFor(() => events.ready(), 20_000, 'the event feed watching');
      assert.equal((await http(s, 'POST', '/api/v1/services/web/restart', bearer(RW))).status, 202);
      const pid2 = await waitRestarted(dir, pid, 'restarted by the API');
      assert.equal((await http(s, 'POST', '/api/v1/services/web/down', bearer(RW))).status, 202);
      await waitStatus(dir, (st) => st.pid === 0, 'down by the API');
      await waitFor(() => events.events.some((e) => e.event === 'exit' && e.data.pid === pid2), 20_000, `exit of ${pid2} over SSE`);
      const metrics = parsePrometheusTextFormat((await http(s, 'GET', '/metrics', bearer(RW))).body);
      const up = metrics.find((f) => f.name === 'svkit_service_up')?.metrics.find((m) => m.labels?.['service'] === 'web');
      assert.equal(up?.value, '0');
      assert.equal(s.stderr(), '');
    });

    it(`${prog}: each status it writes is in the very next GET; its death too`, async (t) => {
      const box = new Sandbox();
      t.after(() => box.cleanup());
      const dir = box.service('sc/web', 'exec sleep 1000');
      const sup = await supervise(box, dir, real(prog));
      const pid = await waitUp(dir);
      box.trackPid(pid);
      const s = await startSvhttp(box, ['--token-file', box.write('tokens', `rw ${RW}\n`, 0o600), 'sc']);
      const web = async (): Promise<Record<string, any>> => (await http(s, 'GET', '/api/v1/services', bearer(RW))).json().services[0];
      assert.deepEqual([(await web()).pid, (await web()).paused], [pid, false]);
      // The peer's own svc (daemontools svc, runit sv) talks to the peer's supervisor.
      const ctl = (args: string[]): void => {
        execFileSync(prog === 'supervise' ? real('svc') : real('sv'), prog === 'supervise' ? [args[0] ?? '', dir] : [args[1] ?? '', dir]);
      };
      ctl(['-p', 'pause']);
      await waitStatus(dir, (st) => st.paused === 1, 'paused on disk');
      assert.equal((await web()).paused, true);
      ctl(['-c', 'cont']);
      await waitStatus(dir, (st) => st.paused === 0, 'continued on disk');
      assert.equal((await web()).paused, false);
      ctl(['-d', 'down']);
      await waitStatus(dir, (st) => st.pid === 0, 'down on disk');
      assert.deepEqual([(await web()).state, (await web()).want], ['down', 'down']);
      ctl(['-u', 'up']);
      const pid2 = (await waitStatus(dir, (st) => st.pid !== 0, 'up on disk')).pid;
      box.trackPid(pid2);
      assert.deepEqual([(await web()).state, (await web()).pid], ['up', pid2]);
      sup.child.kill('SIGKILL');
      await sup.exited;
      await waitFor(() => !okOpen(dir), 20_000, 'supervise/ok without reader');
      assert.deepEqual([(await web()).ok, (await web()).error], [false, 'supervise not running']);
      assert.equal(s.stderr(), '');
    });
  }
});
