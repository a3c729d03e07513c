// Real daemontools svc/svstat/svok driving svkit's supervise: compat scenarios 1-12, 18, 19.
// Not tested here: runit's sv (runit.test.ts), svkit's clients against real servers (clients.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { DEADLINE_MS, Sandbox, waitFor } from '../helpers/sandbox.ts';
import { BIN, needPeers, peer, runTool } from '../helpers/tools.ts';
import {
  alive, fixture, groupAlive, kill, lines, normalizeSeconds, procState, supervise, traced, tryStatus, waitRestarted, waitStatus, waitUp,
} from '../fixtures/supervision.ts';

const skip = needPeers('svc', 'svstat', 'svok', 'strace');
const real = (name: string): string => peer(name) ?? `/usr/bin/${name}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const statusBytes = (dir: string): Buffer => readFileSync(`${dir}/supervise/status`);

async function svc(...args: string[]): Promise<void> {
  const r = await runTool(real('svc'), args);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], `real svc ${args.join(' ')}`);
}

async function svstat(dir: string): Promise<string> {
  const r = await runTool(real('svstat'), [dir]);
  assert.deepEqual([r.code, r.stderr], [0, '']);
  return normalizeSeconds(r.stdout);
}

describe('real daemontools clients drive svkit supervise', { concurrency: 4, skip }, () => {
  it('1: fresh layout: supervise/ 0700, FIFOs 0600, lock 0600 empty, status written; real svok 0, real svstat up 0 seconds', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    await supervise(box, dir);
    const pid = await waitUp(dir);
    const mode = (p: string): number => statSync(`${dir}/${p}`).mode & 0o777;
    assert.deepEqual([mode('supervise'), mode('supervise/control'), mode('supervise/ok'), mode('supervise/lock')], [0o700, 0o600, 0o600, 0o600]);
    assert.equal(mode('supervise/status') & 0o600, 0o600);
    const ok = await runTool(real('svok'), [dir]);
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, '', '']);
    // The age real svstat prints is its clock minus the stamp: bracket it by the clock before
    // and after it ran, instead of assuming it runs within a second of the start.
    const stamp = tryStatus(dir)?.unix ?? 0;
    const before = Math.floor(Date.now() / 1000) - stamp;
    const r = await runTool(real('svstat'), [dir]);
    const after = Math.ceil(Date.now() / 1000) - stamp;
    const m = new RegExp(`^${dir}: up \\(pid ${pid}\\) (\\d+) seconds\\n$`).exec(r.stdout);
    assert.ok(m !== null, r.stdout);
    const age = Number(m[1]);
    assert.ok(age >= Math.max(0, before - 1) && age <= after, `age ${age} s, between ${before} and ${after}`);
  });

  it('2: status bytes while up: stamp = now (TAI label - 2^62 - 10), LE pid = child, paused 0, want u, ns < 10^9 ending in 500', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    const launched = Math.floor(Date.now() / 1000);
    await supervise(box, dir);
    const pid = await waitUp(dir);
    const b = statusBytes(dir);
    const unix = Number(b.readBigUInt64BE(0) - (1n << 62n) - 10n);
    assert.ok(unix >= launched && unix <= Date.now() / 1000, `stamp ${unix} between the launch (${launched}) and now`);
    assert.deepEqual([b.readUInt32LE(12), b[16], b[17]], [pid, 0, 0x75]);
    assert.ok(b.readUInt32BE(8) < 1e9 && b.readUInt32BE(8) % 1000 === 500);
  });

  it('3+4: real svc -p stops the child (state T, byte 16 = 1, stamp kept, svstat paused); svc -c sends CONT and clears it', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    await supervise(box, dir);
    const pid = await waitUp(dir);
    const before = statusBytes(dir);
    await svc('-p', dir);
    await waitFor(() => procState(pid) === 'T', DEADLINE_MS, 'stopped');
    const paused = await waitStatus(dir, (s) => s.paused === 1, 'paused byte');
    assert.equal(paused.pid, pid);
    assert.deepEqual(statusBytes(dir).subarray(0, 12), before.subarray(0, 12), 'stamp unchanged');
    assert.equal(await svstat(dir), `${dir}: up (pid ${pid}) N seconds, paused\n`);
    await svc('-c', dir);
    await waitFor(() => lines(`${dir}/sig.log`).includes('main CONT'), DEADLINE_MS, 'CONT');
    await waitStatus(dir, (s) => s.paused === 0, 'paused cleared');
    assert.notEqual(procState(pid), 'T');
    assert.deepEqual(statusBytes(dir).subarray(0, 12), before.subarray(0, 12), 'stamp still unchanged');
  });

  it('5: real svc -d: TERM then CONT to the child\'s group, want d, then pid 0 with a new stamp; svstat down, normally up', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    const kills = await traced(box, `${BIN}/supervise`, dir, true);
    const pid = await waitUp(dir);
    const stamp = statusBytes(dir).subarray(0, 12);
    await svc('-d', dir);
    const down = await waitStatus(dir, (s) => s.pid === 0 && s.want === 0x64, 'down');
    assert.notDeepEqual(statusBytes(dir).subarray(0, 12), stamp, 'new stamp at the exit');
    assert.equal(down.paused, 0);
    const sent = (): string[] => kills().filter((k) => k.startsWith(`-${pid} `));
    await waitFor(() => sent().length >= 2, DEADLINE_MS, 'strace lines for the stop');
    assert.deepEqual(sent().slice(0, 2), [`-${pid} SIGTERM`, `-${pid} SIGCONT`]);
    assert.ok(lines(`${dir}/sig.log`).includes('main TERM'));
    assert.equal(await svstat(dir), `${dir}: down N seconds, normally up\n`);
  });

  it('6: real svc -d on a paused child delivers TERM+CONT, so it exits, and byte 16 goes back to 0', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    await supervise(box, dir);
    const pid = await waitUp(dir);
    await svc('-p', dir);
    await waitFor(() => procState(pid) === 'T', DEADLINE_MS, 'stopped');
    await svc('-d', dir);
    const s = await waitStatus(dir, (x) => x.pid === 0, 'down');
    assert.deepEqual([s.paused, s.want], [0, 0x64]);
    assert.ok(!alive(pid));
  });

  it('7: real svc -u on a down service starts it at once: new pid, want u, svstat without a want suffix', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S', { down: '' });
    await supervise(box, dir);
    // How soon is a speed target (bench/supervise.bench.ts rows), not an assertion here.
    await svc('-u', dir);
    const s = await waitStatus(dir, (x) => x.pid !== 0, 'up');
    assert.equal(s.want, 0x75);
    assert.equal(await svstat(dir), `${dir}: up (pid ${s.pid}) N seconds, normally down\n`);
  });

  it('8: real svc -o writes want 0; svc -t then ends the child and it is not restarted; svstat down, normally up', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S', { down: '' });
    await supervise(box, dir);
    await svc('-o', dir);
    const s = await waitStatus(dir, (x) => x.pid !== 0, 'once started');
    assert.equal(s.want, 0);
    // Its traps are set once it is in starts.log: a TERM before that would end it unlogged.
    await waitFor(() => lines(`${dir}/starts.log`).length === 1, DEADLINE_MS, 'run ready');
    await svc('-t', dir);
    await waitStatus(dir, (x) => x.pid === 0, 'ended');
    // A window in which nothing may happen: a busy machine can only hide a wrong restart
    // here, never fail a right supervise.
    await sleep(1200);
    assert.equal(tryStatus(dir)?.pid, 0, 'not restarted');
    assert.equal(lines(`${dir}/starts.log`).length, 1);
    writeFileSync(`${dir}/down`, '');
    assert.equal(await svstat(dir), `${dir}: down N seconds\n`);
    execFileSync('rm', [`${dir}/down`]);
    assert.equal(await svstat(dir), `${dir}: down N seconds, normally up\n`, 'no want suffix for once');
  });

  it('9: real svc -h -a -i reach the child pid only; -t and -k reach its group and restart it (want up); all are no-ops when down', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    const sup = await supervise(box, dir);
    const pid = await waitUp(dir);
    for (const l of 'hai') await svc(`-${l}`, dir);
    await waitFor(() => lines(`${dir}/sig.log`).length >= 3, DEADLINE_MS, 'three signals');
    await svc('-t', dir);
    const second = await waitRestarted(dir, pid, 'restarted after -t');
    // The helper's trap writes its line in its own time, maybe after main's restart.
    await waitFor(() => lines(`${dir}/sig.log`).includes('helper TERM'), DEADLINE_MS, 'TERM reached the group');
    // Everything before the TERMs: exactly the three, to main only. A shell runs pending traps
    // in signal-number order, so compare as sets.
    assert.deepEqual(lines(`${dir}/sig.log`).filter((l) => !l.endsWith(' TERM')).sort(), ['main ALRM', 'main HUP', 'main INT']);
    await svc('-k', dir);
    const third = { pid: await waitRestarted(dir, second, 'restarted after -k') };
    assert.ok(!groupAlive(second));
    await svc('-d', dir);
    await waitStatus(dir, (s) => s.pid === 0, 'down');
    const downBytes = statusBytes(dir);
    for (const l of 'haitk') await svc(`-${l}`, dir);
    // Evidence that all five were read: the x after them makes the down supervise exit.
    await svc('-x', dir);
    assert.deepEqual(await sup.exited, { code: 0, signal: null });
    assert.deepEqual(statusBytes(dir), downBytes, 'no-ops when down');
    assert.equal(lines(`${dir}/starts.log`).length, 3);
    assert.ok(!alive(third.pid));
  });

  it('10: bytes neither suite defines (rvwyb, NUL, newline) change nothing, as with real supervise', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    await supervise(box, dir);
    const pid = await waitUp(dir);
    const before = statusBytes(dir);
    writeFileSync(`${dir}/supervise/control`, 'rvwyb\0\nZ');
    // Evidence that supervise has read past them: the h after them in the FIFO is done.
    await svc('-h', dir);
    await waitFor(() => lines(`${dir}/sig.log`).includes('main HUP'), DEADLINE_MS, 'HUP after the bytes');
    assert.deepEqual(statusBytes(dir), before);
    assert.deepEqual(lines(`${dir}/sig.log`), ['main HUP'], 'the bytes sent nothing');
    assert.ok(alive(pid));
  });

  it('11: real svc -x while up changes nothing; after svc -d ours exits 0 leaving pid 0 want d; real svok 100, svstat and svc say not running', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    const sup = await supervise(box, dir);
    const pid = await waitUp(dir);
    await svc('-x', dir);
    // Evidence that x was read: the a after it in the FIFO is done.
    await svc('-a', dir);
    await waitFor(() => lines(`${dir}/sig.log`).includes('main ALRM'), DEADLINE_MS, 'ALRM after x');
    assert.ok(alive(sup.pid) && alive(pid));
    await svc('-d', dir);
    assert.deepEqual(await sup.exited, { code: 0, signal: null });
    const s = tryStatus(dir);
    assert.deepEqual([s?.pid, s?.want], [0, 0x64]);
    const ok = await runTool(real('svok'), [dir]);
    assert.deepEqual([ok.code, ok.stdout, ok.stderr], [100, '', '']);
    assert.equal(await svstat(dir), `${dir}: supervise not running\n`);
    const r = await runTool(real('svc'), ['-u', dir]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', `svc: warning: unable to control ${dir}: supervise not running\n`]);
  });

  it('12: svkit svc writes the same bytes as real svc for the same options', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = box.path('F');
    mkdirSync(`${dir}/supervise`, { recursive: true });
    execFileSync('mkfifo', [`${dir}/supervise/control`]);
    const fd = openSync(`${dir}/supervise/control`, constants.O_RDONLY | constants.O_NONBLOCK);
    t.after(() => closeSync(fd));
    const drain = (): string => {
      const buf = Buffer.alloc(64);
      try {
        return buf.subarray(0, readSync(fd, buf, 0, 64, null)).toString('latin1');
      } catch {
        return '';
      }
    };
    for (const args of [['-d', '-u', '-d'], ['-ddddd'], ['-xd'], ['-tc', '-u'], ['-udopchaitkx'], ['-kkuu', '-p']]) {
      await runTool(real('svc'), [...args, dir]);
      const theirs = drain();
      await runTool('svc', [...args, dir]);
      assert.equal(drain(), theirs, args.join(' '));
    }
  });

  it('18: with a down file ours starts pid 0 want d; real svstat down; after real svc -u: up, normally down', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S', { down: '' });
    await supervise(box, dir);
    const s = await waitStatus(dir, () => true, 'status');
    assert.deepEqual([s.pid, s.want], [0, 0x64]);
    assert.equal(await svstat(dir), `${dir}: down N seconds\n`);
    await svc('-u', dir);
    const pid = await waitUp(dir);
    assert.equal(await svstat(dir), `${dir}: up (pid ${pid}) N seconds, normally down\n`);
  });

  it('19: TERM to ours brings the service down and exits 0; the status left behind reads "supervise not running" with real svstat', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    const sup = await supervise(box, dir);
    const pid = await waitUp(dir);
    kill(sup.pid, 'SIGTERM');
    assert.deepEqual(await sup.exited, { code: 0, signal: null });
    assert.ok(!alive(pid));
    assert.equal(await svstat(dir), `${dir}: supervise not running\n`);
  });

  it('19: after SIGKILL of ours the service keeps running; a new supervise adopts it instead of starting a duplicate', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    const dir = fixture(box, 'siglog', 'S');
    const first = await supervise(box, dir);
    const pid = await waitUp(dir);
    box.trackPid(pid);
    kill(first.pid, 'SIGKILL');
    await first.exited;
    assert.ok(alive(pid), 'the service survives its supervisor');
    assert.equal(await svstat(dir), `${dir}: supervise not running\n`);
    await supervise(box, dir);
    // Evidence that the new supervise has adopted the child: it signals that pid on svc -a.
    await svc('-a', dir);
    await waitFor(() => lines(`${dir}/sig.log`).includes('main ALRM'), DEADLINE_MS, 'ALRM to the adopted child');
    assert.equal(tryStatus(dir)?.pid, pid, 'adopted');
    assert.equal(lines(`${dir}/starts.log`).length, 1, 'no second copy');
    assert.equal(await svstat(dir), `${dir}: up (pid ${pid}) N seconds\n`);
    await svc('-d', dir);
    await waitStatus(dir, (s) => s.pid === 0, 'the adopted service obeys svc -d');
    assert.ok(!alive(pid));
    await svc('-u', dir);
    const next = await waitUp(dir);
    assert.notEqual(next, pid);
  });
});
