// svkit's svc/svstat/svok driving real daemontools supervise (18-byte status): compat
// scenarios 13, 14 and 16 (lock exclusion with real supervise both ways).
// Not tested here: runsv as the server (runit.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { DEADLINE_MS, Sandbox, frozen, waitFor } from '../helpers/sandbox.ts';
import { needPeers, peer, runTool } from '../helpers/tools.ts';
import { alive, fixture, kill, lines, normalizeSeconds, okOpen, own, procState, supervise, traced, waitRestarted, waitStatus, waitUp } from '../fixtures/supervision.ts';

const skip = needPeers('supervise', 'svc', 'svstat', 'svok', 'strace');
const real = (name: string): string => peer(name) ?? `/usr/bin/${name}`;

async function svc(...args: string[]): Promise<void> {
  const r = await runTool('svc', args);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], `svc ${args.join(' ')}`);
}

/** Ours and real svstat on the same arguments at the same moment: both lines, seconds normalised. */
async function bothSvstat(args: string[], cwd?: string): Promise<[string, string]> {
  const [ours, theirs] = await Promise.all([runTool('svstat', args, cwd === undefined ? {} : { cwd }), runTool(real('svstat'), args, cwd === undefined ? {} : { cwd })]);
  assert.deepEqual([ours.code, ours.stderr], [0, '']);
  assert.deepEqual([theirs.code, theirs.stderr], [0, '']);
  return [normalizeSeconds(ours.stdout), normalizeSeconds(theirs.stdout)];
}

/**
 * Ours and real svstat on dir while the real supervise (pid sup) is stopped: it is the only
 * writer of supervise/status, so both read the same bytes (and it still holds supervise/ok).
 */
async function sameLine(dir: string, sup: number | 'exited', expected: string): Promise<void> {
  const [ours, theirs] = sup === 'exited' ? await bothSvstat([dir]) : await frozen(sup, () => bothSvstat([dir]));
  assert.equal(theirs, `${dir}: ${expected}\n`, 'real svstat');
  assert.equal(ours, theirs, 'ours prints what real svstat prints');
}

describe('svkit clients drive real daemontools supervise', { concurrency: 4, skip }, () => {
  it('13: ours svc -p -c -d -u -h -a -i -t -k make real supervise send the signals of compat 3.1 to the child pid', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    const kills = await traced(box, real('supervise'), dir, false);
    const pid = await waitUp(dir);
    const step = async (letter: string, expect: string[]): Promise<void> => {
      const n = kills().length;
      await svc(`-${letter}`, dir);
      await waitFor(() => kills().length >= n + expect.length, DEADLINE_MS, `kills after -${letter}`);
      assert.deepEqual(kills().slice(n), expect.map((sig) => `${pid} ${sig}`), `-${letter}`);
    };
    await step('p', ['SIGSTOP']);
    await waitStatus(dir, (s) => s.paused === 1 && s.len === 18, '18-byte status, paused');
    await waitFor(() => procState(pid) === 'T', DEADLINE_MS, 'the child stopped (state T): STOP is delivered when it is next scheduled');
    await step('c', ['SIGCONT']);
    for (const [l, sig] of [['h', 'SIGHUP'], ['a', 'SIGALRM'], ['i', 'SIGINT']] as const) await step(l, [sig]);
    await waitFor(() => lines(`${dir}/sig.log`).filter((x) => x.startsWith('main')).length >= 4, DEADLINE_MS, 'signals logged');
    assert.deepEqual(lines(`${dir}/sig.log`).sort(), ['main ALRM', 'main CONT', 'main HUP', 'main INT'], 'pid only: the helper got nothing');
    await step('d', ['SIGTERM', 'SIGCONT']);
    await waitStatus(dir, (s) => s.pid === 0 && s.want === 0x64, 'down');
    await svc('-u', dir);
    const second = await waitStatus(dir, (s) => s.pid !== 0, 'up again');
    const n = kills().length;
    await svc('-t', dir);
    await waitFor(() => kills().length > n, DEADLINE_MS, 'TERM');
    assert.deepEqual(kills().slice(n), [`${second.pid} SIGTERM`]);
    const third = await waitStatus(dir, (s) => s.pid !== 0 && s.pid !== second.pid, 'restarted after -t');
    const m = kills().length;
    await svc('-k', dir);
    await waitFor(() => kills().length > m, DEADLINE_MS, 'KILL');
    assert.deepEqual(kills().slice(m), [`${third.pid} SIGKILL`]);
  });

  // Before the fix, ours and real svstat ran a moment apart while real supervise was still
  // changing state (slow-stop's 0.8 s stop could end between them on a busy machine): one read
  // "up, want down", the other "down". Now every state is held until the test moves on
  // (held-stop stops only once ./release exists) and the real supervise is stopped with
  // SIGSTOP while both read.
  it('14: ours svstat prints exactly what real svstat prints in the states of hexdumps A-K', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'held-stop', 'svc');
    const sup = (await supervise(box, dir, real('supervise'))).pid;
    const pid = await waitUp(dir);
    await sameLine(dir, sup, `up (pid ${pid}) N seconds`); // A
    await svc('-p', dir);
    await waitStatus(dir, (s) => s.paused === 1, 'paused');
    await sameLine(dir, sup, `up (pid ${pid}) N seconds, paused`); // B
    await svc('-c', dir);
    await waitStatus(dir, (s) => s.paused === 0, 'continued');
    await sameLine(dir, sup, `up (pid ${pid}) N seconds`); // C
    await svc('-d', dir);
    await waitStatus(dir, (s) => s.want === 0x64, 'want down');
    await waitFor(() => lines(`${dir}/sig.log`).includes('TERM'), undefined, 'TERM reached the run');
    await sameLine(dir, sup, `up (pid ${pid}) N seconds, want down`); // D (held until ./release)
    writeFileSync(`${dir}/release`, '');
    await waitStatus(dir, (s) => s.pid === 0, 'down');
    await sameLine(dir, sup, 'down N seconds, normally up'); // E
    await svc('-o', dir);
    const once = await waitStatus(dir, (s) => s.pid !== 0 && s.want === 0, 'once');
    await sameLine(dir, sup, `up (pid ${once.pid}) N seconds`); // F
    await svc('-t', dir);
    await waitStatus(dir, (s) => s.pid === 0, 'once ended');
    await sameLine(dir, sup, 'down N seconds, normally up'); // G
    await svc('-u', dir);
    const h = await waitStatus(dir, (s) => s.pid !== 0 && s.want === 0x75, 'up');
    // Real supervise reads no command for 1 s after a start, but keeps them in the FIFO:
    // -x, then -d below, are done in that order whenever it reads them.
    await svc('-x', dir);
    await sameLine(dir, sup, `up (pid ${h.pid}) N seconds`); // H
    await svc('-d', dir);
    await waitFor(() => !okOpen(dir), undefined, 'real supervise exited');
    await sameLine(dir, 'exited', 'supervise not running'); // I (no writer left)
    const nd = fixture(box, 'held-stop', 'nd', { down: '' });
    const ndSup = (await supervise(box, nd, real('supervise'))).pid;
    await sameLine(nd, ndSup, 'down N seconds'); // J
    await svc('-u', nd);
    const k = await waitUp(nd);
    await svc('-p', nd);
    await svc('-d', nd);
    await waitStatus(nd, (s) => s.want === 0x64 && s.paused === 0, 'want down');
    await waitFor(() => lines(`${nd}/sig.log`).includes('TERM'), undefined, 'TERM reached the run');
    await sameLine(nd, ndSup, `up (pid ${k}) N seconds, normally down, want down`); // K
  });

  it('14: ours svstat --json reads a daemontools status: format daemontools, termSent null', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    await supervise(box, dir, real('supervise'));
    const pid = await waitUp(dir);
    const r = await runTool('svstat', ['--json', dir]);
    const s = (JSON.parse(r.stdout) as { services: Record<string, unknown>[] }).services[0];
    assert.deepEqual([s?.['state'], s?.['pid'], s?.['want'], s?.['format'], s?.['termSent']], ['up', pid, 'up', 'daemontools', null]);
  });

  it('14: ours svok exits as real svok does: 0 running, 100 dead or never supervised, 111 missing', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    mkdirSync(box.path('plain'));
    const sup = await supervise(box, dir, real('supervise'));
    const child = await waitUp(dir);
    box.trackPid(child);
    const compare = async (arg: string, code: number): Promise<void> => {
      const [ours, theirs] = await Promise.all([runTool('svok', [arg]), runTool(real('svok'), [arg])]);
      assert.deepEqual([theirs.code, theirs.stdout], [code, ''], `real svok ${arg}`);
      assert.deepEqual([ours.code, ours.stdout, ours.stderr], [theirs.code, theirs.stdout, theirs.stderr], `svok ${arg}`);
    };
    await compare(dir, 0);
    await compare(box.path('plain'), 100);
    await compare(box.path('missing'), 111);
    kill(sup.pid, 'SIGKILL');
    await sup.exited;
    await compare(dir, 100);
    assert.ok(alive(child), 'real supervise orphans its child when killed');
  });

  // Before the fix, the short status was written while the real supervise ran on, and it
  // rewrote its status before ours read it ("bad: up (pid N) ..."). Now the real supervise is
  // stopped (SIGSTOP) before the short status is written and until both svstats have read it.
  it('14: ours svstat error lines equal real svstat\'s: missing dir, no supervise/, short status, dead supervise', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    mkdirSync(box.path('plain'));
    const dir = fixture(box, 'siglog', 'bad');
    const sup = await supervise(box, dir, real('supervise'));
    await waitUp(dir);
    mkdirSync(box.path('dead/supervise'), { recursive: true });
    execFileSync('mkfifo', [box.path('dead/supervise/ok')]);
    const [ours, theirs] = await frozen(sup.pid, () => {
      writeFileSync(box.path('bad/supervise/status'), Buffer.from([1, 2, 3, 4, 5]));
      return bothSvstat(['missing', 'plain', 'bad', 'dead'], box.root);
    });
    assert.equal(theirs, 'missing: unable to chdir: file does not exist\nplain: unable to open supervise/ok: file does not exist\nbad: unable to read supervise/status: bad format\ndead: supervise not running\n');
    assert.equal(ours, theirs);
  });

  it('16: ours supervise on a directory held by real supervise exits 111; real supervise on one held by ours does too', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const a = fixture(box, 'siglog', 'a');
    await supervise(box, a, real('supervise'));
    const pa = await waitUp(a);
    const ours = await runTool('supervise', [a]);
    assert.deepEqual([ours.code, ours.stdout, ours.stderr], [111, '', `supervise: fatal: unable to acquire ${a}/supervise/lock: temporary failure\n`]);
    const b = fixture(box, 'siglog', 'b');
    const sup = await supervise(box, b);
    const pb = await waitUp(b);
    const theirs = await runTool(real('supervise'), [b]);
    assert.deepEqual([theirs.code, theirs.stdout, theirs.stderr], [111, '', `supervise: fatal: unable to acquire ${b}/supervise/lock: temporary failure\n`]);
    assert.ok(alive(pa) && alive(pb), 'both services untouched');
    await waitFor(() => lines(`${a}/starts.log`).length > 0 && lines(`${b}/starts.log`).length > 0, DEADLINE_MS, 'runs wrote starts.log');
    assert.deepEqual([lines(`${a}/starts.log`).length, lines(`${b}/starts.log`).length], [1, 1]);
    assert.deepEqual(own(sup.stderr(), 'supervise'), []);
  });

  it('16: ours takes over a directory real supervise left (18-byte status) and rewrites it in the 20-byte form', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S', { down: '' });
    const realSup = await supervise(box, dir, real('supervise'));
    await waitStatus(dir, (s) => s.len === 18, '18-byte status');
    await svc('-x', dir);
    await realSup.exited;
    rmSync(`${dir}/down`);
    await supervise(box, dir);
    const s = await waitStatus(dir, (x) => x.len === 20 && x.pid !== 0, 'ours up, 20 bytes');
    // runit's pid file follows the status asynchronously: wait for it to exist and be right.
    await waitFor(() => existsSync(`${dir}/supervise/pid`) && readFileSync(`${dir}/supervise/pid`, 'utf8') === `${s.pid}\n`, DEADLINE_MS, 'pid file names the child');
  });

  it('ours svc and svstat print what real svc and svstat print for a missing dir, a file, no supervise/ and a dead supervise', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    mkdirSync(box.path('plain'));
    writeFileSync(box.path('file'), '');
    mkdirSync(box.path('dead/supervise'), { recursive: true });
    execFileSync('mkfifo', [box.path('dead/supervise/control'), box.path('dead/supervise/ok')]);
    const args = ['missing', 'file', 'plain', 'dead'];
    const [ours, theirs] = await Promise.all([runTool('svc', ['-u', ...args], { cwd: box.root }), runTool(real('svc'), ['-u', ...args], { cwd: box.root })]);
    assert.equal(theirs.stderr, [
      'svc: warning: unable to chdir to missing: file does not exist\n',
      'svc: warning: unable to chdir to file: not a directory\n',
      'svc: warning: unable to control plain: file does not exist\n',
      'svc: warning: unable to control dead: supervise not running\n',
    ].join(''));
    assert.deepEqual([ours.code, ours.stdout, ours.stderr], [theirs.code, theirs.stdout, theirs.stderr]);
    const [a, b] = await bothSvstat(args, box.root);
    assert.equal(b, 'missing: unable to chdir: file does not exist\nfile: unable to chdir: not a directory\nplain: unable to open supervise/ok: file does not exist\ndead: supervise not running\n');
    assert.equal(a, b);
  });
  it('svc -w waits on real supervise (18-byte status) for down, up and a new pid', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    await supervise(box, dir, real('supervise'));
    const first = await waitUp(dir);
    for (const [args, check] of [
      [['-w', '20', '-d'], (pid: number) => pid === 0],
      [['-w', '20', '-u'], (pid: number) => pid !== 0 && pid !== first],
    ] as const) {
      const r = await runTool('svc', [...args, dir]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], args.join(' '));
      const pid = readFileSync(`${dir}/supervise/status`).readUInt32LE(12);
      assert.ok(check(pid), `${args.join(' ')}: pid ${pid} when svc returned`);
    }
    const before = readFileSync(`${dir}/supervise/status`).readUInt32LE(12);
    const term = await runTool('svc', ['-w', '20', '-t', dir]);
    assert.deepEqual([term.code, term.stdout, term.stderr], [0, '', '']);
    const after = readFileSync(`${dir}/supervise/status`).readUInt32LE(12);
    assert.ok(after !== 0 && after !== before, `new pid ${before} -> ${after}`);
  });
});
