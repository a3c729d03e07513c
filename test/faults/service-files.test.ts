// Issue 13, rows 2, 3, 9, 10 and 12: a file of a service dir that is a FIFO, a device, a
// directory, too big, or named with odd bytes costs that service a warning (and at worst its
// start), never svscan's main thread, its memory, or another service's control.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { alive, sandboxProcesses, startSvscan, statusPid, waitUp } from '../scenarios/_svscan.ts';
import { DEADLINE_MS, assertControllable, assertOneLineEach, count, stopAndCheck } from './_faults.ts';

/** A run that records the environment exactly as exec gave it (one NAME=value a line), then stays up. */
const RECORD_ENV = "tr '\\0' '\\n' < /proc/$$/environ > env.seen.tmp && mv env.seen.tmp env.seen; exec sleep 1000";

function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return Number(m?.[1] ?? 0);
}

test('row 2: a FIFO in env/ or at timeout-kill is warned about once and skipped; svscan never waits on it', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/ctl', 'exec sleep 1000');
  box.service('sc/kill', 'exec sleep 1000');
  execFileSync('mkfifo', [box.path('sc/kill/timeout-kill')]);
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/ctl'), DEADLINE_MS);
  const kill = await waitUp(box.path('sc/kill'), DEADLINE_MS);
  // A new service with a FIFO for a variable: it starts, without that variable.
  box.service('sc/.new', RECORD_ENV, { 'env/BAR': 'bar\n' });
  execFileSync('mkfifo', [box.path('sc/.new/env/FOO')]);
  execFileSync('mv', [box.path('sc/.new'), box.path('sc/fifoenv')]);
  await waitFor(() => existsSync(box.path('sc/fifoenv/env.seen')), DEADLINE_MS, 'fifoenv started');
  const seen = readFileSync(box.path('sc/fifoenv/env.seen'), 'latin1');
  assert.match(seen, /^BAR=bar$/m);
  assert.doesNotMatch(seen, /^FOO=/m);
  // svc -d of the service whose timeout-kill is a FIFO: it stops with the default timeout.
  const d = await runTool('svc', ['-d', 'sc/kill'], { cwd: box.root });
  assert.equal(d.code, 0);
  await waitFor(() => statusPid(box.path('sc/kill')) === 0 && !alive(kill), DEADLINE_MS, 'kill down');
  await assertControllable(box, 'sc/ctl');
  await assertControllable(box, 'sc/fifoenv');
  const env = 'svscan: warning: unable to read sc/fifoenv/env/FOO: not a regular file (fifo), skipped\n';
  const tk = 'svscan: warning: unable to read sc/kill/timeout-kill: not a regular file (fifo)\n';
  await waitFor(() => scan.stderr().includes(tk), DEADLINE_MS, 'timeout-kill warning');
  assert.equal(count(scan.stderr(), env), 1, scan.stderr());
  assert.equal(count(scan.stderr(), tk), 1, scan.stderr());
  assert.equal(scan.stderr().replace(env, '').replace(tk, ''), '', 'no other message');
  await stopAndCheck(box, scan);
});

test('row 3: env/ entries linked to /dev/zero and a directory are never read; memory stays flat', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/ctl', 'exec sleep 1000');
  box.service('sc/zero', RECORD_ENV, { 'env/BAR': 'bar\n' });
  symlinkSync('/dev/zero', box.path('sc/zero/env/FOO'));
  symlinkSync('/dev/urandom', box.path('sc/zero/env/RAND'));
  const scan = startSvscan(box, 'sc');
  await waitFor(() => existsSync(box.path('sc/zero/env.seen')), DEADLINE_MS, 'zero started');
  assert.match(readFileSync(box.path('sc/zero/env.seen'), 'latin1'), /^BAR=bar$/m);
  await assertControllable(box, 'sc/ctl');
  // Restarts read env/ again each time: still nothing read from the devices.
  await assertControllable(box, 'sc/zero');
  assert.ok(rssKb(scan.pid) < 400_000, `svscan RSS ${rssKb(scan.pid)} kB`);
  assert.equal(count(scan.stderr(), 'svscan: warning: unable to read sc/zero/env/FOO: not a regular file (character device), skipped\n'), 1, scan.stderr());
  assert.equal(count(scan.stderr(), 'svscan: warning: unable to read sc/zero/env/RAND: not a regular file (character device), skipped\n'), 1, scan.stderr());
  await stopAndCheck(box, scan);
});

test('row 9: an env/ name that is not UTF-8 is passed as bytes, values keep their bytes, a directory in env/ is skipped', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/ctl', 'exec sleep 1000');
  box.service('sc/bytes', RECORD_ENV, { 'env/UTF': 'caf\u00e9 \t\n', 'env/NL': 'a\0b\nsecond line\n' });
  writeFileSync(Buffer.from(`${box.path('sc/bytes/env')}/NA\xff`, 'latin1'), Buffer.from([0x76, 0xfe, 0x0a]));
  mkdirSync(box.path('sc/bytes/env/SUB'));
  const scan = startSvscan(box, 'sc');
  await waitFor(() => existsSync(box.path('sc/bytes/env.seen')), DEADLINE_MS, 'bytes started');
  const seen = readFileSync(box.path('sc/bytes/env.seen'));
  assert.ok(seen.includes(Buffer.from([0x0a, 0x4e, 0x41, 0xff, 0x3d, 0x76, 0xfe, 0x0a])), `NA\\xff=v\\xfe in ${seen.toString('latin1')}`);
  assert.ok(seen.includes(Buffer.from('\nUTF=caf\u00e9\n', 'utf8')), 'UTF-8 value kept as its bytes, trailing blanks cut');
  assert.ok(seen.includes(Buffer.from('\nNL=a\nb\n')), 'NUL as newline, first line only');
  assert.ok(!seen.includes(Buffer.from('\nSUB=')));
  // Its status is written and says up.
  const st = await runTool('svstat', ['sc/bytes'], { cwd: box.root });
  assert.match(st.stdout, /^sc\/bytes: up \(pid \d+\) \d+ seconds\n$/);
  await assertControllable(box, 'sc/ctl');
  assert.equal(scan.stderr(), 'svscan: warning: unable to read sc/bytes/env/SUB: not a regular file (directory), skipped\n');
  await stopAndCheck(box, scan);
});

test('row 10: with a directory at supervise/control, run waits (one warning), svstat and svc say why, and it starts once repaired', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/ctl', 'exec sleep 1000');
  box.service('sc/noctl', 'touch started; exec sleep 1000');
  mkdirSync(box.path('sc/noctl/supervise/control'), { recursive: true });
  const scan = startSvscan(box, 'sc');
  const warning = 'svscan: warning: unable to open sc/noctl/supervise/control, pausing: is a directory\n';
  await waitFor(() => scan.stderr().includes(warning), DEADLINE_MS, 'control warning');
  await assertControllable(box, 'sc/ctl');
  // Retried every second, said once; run never started meanwhile.
  const later = Date.now() + 2100;
  await waitFor(() => Date.now() > later, DEADLINE_MS, 'retries');
  assert.equal(count(scan.stderr(), warning), 1);
  assert.equal(existsSync(box.path('sc/noctl/started')), false, 'run started while uncontrollable');
  const st = await runTool('svstat', ['sc/noctl'], { cwd: box.root });
  assert.equal(st.code, 0);
  assert.match(st.stdout, /^sc\/noctl: down \d+ seconds, normally up, want up\n$/);
  const svc = await runTool('svc', ['-u', 'sc/noctl'], { cwd: box.root });
  // svc warns per directory and exits 0, as daemontools' svc does.
  assert.deepEqual([svc.code, svc.stderr], [0, 'svc: warning: unable to control sc/noctl: is a directory\n']);
  rmdirSync(box.path('sc/noctl/supervise/control'));
  await waitFor(() => existsSync(box.path('sc/noctl/started')), DEADLINE_MS, 'noctl started once repaired');
  await assertControllable(box, 'sc/noctl');
  assert.equal(scan.stderr(), warning, 'no other message');
  await stopAndCheck(box, scan);
});

test('row 12: a name with a newline stays on one line; a 3 MB value and an oversized env/ are clear warnings', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/ctl', 'exec sleep 1000');
  box.write('sc/bad\nname/run', '#!/bin/sh\nexec sleep 1000\n', 0o644);
  box.service('sc/big', RECORD_ENV, { 'env/SMALL': 'ok\n' });
  writeFileSync(box.path('sc/big/env/BIG'), Buffer.alloc(3 << 20, 0x61));
  box.service('sc/budget', 'touch started; exec sleep 1000');
  mkdirSync(box.path('sc/budget/env'));
  for (let i = 0; i < 10; i++) writeFileSync(box.path(`sc/budget/env/V${i}`), Buffer.alloc(120_000, 0x62));
  const scan = startSvscan(box, 'sc');
  const expected = [
    'svscan: warning: unable to start sc/bad\\x0aname/run: access denied\n',
    'svscan: warning: unable to read sc/big/env/BIG: file too big (over 131072 bytes), skipped\n',
    'svscan: warning: unable to read sc/budget/env: too big (over 1048576 bytes in all)\n',
  ];
  await waitFor(() => expected.every((w) => scan.stderr().includes(w)), DEADLINE_MS, `warnings (so far: ${scan.stderr()})`);
  await waitFor(() => existsSync(box.path('sc/big/env.seen')), DEADLINE_MS, 'big started');
  assert.match(readFileSync(box.path('sc/big/env.seen'), 'latin1'), /^SMALL=ok$/m);
  await assertControllable(box, 'sc/ctl');
  const st = await runTool('svstat', ['sc/budget'], { cwd: box.root });
  assert.match(st.stdout, /^sc\/budget: down \d+ seconds, normally up, want up\n$/);
  assert.equal(existsSync(box.path('sc/budget/started')), false);
  // Repaired: it starts.
  for (let i = 5; i < 10; i++) rmSync(box.path(`sc/budget/env/V${i}`));
  await waitFor(() => existsSync(box.path('sc/budget/started')), DEADLINE_MS, 'budget started once repaired');
  chmodSync(box.path('sc/bad\nname/run'), 0o755);
  await waitUp(box.path('sc/bad\nname'), DEADLINE_MS);
  for (const w of expected) assert.equal(count(scan.stderr(), w), 1, w);
  assertOneLineEach(scan.stderr());
  assert.equal(scan.stderr().length, expected.join('').length, `no other message: ${scan.stderr()}`);
  await stopAndCheck(box, scan);
});

/** rm -rf, again while svscan recreates supervise/ inside the dir (it stops once the dir is gone). */
async function removeDir(path: string): Promise<void> {
  await waitFor(() => {
    rmSync(path, { recursive: true, force: true });
    return !existsSync(path);
  }, DEADLINE_MS, `${path} removed`);
}

test('row 12: service dirs removed while svscan looks at them are brought down without a warning', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/ctl', 'exec sleep 1000');
  mkdirSync(box.path('trash'));
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/ctl'), DEADLINE_MS);
  // Churn: dirs appear and vanish at once, so passes meet entries that readdir listed but that
  // are gone by the stat, the lock or the spawn.
  for (let round = 0; round < 15; round++) {
    for (let i = 0; i < 8; i++) box.service(`sc/c${round}-${i}`, 'exec sleep 1000');
    process.kill(scan.pid, 'SIGHUP');
    await new Promise((r) => setImmediate(r));
    // Half moved out (a removal in one step), half deleted file by file while svscan works in them.
    for (let i = 0; i < 4; i++) renameSync(box.path(`sc/c${round}-${i}`), box.path(`trash/c${round}-${i}`));
    for (let i = 4; i < 8; i++) await removeDir(box.path(`sc/c${round}-${i}`));
    process.kill(scan.pid, 'SIGHUP');
  }
  await assertControllable(box, 'sc/ctl');
  // Every churned service is gone: none left running without its directory.
  const churned = (): string[] => sandboxProcesses(box.root).map((p) => p.cwd).filter((cwd) => /\/(sc|trash)\/c\d+-\d+$/.test(cwd));
  await waitFor(() => churned().length === 0, DEADLINE_MS, `churned services gone (${churned().join(' ')})`);
  // The services' own stderr (a shell whose ./run was deleted under it) is theirs; svscan says nothing.
  assert.deepEqual(scan.stderr().split('\n').filter((l) => l.startsWith('svscan:')), [], 'no warning about a removed dir');
  await stopAndCheck(box, scan);
});

test('commands that arrive while env/ is being read are honoured in order: the last one wins, nothing runs twice', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/ctl', 'exec sleep 1000');
  // A full env/ (1000 entries) makes every start wait on 1000 reads: commands land meanwhile.
  box.service('sc/slow', 'exec sleep 1000');
  mkdirSync(box.path('sc/slow/env'));
  for (let i = 0; i < 999; i++) writeFileSync(box.path(`sc/slow/env/V${i}`), `value ${i}\n`);
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/slow'), DEADLINE_MS);
  for (let i = 0; i < 10; i++) {
    const r = await runTool('svc', ['-d', '-u', 'sc/slow'], { cwd: box.root }); // d then u, in one write
    assert.equal(r.code, 0);
  }
  const last = await runTool('svc', ['-du', 'sc/slow'], { cwd: box.root });
  assert.equal(last.code, 0);
  await runTool('svc', ['-d', 'sc/slow'], { cwd: box.root });
  // The last command was d: down, and no copy of run left, however the starts interleaved.
  await waitFor(() => statusPid(box.path('sc/slow')) === 0, DEADLINE_MS, 'slow down');
  await waitFor(() => sandboxProcesses(box.root).filter((p) => p.cwd === box.path('sc/slow')).length === 0, DEADLINE_MS, 'no run left');
  await assertControllable(box, 'sc/ctl');
  const st = await runTool('svstat', ['sc/slow'], { cwd: box.root });
  assert.match(st.stdout, /^sc\/slow: down \d+ seconds, normally up\n$/);
  // Up again: exactly one copy.
  await runTool('svc', ['-u', 'sc/slow'], { cwd: box.root });
  await waitUp(box.path('sc/slow'), DEADLINE_MS);
  await waitFor(() => sandboxProcesses(box.root).filter((p) => p.cwd === box.path('sc/slow')).length === 1, DEADLINE_MS, 'one copy');
  assert.equal(scan.stderr(), '');
  await stopAndCheck(box, scan);
});
