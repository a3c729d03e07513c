// Notify hooks as they change and misbehave: between two events a hook replaced, removed,
// re-created, made a directory or a FIFO, written without #! or with a missing interpreter, and
// notify-timeout changed, each seen by the next event (a hook found good is started without a
// look-up first: the start checks it); a hook that never reads its stdin and sleeps is killed
// after notify-timeout while the hooks of other services run; a FIFO or directory as S/notify is
// one warning and blocks nothing; an event bigger than a pipe holds reaches a hook whole, and
// one that never reads it is killed as any other; a hook added after events found it absent (an
// absence remembered while the directory is unchanged) runs from the next event on, even when
// added in the same clock tick, and a dangling symlink's target created later runs too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { alive, startSvscan, waitNewPid, waitUp } from '../scenarios/_svscan.ts';
import { NotifyRunner } from '../../packages/core/src/events/notify.ts';
import { makeEvent, type ServiceEvent } from '../../packages/core/src/events/event.ts';

const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');
const lines = (p: string): string[] => read(p).split('\n').filter((l) => l !== '');
const pids = (p: string): number[] => lines(p).map(Number);

test('between two events a hook replaced, removed, re-created, made a directory or a FIFO, and notify-timeout changed: the next event sees each', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const log = box.path('hooks.log');
  const dir = box.path('S');
  const hook = box.path('S/notify');
  const hangers = box.path('hangers');
  // Replaced by rename, as an editor or a deploy does: a hook still reading its old script is not disturbed.
  const install = (body: string): void => {
    writeFileSync(`${hook}.new`, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    renameSync(`${hook}.new`, hook);
  };
  // VERSION KIND PID and the flags of its stdin (octal, from fdinfo).
  const logging = (version: string): string => `read -r line\nflags=$(sed -n 's/^flags:[[:space:]]*//p' /proc/self/fdinfo/0)\necho "${version} $1 $(printf '%s' "$line" | sed 's/.*"pid":\\([0-9]*\\).*/\\1/') $flags" >> ${log}`;
  const warnings: string[] = [];
  mkdirSync(dir);
  // The scan dir's hook runs after S/notify for each event: the witness that an event is done.
  const witness = box.path('witness.log');
  const scanHook = box.write('.notify', `#!/bin/sh\nread -r line\necho "$1" >> ${witness}\n`, 0o755);
  const runner = new NotifyRunner({ cwd: dir, label: 'S', scanHook, stderr: 2, warn: (m) => warnings.push(m) }, () => {});
  t.after(() => runner.close());
  const done = (n: number): Promise<void> => waitFor(() => lines(witness).length === n, 20_000, `${n} events done`);

  install(logging('v1'));
  runner.push(makeEvent('exit', 'S', 1));
  await done(1);
  install(logging('v2'));
  runner.push(makeEvent('restart', 'S', 2));
  await done(2);
  rmSync(hook);
  runner.push(makeEvent('start', 'S', 3));
  await done(3);
  install(logging('v3'));
  runner.push(makeEvent('exit', 'S', 4));
  await done(4);
  const runs = lines(log).map((l) => l.split(' '));
  assert.deepEqual(runs.map((r) => r.slice(0, 3).join(' ')), ['v1 exit 1', 'v2 restart 2', 'v3 exit 4']);
  // Its stdin is blocking (no O_NONBLOCK, 04000): a hook's read never meets EAGAIN.
  for (const r of runs) assert.equal(Number.parseInt(r[3] ?? 'x', 8) & 0o4000, 0, `stdin flags ${r[3]}`);
  assert.deepEqual(warnings, []);

  // Known good, then a directory: the start fails and the look-up names it.
  rmSync(hook);
  mkdirSync(hook);
  runner.push(makeEvent('start', 'S', 5));
  await done(5);
  rmdirSync(hook);
  execFileSync('mkfifo', [hook]);
  runner.push(makeEvent('exit', 'S', 6));
  await done(6);
  assert.deepEqual(warnings, ['unable to run S/notify: not a regular file', 'unable to run S/notify: not a regular file']);
  rmSync(hook);
  install(logging('v4'));
  runner.push(makeEvent('restart', 'S', 7));
  await done(7);
  assert.equal(lines(log)[3]?.split(' ').slice(0, 3).join(' '), 'v4 restart 7');
  // Without #!: run by /bin/sh, as execvp does. A #! naming no file: one warning with the error.
  writeFileSync(`${hook}.new`, `${logging('v5')}\n`, { mode: 0o755 });
  renameSync(`${hook}.new`, hook);
  runner.push(makeEvent('start', 'S', 8));
  await done(8);
  assert.equal(lines(log)[4]?.split(' ').slice(0, 3).join(' '), 'v5 start 8');
  writeFileSync(`${hook}.new`, '#!/nonexistent/sh\nexit 0\n', { mode: 0o755 });
  renameSync(`${hook}.new`, hook);
  runner.push(makeEvent('exit', 'S', 9));
  await done(9);
  assert.deepEqual(warnings.slice(2), [`unable to run ${hook}: file does not exist`]);

  // notify-timeout is read for each run: 1, then 2, for two hooks that never read and sleep.
  install(`echo $$ >> ${hangers}\nexec sleep 1000`);
  // Replaced by rename, as the hook is: the runner reads it on a worker thread of this same
  // process, which can meet a plain write between its truncate and its data (seen in CI).
  const timeout = (text: string): void => {
    writeFileSync(box.path('S/notify-timeout.new'), text);
    renameSync(box.path('S/notify-timeout.new'), box.path('S/notify-timeout'));
  };
  timeout('1\n');
  runner.push(makeEvent('exit', 'S', 10));
  await waitFor(() => warnings.length === 4, 20_000, 'the first kill');
  timeout('2\n');
  runner.push(makeEvent('restart', 'S', 11));
  await waitFor(() => warnings.length === 5, 20_000, 'the second kill');
  assert.deepEqual(warnings.slice(3), ['unable to run S/notify for exit: still running after 1 s, killed', 'unable to run S/notify for restart: still running after 2 s, killed']);
  assert.equal(pids(hangers).length, 2);
  await waitFor(() => pids(hangers).every((p) => !alive(p)), 20_000, 'both hangers gone');
});

test('a hook that never reads its stdin and sleeps is killed after notify-timeout; the hooks of other services run meanwhile', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const deaf = `#!/bin/sh\necho $$ >> hookpids\nexec sleep 1000\n`;
  // slow's hook outlives the test's steps (an hour); quick's is killed after 1 s.
  box.service('scan/slow', 'exec sleep 1000', { 'notify-timeout': '3600\n' });
  box.write('scan/slow/notify', deaf, 0o755);
  box.service('scan/quick', 'exec sleep 1000', { 'notify-timeout': '1\n' });
  box.write('scan/quick/notify', deaf, 0o755);
  const log = box.path('other.log');
  box.service('scan/other', 'exec sleep 1000');
  box.write('scan/other/notify', `#!/bin/sh\nread -r line\necho "$1" >> ${log}\n`, 0o755);
  const scan = startSvscan(box, box.path('scan'));
  const slow = box.path('scan/slow/hookpids');
  const quick = box.path('scan/quick/hookpids');
  await waitFor(() => pids(slow).length === 1, 20_000, "slow's hook for its start");
  const hung = pids(slow)[0] ?? 0;
  const other = box.path('scan/other');
  const pid = await waitUp(other);
  assert.equal((await runTool('svc', ['-t', other])).code, 0);
  await waitNewPid(other, pid);
  await waitFor(() => lines(log).filter((l) => l === 'start').length === 2, 20_000, "other's hooks up to its second start");
  assert.deepEqual(lines(log), ['start', 'stop', 'exit', 'restart', 'start']);
  assert.ok(alive(hung), "slow's hook still there: it did not hold up other's hooks");
  // quick's hook, which never read its event, is killed; the next event's hook runs.
  await waitFor(() => scan.stderr().includes(`${box.path('scan/quick')}/notify for start: still running after 1 s, killed`), 20_000, 'the kill of quick/notify');
  await waitFor(() => !alive(pids(quick)[0] ?? 0), 20_000, "quick's hook gone");
  const qpid = await waitUp(box.path('scan/quick'));
  assert.equal((await runTool('svc', ['-t', box.path('scan/quick')])).code, 0);
  await waitNewPid(box.path('scan/quick'), qpid);
  await waitFor(() => pids(quick).length >= 2, 20_000, "quick's hook for its stop");
  // svscan stopping lets go of slow: its hook's group is killed.
  scan.child.kill('SIGTERM');
  await scan.exited;
  await waitFor(() => !alive(hung), 20_000, "slow's hook killed as svscan let go");
});

test('a FIFO or a directory as S/notify: one warning each, the services restart as ever', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('scan/fifo', 'exec sleep 1000');
  execFileSync('mkfifo', [box.path('scan/fifo/notify')]);
  box.service('scan/dir', 'exec sleep 1000');
  mkdirSync(box.path('scan/dir/notify'));
  const scan = startSvscan(box, box.path('scan'));
  for (const name of ['fifo', 'dir']) {
    const dir = box.path('scan', name);
    const pid = await waitUp(dir);
    assert.equal((await runTool('svc', ['-t', dir])).code, 0);
    await waitNewPid(dir, pid);
  }
  const warning = (name: string): string => `svscan: warning: unable to run ${box.path('scan', name)}/notify: not a regular file\n`;
  await waitFor(() => scan.stderr().includes(warning('fifo')) && scan.stderr().includes(warning('dir')), 20_000, 'both warnings');
  // start, stop, exit, restart, start for each: one warning each (at most once a minute), nothing else.
  assert.deepEqual(scan.stderr().split(/(?<=\n)/).sort(), [warning('dir'), warning('fifo')]);
});

test('an event bigger than a pipe holds: a hook that reads gets all of it; one that never reads is killed after notify-timeout and the next event runs', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = box.path('S');
  const hook = box.path('S/notify');
  const sizes = box.path('sizes');
  const hangers = box.path('hangers');
  const install = (body: string): void => {
    box.write('S/notify.new', `#!/bin/sh\n${body}\n`, 0o755);
    renameSync(`${hook}.new`, hook);
  };
  // 200 000 bytes of reason: above PIPE_BUF and above a pipe's 64 KiB, so libuv writes the rest as the hook reads.
  const big = (pid: number): ServiceEvent => makeEvent('unhealthy', 'S', pid, { reason: 'r'.repeat(200_000) });
  install(`wc -c >> ${sizes}`);
  box.write('S/notify-timeout', '1\n');
  const warnings: string[] = [];
  const runner = new NotifyRunner({ cwd: dir, label: 'S', stderr: 2, warn: (m) => warnings.push(m) }, () => {});
  t.after(() => runner.close());
  const first = big(1);
  runner.push(first);
  await waitFor(() => lines(sizes).length === 1, 20_000, 'the reading hook ran');
  assert.equal(Number(lines(sizes)[0]?.trim()), Buffer.byteLength(JSON.stringify(first)) + 1);
  install(`echo $$ >> ${hangers}\nexec sleep 1000`);
  runner.push(big(2));
  await waitFor(() => warnings.length === 1, 20_000, 'the kill of the hook that never read');
  assert.deepEqual(warnings, ['unable to run S/notify for unhealthy: still running after 1 s, killed']);
  await waitFor(() => pids(hangers).length === 1 && !alive(pids(hangers)[0] ?? 0), 20_000, 'the hook gone');
  install(`wc -c >> ${sizes}`);
  const next = makeEvent('healthy', 'S', 3);
  runner.push(next);
  await waitFor(() => lines(sizes).length === 2, 20_000, "the next event's hook ran");
  assert.equal(Number(lines(sizes)[1]?.trim()), Buffer.byteLength(JSON.stringify(next)) + 1);
});

// A hook found absent is not looked up again while its directory is unchanged (hookfile.ts): adding
// one changes the directory, so the next event finds it, whether it is S/notify or the scan dir's.
test('a hook added while the service runs, after events found it absent in a settled directory, runs from the next event on; S/notify and SCANDIR/.notify alike, and one added in the same tick (mtime unchanged) too', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const svcLog = box.path('svc.log');
  const scanLog = box.path('scan.log');
  const web = box.path('scan/web');
  box.service('scan/web', 'exec sleep 1000');
  const install = (path: string, log: string): void => {
    writeFileSync(`${path}.new`, `#!/bin/sh\nread -r line\necho "$1" >> ${log}\n`, { mode: 0o755 });
    renameSync(`${path}.new`, path);
  };
  const hour = 3600;
  // Whole seconds and a half: a time utimes sets, and stat gives back, to the nanosecond.
  const age = (path: string, seconds: number): number => { const t = Math.floor(Date.now() / 1000) + seconds + 0.5; utimesSync(path, t, t); return t; };
  const events = ['stop', 'exit', 'restart', 'start'];
  /**
   * svc -t, then the events of the restart up to its start, as LOG shows them after its first
   * BEFORE lines. EARLY: the hook was added while the look-up for the last start may still have
   * been waiting (no witness runs after the scan dir's hook), so that start may have run it too.
   */
  const restart = async (log: string, before: number, early = false): Promise<void> => {
    const pid = await waitUp(web);
    assert.equal((await runTool('svc', ['-t', web])).code, 0);
    await waitNewPid(web, pid);
    await waitFor(() => lines(log).length >= before + 4 && lines(log).slice(-4).join() === events.join(), 20_000, `${log}: ${events.join(', ')}`);
    const seen = lines(log).slice(before);
    assert.deepEqual(seen, early && seen.length === 5 ? ['start', ...events] : events);
  };

  // S/notify absent; SCANDIR/.notify (run after it for each event) witnesses that each look-up is done.
  install(box.path('scan/.notify'), scanLog);
  const scan = startSvscan(box, box.path('scan'));
  await waitFor(() => lines(scanLog).includes('start'), 20_000, 'the scan hook for the start');
  age(web, -hour); // settled: the absence found by the next events is remembered
  await restart(scanLog, 1);
  install(box.path('scan/web/notify'), svcLog);
  await restart(svcLog, 0);
  // The scan dir's hook runs after it: done for these four events too before it goes.
  await waitFor(() => lines(scanLog).length === 9, 20_000, 'the scan hook for the same four events');

  // The same for the scan dir's hook, S/notify now the witness.
  rmSync(box.path('scan/.notify'));
  age(box.path('scan'), -hour);
  await restart(svcLog, 4);
  install(box.path('scan/.notify'), scanLog);
  await restart(scanLog, 9, true);

  // Racy: the directory's mtime is not older than the look-up (here: an hour ahead), so the absence is
  // not remembered, and a hook added with that same mtime (a change in the same clock tick) is found.
  rmSync(box.path('scan/web/notify'));
  const ahead = age(web, hour);
  const mtime = statSync(web, { bigint: true }).mtimeNs;
  await restart(scanLog, lines(scanLog).length);
  install(box.path('scan/web/notify'), svcLog);
  utimesSync(web, ahead, ahead);
  assert.equal(statSync(web, { bigint: true }).mtimeNs, mtime);
  await restart(svcLog, 12);
  assert.equal(scan.stderr(), '');
});

test('a dangling symlink as S/notify is looked up at each event: its target created later (the directory unchanged) runs', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  const dir = box.path('S');
  mkdirSync(dir);
  const log = box.path('hook.log');
  const witness = box.path('witness.log');
  const scanHook = box.write('.notify', `#!/bin/sh\nread -r line\necho "$1" >> ${witness}\n`, 0o755);
  symlinkSync(box.path('target'), box.path('S/notify'));
  utimesSync(dir, Date.now() / 1000 - 3600, Date.now() / 1000 - 3600);
  const warnings: string[] = [];
  const runner = new NotifyRunner({ cwd: dir, label: 'S', scanHook, stderr: 2, warn: (m) => warnings.push(m) }, () => {});
  t.after(() => runner.close());
  runner.push(makeEvent('exit', 'S', 1));
  await waitFor(() => lines(witness).length === 1, 20_000, 'the first event done');
  box.write('target', `#!/bin/sh\nread -r line\necho "$1" >> ${log}\n`, 0o755);
  runner.push(makeEvent('restart', 'S', 2));
  await waitFor(() => lines(witness).length === 2, 20_000, 'the second event done');
  assert.deepEqual(lines(log), ['restart']);
  assert.deepEqual(warnings, []);
});
