// svscan: kill -9 of svscan while services log at full rate, then a new svscan: every service
// adopted (never two copies), no log line lost, no service killed by a broken pipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, processesUnder, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { alive, checkSequences, lastNumber, processesIn, startSvscan, type Svscan, statusPid, supervised, waitUp } from './_svscan.ts';

async function kill9(scan: Svscan): Promise<void> {
  process.kill(scan.pid, 'SIGKILL');
  assert.deepEqual(await scan.exited, { code: null, signal: 'SIGKILL' });
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

test('kill -9 of svscan three times under full-rate logging: services adopted, never doubled, no line lost', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const out = box.path('fast.out');
  // A tight loop (no child processes) printing "PID N" as fast as the pipe takes it.
  box.service('sc/fast', 'i=0; while :; do i=$((i+1)); echo "$$ $i"; done', { 'log/run': `exec cat >> ${out}` });
  box.service('sc/quiet', 'exec sleep 1000');
  const dirs = ['sc/fast', 'sc/fast/log', 'sc/quiet'].map((d) => box.path(d));
  let scan = startSvscan(box, 'sc');
  const pids = await Promise.all(dirs.map((d) => waitUp(d)));
  const stderr: string[] = [];

  for (let round = 1; round <= 3; round++) {
    const before = size(out);
    await waitFor(() => size(out) > before + 10_000, DEADLINE_MS, `round ${round}: the log grows`);
    await kill9(scan);
    stderr.push(scan.stderr());
    for (const pid of pids) assert.ok(alive(pid), `round ${round}: pid ${pid} survived svscan's death`);
    const grown = size(out);
    await waitFor(() => size(out) > grown + 10_000, DEADLINE_MS, `round ${round}: logging goes on without svscan`);

    // How soon is a bench row (bench/svscan.bench.ts, 'back under supervision after kill -9'):
    // here only that it happens, and with the same processes.
    scan = startSvscan(box, 'sc');
    await waitFor(() => dirs.every(supervised), DEADLINE_MS, `round ${round}: every service supervised again`);
    for (const [i, dir] of dirs.entries()) {
      assert.equal(statusPid(dir), pids[i], `round ${round}: ${dir} adopted, same pid`);
      const here = processesIn(box.root, dir);
      assert.deepEqual(here.map((p) => p.pid), [pids[i]], `round ${round}: exactly one process in ${dir}`);
    }
    const ok = await runTool('svok', [dirs[0] ?? '']);
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, '', ''], `round ${round}: svok`);
  }
  // Adopted services answer commands: svc -t of the quiet one restarts it under the new svscan.
  const svcT = await runTool('svc', ['-t', dirs[2] ?? '']);
  assert.deepEqual([svcT.code, svcT.stdout, svcT.stderr], [0, '', '']);
  await waitFor(() => statusPid(dirs[2] ?? '') !== pids[2] && statusPid(dirs[2] ?? '') !== 0, DEADLINE_MS, 'quiet restarted');
  assert.equal(alive(pids[2] ?? 0), false);

  // A clean stop at the end: the log holds one unbroken sequence from one process.
  const grown = size(out);
  await waitFor(() => size(out) > grown + 10_000, DEADLINE_MS, 'the log grows under the last svscan');
  // Enough lines for the count below, however slowly a busy machine lets fast run.
  await waitFor(() => lastNumber(out) > 40_000, DEADLINE_MS, 'over 40000 lines logged');
  for (const pid of pids.slice(0, 2)) assert.ok(alive(pid), `pid ${pid} never died (no broken pipe)`);
  process.kill(scan.pid, 'SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  stderr.push(scan.stderr());
  assert.deepEqual(stderr, ['', '', '', ''], 'no warnings');
  for (const pid of pids) assert.equal(alive(pid), false);
  const seqs = checkSequences(readFileSync(out, 'utf8'));
  assert.deepEqual([...seqs.keys()], [String(pids[0])], 'one instance of fast, ever');
  assert.ok((seqs.get(String(pids[0])) ?? 0) > 40_000, `lines logged: ${seqs.get(String(pids[0]))}`);
  assert.deepEqual(processesUnder(box.root), [], 'nothing left running');
});

test('after kill -9 of svscan, Sandbox.cleanup reaps the orphaned services and loggers', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000', { 'log/run': 'exec cat > /dev/null' });
  box.service('sc/b', 'trap "" TERM; while :; do sleep 1; done');
  const scan = startSvscan(box, 'sc');
  const pids = await Promise.all(['sc/a', 'sc/a/log', 'sc/b'].map((d) => waitUp(box.path(d))));
  await kill9(scan);
  const orphans = processesUnder(box.root);
  for (const pid of pids) assert.ok(orphans.includes(pid), `orphan ${pid} found by its cwd`);
  await box.cleanup();
  await waitFor(() => orphans.every((pid) => !alive(pid)), DEADLINE_MS, 'orphans killed');
});
