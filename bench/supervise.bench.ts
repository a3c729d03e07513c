// Supervise engine: restart latency (SIGKILL, svc -t) and svc/svstat wall time, svkit vs daemontools, runit, s6.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  Scratch, SUITES, exited, machineNote, median, now, peer, pollSync, signal, sleep, standalone, statusPid, svkitAvailable,
  svkitBin, timeRun, writeService, type BenchRow, type BenchSection, type Suite,
} from './lib.ts';

const TRIALS = 7; // restart trials per suite (>= 5)
const RUNS = 25; // wall-time runs per command (>= 20)
const MIN_UPTIME_MS = 1600; // every peer restarts at once only after a child ran > 1 s

type Cmd = (dir: string) => [string, string[]] | null;
interface Kit {
  supervise: Cmd;
  svcT: Cmd;
  /** TERM, then wait for the new pid in the command itself (daemontools' svc cannot wait). */
  waitT: Cmd;
  svcH: Cmd;
  svstat: Cmd;
}

const has = (p: string | undefined, args: (d: string) => string[]): Cmd => (dir) => (p === undefined ? null : [p, args(dir)]);
const sk = (tool: string, args: (d: string) => string[]): Cmd => has(svkitAvailable(tool) ? svkitBin(tool) : undefined, args);

const KITS: Record<Suite, Kit> = {
  svkit: { supervise: sk('supervise', (d) => [d]), svcT: sk('svc', (d) => ['-t', d]), waitT: sk('svc', (d) => ['-w', '7', '-t', d]), svcH: sk('svc', (d) => ['-h', d]), svstat: sk('svstat', (d) => [d]) },
  daemontools: { supervise: has(peer('supervise'), (d) => [d]), svcT: has(peer('svc'), (d) => ['-t', d]), waitT: () => null, svcH: has(peer('svc'), (d) => ['-h', d]), svstat: has(peer('svstat'), (d) => [d]) },
  runit: { supervise: has(peer('runsv'), (d) => [d]), svcT: has(peer('sv'), (d) => ['term', d]), waitT: has(peer('sv'), (d) => ['-w', '7', 'restart', d]), svcH: has(peer('sv'), (d) => ['hup', d]), svstat: has(peer('sv'), (d) => ['status', d]) },
  s6: { supervise: has(peer('s6-supervise'), (d) => [d]), svcT: has(peer('s6-svc'), (d) => ['-t', d]), waitT: has(peer('s6-svc'), (d) => ['-wR', '-t', d]), svcH: has(peer('s6-svc'), (d) => ['-h', d]), svstat: has(peer('s6-svstat'), (d) => [d]) },
};
const dtSvc = peer('svc');

interface Running {
  dir: string;
  pid: number; // current service child
  since: number; // when that pid was first seen
}

const unexpected = new Map<Suite, number>();

/** Waits until the child has run long enough for an immediate restart; false if it never settles. */
async function settle(suite: Suite, r: Running): Promise<boolean> {
  const deadline = now() + 10_000;
  for (;;) {
    if (now() > deadline) return false;
    const wait = r.since + MIN_UPTIME_MS - now();
    if (wait > 0) await sleep(wait);
    const cur = statusPid(r.dir, suite);
    if (cur !== 0 && cur === r.pid) break;
    // The child changed behind our back (or status is unreadable): start the uptime clock again.
    if (r.pid !== 0) unexpected.set(suite, (unexpected.get(suite) ?? 0) + 1);
    r.pid = cur;
    r.since = now();
  }
  return true;
}

/** Waits until the child has run long enough for an immediate restart, then triggers it and times the new pid. */
async function restartTrial(suite: Suite, r: Running, trigger: () => void): Promise<number | null> {
  if (!(await settle(suite, r))) return null;
  const old = r.pid;
  let pid = 0;
  const t0 = now();
  trigger();
  const t1 = pollSync(() => ((pid = statusPid(r.dir, suite)), pid !== 0 && pid !== old), 5000);
  if (t1 === null) return null;
  r.pid = pid;
  r.since = t1;
  return t1 - t0;
}

/**
 * A waiting restart (svc -w 7 -t, sv -w 7 restart, s6-svc -wR -t): wall time from spawn to the
 * command's exit; 'early' when it returned while status did not yet show a new pid.
 */
async function waitTrial(suite: Suite, r: Running, cmd: [string, string[]]): Promise<number | 'early' | null> {
  if (!(await settle(suite, r))) return null;
  const old = r.pid;
  const t0 = now();
  const child = spawn(cmd[0], cmd[1], { stdio: 'ignore' });
  child.on('error', () => {});
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  const t1 = now();
  const pid = statusPid(r.dir, suite);
  if (code !== 0) return null;
  if (pid === 0 || pid === old) return 'early';
  r.pid = pid;
  r.since = t1;
  return t1 - t0;
}

const spread = (name: string, m: Map<Suite, number[]>): string =>
  `${name}: ${[...m].map(([s, xs]) => `${s} ${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`).join(', ')}`;

function runCmd(cmd: [string, string[]]): Promise<boolean> {
  const child = spawn(cmd[0], cmd[1], { stdio: 'ignore' });
  child.on('error', () => {});
  return exited(child, 10_000);
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  const scratch = new Scratch('supervise');
  const running = new Map<Suite, Running>();
  const sups = new Map<Suite, ChildProcess>();
  try {
    // One supervisor per suite, all at once; the service ignores HUP so `svc -h` does not restart it.
    for (const suite of SUITES) {
      const dir = writeService(scratch.path(suite), "trap '' HUP\nexec sleep 100000");
      const cmd = KITS[suite].supervise(dir);
      if (cmd === null) {
        notes.push(`${suite}: supervisor not available; its column is empty`);
        continue;
      }
      sups.set(suite, scratch.spawn(cmd[0], cmd[1], { cwd: scratch.root }));
      running.set(suite, { dir, pid: 0, since: 0 });
    }
    for (const [suite, r] of running) {
      const t = pollSync(() => (r.pid = statusPid(r.dir, suite)) !== 0, 5000, 2);
      if (t === null) {
        notes.push(`${suite}: supervisor never showed a running child in supervise/status; its column is empty`);
        running.delete(suite);
      } else r.since = t;
    }

    const trials = async (trigger: (suite: Suite, r: Running) => (() => void) | null, after?: () => Promise<unknown>): Promise<Map<Suite, number[]>> => {
      const got = new Map<Suite, number[]>();
      for (let i = 0; i < TRIALS; i++)
        for (const [suite, r] of running) {
          const fire = trigger(suite, r);
          if (fire === null) continue;
          const ms = await restartTrial(suite, r, fire);
          if (ms !== null) got.set(suite, [...(got.get(suite) ?? []), ms]);
          else notes.push(`${suite}: no new pid within 5 s in one trial`);
          await after?.();
        }
      return got;
    };

    const kill = await trials((_s, r) => () => signal(r.pid, 'SIGKILL'));
    let pending: Promise<boolean> = Promise.resolve(true);
    const viaCmd = (cmdOf: (s: Suite, d: string) => [string, string[]] | null) => (suite: Suite, r: Running) => {
      const cmd = cmdOf(suite, r.dir);
      return cmd === null ? null : () => void (pending = runCmd(cmd));
    };
    const own = await trials(viaCmd((s, d) => KITS[s].svcT(d)), () => pending);
    const dt = await trials(viaCmd((_s, d) => (dtSvc === undefined ? null : [dtSvc, ['-t', d]])), () => pending);
    const waited = new Map<Suite, number[]>();
    for (let i = 0; i < TRIALS; i++)
      for (const [suite, r] of running) {
        const cmd = KITS[suite].waitT(r.dir);
        if (cmd === null) continue;
        const ms = await waitTrial(suite, r, cmd);
        if (typeof ms === 'number') waited.set(suite, [...(waited.get(suite) ?? []), ms]);
        else notes.push(`${suite}: waiting restart ${ms === 'early' ? 'returned before status showed a new pid' : 'failed or never settled'} in one trial`);
      }

    // Wall time of one-shot commands, interleaved so drift hits every column alike.
    const walls = new Map<string, number[]>();
    const jobs: [string, [string, string[]]][] = [['node', [process.execPath, ['-e', '0']]]];
    for (const [suite, r] of running) {
      for (const [key, cmd] of [['svc', KITS[suite].svcH(r.dir)], ['svstat', KITS[suite].svstat(r.dir)]] as const) if (cmd !== null) jobs.push([`${key}:${suite}`, cmd]);
    }
    for (let i = 0; i < RUNS; i++) for (const [key, cmd] of jobs) walls.set(key, [...(walls.get(key) ?? []), timeRun(cmd[0], cmd[1])]);

    const row = (metric: string, pick: (s: Suite) => number | null, target?: string): BenchRow => ({
      metric, unit: 'ms', svkit: pick('svkit'), daemontools: pick('daemontools'), runit: pick('runit'), s6: pick('s6'), ...(target ? { target } : {}),
    });
    const med = (m: Map<Suite, number[]>) => (s: Suite) => median(m.get(s) ?? []);
    const wall = (key: string) => (s: Suite) => median(walls.get(`${key}:${s}`) ?? []);
    const rows = [
      row('restart after SIGKILL of a child up >= 1.6 s, to new pid in status', med(kill), '<= 1.5x daemontools'),
      row('svc -t to new pid in status, each suite\'s own svc (svc, sv term, s6-svc)', med(own)),
      row('svc -t to new pid in status, daemontools svc for every supervisor', med(dt), '<= 1.5x daemontools'),
      row('waiting restart to its exit: svc -w 7 -t, sv -w 7 restart, s6-svc -wR -t (daemontools: none)', med(waited)),
      row('node -e 0', (s) => (s === 'svkit' ? median(walls.get('node') ?? []) : null)),
      row('svc -h DIR wall time (runit: sv hup, s6: s6-svc -h)', wall('svc'), '<= 1.3x node -e 0'),
      row('svstat DIR wall time (runit: sv status, s6: s6-svstat)', wall('svstat'), '<= 1.3x node -e 0'),
    ];
    notes.push(
      `supervisors: bin/supervise, supervise, runsv, s6-supervise, one each, run = \`trap '' HUP; exec sleep 100000\`; medians of ${TRIALS} trials per restart metric, ${RUNS} runs per wall-time metric`,
      `restart: wait until the child has run >= ${MIN_UPTIME_MS} ms, SIGKILL it (or start the svc), then poll supervise/status every 0.5 ms (pid: bytes 12-15 LE; s6: 8-byte BE at offset 24) until a new non-zero pid of ./run appears (a ./finish pid, runit state 2 or s6 flag "finishing", does not count)`,
      's6: s6-supervise 2.11 forks for ./finish after every death (even with no finish file) and keeps >= 1 s between that spawn and the next ./run, so its restart takes about 1 s whatever the uptime; its ./finish pid shows in status for ~1 ms',
      'wall time: spawnSync to exit, stdio ignored; svkit tools run through bin/ (sh launcher + node dist/<tool>.mjs); `node -e 0` is the floor any Node tool pays',
      `restart spread, min–max ms over the trials: ${[spread('SIGKILL', kill), spread('own svc -t', own), spread('daemontools svc -t', dt), spread('waiting restart', waited)].join('; ')}`,
      'waiting restart: wall time from spawn to exit of the waiting command, which must exit 0 with the new pid already in status (checked right after); it includes the command\'s own start-up (svkit: a Node process)',
      ...(unexpected.size > 0 ? [`status showed a pid the bench did not expect before a trial (uptime clock restarted): ${[...unexpected].map(([s, k]) => `${s} ${k}x`).join(', ')}`] : []),
      machineNote('supervise.bench.ts'),
    );
    return { title: 'supervise engine: restart latency and svc/svstat wall time', rows, notes };
  } finally {
    await stopAll(running, sups);
    const note = await scratch.cleanup();
    if (note) notes.push(note);
  }
}

/** Orderly stop with each suite's own means, then the scratch cleanup kills and checks whatever is left. */
async function stopAll(running: Map<Suite, Running>, sups: Map<Suite, ChildProcess>): Promise<void> {
  const cmds: [string, string[]][] = [];
  const at = (s: Suite): string | undefined => running.get(s)?.dir;
  const dtDir = at('daemontools');
  const rDir = at('runit');
  const s6Dir = at('s6');
  if (dtDir && dtSvc) cmds.push([dtSvc, ['-dx', dtDir]]);
  const sv = peer('sv');
  if (rDir && sv) cmds.push([sv, ['-w', '2', 'force-stop', rDir]], [sv, ['exit', rDir]]);
  const s6svc = peer('s6-svc');
  if (s6Dir && s6svc) cmds.push([s6svc, ['-xd', s6Dir]]);
  const sk = sups.get('svkit');
  if (sk?.pid !== undefined) signal(-sk.pid, 'SIGTERM');
  for (const c of cmds) await runCmd(c);
  await Promise.all([...sups.values()].map((c) => exited(c, 3000)));
}

await standalone(import.meta.url, run);
