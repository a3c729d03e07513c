// An in-process log (S/log/multilog) is as visible as a log/run logger: to runit's sv, to
// svstat S/log, svok and svtop (issue 7's compatibility wart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { peer, runTool } from '../helpers/tools.ts';
import { normalizeSeconds } from '../fixtures/supervision.ts';
import { startSvscan, statusPid, waitUp } from './_svscan.ts';

test('S/log/supervise of an in-process log names svscan, answers svok, and goes down with it', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/web', 'echo hello\nexec sleep 1000', { 'log/multilog': './main\n' });
  const scan = startSvscan(box, 'sc');
  const pid = await waitUp(box.path('sc/web'));
  await waitFor(() => statusPid(box.path('sc/web/log')) === scan.pid, DEADLINE_MS, 'log status names svscan');
  const st = await runTool('svstat', ['sc/web/log'], { cwd: box.root });
  assert.match(st.stdout, new RegExp(`^sc/web/log: up \\(pid ${scan.pid}\\) \\d+ seconds\\n$`));
  assert.equal((await runTool('svok', ['sc/web/log'], { cwd: box.root })).code, 0);
  const sv = peer('sv');
  if (sv !== undefined) {
    const r = await runTool(sv, ['status', './sc/web'], { cwd: box.root });
    assert.deepEqual([r.code, r.stderr, normalizeSeconds(r.stdout)], [0, '', `run: ./sc/web: (pid ${pid}) Ns; run: log: (pid ${scan.pid}) Ns\n`]);
  }
  const top = await runTool('svtop', ['--once', 'sc'], { cwd: box.root });
  assert.match(top.stdout, new RegExp(`\\nweb/log +up +${scan.pid} `));
  // Commands to it are taken and ignored: svscan is not signalled, the log keeps running.
  assert.equal((await runTool('svc', ['-k', 'sc/web/log'], { cwd: box.root })).code, 0);
  assert.equal((await runTool('svc', ['-u', 'sc/web'], { cwd: box.root })).code, 0);
  assert.equal(statusPid(box.path('sc/web/log')), scan.pid);
  process.kill(scan.pid, 'SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  assert.equal(statusPid(box.path('sc/web/log')), 0);
  assert.equal((await runTool('svok', ['sc/web/log'], { cwd: box.root })).code, 100);
});

test('svstat -v of a crash loop with an in-process log shows what it said before it died', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/boom', 'echo starting\necho boom\nexit 1', { 'log/multilog': './main\n' });
  startSvscan(box, 'sc');
  await waitFor(async () => /\n {2}restarts: [1-9]/.test((await runTool('svstat', ['-v', 'sc/boom'], { cwd: box.root })).stdout), 20_000, 'a restart');
  let out = '';
  await waitFor(async () => {
    out = (await runTool('svstat', ['-v', 'sc/boom'], { cwd: box.root })).stdout;
    return out.includes('  last lines logged:\n');
  }, 20_000, 'the log tail');
  assert.match(out, /\n {2}last exit: exit 1, \d+ seconds ago\n/);
  assert.match(out, /\n {2}last lines logged:\n( {4}(starting|boom)\n){3}$/);
  const j = JSON.parse((await runTool('svstat', ['--json', 'sc/boom'], { cwd: box.root })).stdout) as { services: { lastLines: string[] }[] };
  assert.equal(j.services[0]?.lastLines.length, 3);
});
