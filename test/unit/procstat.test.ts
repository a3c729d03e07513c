// os/proc.ts readProcInfo: the addon's parse of /proc/PID/stat agrees with the text itself,
// for a process whose comm holds spaces and parentheses, and a pid that is gone is undefined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProcInfo } from '../../packages/core/src/os/proc.ts';
import { sys } from '../../packages/core/src/os/sys.ts';

function fromText(pid: number): { pgrp: number; session: number; startTicks: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pgrp: Number(f[2]), session: Number(f[3]), startTicks: Number(f[19]) };
}

test('readProcInfo: state, group, session and start time as /proc/PID/stat says them', async (t) => {
  assert.ok(sys().procStat, 'the addon has procStat');
  const dir = mkdtempSync(join(tmpdir(), 'svkit-procstat-'));
  const odd = join(dir, 'a) (b c');
  copyFileSync('/bin/sleep', odd);
  const child = spawn(odd, ['30'], { stdio: 'ignore', detached: true });
  t.after(() => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  await new Promise((r) => child.once('spawn', r));
  for (const pid of [process.pid, child.pid!]) {
    const got = readProcInfo(pid);
    assert.ok(got, String(pid));
    const want = fromText(pid);
    // The state may move on between the two reads (R, S): one letter is all that is asked of it.
    assert.match(got.state, /^[A-Za-z]$/, String(pid));
    assert.deepEqual({ pgrp: got.pgrp, session: got.session, startTicks: got.startTicks }, { pgrp: want.pgrp, session: want.session, startTicks: want.startTicks }, String(pid));
  }
  assert.equal(readFileSync(`/proc/${child.pid}/comm`, 'latin1'), 'a) (b c\n', 'the comm the parse must get past');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal(readProcInfo(child.pid!), undefined, 'a reaped pid is gone');
});
