// svscan as PID 1 of `unshare --pid --fork --mount-proc` (issue 9): container stop time for 20
// services and orphan reaping latency, svkit vs s6-svscan started the same way.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Scratch, exited, median, now, peer, procTable, sleep, statusPid, writeService, type BenchRow, type BenchSection, type Suite } from './lib.ts';

const SERVICES = 20;
const TRIALS = 3;
const ORPHANS = 200;

type Pair = 'svkit' | 's6';
const svscanOf = (s: Pair): string | undefined => (s === 'svkit' ? join(BIN, 'svscan') : peer('s6-svscan'));

async function pid1(scratch: Scratch, suite: Pair, dir: string): Promise<{ child: ReturnType<Scratch['spawn']>; pid: number }> {
  const child = scratch.spawn('/usr/bin/unshare', ['--pid', '--fork', '--mount-proc', svscanOf(suite)!, dir]);
  const end = now() + 20_000;
  for (;;) {
    const t = procTable();
    for (const [pid, p] of t) if (p.ppid === child.pid) return { child, pid };
    if (now() > end) throw new Error(`${suite}: no PID 1 in the namespace`);
    await sleep(5);
  }
}

/** ms from TERM to PID 1 until the namespace is gone, 20 services up. */
async function stopTime(suite: Pair): Promise<number> {
  const scratch = new Scratch(`ct-${suite}`);
  const dir = scratch.path('scan');
  for (let i = 0; i < SERVICES; i++) writeService(join(dir, `s${i}`), 'exec sleep 1000');
  const { child, pid } = await pid1(scratch, suite, dir);
  const s: Suite = suite;
  const upBy = now() + 30_000;
  while (![...Array(SERVICES).keys()].every((i) => statusPid(join(dir, `s${i}`), s) > 0)) {
    if (now() > upBy) throw new Error(`${suite}: services not up`);
    await sleep(10);
  }
  const t0 = now();
  process.kill(pid, 'SIGTERM');
  const ok = await exited(child, 30_000);
  const ms = now() - t0;
  await scratch.cleanup();
  if (!ok) throw new Error(`${suite}: did not stop in 30 s`);
  return ms;
}

/** ms from a service's burst of ORPHANS double-forked orphans (marker written) until none is left unreaped. */
async function reapLatency(suite: Pair): Promise<number> {
  const scratch = new Scratch(`orph-${suite}`);
  const dir = scratch.path('scan');
  writeService(join(dir, 'burst'), `i=0; while [ $i -lt ${ORPHANS} ]; do (true &); i=$((i+1)); done\necho > ../../marker\nexec sleep 1000`);
  const { child, pid } = await pid1(scratch, suite, dir);
  const by = now() + 30_000;
  while (!existsSync(scratch.path('marker'))) {
    if (now() > by) throw new Error(`${suite}: no burst`);
    await sleep(1);
  }
  const t0 = now();
  for (;;) {
    const t = procTable();
    const left = [...t.values()].filter((p) => p.ppid === pid && p.comm === 'true').length;
    if (left === 0) break;
    if (now() > by) throw new Error(`${suite}: orphans left`);
    await sleep(1);
  }
  const ms = now() - t0;
  process.kill(pid, 'SIGTERM');
  await exited(child, 30_000);
  await scratch.cleanup();
  return ms;
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  if (process.getuid?.() !== 0) return { title: 'Container (PID 1)', rows: [], notes: ['skipped: unshare --pid needs root'] };
  const pairs: Pair[] = peer('s6-svscan') ? ['svkit', 's6'] : ['svkit'];
  const stop: Record<string, number | null> = { svkit: null, s6: null };
  const reap: Record<string, number | null> = { svkit: null, s6: null };
  for (const p of pairs) {
    try {
      const xs: number[] = [];
      for (let i = 0; i < TRIALS; i++) xs.push(await stopTime(p));
      stop[p] = median(xs);
    } catch (e) { notes.push(`stop ${p}: ${e instanceof Error ? e.message : String(e)}`); }
    try {
      const xs: number[] = [];
      for (let i = 0; i < TRIALS; i++) xs.push(await reapLatency(p));
      reap[p] = median(xs);
    } catch (e) { notes.push(`reap ${p}: ${e instanceof Error ? e.message : String(e)}`); }
  }
  const rows: BenchRow[] = [
    { metric: `container stop, ${SERVICES} services (TERM to PID 1 until the namespace is gone), median of ${TRIALS}`, unit: 'ms', svkit: stop['svkit'] ?? null, daemontools: null, runit: null, s6: stop['s6'] ?? null, target: 'no slower than s6' },
    { metric: `orphan reaping: ${ORPHANS} double-forked orphans, burst end until none left (polled), median of ${TRIALS}`, unit: 'ms', svkit: reap['svkit'] ?? null, daemontools: null, runit: null, s6: reap['s6'] ?? null },
  ];
  notes.push('both svscans run as PID 1 of unshare --pid --fork --mount-proc; the comm of an orphan here is `true`');
  return { title: 'Container (PID 1)', rows, notes };
}
