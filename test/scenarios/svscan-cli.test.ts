// svscan as a user meets it (issue 12): one svscan per directory, -v event lines, warnings at
// most once a minute each, and what svc says about an in-process log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { runTool, startBackground } from '../helpers/tools.ts';
import { startSvscan, supervised, waitUp } from './_svscan.ts';

const STAMP = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}`;

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

test('a second svscan on a scanned directory is refused with the pid of the first, exit 111; once it stops, the dir can be scanned again', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000');
  const first = startSvscan(box, 'sc');
  await waitUp(box.path('sc/a'), 20_000);
  assert.equal(readFileSync(box.path('sc/.svscan/lock'), 'latin1'), `${first.pid}\n`);
  const second = await runTool('svscan', ['sc'], { cwd: box.root });
  assert.deepEqual([second.code, second.stdout, second.stderr], [111, '', `svscan: fatal: unable to scan sc: already scanned by pid ${first.pid}\n`]);
  assert.ok(supervised(box.path('sc/a')), 'the first svscan still supervises a');
  first.child.kill('SIGTERM');
  assert.deepEqual(await first.exited, { code: 0, signal: null });
  const third = startSvscan(box, 'sc');
  await waitUp(box.path('sc/a'), 20_000);
  await waitFor(() => readFileSync(box.path('sc/.svscan/lock'), 'latin1') === `${third.pid}\n`, 20_000, 'pid of the new svscan in the lock');
  assert.equal(third.stderr(), '');
});

test('svscan -v: one line per service event with the time; service output unlabelled as before', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/web', 'exec sleep 1000');
  box.service('sc/flapping', 'echo crash >&2; exit 1');
  box.service('sc/stubborn', "trap '' TERM; echo ready > ready; exec sleep 1000", { 'timeout-kill': '3000\n' });
  const scan = startSvscan(box, 'sc', ['-v']);
  const has = (re: RegExp, label: string): Promise<void> => waitFor(() => re.test(scan.stderr()), 20_000, `${label} in ${JSON.stringify(scan.stderr())}`);
  const web = await waitUp(box.path('sc/web'), 20_000);
  await has(new RegExp(`^${STAMP} svscan: scanning sc, pid ${scan.pid}$`, 'm'), 'scanning line');
  await has(new RegExp(`^${STAMP} web: up pid ${web}$`, 'm'), 'web up');
  await has(new RegExp(`^${STAMP} flapping: up pid \\d+$`, 'm'), 'flapping up');
  await has(new RegExp(`^${STAMP} flapping: exited 1, restarting in (0\\.\\d|1) s$`, 'm'), 'flapping restart');
  assert.match(scan.stderr(), /^crash$/m, 'service output as it was');
  await waitFor(() => { try { return readFileSync(box.path('sc/stubborn/ready'), 'latin1') === 'ready\n'; } catch { return false; } }, 20_000, 'stubborn ignoring TERM');
  const down = await runTool('svc', ['-d', 'sc/stubborn'], { cwd: box.root });
  assert.deepEqual([down.code, down.stderr], [0, '']);
  // stubborn's own lines in order: flapping's restarts may come between them (seen under stress).
  const stubborn = (re: RegExp, label: string): Promise<void> =>
    waitFor(() => re.test(scan.stderr().split('\n').filter((l) => / stubborn: /.test(l)).join('\n')), 20_000, `${label} in ${JSON.stringify(scan.stderr())}`);
  await stubborn(new RegExp(`^${STAMP} stubborn: want down\\n${STAMP} stubborn: TERM, KILL in 3 s$`, 'm'), 'stubborn TERM');
  await stubborn(new RegExp(`^${STAMP} stubborn: KILL \\(still running after TERM\\)\\n${STAMP} stubborn: killed by KILL, down$`, 'm'), 'stubborn KILL');
  scan.child.kill('SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
  assert.match(scan.stderr(), new RegExp(`^${STAMP} web: TERM, KILL in 10 s\\n(.*\\n)*${STAMP} web: killed by TERM\\n(.*\\n)*${STAMP} svscan: stopped scanning sc\\n$`, 'm'));
  assert.doesNotMatch(scan.stderr(), /warning/);
});

test('without -v svscan prints no event lines', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/a', 'exec sleep 1000');
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/a'), 20_000);
  scan.child.kill('SIGTERM');
  await scan.exited;
  assert.equal(scan.stderr(), '');
});

test('two warnings of one service that take turns every pass are each said once, not every second', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/held', 'exec sleep 1000');
  box.write('sc/held/log', 'a file, not a directory\n');
  box.service('sc/clock', 'echo x >> ../../starts; exit 1');
  // Another supervisor's lock, held by flock(1) from outside. The holder waits for the lock
  // (no -n): the probe below takes it for an instant, and a holder started in that instant
  // must not give up (seen under load: nobody held the lock).
  box.write('sc/held/supervise/lock', '');
  const holder = box.track(startBackground('/usr/bin/flock', [box.path('sc/held/supervise/lock'), 'sleep', '1000']));
  assert.ok(holder.pid !== undefined);
  await waitFor(async () => (await runTool('/usr/bin/flock', ['-n', box.path('sc/held/supervise/lock'), 'true'])).code !== 0, 20_000, 'flock holding the lock');
  const scan = startSvscan(box, 'sc');
  // clock restarts once a second: 4 starts mean 3 s, so several full passes have run.
  await waitFor(() => { try { return readFileSync(box.path('starts'), 'latin1').length >= 8; } catch { return false; } }, 30_000, 'four starts of clock');
  const err = scan.stderr();
  assert.equal(count(err, 'svscan: warning: unable to chdir to sc/held/log: not a directory\n'), 1, err);
  assert.equal(count(err, 'svscan: warning: unable to supervise sc/held: unable to acquire sc/held/supervise/lock: temporary failure\n'), 1, err);
});

test('svc on an in-process log says it has no supervisor: exit 0 as for any uncontrollable dir, 111 with -w', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/web', 'while :; do echo hi; sleep 1; done');
  box.write('sc/web/log/multilog', './main\n');
  const scan = startSvscan(box, 'sc');
  await waitUp(box.path('sc/web'), 20_000);
  // Its supervise/ is svscan's view of the log (issue 7): the pid there is svscan's, the writer.
  await waitFor(() => { try { return readFileSync(box.path('sc/web/log/supervise/pid'), 'latin1') === `${scan.pid}\n`; } catch { return false; } }, 20_000, 'the log shown as svscan');
  const warning = 'svc: warning: unable to control sc/web/log: an in-process log of svscan has no supervisor (control its service instead)\n';
  const plain = await runTool('svc', ['-t', 'sc/web/log'], { cwd: box.root });
  assert.deepEqual([plain.code, plain.stdout, plain.stderr], [0, '', warning]);
  const waited = await runTool('svc', ['-w', '5', '-t', 'sc/web/log'], { cwd: box.root });
  assert.deepEqual([waited.code, waited.stdout, waited.stderr], [111, '', `${warning}svc: fatal: 1 of 1 services did not get there in 5 s: sc/web/log\n`]);
  assert.equal(scan.stderr(), '');
});
