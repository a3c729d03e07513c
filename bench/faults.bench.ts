// One bad service must not slow the others: svscan's response to `svc -d` of a healthy service,
// with nothing stuck and while another service's in-process log processor is stuck.
import { closeSync, constants, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { exited, machineNote, median, now, pollSync, Scratch, sleep, standalone, statusPid, svkitAvailable, svkitBin, writeService, type BenchRow, type BenchSection } from './lib.ts';

const HEALTHY = 10;
const TRIALS = 30;
const TIMEOUT_MS = 10_000;

/** `svc -d` without svc's own start-up: 'd' into the control FIFO, then the status polled every 0.5 ms. */
function downResponse(dir: string): number | null {
  const fd = openSync(join(dir, 'supervise/control'), constants.O_WRONLY | constants.O_NONBLOCK);
  const t0 = now();
  writeSync(fd, 'd');
  closeSync(fd);
  const t1 = pollSync(() => statusPid(dir, 'svkit') === 0, TIMEOUT_MS);
  return t1 === null ? null : t1 - t0;
}

function up(dir: string): boolean {
  const fd = openSync(join(dir, 'supervise/control'), constants.O_WRONLY | constants.O_NONBLOCK);
  writeSync(fd, 'u');
  closeSync(fd);
  return pollSync(() => statusPid(dir, 'svkit') !== 0, TIMEOUT_MS) !== null;
}

/** One trial: `svc -d` then up again; null (and a note) when there was no response. */
async function trial(dir: string, notes: string[], label: string): Promise<number | null> {
  const ms = downResponse(dir);
  if (ms === null) notes.push(`${label}: no response within ${TIMEOUT_MS} ms`);
  else if (!up(dir)) notes.push(`${label}: ${dir} did not come back up`);
  await sleep(5); // let svscan's loop settle between trials
  return ms;
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  const title = 'faults: svscan still answers while one service is stuck';
  const calmMetric = 'svc -d of a healthy service to status down, nothing stuck';
  const stuckMetric = 'svc -d of a healthy service to status down, another service\'s log processor stuck';
  if (!svkitAvailable('svscan')) return { title, rows: [], notes: ['bin/svscan missing: nothing measured'] };
  const scratch = new Scratch('faults');
  // Two svscans side by side, trials alternating between them, so load drift hits both alike.
  const kinds = ['calm', 'stuck'] as const;
  const dirs = new Map<string, string[]>(kinds.map((k) => [k, [] as string[]]));
  for (const k of kinds) for (let i = 0; i < HEALTHY; i++) dirs.get(k)!.push(writeService(scratch.path(k, `h${i}`), 'exec sleep 1000'));
  const marker = scratch.path('processor-running');
  // A chatty service whose in-process log rotates every 4 KB into a processor that hangs
  // (until svscan's 60 s limit; the trials take a few seconds).
  const bad = writeService(scratch.path('stuck', 'bad'), 'i=0; while :; do i=$((i+1)); echo "line $i"; done');
  mkdirSync(join(bad, 'log'));
  writeFileSync(join(bad, 'log/multilog'), `s4096\n!touch ${marker}; cat; exec sleep 1000\n./main\n`);
  const scans = kinds.map((k) => scratch.spawn(svkitBin('svscan'), [scratch.path(k)], { stdio: ['ignore', 'ignore', 'ignore'] }));
  const times = new Map<string, number[]>(kinds.map((k) => [k, [] as number[]]));
  try {
    const ready = (d: string): boolean => statusPid(d, 'svkit') !== 0 && existsSync(join(d, 'supervise/control'));
    for (const k of kinds) for (const d of dirs.get(k)!) if (pollSync(() => ready(d), TIMEOUT_MS) === null) throw new Error(`${d} never started`);
    if (pollSync(() => existsSync(marker), TIMEOUT_MS) === null) throw new Error('the stuck processor never started');
    for (let i = 0; i < TRIALS; i++)
      for (const k of i % 2 === 0 ? kinds : [...kinds].reverse()) {
        const ms = await trial(dirs.get(k)![i % HEALTHY]!, notes, `${k} trial ${i}`);
        if (ms !== null) times.get(k)!.push(ms);
      }
  } catch (err) {
    notes.push(`failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  // TERM twice: the stuck log is waited for after the first (that is the contract), dropped after the second.
  for (const s of scans) s.kill('SIGTERM');
  await sleep(500);
  for (const s of scans) s.kill('SIGTERM');
  for (const s of scans) if (!(await exited(s, 20_000))) notes.push('an svscan did not exit within 20 s of TERM');
  const left = await scratch.cleanup();
  if (left !== null) notes.push(left);
  const row = (metric: string, xs: number[], target?: string): BenchRow => ({ metric, unit: 'ms', svkit: median(xs), daemontools: null, runit: null, s6: null, ...(target ? { target } : {}) });
  const list = (k: string): string => times.get(k)!.map((x) => x.toFixed(2)).join(', ');
  notes.push(
    `two svscans side by side, ${HEALTHY} healthy services (exec sleep 1000) each; the second also runs a service writing as fast as it can, with S/log/multilog \`s4096\`, \`!touch MARK; cat; exec sleep 1000\`, \`./main\`, measured once that processor hangs (MARK exists)`,
    `a trial writes 'd' to a healthy service's supervise/control (what svc -d does, without svc's own start-up), polls its status every 0.5 ms until the pid is 0, then brings it up again; trials alternate between the two svscans (order flipped every round); median of ${TRIALS} each`,
    `per trial (ms): nothing stuck [${list('calm')}]; processor stuck [${list('stuck')}]`,
    'daemontools/runit/s6 columns empty: one supervisor process per service there, so another service\'s logger cannot delay it by construction',
    machineNote('faults.bench.ts'),
  );
  return { title, rows: [row(calmMetric, times.get('calm')!), row(stuckMetric, times.get('stuck')!, `<= 1.5x ${calmMetric}`)], notes };
}

await standalone(import.meta.url, run);
