// svwatch against svkit's svscan (the events file) and, from supervise/status alone, against
// the real daemontools supervise and runit runsv: real transitions (svc -t), real inotify.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Sandbox, waitFor } from '../helpers/sandbox.ts';
import { needPeers, peer, runTool, startBackground } from '../helpers/tools.ts';
import { launch, okOpen, waitRestarted, waitUp } from '../fixtures/supervision.ts';
import { startSvscan } from '../scenarios/_svscan.ts';

const skip = needPeers('supervise', 'runsv');
const LOOP = 'exec sleep 1000';

interface Watch { lines: () => Record<string, unknown>[]; raw: () => string[]; stderr: () => string; pid: number }

/** bin/svwatch ARGS, its stdout parsed per line. */
function svwatch(box: Sandbox, args: string[]): Watch {
  const child = box.track(startBackground('svwatch', args, { cwd: box.root }));
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  return {
    pid: child.pid ?? 0,
    stderr: () => err,
    raw: () => out.split('\n').filter((l) => l !== ''),
    lines: () => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Inotify watches PID holds: svwatch's evidence that it is following (no events are missed after). */
function inotifyWatches(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      n += readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const kinds = (w: Watch, pid?: number): string[] => w.lines().filter((e) => pid === undefined || e['pid'] === pid).map((e) => String(e['kind']));

describe('svwatch', { concurrency: 3, skip }, () => {
  it('follows svscan services through the events file: replay, then a restart as exit + start', async (t) => {
    const box = new Sandbox();
    t.after(() => box.cleanup());
    box.service('scan/web', LOOP);
    const scan = startSvscan(box, box.path('scan'));
    const pid = await waitUp(box.path('scan/web'));
    const w = svwatch(box, ['--replay', '100', box.path('scan')]);
    await waitFor(() => kinds(w).includes('start'), 20_000, 'the replayed start');
    assert.deepEqual(w.lines().find((e) => e['kind'] === 'start'), { ...w.lines().find((e) => e['kind'] === 'start'), v: 1, service: 'web', pid, what: 'run' });
    assert.equal((await runTool('svc', ['-t', box.path('scan/web')])).code, 0);
    const next = await waitRestarted(box.path('scan/web'), pid, 'restarted');
    await waitFor(() => kinds(w, next).includes('start'), 20_000, 'the new start');
    const exit = w.lines().find((e) => e['kind'] === 'exit' && e['pid'] === pid);
    assert.deepEqual([exit?.['signal'], exit?.['service']], ['TERM', 'web']);
    assert.equal(w.stderr(), '');
    assert.equal(scan.stderr(), '');
  });

  for (const [peerName, args] of [['supervise', (d: string) => [d]], ['runsv', (d: string) => [d]]] as const) {
    it(`derives exit and start from supervise/status of the real ${peerName}`, async (t) => {
      const box = new Sandbox();
      t.after(() => box.cleanup());
      const dir = box.service('S', LOOP);
      launch(box, peer(peerName) ?? peerName, args(dir));
      await waitFor(() => okOpen(dir), 20_000, `${peerName} up`);
      const pid = await waitUp(dir);
      const w = svwatch(box, ['--human', dir]);
      await waitFor(() => inotifyWatches(w.pid) >= 1, 20_000, 'svwatch watching');
      assert.equal((await runTool('svc', ['-t', dir])).code, 0);
      const next = await waitRestarted(dir, pid, 'restarted');
      // --human: "TIME S: exited" then "TIME S: up pid NEXT", svscan -v's rendering.
      await waitFor(() => w.raw().some((l) => l.endsWith(` S: up pid ${next}`)), 20_000, 'the new pid printed');
      assert.deepEqual(w.raw().map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} /, '')), ['S: exited', `S: up pid ${next}`]);
      assert.equal(w.stderr(), '');
    });
  }
});
