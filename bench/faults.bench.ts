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

async function trials(dirs: string[], notes: string[], label: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const dir = dirs[i % dirs.length] as string;
    const ms = downResponse(dir);
    if (ms === null) {
      notes.push(`${label}: trial ${i} got no response within ${TIMEOUT_MS} ms`);
      continue;
    }
    out.push(ms);
    if (!up(dir)) notes.push(`${label}: ${dir} did not come back up`);
    await sleep(5); // let svscan's loop settle between trials
  }
  return out;
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  const title = 'faults: svscan still answers while one service is stuck';
  const calmMetric = 'svc -d of a healthy service to status down, nothing stuck';
  const stuckMetric = 'svc -d of a healthy service to status down, another service\'s log processor stuck';
  if (!svkitAvailable('svscan')) return { title, rows: [], notes: ['bin/svscan missing: nothing measured'] };
  const scratch = new Scratch('faults');
  const scanDir = scratch.path('sc');
  const dirs: string[] = [];
  for (let i = 0; i < HEALTHY; i++) dirs.push(writeService(join(scanDir, `h${i}`), 'exec sleep 1000'));
  const scan = scratch.spawn(svkitBin('svscan'), [scanDir], { stdio: ['ignore', 'ignore', 'ignore'] });
  let calm: number[] = [];
  let stuck: number[] = [];
  try {
    for (const d of dirs) if (pollSync(() => statusPid(d, 'svkit') !== 0, TIMEOUT_MS) === null) throw new Error(`${d} never started`);
    calm = await trials(dirs, notes, 'nothing stuck');
    // A chatty service whose in-process log rotates every 4 KB into a processor that hangs
    // (until svscan's 60 s limit; the trials take a few seconds).
    const marker = scratch.path('processor-running');
    const bad = writeService(join(scanDir, 'stuck'), 'i=0; while :; do i=$((i+1)); echo "line $i"; done');
    mkdirSync(join(bad, 'log'));
    writeFileSync(join(bad, 'log/multilog'), `s4096\n!touch ${marker}; cat; exec sleep 1000\n./main\n`);
    if (pollSync(() => existsSync(marker), TIMEOUT_MS) === null) throw new Error('the stuck processor never started');
    stuck = await trials(dirs, notes, 'processor stuck');
  } catch (err) {
    notes.push(`failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  scan.kill('SIGTERM');
  const left = (await exited(scan, 20_000)) ? await scratch.cleanup() : (notes.push('svscan did not exit within 20 s of TERM'), await scratch.cleanup());
  if (left !== null) notes.push(left);
  const row = (metric: string, xs: number[], target?: string): BenchRow => ({ metric, unit: 'ms', svkit: median(xs), daemontools: null, runit: null, s6: null, ...(target ? { target } : {}) });
  notes.push(
    `${HEALTHY} healthy services (exec sleep 1000) in one svscan; each trial writes 'd' to one's supervise/control (what svc -d does, without svc's own start-up) and polls its status every 0.5 ms until the pid is 0, then brings it up again; median of ${TRIALS} trials`,
    'stuck: a service writing as fast as it can, with S/log/multilog `s4096`, `!touch MARK; cat; exec sleep 1000`, `./main`; measured once the processor runs (MARK exists)',
    `per trial (ms): nothing stuck [${calm.map((x) => x.toFixed(2)).join(', ')}]; processor stuck [${stuck.map((x) => x.toFixed(2)).join(', ')}]`,
    'daemontools/runit/s6 columns empty: one supervisor process per service there, so another service\'s logger cannot delay it by construction',
    machineNote('faults.bench.ts'),
  );
  return { title, rows: [row(calmMetric, calm), row(stuckMetric, stuck, `<= 1.5x ${calmMetric}`)], notes };
}

await standalone(import.meta.url, run);
