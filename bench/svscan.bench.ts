// svscan in one process: memory, start-up and new-dir pickup for N services, svkit vs daemontools, runit, s6.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  Scratch, SUITES, alive, descendants, exited, machineNote, median, memoryKiB, now, peer, pollSync, procTable, signal, sleep, standalone,
  statusPid, svkitAvailable, svkitBin, writeService, type BenchRow, type BenchSection, type Suite,
} from './lib.ts';

const SIZES = [1, 10, 100] as const;
const PICKUP_N = 10; // pickup is measured while this many services run
const PICKUP_TRIALS: Record<Suite, number> = { svkit: 7, daemontools: 2, runit: 3, s6: 5 };
/** Rescan period to sample evenly: trial i of k renames period*(i+1/2)/k after the previous pickup. */
const PICKUP_PERIOD_MS: Record<Suite, number> = { svkit: 100, daemontools: 5000, runit: 1000, s6: 100 };
const START_TRIALS = 3; // start-up: median over this many fresh starts of each scanner and N
const MEM_TRIALS = 2; // memory: median over this many fresh starts of each suite's three scanners
const SETTLE_MS = 1000; // let start-up garbage settle before sampling memory
const SAMPLES = 5;
const SAMPLE_GAP_MS = 300;
const RUN = 'exec sleep 100000';
const ADOPT_N = 10; // kill -9 and SIGHUP rows: svkit's svscan with this many services
const ADOPT_TRIALS = 5;

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
      const wasRunning = alive(pgid(c)); // a scanner that died on its own was reported already
      signal(-pgid(c), 'SIGTERM');
      if (!(await exited(c, 5000))) return 'bin/svscan still running 5 s after TERM';
      if (wasRunning && c.exitCode !== 0) return `bin/svscan exited ${c.exitCode ?? c.signalCode} after TERM, not 0`;
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

/** Scanner plus all its descendants except the service processes (pids from status) and their children. */
function supervisorPids(scanner: number, suite: Suite, dirs: string[], table = procTable()): number[] {
  const services = new Set<number>();
  for (const d of dirs) {
    const p = statusPid(d, suite);
    if (p > 0) [p, ...descendants(p, table)].forEach((x) => services.add(x));
  }
  return [scanner, ...descendants(scanner, table)].filter((p) => !services.has(p) && table.get(p)?.comm !== 'sleep');
}

interface Scan {
  n: number;
  dir: string;
  services: string[];
  scanner: ChildProcess;
  stderr: string;
}

function startScan(scratch: Scratch, suite: Suite, n: number, label: string): Scan {
  const dir = scratch.path(label);
  const services = Array.from({ length: n }, (_, i) => writeService(join(dir, `s${String(i).padStart(3, '0')}`), RUN));
  const [file, args] = KITS[suite].start!(dir);
  const scan: Scan = { n, dir, services, scanner: scratch.spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] }), stderr: '' };
  scan.scanner.stderr?.on('data', (b: Buffer) => void (scan.stderr = (scan.stderr + b.toString()).slice(-400)));
  return scan;
}

/** Polls until every service of the scans runs (one status file per poll); returns when, or a problem. */
function waitRunning(scans: Scan[], suite: Suite, timeoutMs: number): number | string {
  const all = scans.flatMap((s) => s.services);
  let next = 0;
  const t = pollSync(() => {
    while (next < all.length && statusPid(all[next]!, suite) > 0) next++;
    // The event loop is blocked here, so a dead scanner shows as a zombie in /proc, not as exitCode.
    return next === all.length || scans.some((s) => s.scanner.pid === undefined || !alive(s.scanner.pid));
  }, timeoutMs, 1);
  if (t !== null && next === all.length) return t;
  const err = scans.map((s) => s.stderr.trim()).filter(Boolean).join(' / ');
  const dead = scans.some((s) => s.scanner.pid === undefined || !alive(s.scanner.pid)) ? '; the scanner exited' : '';
  return `only ${next}/${all.length} services running${dead}${err ? `; stderr: ${err}` : ''}`;
}

async function stopScans(suite: Suite, scans: Scan[], scratch: Scratch, notes: string[], label: string): Promise<void> {
  for (const s of scans) {
    const problem = await KITS[suite].stop(s.dir, s.scanner, s.services);
    if (problem) notes.push(`${suite} ${label}: ${problem}`);
  }
  const note = await scratch.cleanup();
  if (note) notes.push(`${suite} ${label}: ${note}`);
}

interface Mem {
  pss: number;
  rss: number;
  anon: number;
  procs: number;
}

/**
 * Memory: the scanners for N = 1, 10 and 100 run at the same time and are sampled at the same instants,
 * so pages shared with other processes (node's text with any other Node process) are divided alike.
 */
async function memoryTrial(suite: Suite, notes: string[]): Promise<Map<number, Mem> | null> {
  const scratch = new Scratch(`svscan-mem-${suite}`);
  const scans = SIZES.map((n) => startScan(scratch, suite, n, `scan${n}`));
  try {
    const ok = waitRunning(scans, suite, 60_000);
    if (typeof ok === 'string') return notes.push(`${suite} memory: no figures (${ok})`), null;
    await sleep(SETTLE_MS);
    const samples = new Map<number, Mem[]>();
    for (let i = 0; i < SAMPLES; i++, await sleep(SAMPLE_GAP_MS)) {
      const table = procTable();
      for (const s of scans) {
        const mem = supervisorPids(s.scanner.pid!, suite, s.services, table).map((p) => ({ p, m: memoryKiB(p) }));
        const sum = (f: (m: ReturnType<typeof memoryKiB>) => number): number => mem.reduce((a, x) => a + f(x.m), 0);
        samples.set(s.n, [...(samples.get(s.n) ?? []), { pss: sum((m) => m.pss), rss: sum((m) => m.rss), anon: sum((m) => m.anon), procs: mem.length }]);
      }
    }
    const out = new Map<number, Mem>();
    for (const [n, xs] of samples) out.set(n, medianMem(xs));
    return out;
  } finally {
    await stopScans(suite, scans, scratch, notes, 'memory');
  }
}

function medianMem(xs: Mem[]): Mem {
  const m = (f: (x: Mem) => number): number => median(xs.map(f)) ?? 0;
  return { pss: m((x) => x.pss), rss: m((x) => x.rss), anon: m((x) => x.anon), procs: m((x) => x.procs) };
}

/** Start-up of one scanner with n services; with pickup, also times new service dirs renamed in. */
async function startTrial(suite: Suite, n: number, pickups: number[] | null, notes: string[]): Promise<number | null> {
  const scratch = new Scratch(`svscan-${suite}-${n}`);
  const t0 = now();
  const scan = startScan(scratch, suite, n, 'scan');
  try {
    const t1 = waitRunning([scan], suite, 30_000);
    if (typeof t1 === 'string') return notes.push(`${suite} N=${n}: no start-up figure (${t1})`), null;
    if (pickups !== null) {
      mkdirSync(scratch.path('stage'));
      const k = PICKUP_TRIALS[suite];
      for (let i = 0; i < k; i++) {
        const staged = writeService(scratch.path('stage', `new${i}`), RUN);
        await sleep((PICKUP_PERIOD_MS[suite] * (i + 0.5)) / k);
        const dir = join(scan.dir, `new${i}`);
        const ts = now();
        renameSync(staged, dir);
        if (suite === 's6') runQuiet(tool('s6-svscanctl'), ['-a', scan.dir]);
        const te = pollSync(() => statusPid(dir, suite) > 0, 8000, 1);
        if (te === null) notes.push(`${suite}: a new service dir was not picked up within 8 s`);
        else pickups.push(te - ts);
        scan.services.push(dir);
      }
    }
    return t1 - t0;
  } finally {
    await stopScans(suite, [scan], scratch, notes, `N=${n}`);
  }
}

/** svok's test without a process: does a supervisor hold dir/supervise/ok open for reading? */
function supervised(dir: string): boolean {
  try {
    closeSync(openSync(join(dir, 'supervise/ok'), constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

/**
 * svkit only (the rows moved out of make test, where a duration is no assertion): kill -9 of
 * svscan with ADOPT_N services, a new svscan started at once, time until every service answers
 * on supervise/ok again; and SIGHUP to svscan after a link target appeared outside the scan dir
 * (no watch event), time until its child runs (a periodic pass may be quicker: an upper bound).
 */
async function adoptTrials(notes: string[]): Promise<{ adopt: number[]; hup: number[] }> {
  const scratch = new Scratch('svscan-adopt');
  const adopt: number[] = [];
  const hup: number[] = [];
  let scan = startScan(scratch, 'svkit', ADOPT_N, 'scan');
  try {
    const up = waitRunning([scan], 'svkit', 30_000);
    if (typeof up === 'string') return notes.push(`svkit kill -9: no figures (${up})`), { adopt, hup };
    for (let i = 0; i < ADOPT_TRIALS; i++) {
      signal(scan.scanner.pid ?? 0, 'SIGKILL');
      await exited(scan.scanner, 5000);
      const t0 = now();
      const [file, args] = KITS.svkit.start!(scan.dir);
      scan = { ...scan, scanner: scratch.spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] }), stderr: '' };
      const t1 = pollSync(() => scan.services.every(supervised), 10_000, 1);
      if (t1 === null) notes.push('svkit: after kill -9, the services were not all supervised again within 10 s');
      else adopt.push(t1 - t0);
    }
    mkdirSync(scratch.path('stage'));
    mkdirSync(scratch.path('targets'));
    for (let i = 0; i < ADOPT_TRIALS; i++) {
      const link = join(scan.dir, `hup${i}`);
      symlinkSync(scratch.path('targets', `hup${i}`), link);
      await sleep(100); // the pass the new link triggers has met it dangling
      renameSync(writeService(scratch.path('stage', `hup${i}`), RUN), scratch.path('targets', `hup${i}`));
      const t0 = now();
      signal(scan.scanner.pid ?? 0, 'SIGHUP');
      const t1 = pollSync(() => statusPid(link, 'svkit') > 0, 8000, 1);
      if (t1 === null) notes.push('svkit: a link target was not picked up within 8 s of SIGHUP');
      else hup.push(t1 - t0);
      scan.services.push(link);
    }
    return { adopt, hup };
  } finally {
    await stopScans('svkit', [scan], scratch, notes, 'kill -9');
  }
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  const suites = SUITES.filter((s) => {
    if (KITS[s].start === null) notes.push(`${s}: scanner not available (${s === 'svkit' ? 'bin/svscan or dist/svscan.mjs missing' : 'not installed'}); its column is empty`);
    return KITS[s].start !== null;
  });
  const starts = new Map<string, number[]>();
  const pickups = new Map<Suite, number[]>(suites.map((s) => [s, []]));
  const mems = new Map<Suite, Map<number, Mem>[]>();
  const broken = new Set<Suite>(); // a scanner that failed once is not tried again (each failure costs a timeout)
  for (let t = 0; t < Math.max(START_TRIALS, MEM_TRIALS); t++)
    for (const suite of suites) {
      if (t < MEM_TRIALS && !broken.has(suite)) {
        const m = await memoryTrial(suite, notes);
        if (m !== null) mems.set(suite, [...(mems.get(suite) ?? []), m]);
        else broken.add(suite);
      }
      if (t < START_TRIALS)
        for (const n of SIZES) {
          if (broken.has(suite)) break;
          const ms = await startTrial(suite, n, t === 0 && n === PICKUP_N ? pickups.get(suite)! : null, notes);
          if (ms !== null) starts.set(`${suite}:${n}`, [...(starts.get(`${suite}:${n}`) ?? []), ms]);
          else broken.add(suite);
        }
    }
  const adopted = suites.includes('svkit') && !broken.has('svkit') ? await adoptTrials(notes) : { adopt: [], hup: [] };
  for (const s of broken) notes.push(`${s}: failed once, so no further trials were run; its figures are empty or from fewer trials`);

  const mem = (n: number, f: (m: Mem) => number) => (s: Suite): number | null => {
    const xs = (mems.get(s) ?? []).map((m) => m.get(n)).filter((m): m is Mem => m !== undefined);
    return median(xs.map(f));
  };
  const perService = (f: (m: Mem) => number) => (s: Suite): number | null => {
    const xs = (mems.get(s) ?? []).flatMap((m) => (m.has(1) && m.has(100) ? [(f(m.get(100)!) - f(m.get(1)!)) / 99] : []));
    return median(xs);
  };
  const mib = (f: (m: Mem) => number) => (m: Mem): number => f(m) / 1024;
  const row = (metric: string, unit: string, pick: (s: Suite) => number | null, target?: string): BenchRow => ({
    metric, unit, svkit: pick('svkit'), daemontools: pick('daemontools'), runit: pick('runit'), s6: pick('s6'), ...(target ? { target } : {}),
  });
  const rows: BenchRow[] = [
    ...SIZES.map((n) => row(`start-up to all children running, N=${n}`, 'ms', (s) => median(starts.get(`${s}:${n}`) ?? []), n === 100 ? '<= daemontools' : undefined)),
    ...SIZES.map((n) => row(`PSS of scanner + supervisors, N=${n}`, 'MiB', mem(n, mib((m) => m.pss)), n === 100 ? '<= 64 MiB' : undefined)),
    row('RSS sum of scanner + supervisors, N=100 (no sharing credited)', 'MiB', mem(100, mib((m) => m.rss))),
    row('anonymous PSS (Pss_Anon) of scanner + supervisors, N=100', 'MiB', mem(100, mib((m) => m.anon))),
    row('marginal PSS per added service, (PSS(100)-PSS(1))/99', 'KiB', perService((m) => m.pss), '<= 100 KiB'),
    row('marginal anonymous PSS per added service', 'KiB', perService((m) => m.anon)),
    row('supervisor processes counted at N=100', 'procs', mem(100, (m) => m.procs)),
    row(`new service dir to its child running (pickup), N=${PICKUP_N}`, 'ms', (s) => median(pickups.get(s) ?? []), '<= 50 ms'),
    row(`back under supervision after kill -9 of svscan, N=${ADOPT_N} (new svscan to every supervise/ok open)`, 'ms', (s) => (s === 'svkit' ? median(adopted.adopt) : null), '<= 1000 ms'),
    row('SIGHUP to the child of a link target that appeared outside the scan dir running', 'ms', (s) => (s === 'svkit' ? median(adopted.hup) : null), '<= 1000 ms'),
  ];
  const perTrial = (n: number): string => suites.map((s) => `${s} [${(starts.get(`${s}:${n}`) ?? []).map((x) => x.toFixed(0)).join(', ')}]`).join('; ');
  notes.push(
    `scanners: bin/svscan (one Node process), svscan + supervise each, runsvdir + runsv each, s6-svscan + s6-supervise each; services run \`${RUN}\``,
    `start-up: from spawning the scanner until every service shows a non-zero pid in supervise/status (polled every 1 ms, one file per poll); median of ${START_TRIALS} fresh starts per scanner and N; per trial at N=100 (ms): ${perTrial(100)}`,
    `memory: per suite, the scanners for N = ${SIZES.join(', ')} run at once and are sampled together (so shared pages are divided alike), ${SETTLE_MS} ms after all services run, median of ${SAMPLES} samples ${SAMPLE_GAP_MS} ms apart, then median of ${MEM_TRIALS} such starts. ` +
      'Sum over the scanner and its descendants except the services (pids from status) and their children, from /proc/PID/smaps_rollup',
    'PSS divides each shared page among the processes mapping it: a Node scanner shares node\'s text with every other Node process (the bench itself, the other scanners of the memory phase, any test run), so its PSS here is lower than on a host where it is the only Node process, where PSS approaches the RSS row. Pss_Anon (heap, stacks) does not depend on that',
    `pickup: a service dir is built outside and renamed into the scan dir while N = ${PICKUP_N} run, then its pid is polled every 1 ms; trials: ${suites.map((s) => `${s} ${PICKUP_TRIALS[s]}`).join(', ')} (daemontools rescans every 5 s, runsvdir every 1 s, so few trials). ` +
      'Trial i of k renames period*(i+1/2)/k after the previous pickup (periods: daemontools 5 s, runit 1 s), so the trials sample the rescan cycle evenly instead of always landing just after a scan; ' +
      's6-svscan never rescans on its own: its figure is measured with `s6-svscanctl -a` run right after the rename',
    `pickup per trial (ms): ${suites.map((s) => `${s} [${(pickups.get(s) ?? []).map((x) => x.toFixed(1)).join(', ')}]`).join('; ')}`,
    'teardown after every measurement: svkit TERM (contract: services down, exit 0; checked); daemontools TERM to the process group; runit TERM to runsvdir then `sv -w 2 force-stop` and `sv exit`; s6 `s6-svscanctl -t`; then anything left with its cwd or argv under the temp dir is SIGKILLed and /proc is checked',
    `kill -9 (svkit only: the others' supervisors are separate processes that outlive their scanner): ${ADOPT_TRIALS} trials of SIGKILL to svscan with ${ADOPT_N} services, a new svscan spawned at once, then every supervise/ok polled every 1 ms; per trial (ms): [${adopted.adopt.map((x) => x.toFixed(1)).join(', ')}]`,
    `SIGHUP (svkit only): a symlink into the scan dir whose target is then renamed into place outside it (no watch event), SIGHUP, its pid polled every 1 ms; per trial (ms): [${adopted.hup.map((x) => x.toFixed(1)).join(', ')}]`,
    machineNote('svscan.bench.ts'),
  );
  return { title: 'svscan: memory, start-up and pickup of N services', rows, notes };
}

await standalone(import.meta.url, run);
