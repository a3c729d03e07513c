// svhttp, the control plane: GET of the list and /metrics for 100 services, 1,000 requests at
// concurrency 10, SSE latency from a transition to the client, idle CPU with a stream open, memory;
// latency from a transition to a notify hook, and svnotify's run time as a hook.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { request, Agent } from 'node:http';
import { ROOT, Scratch, median, memoryKiB, now, pollSync, sleep, statusPid, svkitBin, writeService, type BenchRow, type BenchSection } from './lib.ts';

const SERVICES = 100;
const GETS = 100;
const TOTAL = 1000;
const CONCURRENCY = 10;
const TRIALS = 10;
const IDLE_MS = 10_000;
const TOKEN = 'bench-token-0123456789abcdef';

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? null;
}

const HOOK_RUNS = 20;

/**
 * Each `t` to the service makes four events (stop, exit, restart, start), whose hooks run one at
 * a time: the hook's receipt time minus the event's time, for the first (stop: the queue idle)
 * and for the start (behind the hooks of the three before it).
 */
async function hookLatency(svc: string, log: string): Promise<{ first: number[]; start: number[] }> {
  const first: number[] = [];
  const start: number[] = [];
  const seen = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : []);
  const latency = (line: string): { kind: string; ms: number } => {
    const space = line.indexOf(' ');
    const e = JSON.parse(line.slice(space + 1)) as { kind: string; time: number };
    return { kind: e.kind, ms: Number(line.slice(0, space)) * 1000 - e.time };
  };
  pollSync(() => seen().some((l) => l.includes('"kind":"start"')), 10_000);
  for (let t = 0; t < TRIALS; t++) {
    const before = seen().length;
    writeFileSync(`${svc}/supervise/control`, 't');
    if (pollSync(() => seen().slice(before).some((l) => l.includes('"kind":"start"')), 10_000) === null) continue;
    const got = seen().slice(before).map(latency);
    const stop = got.find((e) => e.kind === 'stop');
    const started = got.find((e) => e.kind === 'start');
    if (stop !== undefined) first.push(stop.ms);
    if (started !== undefined) start.push(started.ms);
    await sleep(200);
  }
  return { first, start };
}

/** svnotify run as svscan runs a hook: the event on stdin, in a service dir. */
function svnotifyRuns(s: Scratch): { filtered: number | null; spooled: number | null; node: number | null } {
  const dir = s.path('notify-svc');
  writeService(dir, 'exec sleep 100000');
  const event = JSON.stringify({ v: 1, kind: 'exit', service: 'notify-svc', time: Date.now(), pid: 1, what: 'run', code: 3, signal: null, then: 'restart' }) + '\n';
  const args = ['--webhook', 'http://127.0.0.1:9/unreachable', '--batch', '3600', '--spool', s.path('notify-spool')];
  const time = (file: string, argv: string[]): number => {
    const t0 = now();
    spawnSync(file, argv, { cwd: dir, input: event, stdio: ['pipe', 'ignore', 'ignore'] });
    return now() - t0;
  };
  const node = median(Array.from({ length: HOOK_RUNS }, () => time(process.execPath, ['-e', '0'])));
  const filtered = median(Array.from({ length: HOOK_RUNS }, () => time(svkitBin('svnotify'), [...args, '--only', 'failed'])));
  time(svkitBin('svnotify'), args); // the first spooled event starts the sender of the window
  const spooled = median(Array.from({ length: HOOK_RUNS }, () => time(svkitBin('svnotify'), args)));
  // The sender's window ends now: it tries the unreachable webhook once and exits.
  spawnSync(svkitBin('svnotify'), [...args, '--flush'], { cwd: dir, stdio: 'ignore' });
  return { filtered, spooled, node };
}

export async function run(): Promise<BenchSection> {
  const notes: string[] = [];
  const s = new Scratch('http');
  for (let i = 0; i < SERVICES; i++) writeService(s.path(`scan/s${String(i).padStart(3, '0')}`), 'exec sleep 100000');
  writeFileSync(s.path('tokens'), `rw ${TOKEN}\n`, { mode: 0o600 });
  // s001's hook notes when it read each event: bash's $EPOCHREALTIME, no fork in the hook.
  const hookLog = s.path('hook.log');
  writeFileSync(s.path('scan/s001/notify'), `#!/bin/bash\nIFS= read -r line\nprintf '%s %s\\n' "$EPOCHREALTIME" "$line" >> ${hookLog}\n`, { mode: 0o755 });
  const scanner = s.spawn(svkitBin('svscan'), [s.path('scan')]);
  const server = s.spawn(svkitBin('svhttp'), ['--listen', '127.0.0.1:0', '--token-file', s.path('tokens'), '--audit-log', s.path('audit.log'), s.path('scan')], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  server.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const rows: BenchRow[] = [];
  const row = (metric: string, unit: string, v: number | null, target: string): void => {
    rows.push({ metric, unit, svkit: v, daemontools: null, runit: null, s6: null, target });
  };
  try {
    const last = s.path(`scan/s${String(SERVICES - 1).padStart(3, '0')}`);
    pollSync(() => statusPid(last, 'svkit') !== 0, 30_000);
    for (let i = 0; i < 200 && !/listening on/.test(out); i++) await sleep(50);
    const port = Number(/:(\d+)\//.exec(out)?.[1]);
    const get = (path: string): Promise<number> => new Promise((resolve, reject) => {
      const t0 = now();
      const req = request({ host: '127.0.0.1', port, path, agent, headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(now() - t0));
      });
      req.on('error', reject);
      req.end();
    });
    for (const path of ['/api/v1/services', '/metrics']) {
      for (let i = 0; i < 10; i++) await get(path);
      const times: number[] = [];
      for (let i = 0; i < GETS; i++) times.push(await get(path));
      row(`GET ${path} with ${SERVICES} services (median of ${GETS})`, 'ms', median(times), '<= 5');
    }
    const all: number[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < TOTAL) all.push(await get('/api/v1/services/s000'));
    }));
    row(`${TOTAL} GET of one service at concurrency ${CONCURRENCY}: p99`, 'ms', percentile(all, 99), '<= 20');
    // SSE: a real client; latency = receipt - the event's time (stamped by the supervisor).
    const lat: number[] = [];
    let ready = false;
    let pending: ((pid: number) => void) | undefined;
    const sse = request({ host: '127.0.0.1', port, path: '/api/v1/events?service=s000', headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let end;
        while ((end = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (block === ': ready') ready = true;
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data === undefined) continue;
          const e = JSON.parse(data) as { kind: string; time: number; pid: number };
          if (e.kind === 'start') {
            lat.push(Date.now() - e.time);
            pending?.(e.pid);
          }
        }
      });
    });
    sse.on('error', () => undefined);
    sse.end();
    for (let i = 0; i < 200 && !ready; i++) await sleep(50);
    const svc = s.path('scan/s000');
    for (let t = 0; t < TRIALS; t++) {
      const started = new Promise<number>((resolve) => { pending = resolve; });
      writeFileSync(`${svc}/supervise/control`, 't');
      await Promise.race([started, sleep(10_000)]);
      await sleep(200);
    }
    row(`SSE latency: transition (start event) to the client (median of ${TRIALS})`, 'ms', median(lat), '<= 20');
    const hooks = await hookLatency(s.path('scan/s001'), hookLog);
    row(`notify latency: transition (svc -t: its first event, stop) to a notify hook reading it (median of ${TRIALS})`, 'ms', median(hooks.first), '<= 20');
    row(`notify latency: the start event of that restart, after the hooks of stop, exit, restart (median of ${TRIALS})`, 'ms', median(hooks.start), '');
    const runs = svnotifyRuns(s);
    row(`svnotify as a hook, event filtered out: wall time (median of ${HOOK_RUNS})`, 'ms', runs.filtered, 'no target (Node start-up)');
    row(`svnotify as a hook, event spooled, a sender at work: wall time (median of ${HOOK_RUNS})`, 'ms', runs.spooled, 'no target (Node start-up)');
    row(`node -e 0 on this machine, for comparison (median of ${HOOK_RUNS})`, 'ms', runs.node, '');
    notes.push(`notify latency: s001/notify is a bash script that appends $EPOCHREALTIME and the event line to a file; latency = that time - the event's time field (stamped by the supervisor); ${TRIALS} svc -t of s001, one at a time, 200 ms apart; hooks of one service run one at a time, so the start event waits for three hook runs`);
    notes.push(`svnotify: dist/svnotify.mjs is ${Math.round(statSync(join(ROOT, 'dist/svnotify.mjs')).size / 1024)} KiB (nodemailer's mailer and SMTP transport bundled, evaluated only when a mail is sent); a hook run spawned with the event on stdin, timed to its exit`);
    await sleep(1000);
    const pid = server.pid ?? 0;
    const c0 = cpuTicks(pid);
    const w0 = now();
    await sleep(IDLE_MS);
    row(`idle CPU of svhttp, ${SERVICES} services, one SSE client, over ${IDLE_MS / 1000} s`, '% of a core', ((cpuTicks(pid) - c0) / 100 / ((now() - w0) / 1000)) * 100, 'near 0');
    row('svhttp memory (RSS) after the runs above', 'MiB', memoryKiB(pid).rss / 1024, '');
    sse.destroy();
  } finally {
    agent.destroy();
    server.kill('SIGTERM');
    scanner.kill('SIGTERM');
    const left = await s.cleanup();
    if (left) notes.push(left);
  }
  return { title: 'http: svhttp control plane', rows, notes };
}
