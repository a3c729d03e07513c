// svscan: a broken service directory shows in its own status and in one warning; it never
// takes down svscan or another service.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { alive, startSvscan, statusPid, waitUp } from './_svscan.ts';

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

test('faulty service directories are reported, retried, and harm nobody else', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/good', 'exec sleep 1000');
  box.write('sc/noexec/run', '#!/bin/sh\nexec sleep 1000\n', 0o644);
  mkdirSync(box.path('sc/rundir/run'), { recursive: true });
  box.write('sc/badinterp/run', '#!/nonexistent/sh\nexec sleep 1000\n', 0o755);
  mkdirSync(box.path('sc/norun'));
  box.service('sc/logfile', 'exec sleep 1000', { log: 'a plain file where log/ should be\n' });
  box.service('sc/supfile', 'exec sleep 1000', { supervise: 'a plain file where supervise/ should be\n' });
  box.service('sc/brokenlog', 'exec sleep 1000', { 'log/run': 'exec cat > /dev/null', 'log/supervise': 'not a directory\n' });
  // Garbage everywhere but a good run: junk files, a short status, plain files for the FIFOs.
  box.service('sc/garbage', 'exec sleep 1000', { 'supervise/status': 'junk\n', 'supervise/control': 'junk\n', 'supervise/ok': 'junk\n', 'timeout-kill': 'soon\n' });
  for (let i = 0; i < 5; i++) writeFileSync(box.path(`sc/garbage/junk${i}`), randomFillSync(Buffer.alloc(512)));
  symlinkSync('/nonexistent-svkit/x', box.path('sc/garbage/log'));

  const scan = startSvscan(box, 'sc');
  const good = await waitUp(box.path('sc/good'));
  const expected = [
    'svscan: warning: unable to start sc/noexec/run: access denied\n',
    'svscan: warning: unable to start sc/rundir/run: access denied\n',
    'svscan: warning: unable to start sc/badinterp/run: file does not exist\n',
    'svscan: warning: unable to start sc/norun/run: file does not exist\n',
    'svscan: warning: unable to chdir to sc/logfile/log: not a directory\n',
    'svscan: warning: unable to supervise sc/supfile: unable to acquire sc/supfile/supervise/lock: not a directory\n',
    'svscan: warning: unable to supervise sc/brokenlog: unable to acquire sc/brokenlog/log/supervise/lock: not a directory\n',
  ];
  await waitFor(() => expected.every((w) => scan.stderr().includes(w)), DEADLINE_MS, `every warning (so far: ${scan.stderr()})`);
  // Services that can run do, whatever their directory's other trouble.
  const logfile = await waitUp(box.path('sc/logfile'));
  const brokenlog = await waitUp(box.path('sc/brokenlog'));
  const garbage = await waitUp(box.path('sc/garbage'));

  // Let the broken ones be retried for a while (2 crash-loop periods): still one warning each.
  // A window in which nothing may happen: a busy machine can only hide a repeat here (fewer
  // retries), never fail a right svscan.
  await new Promise((r) => setTimeout(r, 2100));
  for (const w of expected) assert.equal(count(scan.stderr(), w), 1, `once: ${w}`);
  assert.equal(scan.stderr(), expected.slice().sort((a, b) => scan.stderr().indexOf(a) - scan.stderr().indexOf(b)).join(''), 'no other message');

  // Each fault shows in that service's own status.
  const names = ['good', 'noexec', 'rundir', 'badinterp', 'norun', 'logfile', 'supfile', 'brokenlog', 'garbage'];
  const st = await runTool('svstat', names.map((n) => `sc/${n}`), { cwd: box.root });
  assert.equal(st.code, 0);
  assert.equal(st.stderr, '');
  const want = [
    `sc/good: up \\(pid ${good}\\) \\d+ seconds`,
    'sc/noexec: down \\d+ seconds, normally up, want up',
    'sc/rundir: down \\d+ seconds, normally up, want up',
    'sc/badinterp: down \\d+ seconds, normally up, want up',
    'sc/norun: down \\d+ seconds, normally up, want up',
    `sc/logfile: up \\(pid ${logfile}\\) \\d+ seconds`,
    'sc/supfile: unable to open supervise/ok: not a directory',
    `sc/brokenlog: up \\(pid ${brokenlog}\\) \\d+ seconds`,
    `sc/garbage: up \\(pid ${garbage}\\) \\d+ seconds`,
  ];
  assert.match(st.stdout, new RegExp(`^${want.join('\\n')}\\n$`));

  // svscan and the good service were never disturbed.
  assert.ok(alive(scan.pid));
  assert.equal(statusPid(box.path('sc/good')), good);
  assert.ok(alive(good));

  // A repaired directory starts without a restart of svscan.
  chmodSync(box.path('sc/noexec/run'), 0o755);
  await waitUp(box.path('sc/noexec'));
  process.kill(scan.pid, 'SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  assert.equal(alive(good), false);
});
