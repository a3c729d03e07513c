// multilog bench: throughput, CPU, peak RSS, no-loss and pipe-to-disk delay, svkit vs multilog, svlogd, s6-log.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface BenchRow { metric: string; unit: string; svkit: number | null; daemontools: number | null; runit: number | null; s6: number | null; target?: string }
interface BenchSection { title: string; rows: BenchRow[]; notes: string[] }
type Suite = 'svkit' | 'daemontools' | 'runit' | 's6';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const BIG = 500 * 1024 * 1024;
const SMALL = 40 * 1024 * 1024;
const DELAY_LINES = 60;

const which = (p: string): string | undefined => (existsSync(p) ? p : undefined);
const PROGS: Record<Suite, string | undefined> = {
  svkit: which(join(ROOT, 'bin/multilog')),
  daemontools: which('/usr/bin/multilog'),
  runit: which('/usr/bin/svlogd'),
  s6: which('/usr/bin/s6-log'),
};

/** Logger command for a directory; svlogd takes its settings from DIR/config. */
function command(suite: Suite, dir: string, stamp: boolean, size: number, num: number): [string, string[]] {
  const prog = PROGS[suite] as string;
  if (suite === 'runit') {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(join(dir, 'config'), 'w');
    writeSync(fd, `s${size}\nn${num}\n`);
    closeSync(fd);
    return [prog, stamp ? ['-t', dir] : [dir]];
  }
  return [prog, [...(stamp ? ['t'] : []), `s${size}`, `n${num}`, dir]];
}

/** Input of mixed 80-byte and 1 KiB lines, generated once. */
function makeInput(path: string, bytes: number): number {
  const lines: Buffer[] = [];
  for (let i = 0; i < 4096; i++) {
    const len = i % 10 < 7 ? 79 : 1023;
    lines.push(Buffer.from(`${String(i).padStart(8, '0')} `.padEnd(len, i % 10 < 7 ? 'a' : 'b') + '\n'));
  }
  const block = Buffer.concat(lines);
  const fd = openSync(path, 'w');
  let written = 0;
  while (written < bytes) written += writeSync(fd, block);
  closeSync(fd);
  return written;
}

function hwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Descendants of pid that are the logger (not the bash or cat of the pipeline). */
function loggers(pid: number): number[] {
  const out: number[] = [];
  let kids: number[] = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return out;
  }
  for (const k of kids) {
    let comm = '';
    try { comm = readFileSync(`/proc/${k}/comm`, 'utf8').trim(); } catch { continue; }
    if (comm !== 'cat' && comm !== 'bash') out.push(k);
    out.push(...loggers(k));
  }
  return out;
}

const exited = (c: ChildProcess): Promise<void> => new Promise((r) => (c.exitCode !== null ? r() : c.on('close', () => r())));

/** One run: cat INPUT | logger under bash's `time`; wall seconds, CPU seconds, peak RSS in MB. */
async function runOnce(suite: Suite, input: string, dir: string, stamp: boolean, size: number, num: number): Promise<{ wall: number; cpu: number; rss: number }> {
  const [prog, args] = command(suite, dir, stamp, size, num);
  const start = process.hrtime.bigint();
  const sh = spawn('bash', ['-c', `TIMEFORMAT='%3U %3S'; cat "$0" | { time "$@" 2>/dev/null; }`, input, prog, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  sh.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  let peak = 0;
  const poll = setInterval(() => {
    // bash runs the pipeline's right side in a subshell; the logger is a child of that.
    for (const p of loggers(sh.pid ?? 0)) peak = Math.max(peak, hwmKb(p));
  }, 20);
  await exited(sh);
  clearInterval(poll);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const [u, s] = err.trim().split(/\s+/).slice(-2).map(Number);
  return { wall, cpu: (u ?? NaN) + (s ?? NaN), rss: peak / 1024 };
}

function linesIn(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    if (f !== 'current' && !f.startsWith('@')) continue;
    const b = readFileSync(join(dir, f));
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  }
  return n;
}

/** Median time from writing a line into the logger's pipe to its bytes appearing in current. */
async function delayMs(suite: Suite, dir: string): Promise<number> {
  const [prog, args] = command(suite, dir, false, 1000000, 20);
  const c = spawn(prog, args, { stdio: ['pipe', 'ignore', 'ignore'] });
  const current = join(dir, 'current');
  const size = (): number => { try { return statSync(current).size; } catch { return -1; } };
  const samples: number[] = [];
  for (let deadline = Date.now() + 5000; size() < 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < DELAY_LINES; i++) {
    const before = size();
    const t0 = process.hrtime.bigint();
    c.stdin?.write(`delay probe ${i}\n`);
    // stdin.write is asynchronous: poll in a tight loop, yielding only to let it flush.
    for (let spins = 0; size() === before && spins < 200000; spins++) if (spins % 64 === 0) await new Promise((r) => setImmediate(r));
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await new Promise((r) => setTimeout(r, 10));
  }
  c.stdin?.end();
  await exited(c);
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? NaN;
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

export async function run(): Promise<BenchSection> {
  const tmp = mkdtempSync(join(tmpdir(), 'svkit-bench-multilog-'));
  const suites = (Object.keys(PROGS) as Suite[]).filter((s) => PROGS[s] !== undefined);
  const row = (metric: string, unit: string, target?: string): BenchRow => ({ metric, unit, svkit: null, daemontools: null, runit: null, s6: null, ...(target === undefined ? {} : { target }) });
  const rows = {
    plain: row('throughput, no timestamps (s1000000 n20)', 'MB/s', '>= 1.0x multilog'),
    stamped: row('throughput, timestamps (t)', 'MB/s', '>= 1.0x multilog'),
    cpu: row('logger CPU, timestamps', 's'),
    rss: row('logger peak RSS, timestamps', 'MB'),
    loss: row('no loss: lines out / lines in', 'ratio', '1'),
    delay: row('median delay pipe -> current', 'ms', '<= 1 ms'),
  };
  const notes: string[] = [];
  try {
    const input = join(tmp, 'input');
    const bytes = makeInput(input, BIG);
    const small = join(tmp, 'small');
    const smallBytes = makeInput(small, SMALL);
    const smallLines = linesIn2(small);
    const mb = bytes / 1048576;
    notes.push(`input ${round(mb)} MB of 80-byte (70%) and 1 KiB lines, fed by cat through a pipe; svlogd settings in DIR/config; s6-log and svlogd stamp with their own clocks (s6: TAI, 27 s apart).`);
    for (const suite of suites) {
      const plain = await runOnce(suite, input, join(tmp, `${suite}-plain`), false, 1000000, 20);
      rows.plain[suite] = round(mb / plain.wall);
      const stamped = await runOnce(suite, input, join(tmp, `${suite}-t`), true, 1000000, 20);
      rows.stamped[suite] = round(mb / stamped.wall);
      rows.cpu[suite] = round(stamped.cpu, 2);
      rows.rss[suite] = round(stamped.rss, 1);
      rmSync(join(tmp, `${suite}-plain`), { recursive: true, force: true });
      rmSync(join(tmp, `${suite}-t`), { recursive: true, force: true });
      const keep = join(tmp, `${suite}-all`);
      await runOnce(suite, small, keep, true, 1000000, 1000);
      rows.loss[suite] = round(linesIn(keep) / smallLines, 4);
      rmSync(keep, { recursive: true, force: true });
      rows.delay[suite] = round(await delayMs(suite, join(tmp, `${suite}-delay`)), 3);
    }
    notes.push(`no-loss input: ${round(smallBytes / 1048576)} MB, ${smallLines} lines, n1000 so every archive is kept.`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { title: 'multilog: log throughput and latency', rows: Object.values(rows), notes };
}

function linesIn2(file: string): number {
  const b = readFileSync(file);
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const s = await run();
  console.log(`## ${s.title}`);
  console.table(s.rows);
  for (const n of s.notes) console.log(`- ${n}`);
}
