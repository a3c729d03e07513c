// runit interop: real `sv` driving svkit's supervise (compat 33), svkit's clients driving real
// runsv (compat 34), and lock exclusion between svkit's supervise and runsv both ways.
// Not tested here: runsvdir, svlogd, runsv's log/ handling.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { DEADLINE_MS, Sandbox, frozen, waitFor } from '../helpers/sandbox.ts';
import { needPeers, peer, runTool, type RunResult } from '../helpers/tools.ts';
import { alive, fixture, groupAlive, kill, lines, normalizeSeconds, own, procState, supervise, tryStatus, waitStatus, waitUp } from '../fixtures/supervision.ts';

const skip = needPeers('sv', 'runsv', 'svstat');
const real = (name: string): string => peer(name) ?? `/usr/bin/${name}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Real sv VERB ./S from the sandbox root. */
function sv(box: Sandbox, ...args: string[]): Promise<RunResult> {
  return runTool(real('sv'), args, { cwd: box.root });
}

async function svStatus(box: Sandbox, rel: string): Promise<string> {
  const r = await sv(box, 'status', `./${rel}`);
  assert.deepEqual([r.code, r.stderr], [0, ''], r.stdout);
  return normalizeSeconds(r.stdout);
}

describe('runit sv drives svkit supervise', { concurrency: 4, skip }, () => {
  it('33: sv status reads ours: run with pid, paused, want down + got TERM, down normally up', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'held-stop', 'S');
    await supervise(box, dir);
    const pid = await waitUp(dir);
    assert.equal(await svStatus(box, 'S'), `run: ./S: (pid ${pid}) Ns\n`);
    assert.deepEqual(await sv(box, 'pause', './S'), { code: 0, signal: null, stdout: '', stderr: '' });
    await waitStatus(dir, (s) => s.paused === 1, 'paused');
    await waitFor(() => procState(pid) === 'T', DEADLINE_MS, 'the child stopped (state T): STOP is delivered when it is next scheduled');
    assert.equal(await svStatus(box, 'S'), `run: ./S: (pid ${pid}) Ns, paused\n`);
    assert.equal((await sv(box, 'cont', './S')).code, 0);
    await waitStatus(dir, (s) => s.paused === 0, 'continued');
    assert.equal((await sv(box, 'down', './S')).code, 0);
    await waitStatus(dir, (s) => s.term === 1, 'TERM sent');
    // held-stop runs on after TERM until ./release exists: the state lasts while sv reads it.
    assert.equal(await svStatus(box, 'S'), `run: ./S: (pid ${pid}) Ns, want down, got TERM\n`);
    writeFileSync(`${dir}/release`, '');
    await waitStatus(dir, (s) => s.pid === 0, 'down');
    assert.equal(await svStatus(box, 'S'), 'down: ./S: Ns, normally up\n');
  });

  it('33: sv up, once, term, kill work on ours: once is not restarted, term and kill restart a wanted-up service', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S', { down: '' });
    await supervise(box, dir);
    assert.equal(await svStatus(box, 'S'), 'down: ./S: Ns\n');
    assert.equal((await sv(box, 'up', './S')).code, 0);
    const p1 = await waitUp(dir);
    assert.equal(await svStatus(box, 'S'), `run: ./S: (pid ${p1}) Ns, normally down\n`);
    assert.equal((await sv(box, 'term', './S')).code, 0);
    const p2 = (await waitStatus(dir, (s) => s.pid !== 0 && s.pid !== p1, 'restarted after term')).pid;
    assert.equal((await sv(box, 'kill', './S')).code, 0);
    const p3 = (await waitStatus(dir, (s) => s.pid !== 0 && s.pid !== p2, 'restarted after kill')).pid;
    assert.ok(!groupAlive(p2));
    assert.equal((await sv(box, 'once', './S')).code, 0);
    await waitStatus(dir, (s) => s.want === 0, 'want once');
    assert.equal((await sv(box, 'term', './S')).code, 0);
    await waitStatus(dir, (s) => s.pid === 0, 'once: ended, not restarted');
    // A window in which nothing may happen: a busy machine can only hide a wrong restart.
    await sleep(1100);
    assert.equal(tryStatus(dir)?.pid, 0);
    assert.ok(!alive(p3));
    assert.equal(await svStatus(box, 'S'), 'down: ./S: Ns\n');
  });

  it('33: sv hup, alarm, interrupt, quit, 1, 2 deliver HUP ALRM INT QUIT USR1 USR2 to the run pid only', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    await supervise(box, dir);
    await waitUp(dir);
    for (const verb of ['hup', 'alarm', 'interrupt', 'quit', '1', '2']) assert.equal((await sv(box, verb, './S')).code, 0, verb);
    await waitFor(() => lines(`${dir}/sig.log`).length >= 6, DEADLINE_MS, 'six signals');
    const six = lines(`${dir}/sig.log`);
    // sv term reaches the group: once both TERM lines are in, nothing before them is missing.
    assert.equal((await sv(box, 'term', './S')).code, 0);
    await waitFor(() => lines(`${dir}/sig.log`).includes('main TERM') && lines(`${dir}/sig.log`).includes('helper TERM'), DEADLINE_MS, 'TERM to both');
    // A shell runs pending traps in signal-number order, so compare as sets. The six were all
    // in before sv term was sent; after it, only what a term sends (TERM and CONT, to the
    // whole group: either shell may log its CONT, in any order with the TERM lines).
    assert.deepEqual([...six].sort(), ['main ALRM', 'main HUP', 'main INT', 'main QUIT', 'main USR1', 'main USR2']);
    const after = lines(`${dir}/sig.log`);
    assert.deepEqual(after.slice(0, six.length), six);
    assert.deepEqual(after.slice(six.length).filter((l) => !/^(main|helper) (TERM|CONT)$/.test(l)), []);
  });

  // sv's own -w deadline is a client's timeout: 20 s, like ours, so a busy machine does not
  // make sv give up on a supervise that is doing its job.
  it('33: sv -w down waits for ours to stop and prints ok: down; sv -w up prints ok: run', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'held-stop', 'S');
    await supervise(box, dir);
    await waitUp(dir);
    let returned = false;
    const pending = sv(box, '-w', '20', 'down', './S').finally(() => { returned = true; });
    await waitFor(() => lines(`${dir}/sig.log`).includes('TERM'), DEADLINE_MS, 'TERM reached the run');
    assert.equal(returned, false, 'sv -w waits while the run is still stopping');
    writeFileSync(`${dir}/release`, '');
    const down = await pending;
    assert.deepEqual([down.code, normalizeSeconds(down.stdout), down.stderr], [0, 'ok: down: ./S: Ns, normally up\n', '']);
    assert.equal(tryStatus(dir)?.pid, 0);
    const up = await sv(box, '-w', '20', 'up', './S');
    const pid = tryStatus(dir)?.pid;
    assert.deepEqual([up.code, normalizeSeconds(up.stdout), up.stderr], [0, `ok: run: ./S: (pid ${pid}) Ns\n`, '']);
  });

  it('33: sv status shows finish with its pid while ours runs ./finish', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    // ./hold keeps finish running until sv has read the finish state.
    const dir = fixture(box, 'finish-log', 'S', { down: '', code: '0', hold: '' });
    await supervise(box, dir);
    assert.equal((await sv(box, 'once', './S')).code, 0);
    const fin = await waitStatus(dir, (s) => s.state === 2, 'finish running');
    assert.equal(await svStatus(box, 'S'), `finish: ./S: (pid ${fin.pid}) Ns, normally down\n`);
    rmSync(`${dir}/hold`);
    await waitStatus(dir, (s) => s.state === 0, 'finish done');
    assert.deepEqual(lines(`${dir}/finish.log`), ['0 0']);
  });

  it('33: sv exit keeps daemontools\' meaning on ours: nothing stops until the service is down, then supervise exits 0', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    const sup = await supervise(box, dir);
    const pid = await waitUp(dir);
    assert.equal((await sv(box, 'exit', './S')).code, 0);
    // Evidence that exit was read: the alarm after it in the FIFO is done.
    assert.equal((await sv(box, 'alarm', './S')).code, 0);
    await waitFor(() => lines(`${dir}/sig.log`).includes('main ALRM'), DEADLINE_MS, 'ALRM after exit');
    assert.ok(alive(pid) && alive(sup.pid));
    assert.equal((await sv(box, 'down', './S')).code, 0);
    assert.deepEqual(await sup.exited, { code: 0, signal: null });
    const r = await sv(box, 'status', './S');
    assert.deepEqual([r.code, r.stdout], [1, 'fail: ./S: runsv not running\n']);
  });
});

describe('svkit clients drive real runsv', { concurrency: 4, skip }, () => {
  it('34: ours svc -d -u -p -c -t -k -o work against runsv and ours svstat prints what real svstat prints', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    const runsv = await supervise(box, dir, real('runsv'));
    const pid = await waitUp(dir);
    // Both readers while runsv, the only writer of the status, is stopped.
    const same = async (expected: string): Promise<void> => {
      const [ours, theirs] = await frozen(runsv.pid, () => Promise.all([runTool('svstat', [dir]), runTool(real('svstat'), [dir])]));
      assert.equal(normalizeSeconds(theirs.stdout), `${dir}: ${expected}\n`, 'real svstat');
      assert.equal(normalizeSeconds(ours.stdout), normalizeSeconds(theirs.stdout));
    };
    const svc = async (l: string): Promise<void> => {
      const r = await runTool('svc', [`-${l}`, dir]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], `svc -${l}`);
    };
    await same(`up (pid ${pid}) N seconds`);
    await svc('p');
    await waitStatus(dir, (s) => s.paused === 1, 'paused');
    await waitFor(() => procState(pid) === 'T', DEADLINE_MS, 'the child stopped (state T): STOP is delivered when it is next scheduled');
    await same(`up (pid ${pid}) N seconds, paused`);
    await svc('c');
    await waitStatus(dir, (s) => s.paused === 0, 'continued');
    await svc('d');
    await waitStatus(dir, (s) => s.pid === 0, 'down');
    await same('down N seconds, normally up');
    await svc('u');
    const p2 = await waitUp(dir);
    await same(`up (pid ${p2}) N seconds`);
    await svc('t');
    const p3 = (await waitStatus(dir, (s) => s.pid !== 0 && s.pid !== p2, 'restarted after -t')).pid;
    await svc('k');
    const p4 = (await waitStatus(dir, (s) => s.pid !== 0 && s.pid !== p3, 'restarted after -k')).pid;
    await svc('d');
    await waitStatus(dir, (s) => s.pid === 0, 'down');
    await svc('o');
    const p5 = (await waitStatus(dir, (s) => s.pid !== 0, 'once')).pid;
    assert.ok(p5 !== p4);
    await svc('t');
    await waitStatus(dir, (s) => s.pid === 0, 'once ended');
    // A window in which nothing may happen: a busy machine can only hide a wrong restart.
    await sleep(1200);
    assert.equal(tryStatus(dir)?.pid, 0, 'not restarted after once');
  });

  it('34: during runsv\'s crash-loop back-off ours svstat says down, normally up, want up, as real svstat does', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'crash-loop', 'rq');
    const runsv = await supervise(box, dir, real('runsv'));
    await waitFor(() => lines(`${dir}/starts.log`).length >= 1, DEADLINE_MS, 'first start');
    // Frozen in its back-off: a stopped runsv cannot start the next attempt while both read.
    // Stopped at a moment when the status says back-off (else let go and try again).
    let both: RunResult[] = [];
    await waitFor(() => frozen(runsv.pid, async () => {
      const s = tryStatus(dir);
      if (s === undefined || !(s.pid === 0 && s.want === 0x75 && s.len === 20)) return false;
      both = await Promise.all([runTool('svstat', ['rq'], { cwd: box.root }), runTool(real('svstat'), ['rq'], { cwd: box.root })]);
      return true;
    }), DEADLINE_MS, 'both svstats read runsv frozen in its back-off');
    const [ours, theirs] = both as [RunResult, RunResult];
    assert.equal(normalizeSeconds(ours.stdout), 'rq: down N seconds, normally up, want up\n');
    assert.equal(normalizeSeconds(ours.stdout), normalizeSeconds(theirs.stdout));
  });

  it('34: ours svok: 0 while runsv runs, 100 after it is gone', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    const rs = await supervise(box, dir, real('runsv'));
    await waitUp(dir);
    const up = await runTool('svok', [dir]);
    assert.deepEqual([up.code, up.stdout, up.stderr], [0, '', '']);
    kill(rs.pid, 'SIGTERM');
    await rs.exited;
    const gone = await runTool('svok', [dir]);
    assert.deepEqual([gone.code, gone.stdout, gone.stderr], [100, '', '']);
  });

  it('lock: ours exits 111 on a directory runsv holds; runsv exits 111 on one ours holds', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const a = fixture(box, 'siglog', 'a');
    await supervise(box, a, real('runsv'));
    await waitUp(a);
    const ours = await runTool('supervise', [a]);
    assert.deepEqual([ours.code, ours.stdout, ours.stderr], [111, '', `supervise: fatal: unable to acquire ${a}/supervise/lock: temporary failure\n`]);
    const b = fixture(box, 'siglog', 'b');
    const sup = await supervise(box, b);
    const pb = await waitUp(b);
    const theirs = await runTool(real('runsv'), [b]);
    assert.deepEqual([theirs.code, theirs.stdout, theirs.stderr], [111, '', `runsv ${b}: fatal: unable to lock supervise/lock: temporary failure\n`]);
    assert.ok(alive(pb));
    await waitFor(() => lines(`${a}/starts.log`).length > 0 && lines(`${b}/starts.log`).length > 0, DEADLINE_MS, 'runs wrote starts.log');
    assert.deepEqual([lines(`${a}/starts.log`).length, lines(`${b}/starts.log`).length], [1, 1]);
    assert.deepEqual(own(sup.stderr(), 'supervise'), []);
  });
});

