// Restart on change, svkit's `watch` file against nodemon and `pm2 --watch`, one after the other on
// the same tree of 10,000 files and measured the same way: reaction (a file saved -> the new pid the
// restarted ./run wrote) and the idle CPU of the watcher's whole process tree over the same window.
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Scratch, descendants, exited, median, now, procTable, sleep, standalone, statusPid, svkitBin, writeService, type BenchRow, type BenchSection } from './lib.ts';
import { ensurePeers, startNodemon, startPm2, type Running } from './watch-peers.ts';

const FILES = 10_000;
const DELAY_MS = 300;
const TRIALS = 5;
const IDLE_MS = 30_000; // pm2's daemon does its periodic work every 30 s

interface Figures {
  reactions: number[];
  /** Save to the new pid in the watcher's own record (svkit: supervise/status), when it has one. */
  own: number[];
  idle: number | null;
}

/** utime+stime+cutime+cstime of a process in clock ticks (100 a second), 0 if gone: reaped children stay counted. */
function cpuTicks(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0;
  }
}

/** CPU ticks of the roots and every descendant. */
function treeTicks(roots: number[]): number {
  const table = procTable();
  return [...roots, ...roots.flatMap((r) => descendants(r, table))].reduce((sum, p) => sum + cpuTicks(p), 0);
}

/** The pid ./run wrote at its start (0 while none or mid-write). */
function startedPid(svc: string): number {
  try {
    return Number(readFileSync(join(svc, 'started'), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

async function newPid(svc: string, old: number, timeoutMs: number): Promise<number> {
  const end = now() + timeoutMs;
  for (;;) {
    const p = startedPid(svc);
    if ((p !== 0 && p !== old) || now() > end) return p;
    await sleep(2);
  }
}

/**
 * The same procedure for every watcher: ready, TRIALS saves each timed to the new pid ./run wrote
 * (and to the new pid in ownPid, the watcher's own record, where it has one), then IDLE_MS of nothing.
 */
async function measure(svc: string, w: Running, ownPid?: () => number): Promise<Figures> {
  let pid = await newPid(svc, 0, 20_000);
  if (pid === 0) throw new Error('./run never started');
  // Ready once a change restarts it (the initial scan of 10,000 files takes a while).
  for (let i = 0; i < 60; i++) {
    writeFileSync(join(svc, 'tree/d0/f0.js'), `ready ${i}`);
    const p = await newPid(svc, pid, 1000);
    if (p !== pid && p !== 0) break;
    if (i === 59) throw new Error('no restart within 60 s of saving a watched file');
  }
  const reactions: number[] = [];
  const own: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    await sleep(1500);
    pid = startedPid(svc);
    const own0 = ownPid?.() ?? 0;
    let ownAt: number | null = null;
    const t0 = now();
    writeFileSync(join(svc, `tree/d${t + 1}/f1.js`), `trial ${t}`);
    while (now() - t0 < 10_000) {
      const o = ownPid?.() ?? 0;
      if (ownAt === null && o !== 0 && o !== own0) ownAt = now();
      const p = startedPid(svc);
      if (p !== 0 && p !== pid) {
        reactions.push(now() - t0);
        break;
      }
      await sleep(2);
    }
    // The status may be renamed into place just after the new ./run wrote its pid.
    while (ownPid && ownAt === null && now() - t0 < 11_000) {
      const o = ownPid();
      if (o !== 0 && o !== own0) ownAt = now();
      else await sleep(2);
    }
    if (ownAt !== null) own.push(ownAt - t0);
  }
  return { reactions, own, idle: await idleCpu(w) };
}

/** Percent of a core the watcher's tree used over IDLE_MS with nothing changing. */
async function idleCpu(w: Running): Promise<number> {
  await sleep(1000);
  const c0 = treeTicks(w.roots());
  const w0 = now();
  await sleep(IDLE_MS);
  return ((treeTicks(w.roots()) - c0) / 100 / ((now() - w0) / 1000)) * 100;
}

function startSvkit(s: Scratch, svc: string, watching = true): Running {
  for (const f of ['watch', 'watch-delay']) rmSync(join(svc, f), { force: true });
  if (watching) writeFileSync(join(svc, 'watch'), 'tree\n');
  if (watching) writeFileSync(join(svc, 'watch-delay'), `${DELAY_MS}\n`);
  const scanner = s.spawn(svkitBin('svscan'), [s.path('scan')]);
  return {
    roots: () => (scanner.pid === undefined ? [] : [scanner.pid]),
    stop: async () => {
      scanner.kill('SIGTERM'); // brings the service down, then exits
      if (!(await exited(scanner, 15_000))) scanner.kill('SIGKILL');
    },
  };
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  const s = new Scratch('watch');
  const svc = writeService(s.path('scan/app'), 'echo $$ > started; exec sleep 100000');
  for (let d = 0; d < FILES / 100; d++) {
    mkdirSync(join(svc, 'tree', `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(svc, 'tree', `d${d}`, `f${f}.js`), '');
  }
  const peers = ensurePeers();
  const contenders: [string, () => Running | Promise<Running>][] = [['svkit', () => startSvkit(s, svc)]];
  const ownPid: Record<string, () => number> = { svkit: () => statusPid(svc, 'svkit') };
  for (const [name, p] of peers) {
    if ('missing' in p) notes.push(`${name}: not measured: ${p.missing}`);
    else {
      notes.push(`${name} ${p.version} from build/bench-peers (installed there by the bench when missing)`);
      contenders.push([name, () => (name === 'pm2' ? startPm2(s, p.entry, svc, DELAY_MS) : startNodemon(s, p.entry, svc, DELAY_MS))]);
    }
  }
  const figures = new Map<string, Figures>();
  let baseline: number | null = null;
  try {
    for (const [name, start] of contenders) {
      rmSync(join(svc, 'started'), { force: true });
      let w: Running | undefined;
      try {
        w = await start();
        figures.set(name, await measure(svc, w, ownPid[name]));
      } catch (e) {
        notes.push(`${name}: not measured: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        await w?.stop();
      }
      const f = figures.get(name);
      if (f) notes.push(`${name}: reactions ${f.reactions.map((r) => r.toFixed(0)).join(', ')} ms${f.own.length > 0 ? ` (new pid in its status: ${f.own.map((r) => r.toFixed(0)).join(', ')} ms)` : ''}${f.reactions.length < TRIALS ? ` (${TRIALS - f.reactions.length} saves gave no restart within 10 s)` : ''}`);
    }
    // The same svscan and service without a watch file: what svscan costs idle by itself.
    rmSync(join(svc, 'started'), { force: true });
    const plain = startSvkit(s, svc, false);
    try {
      if ((await newPid(svc, 0, 20_000)) !== 0) baseline = await idleCpu(plain);
    } finally {
      await plain.stop();
    }
  } finally {
    const left = await s.cleanup();
    if (left) notes.push(left);
  }
  notes.push('reaction: the new pid is the one ./run writes to a file at its start (`echo $$ > started`), the same for all three; idle CPU: utime+stime (with reaped children) of the watcher\'s whole process tree from /proc (svscan and the service; nodemon and its child; the pm2 daemon and its app), 100 ticks a second');
  notes.push('pm2\'s --watch-delay is a delay after the first change, not a quiet time: one save restarts after the same 300 ms in all three');
  const col = (pick: (f: Figures) => number | null): Record<string, number | null> =>
    Object.fromEntries([...peers.keys()].map((p) => [p, figures.has(p) ? pick(figures.get(p)!) : null]));
  const reaction = (f: Figures): number | null => median(f.reactions);
  const idle = (f: Figures): number | null => f.idle;
  const mine = figures.get('svkit');
  const rows: BenchRow[] = [
    { metric: `watch reaction: file saved to new pid (median of ${TRIALS}, delay ${DELAY_MS} ms)`, unit: 'ms', svkit: mine ? reaction(mine) : null, daemontools: null, runit: null, s6: null, extra: col(reaction), target: `<= ${DELAY_MS + 50}` },
    { metric: `watch reaction, svkit's own record: file saved to new pid in supervise/status (median of ${TRIALS})`, unit: 'ms', svkit: mine ? median(mine.own) : null, daemontools: null, runit: null, s6: null, target: `<= ${DELAY_MS + 50}` },
    { metric: `idle CPU of the watcher's process tree, ${FILES} files watched, over ${IDLE_MS / 1000} s`, unit: '% of a core', svkit: mine ? idle(mine) : null, daemontools: null, runit: null, s6: null, extra: col(idle), target: 'near 0' },
    { metric: `idle CPU of the same svscan and service without a watch file, over ${IDLE_MS / 1000} s`, unit: '% of a core', svkit: baseline, daemontools: null, runit: null, s6: null },
  ];
  return { title: 'watch: restart on change', rows, notes };
}

await standalone(import.meta.url, run);
