// Control latency of a supervisor: a command written to supervise/control right after a start,
// and while ./run is missing (retrying). svkit vs daemontools and runit (the same control FIFO).
// These were duration assertions in make test; a speed is a figure here, not a test.
import { closeSync, constants, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Scratch, machineNote, median, now, peer, pollSync, sleep, standalone, statusPid, svkitAvailable, svkitBin, writeService,
  type BenchRow, type BenchSection,
} from './lib.ts';

const TRIALS = 5;
type Fifo = 'svkit' | 'daemontools' | 'runit';
const SUPERVISORS: Record<Fifo, string | undefined> = {
  svkit: svkitAvailable('supervise') ? svkitBin('supervise') : undefined,
  daemontools: peer('supervise'),
  runit: peer('runsv'),
};

/** The want byte of supervise/status (17): 'u', 'd', or 0 for once; undefined while unreadable. */
function want(dir: string): number | undefined {
  try {
    return readFileSync(join(dir, 'supervise/status'))[17];
  } catch {
    return undefined;
  }
}

/** Whether the supervisor reads supervise/ok (svok's test): its FIFOs exist and are open. */
function answering(dir: string): boolean {
  try {
    closeSync(openSync(join(dir, 'supervise/ok'), constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

/** Writes command letters straight to the FIFO, so the time is the supervisor's, not a client's start-up. */
const send = (dir: string, letters: string): void => writeFileSync(join(dir, 'supervise/control'), letters);

async function trials(suite: Fifo, scratch: Scratch, notes: string[]): Promise<{ afterStart: number[]; retrying: number[] }> {
  const afterStart: number[] = [];
  const retrying: number[] = [];
  const file = SUPERVISORS[suite]!;
  const up = writeService(scratch.path(`${suite}-start`), 'exec sleep 100000');
  writeFileSync(join(up, 'down'), '');
  scratch.spawn(file, [up], { cwd: scratch.root });
  if (pollSync(() => answering(up) && want(up) !== undefined, 5000, 1) === null) return notes.push(`${suite}: no status within 5 s`), { afterStart, retrying };
  for (let i = 0; i < TRIALS; i++) {
    send(up, 'u');
    if (pollSync(() => statusPid(up, suite) !== 0, 5000, 0.5) === null) break;
    const t0 = now();
    send(up, 'd');
    const t1 = pollSync(() => statusPid(up, suite) === 0, 5000, 0.5);
    if (t1 === null) notes.push(`${suite}: d right after a start not done within 5 s`);
    else afterStart.push(t1 - t0);
    await sleep(50);
  }
  const missing = scratch.path(`${suite}-missing`);
  mkdirSync(missing);
  scratch.spawn(file, [missing], { cwd: scratch.root });
  if (pollSync(() => answering(missing) && want(missing) !== undefined, 5000, 1) === null) return notes.push(`${suite}: no status for a missing run`), { afterStart, retrying };
  for (let i = 0; i < TRIALS; i++) {
    send(missing, 'u');
    if (pollSync(() => want(missing) === 0x75, 5000, 0.5) === null) break;
    await sleep(150 + (i * 1000) / TRIALS); // land at different points of the retry cycle
    const t0 = now();
    send(missing, 'd');
    const t1 = pollSync(() => want(missing) === 0x64, 5000, 0.5);
    if (t1 === null) notes.push(`${suite}: d while run is missing not done within 5 s`);
    else retrying.push(t1 - t0);
  }
  send(up, 'dx');
  send(missing, 'dx');
  return { afterStart, retrying };
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  const scratch = new Scratch('control');
  const got = new Map<Fifo, { afterStart: number[]; retrying: number[] }>();
  try {
    for (const suite of ['svkit', 'daemontools', 'runit'] as const) {
      if (SUPERVISORS[suite] === undefined) notes.push(`${suite}: supervisor not available; its column is empty`);
      else got.set(suite, await trials(suite, scratch, notes));
    }
  } finally {
    const note = await scratch.cleanup();
    if (note) notes.push(note);
  }
  const pick = (f: (x: { afterStart: number[]; retrying: number[] }) => number[]) => (s: Fifo): number | null => {
    const x = got.get(s);
    return x === undefined ? null : median(f(x));
  };
  const row = (metric: string, p: (s: Fifo) => number | null, target: string): BenchRow => ({
    metric, unit: 'ms', svkit: p('svkit'), daemontools: p('daemontools'), runit: p('runit'), s6: null, target,
  });
  notes.push(
    `each suite's own supervisor on a service with a down file (and one without ./run); letters written straight to supervise/control; status polled every 0.5 ms; medians of ${TRIALS} trials`,
    `per trial (ms): ${[...got].map(([s, x]) => `${s} after start [${x.afterStart.map((v) => v.toFixed(1)).join(', ')}], retrying [${x.retrying.map((v) => v.toFixed(1)).join(', ')}]`).join('; ')}`,
    'daemontools supervise reads no command for 1 s after each start, so its first row is about 1000 ms by design',
    machineNote('control.bench.ts'),
  );
  return {
    title: 'supervise control: commands right after a start and while run is missing',
    rows: [
      row('svc -d right after a start, to pid 0 in status (no deaf second)', pick((x) => x.afterStart), '<= 600 ms'),
      row('svc -d while run is missing (retrying), to want d in status', pick((x) => x.retrying), '<= 600 ms'),
    ],
    notes,
  };
}

await standalone(import.meta.url, run);
