// svscan: TERM and INT bring every service down (TERM+CONT, KILL after timeout-kill), loggers
// drain, exit 0; HUP rescans at once. (daemontools' svscan handles no signal: compat §6.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, processesUnder, waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { alive, startSvscan, statusPid, supervised, waitUp } from './_svscan.ts';

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  test(`${sig} to svscan brings every service down, escalating to KILL after timeout-kill, lets loggers drain, exits 0`, async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const out = box.path('out.txt');
    box.service('sc/plain', 'exec sleep 1000');
    // Says goodbye on TERM: the line must reach the log before svscan exits.
    box.service('sc/logged', `exec perl -e '$| = 1; $SIG{TERM} = sub { print "bye\\n"; exit 0 }; print "hello\\n"; sleep 1000 while 1'`, {
      'log/run': `exec perl -e 'open(my $o, ">>", "${out}") or die; select($o); $| = 1; print while <STDIN>; print "EOF\\n"'`,
    });
    // Notes the TERM and keeps running: only the KILL after timeout-kill ends it. It writes
    // ./ready once its handler is installed: the pid in supervise/status only means spawned.
    box.service('sc/stubborn', `exec perl -e '$SIG{TERM} = sub { open(my $f, ">>", "got") or die; print $f "TERM\\n"; close $f }; open(my $r, ">", "ready") or die; close $r; sleep 1000 while 1'`, { 'timeout-kill': '300\n' });
    const scan = startSvscan(box, 'sc');
    const pids = await Promise.all(['sc/plain', 'sc/logged', 'sc/logged/log', 'sc/stubborn'].map((d) => waitUp(box.path(d))));
    // Ready means: logged printed hello (after setting its handler), stubborn wrote ./ready.
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8') === 'hello\n', DEADLINE_MS, 'hello logged');
    await waitFor(() => existsSync(box.path('sc/stubborn/ready')), DEADLINE_MS, 'stubborn has its TERM handler');

    const t0 = performance.now();
    process.kill(scan.pid, sig);
    const end = await scan.exited;
    const ms = performance.now() - t0;
    assert.deepEqual(end, { code: 0, signal: null });
    assert.equal(scan.stderr(), '');
    for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} is gone`);
    assert.equal(readFileSync(box.path('sc/stubborn/got'), 'utf8'), 'TERM\n', 'the stubborn service got TERM first');
    // Not a speed target but a proof: with the 10 s default, KILL (and so svscan's exit) could
    // not come before 10 s; with timeout-kill 300, not before 300 ms.
    assert.ok(ms >= 300 && ms < 10_000, `KILL after timeout-kill (300 ms), not the 10 s default: stopped in ${ms.toFixed(0)} ms`);
    assert.equal(readFileSync(out, 'utf8'), 'hello\nbye\nEOF\n', 'the logger drained the service\'s last words, then saw EOF');
    for (const d of ['sc/plain', 'sc/logged', 'sc/logged/log', 'sc/stubborn']) {
      assert.equal(statusPid(box.path(d)), 0, `${d} recorded down`);
      assert.equal(supervised(box.path(d)), false, `${d} no longer supervised`);
    }
    // The stop's status writes go off the main thread: all of them are on disk by svscan's exit,
    // runit's stat and pid say down too, and each service's journal has its TERM before its exit.
    for (const [d, last] of [['sc/plain', ['stop', 'exit']], ['sc/stubborn', ['stop', 'kill', 'exit']]] as const) {
      assert.equal(readFileSync(box.path(`${d}/supervise/stat`), 'utf8'), 'down\n', `${d}: supervise/stat`);
      assert.equal(readFileSync(box.path(`${d}/supervise/pid`), 'utf8'), '', `${d}: supervise/pid`);
      const kinds = readFileSync(box.path(`${d}/supervise/events`), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
      assert.deepEqual(kinds.slice(-last.length), last, `${d}: events end with the TERM (then the KILL), then the exit`);
    }
    const st = await runTool('svstat', [box.path('sc/plain')]);
    assert.deepEqual([st.code, st.stdout, st.stderr], [0, `${box.path('sc/plain')}: supervise not running\n`, '']);
    assert.deepEqual(processesUnder(box.root), [], 'nothing left running');
  });
}

// How soon HUP's pass comes is a speed target (bench/svscan.bench.ts, 'SIGHUP to the child of
// a link target ... running'): told apart from the periodic pass only by a clock, it cannot be
// asserted on a busy machine. Here: HUP (whose default action would kill svscan) is handled,
// and a pass after it starts what no watch event announced.
test('SIGHUP makes svscan rescan: a link target that appeared outside DIR is started; svscan and its services go on', async (t) => {
  const box = new Sandbox();
  t.after(() => box.cleanup());
  box.service('sc/first', 'exec sleep 1000');
  const scan = startSvscan(box, 'sc');
  const first = await waitUp(box.path('sc/first'));
  symlinkSync(box.path('targets/hup'), box.path('sc/hup'));
  await waitFor(() => scan.stderr().includes('unable to stat sc/hup: file does not exist'), DEADLINE_MS, 'hup link seen');
  box.service('staging/hup', 'exec sleep 1000');
  mkdirSync(box.path('targets'), { recursive: true });
  renameSync(box.path('staging/hup'), box.path('targets/hup'));
  process.kill(scan.pid, 'SIGHUP');
  await waitUp(box.path('sc/hup'));
  // HUP neither stops svscan nor touches running services.
  assert.ok(alive(scan.pid));
  assert.equal(statusPid(box.path('sc/first')), first);
  assert.ok(alive(first));
  assert.equal(scan.stderr(), 'svscan: warning: unable to stat sc/hup: file does not exist\n');
  process.kill(scan.pid, 'SIGTERM');
  assert.deepEqual(await scan.exited, { code: 0, signal: null });
});

test('svscan: usage and fatal errors', async () => {
  const missing = await runTool('svscan', ['/nonexistent-svkit']);
  assert.deepEqual([missing.code, missing.stdout, missing.stderr], [111, '', 'svscan: fatal: unable to chdir to /nonexistent-svkit: file does not exist\n']);
  const file = await runTool('svscan', ['/etc/passwd']);
  assert.deepEqual([file.code, file.stdout, file.stderr], [111, '', 'svscan: fatal: unable to chdir to /etc/passwd: not a directory\n']);
  const two = await runTool('svscan', ['a', 'b']);
  assert.deepEqual([two.code, two.stdout, two.stderr], [100, '', 'svscan: usage: svscan [-v] [dir]\n']);
});
