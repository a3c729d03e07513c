// Real daemontools svstat and runit sv status read every state the health layer adds (issue 7):
// not ready, unhealthy, back-off, failed. supervise/status stays the 20-byte record.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sandbox } from '../helpers/sandbox.ts';
import { needPeers, peer, runTool } from '../helpers/tools.ts';
import { normalizeSeconds, supervise, waitUp } from '../fixtures/supervision.ts';
import { waitHealth } from '../scenarios/_health.ts';

const skip = needPeers('sv', 'svstat');
const real = (name: string): string => peer(name) ?? `/usr/bin/${name}`;

async function both(box: Sandbox, rel: string): Promise<[string, string]> {
  const a = await runTool(real('svstat'), [rel], { cwd: box.root });
  const b = await runTool(real('sv'), ['status', `./${rel}`], { cwd: box.root });
  assert.equal(a.stderr + b.stderr, '');
  return [normalizeSeconds(a.stdout), normalizeSeconds(b.stdout)];
}

describe('peers read the health states', { concurrency: 3, skip }, () => {
  it('not ready and unhealthy are up to real svstat and sv', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.service('S', 'exec sleep 1000', { 'notification-fd': '3\n' });
    const sick = box.service('U', 'exec sleep 1000', { 'health/tcp': '127.0.0.1:1\n', 'health/interval': '0.1\n', 'health/retries': '1\n', 'health/action': 'alert\n' });
    await supervise(box, dir);
    await supervise(box, sick);
    const pid = await waitUp(dir);
    const upid = await waitUp(sick);
    await waitHealth(dir, (h) => h['ready'] === false && h.pid === pid, 'not ready');
    assert.deepEqual(await both(box, 'S'), [`S: up (pid ${pid}) N seconds\n`, `run: ./S: (pid ${pid}) Ns\n`]);
    await waitHealth(sick, (h) => h['health'] === 'unhealthy', 'unhealthy');
    assert.deepEqual(await both(box, 'U'), [`U: up (pid ${upid}) N seconds\n`, `run: ./U: (pid ${upid}) Ns\n`]);
  });

  it('back-off and failed are down to real svstat and sv (failed: want down)', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const b = box.service('B', 'exit 1', { 'restart-backoff': '30 30\n' });
    const f = box.service('F', 'exit 1', { 'restart-giveup': '1 60\n' });
    await supervise(box, b);
    await supervise(box, f);
    await waitHealth(b, (h) => h.pid === 0 && h['backoff'] !== null, 'backing off');
    assert.deepEqual(await both(box, 'B'), ['B: down N seconds, normally up, want up\n', 'down: ./B: Ns, normally up, want up\n']);
    await waitHealth(f, (h) => typeof h['failed'] === 'string', 'failed');
    assert.deepEqual(await both(box, 'F'), ['F: down N seconds, normally up\n', 'down: ./F: Ns, normally up\n']);
  });
});
