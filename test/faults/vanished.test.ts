// Issue 13 row 7: service directories removed while svscan was dead (kill -9). On 585efdd
// their services kept running forever, orphaned. Now the next svscan finds them in
// SCANDIR/.svscan/children and brings them down (the service, then its logger), after
// checking pid, start time, process group and session; a directory that was only renamed
// is adopted under its new name, and a record that does not match its process kills nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { Sandbox, processesUnder, waitFor } from '../helpers/sandbox.ts';
import { alive, startSvscan, statusPid, supervised, waitNewPid, waitUp, type Svscan } from '../scenarios/_svscan.ts';
import { removeDir, svcDownActs } from './_children.ts';

async function kill9(scan: Svscan): Promise<void> {
  process.kill(scan.pid, 'SIGKILL');
  assert.deepEqual(await scan.exited, { code: null, signal: 'SIGKILL' });
}

/** The pids the journal's lines leave recorded ("+ PID ..." not followed by "- DIR PID"). */
function live(journal: string): number[] {
  const byDir = new Map<string, number>();
  for (const line of journal.split('\n')) {
    const f = line.split(' ');
    if (f[0] === '+') byDir.set(f[4] ?? '', Number(f[1]));
    if (f[0] === '-' && byDir.get(f[1] ?? '') === Number(f[2])) byDir.delete(f[1] ?? '');
  }
  return [...byDir.values()];
}

function startTicks(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}

test('services whose directory was removed while svscan was down are brought down by the next svscan', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/keep', 'exec sleep 1000');
  box.service('sc/gone', 'exec sleep 1000', { 'log/run': 'exec cat > /dev/null' });
  box.service('sc/gone2', 'exec sleep 1000');
  box.service('sc/moved', 'exec sleep 1000');
  box.service('sc/replaced', 'exec sleep 1000');
  const dir = (n: string): string => box.path('sc', n);
  let scan = startSvscan(box, 'sc');
  const names = ['keep', 'gone', 'gone/log', 'gone2', 'moved', 'replaced'];
  const pid = new Map<string, number>();
  for (const n of names) pid.set(n, await waitUp(dir(n)));
  const at = (n: string): number => pid.get(n) ?? 0;
  // A process in a session of its own that the journal will name with the wrong start time.
  const decoy = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
  box.track(decoy);
  const decoyPid = decoy.pid ?? 0;
  await waitFor(() => alive(decoyPid), 20_000, 'decoy running');

  await kill9(scan);
  rmSync(dir('gone'), { recursive: true });
  rmSync(dir('gone2'), { recursive: true });
  renameSync(dir('moved'), dir('moved2'));
  rmSync(dir('replaced'), { recursive: true });
  box.service('sc/replaced', 'exec sleep 1000');
  const journal = box.path('sc/.svscan/children');
  mkdirSync(box.path('sc/.svscan'), { recursive: true });
  // A record naming the decoy with a wrong start time, as a line of the journal would.
  appendFileSync(journal, `+ ${decoyPid} ${decoyPid} ${startTicks(decoyPid) + 1} 0:0 "decoy"\n`);
  for (const n of names) assert.ok(alive(at(n)), `${n} outlived svscan`);

  scan = startSvscan(box, 'sc');
  for (const n of ['gone', 'gone/log', 'gone2', 'replaced']) await waitFor(() => !alive(at(n)), 20_000, `${n} (pid ${at(n)}) brought down`);
  const fresh = await waitNewPid(dir('replaced'), at('replaced'), 20_000);
  await waitFor(() => supervised(dir('keep')) && supervised(dir('moved2')), 20_000, 'keep and moved2 supervised');
  assert.equal(statusPid(dir('keep')), at('keep'), 'keep adopted');
  assert.equal(statusPid(dir('moved2')), at('moved'), 'the renamed directory adopted its process');
  assert.ok(alive(decoyPid), 'a record whose start time does not match kills nothing');
  const warnings = scan.stderr().split('\n').filter((l) => l !== '').sort();
  assert.deepEqual(warnings, ['gone', 'gone/log', 'gone2', 'replaced'].map((n) =>
    `svscan: warning: bringing down sc/${n} (pid ${at(n)}): its directory was removed while svscan was not running`).sort());

  // The others stay controllable, and the journal forgets what was brought down.
  await svcDownActs(dir('keep'), 'keep');
  await svcDownActs(dir('moved2'), 'moved2');
  await waitFor(() => {
    return live(readFileSync(journal, 'utf8')).join() === String(fresh);
  }, 20_000, 'the journal holds only the running child');

  process.kill(scan.pid, 'SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  assert.deepEqual(processesUnder(box.root), [], 'nothing left running');
  assert.deepEqual(live(readFileSync(journal, 'utf8')), [], 'nothing recorded after a clean stop');
});

test('directories created and removed in a churn, svscan killed mid-churn: nothing of the removed ones survives the next svscan', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/keep', 'exec sleep 1000');
  const dir = (n: string): string => box.path('sc', n);
  let scan = startSvscan(box, 'sc');
  const keep = await waitUp(dir('keep'));
  const churn: string[] = [];
  for (let i = 0; i < 30; i++) {
    churn.push(`c${i}`);
    box.service(`sc/c${i}`, 'exec sleep 1000');
    if (i >= 10) await removeDir(dir(`c${i - 10}`));
  }
  await waitUp(dir('c29'), 20_000);
  await kill9(scan);
  for (const n of churn.slice(20)) rmSync(dir(n), { recursive: true });
  const inChurn = (): number[] => processesUnder(box.root).filter((pid) => {
    try {
      return /\/sc\/c\d+( \(deleted\))?$/.test(readlinkSync(`/proc/${pid}/cwd`));
    } catch {
      return false;
    }
  });
  assert.ok(inChurn().length > 0, 'some removed services outlived svscan');

  scan = startSvscan(box, 'sc');
  await waitFor(() => inChurn().length === 0, 20_000, 'every service of a removed directory brought down');
  await waitFor(() => supervised(dir('keep')), 20_000, 'keep supervised');
  assert.equal(statusPid(dir('keep')), keep, 'keep adopted, not restarted');
  await svcDownActs(dir('keep'), 'keep');
  process.kill(scan.pid, 'SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  assert.deepEqual(processesUnder(box.root), [], 'nothing left running');
});
