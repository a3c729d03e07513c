// svscan in one process: PSS footprint, start-up and new-dir pickup for N services, svkit vs daemontools, runit, s6.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import {
  Scratch, SUITES, descendants, exited, machineNote, median, memoryKiB, now, peer, pollSync, procTable, signal, sleep, standalone,
  statusPid, svkitAvailable, svkitBin, writeService, type BenchRow, type BenchSection, type Suite,
} from './lib.ts';

const SIZES = [1, 10, 100] as const;
const PICKUP_N = 10; // pickup is measured while this many services run
const PICKUP_TRIALS: Record<Suite, number> = { svkit: 7, daemontools: 2, runit: 3, s6: 5 };
const TRIALS = 3; // start-up and memory: median over this many fresh starts of each scanner
const SETTLE_MS = 1000; // let start-up garbage settle before sampling memory
const SAMPLES = 4;
const SAMPLE_GAP_MS = 300;
const RUN = 'exec sleep 100000';

interface ScanKit {
  start: ((dir: string) => [string, string[]]) | null;
  /** Orderly stop with the suite's own means (the scratch cleanup then kills and verifies). */
  stop: (dir: string, scanner: ChildProcess, services: string[]) => Promise<string | void>;
}

const pgid = (c: ChildProcess): number => c.pid ?? 0;
const tool = (name: string): string | undefined => peer(name);
const runQuiet = (file: string | undefined, args: string[]): void => void (file && spawnSync(file, args, { stdio: 'ignore', timeout: 15_000 }));

const KITS: Record<Suite, ScanKit> = {
  svkit: {
    start: svkitAvailable('svscan') ? (d) => [svkitBin('svscan'), [d]] : null,
    // Contract: TERM brings every service down, then svscan exits 0.
    stop: async (_d, c) => {
      signal(-pgid(c), 'SIGTERM');
      if (!(await exited(c, 5000))) return 'bin/svscan still running 5 s after TERM';
      if (c.exitCode !== 0) return `bin/svscan exited ${c.exitCode ?? c.signalCode} after TERM, not 0`;
    },
  },
  daemontools: {
    start: tool('svscan') ? (d) => [tool('svscan')!, [d]] : null,
    // svscan catches no signal; its supervise children and their services share its process group.
    stop: async (_d, c) => {
      signal(-pgid(c), 'SIGTERM');
      await exited(c, 3000);
    },
  },
  runit: {
    start: tool('runsvdir') ? (d) => [tool('runsvdir')!, [d]] : null,
    // runsvdir exits 0 on TERM leaving runsv running; then stop the services and make each runsv exit.
    stop: async (_d, c, services) => {
      signal(c.pid ?? 0, 'SIGTERM');
      await exited(c, 3000);
      runQuiet(tool('sv'), ['-w', '2', 'force-stop', ...services]);
      runQuiet(tool('sv'), ['exit', ...services]);
      await sleep(200);
    },
  },
  s6: {
    start: tool('s6-svscan') ? (d) => [tool('s6-svscan')!, [d]] : null,
    stop: async (d, c) => {
      runQuiet(tool('s6-svscanctl'), ['-t', d]);
      await exited(c, 5000);
    },
  },
};

interface Measure {
  startup: number | null;
  pss: number | null; // KiB
  uss: number | null; // KiB
  procs: number | null;
  pickups: number[];
  problem?: string;
}

/** Scanner plus all its descendants except the service processes (pids from status) and their children. */
function supervisorPids(scanner: number, suite: Suite, dirs: string[]): number[] {
  const table = procTable();
  const services = new Set<number>();
  for (const d of dirs) {
    const p = statusPid(d, suite);
    if (p > 0) [p, ...descendants(p, table)].forEach((x) => services.add(x));
  }
  return [scanner, ...descendants(scanner, table)].filter((p) => !services.has(p) && table.get(p)?.comm !== 'sleep');
}

async function measure(suite: Suite, n: number, notes: string[], pickup: boolean): Promise<Measure> {
  const kit = KITS[suite];
  const out: Measure = { startup: null, pss: null, uss: null, procs: null, pickups: [] };
  if (kit.start === null) return { ...out, problem: 'not installed' };
  const scratch = new Scratch(`svscan-${suite}-${n}`);
  const scan = scratch.path('scan');
  const dirs = Array.from({ length: n }, (_, i) => writeService(join(scan, `s${String(i).padStart(3, '0')}`), RUN));
  const [file, args] = kit.start(scan);
  const t0 = now();
  const scanner = scratch.spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  scanner.stderr?.on('data', (b: Buffer) => void (stderr = (stderr + b.toString()).slice(-400)));
  try {
    // Start-up: check services in order, so each poll reads about one status file.
    let next = 0;
    const t1 = pollSync(() => {
      while (next < n && statusPid(dirs[next]!, suite) > 0) next++;
      return next === n || scanner.exitCode !== null;
    }, 30_000, 1);
    if (t1 === null || next < n) return { ...out, problem: `only ${next}/${n} services running${stderr ? `; stderr: ${stderr.trim()}` : ''}` };
    out.startup = t1 - t0;

    await sleep(SETTLE_MS);
    const pss: number[] = [];
    const uss: number[] = [];
    for (let i = 0; i < SAMPLES; i++, await sleep(SAMPLE_GAP_MS)) {
      const pids = supervisorPids(scanner.pid!, suite, dirs);
      out.procs = pids.length;
      const mem = pids.map(memoryKiB);
      pss.push(mem.reduce((sum, m) => sum + m.pss, 0));
      uss.push(mem.reduce((sum, m) => sum + m.uss, 0));
    }
    out.pss = median(pss);
    out.uss = median(uss);

    if (pickup) {
      mkdirSync(scratch.path('stage'));
      for (let i = 0; i < PICKUP_TRIALS[suite]; i++) {
        const staged = writeService(scratch.path('stage', `new${i}`), RUN);
        const dir = join(scan, `new${i}`);
        const ts = now();
        renameSync(staged, dir);
        if (suite === 's6') runQuiet(tool('s6-svscanctl'), ['-a', scan]);
        const te = pollSync(() => statusPid(dir, suite) > 0, 8000, 1);
        if (te === null) notes.push(`${suite}: a new service dir was not picked up within 8 s`);
        else out.pickups.push(te - ts);
        dirs.push(dir);
      }
    }
    return out;
  } finally {
    const problem = await kit.stop(scan, scanner, dirs);
    if (problem) notes.push(`${suite} N=${n}: ${problem}`);
    const note = await scratch.cleanup();
    if (note) notes.push(`${suite} N=${n}: ${note}`);
  }
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  const all = new Map<string, Measure[]>();
  for (let t = 0; t < TRIALS; t++)
    for (const n of SIZES)
      for (const suite of SUITES) {
        const m = await measure(suite, n, notes, t === 0 && n === PICKUP_N);
        if (m.problem) notes.push(`${suite} N=${n} trial ${t + 1}: no figures (${m.problem})`);
        all.set(`${suite}:${n}`, [...(all.get(`${suite}:${n}`) ?? []), m]);
      }
  const res = new Map<string, Measure>();
  for (const [key, ms] of all) {
    const ok = ms.filter((m) => !m.problem);
    const mid = (f: (m: Measure) => number | null): number | null => median(ok.map(f).filter((x): x is number => x !== null));
    res.set(key, ok.length === 0 ? { ...ms[0]!, problem: ms[0]!.problem ?? 'no trial' } : { startup: mid((m) => m.startup), pss: mid((m) => m.pss), uss: mid((m) => m.uss), procs: mid((m) => m.procs), pickups: ok.flatMap((m) => m.pickups) });
  }
  const perTrial = (n: number): string =>
    SUITES.map((s) => `${s} [${(all.get(`${s}:${n}`) ?? []).map((m) => (m.startup === null ? '—' : m.startup.toFixed(0))).join(', ')}]`).join('; ');

  const get = (n: number, f: (m: Measure) => number | null) => (s: Suite) => {
    const m = res.get(`${s}:${n}`);
    return m === undefined || m.problem ? null : f(m);
  };
  const row = (metric: string, unit: string, pick: (s: Suite) => number | null, target?: string): BenchRow => ({
    metric, unit, svkit: pick('svkit'), daemontools: pick('daemontools'), runit: pick('runit'), s6: pick('s6'), ...(target ? { target } : {}),
  });
  const pss = (n: number) => get(n, (m) => (m.pss === null ? null : m.pss / 1024));
  const marginal = (s: Suite): number | null => {
    const a = get(1, (m) => m.pss)(s);
    const b = get(100, (m) => m.pss)(s);
    return a === null || b === null ? null : (b - a) / 99;
  };
  const rows: BenchRow[] = [
    ...SIZES.map((n) => row(`start-up to all children running, N=${n}`, 'ms', get(n, (m) => m.startup), n === 100 ? '<= daemontools' : undefined)),
    ...SIZES.map((n) => row(`PSS of scanner + supervisors, N=${n}`, 'MiB', pss(n), n === 100 ? '<= 64 MiB' : undefined)),
    row('USS (private memory) of scanner + supervisors, N=100', 'MiB', get(100, (m) => (m.uss === null ? null : m.uss / 1024))),
    row('marginal PSS per added service, (PSS(100)-PSS(1))/99', 'KiB', marginal, '<= 100 KiB'),
    row('supervisor processes counted at N=100', 'procs', get(100, (m) => m.procs)),
    row(`new service dir to its child running (pickup), N=${PICKUP_N}`, 'ms', get(PICKUP_N, (m) => median(m.pickups)), '<= 50 ms'),
  ];
  notes.push(
    `scanners: bin/svscan (one Node process), svscan + supervise each, runsvdir + runsv each, s6-svscan + s6-supervise each; services run \`${RUN}\`; N = ${SIZES.join(', ')}`,
    `start-up: from spawning the scanner until every service shows a non-zero pid in supervise/status (polled every 1 ms); start-up and memory figures are medians over ${TRIALS} fresh starts per scanner and N`,
    `start-up per trial at N=100 (ms): ${perTrial(100)}`,
    `PSS: sum of Pss in /proc/PID/smaps_rollup over the scanner and its descendants minus the services (pids from status) and their children; sampled ${SETTLE_MS} ms after start-up, median of ${SAMPLES} samples ${SAMPLE_GAP_MS} ms apart; ` +
      'USS = Private_Clean + Private_Dirty. PSS splits shared pages among all processes mapping them, so a Node scanner is credited only part of the node binary while other Node processes (the bench itself, concurrent test runs) exist; USS is the part no other process shares',
    `pickup: a service dir is built outside and renamed into the scan dir, then the new pid is polled every 1 ms; trials: ${SUITES.map((s) => `${s} ${PICKUP_TRIALS[s]}`).join(', ')} (daemontools rescans every 5 s, runsvdir every 1 s, so their figures are a median of few trials); ` +
      's6-svscan never rescans on its own: its figure is measured with `s6-svscanctl -a` run right after the rename',
    `pickup per trial (ms): ${SUITES.map((s) => `${s} [${(res.get(`${s}:${PICKUP_N}`)?.pickups ?? []).map((x) => x.toFixed(1)).join(', ')}]`).join('; ')}`,
    'teardown after every measurement: svkit TERM (services down, exit 0); daemontools TERM to the process group; runit TERM to runsvdir then `sv -w 2 force-stop` and `sv exit`; s6 `s6-svscanctl -t`; then anything left with its cwd or argv under the temp dir is SIGKILLed and /proc is checked',
    machineNote('svscan.bench.ts'),
  );
  return { title: 'svscan: footprint, start-up and pickup of N services', rows, notes };
}

await standalone(import.meta.url, run);
