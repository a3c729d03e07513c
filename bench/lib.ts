// Shared benchmark types and helpers: timing, /proc inspection, status readers, cleanup, report rendering.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

export interface BenchRow {
  metric: string;
  unit: string;
  svkit: number | null;
  daemontools: number | null;
  runit: number | null;
  s6: number | null;
  target?: string;
  /** Columns of other peers (nodemon, pm2, ...), in the order first met in the section; after s6. */
  extra?: Record<string, number | null>;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
  notes: string[];
}

export const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
export const BIN = join(ROOT, 'bin');
export const MARK = 'svkit-bench';
export const SUITES = ['svkit', 'daemontools', 'runit', 's6'] as const;
export type Suite = (typeof SUITES)[number];

// ---------- timing ----------

export const now = (): number => performance.now();
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread for ms (fractions allowed) without burning CPU. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Polls cond synchronously every intervalMs; returns the time it first held, or null on timeout. */
export function pollSync(cond: () => boolean, timeoutMs: number, intervalMs = 0.5): number | null {
  const end = now() + timeoutMs;
  for (;;) {
    if (cond()) return now();
    if (now() > end) return null;
    sleepSync(intervalMs);
  }
}

/** Wall time of one run of a program to its exit (ms), output discarded. */
export function timeRun(file: string, args: readonly string[]): number {
  const t0 = now();
  const r = spawnSync(file, args, { stdio: 'ignore' });
  const t = now() - t0;
  if (r.error) throw r.error;
  return t;
}

// ---------- programs and service dirs ----------

/** Absolute path of a real peer program, or undefined. */
export function peer(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin']) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}
export const svkitBin = (tool: string): string => join(BIN, tool);

/** Whether bin/<tool> can run at all (exists and its bundle is built). */
export function svkitAvailable(tool: string): boolean {
  const launcher = join(BIN, tool);
  return existsSync(launcher) && existsSync(join(ROOT, 'dist', `${tool}.mjs`));
}

/** Writes DIR/run as an executable sh script. */
export function writeService(dir: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run'), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, 'run'), 0o755);
  return dir;
}

/**
 * Pid of ./run from supervise/status: bytes 12-15 LE (daemontools, runit, svkit) or 8-byte BE at 24 (s6);
 * 0 when down, unreadable, or while ./finish runs (runit/svkit state byte 19 = 2, s6 flags bit 1), whose pid
 * those status files show in the same field.
 */
export function statusPid(serviceDir: string, suite: Suite): number {
  let b: Buffer;
  try {
    b = readFileSync(join(serviceDir, 'supervise/status'));
  } catch {
    return 0;
  }
  if (suite === 's6') return b.length >= 35 && (b[34]! & 2) === 0 ? Number(b.readBigUInt64BE(24)) : 0;
  if (b.length >= 20 && b[19] === 2) return 0;
  return b.length >= 18 ? b.readUInt32LE(12) : 0;
}

// ---------- /proc ----------

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  comm: string;
}

export function procTable(): Map<number, ProcInfo> {
  const out = new Map<number, ProcInfo>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = readFileSync(`/proc/${name}/stat`, 'latin1');
      const close = s.lastIndexOf(')');
      const f = s.slice(close + 2).split(' ');
      out.set(Number(name), { pid: Number(name), ppid: Number(f[1]), pgid: Number(f[2]), comm: s.slice(s.indexOf('(') + 1, close) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** All descendants of pid (not pid itself). */
export function descendants(pid: number, table = procTable()): number[] {
  const kids = new Map<number, number[]>();
  for (const p of table.values()) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p.pid]);
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) for (const k of kids.get(queue.shift()!) ?? []) out.push(k), queue.push(k);
  return out;
}

export interface Memory {
  rss: number;
  pss: number;
  anon: number; // Pss_Anon: heap and stacks, nearly independent of what else runs
}

/** Resident and proportional set size, and the anonymous part of PSS, of a process in KiB from smaps_rollup (zeros if gone). */
export function memoryKiB(pid: number): Memory {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rss: field('Rss'), pss: field('Pss'), anon: field('Pss_Anon') };
  } catch {
    return { rss: 0, pss: 0, anon: 0 };
  }
}

export function alive(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return s[s.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

/** Pids (other than ours) whose cwd lies under dir or whose command line mentions it. */
export function processesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1');
      if ((cwd === dir || cwd.startsWith(dir + '/') || cmd.includes(dir)) && alive(Number(name))) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

export function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // already gone
  }
}

// ---------- scratch dirs with guaranteed cleanup ----------

const live = new Set<Scratch>();
let exitHooked = false;

/** A temp dir under /tmp plus every process started for it; cleanup() kills them all and checks /proc. */
export class Scratch {
  readonly root: string;
  private readonly groups = new Map<number, ChildProcess | null>();

  constructor(label: string) {
    this.root = mkdtempSync(`/tmp/${MARK}-${label}-`);
    live.add(this);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', () => {
        for (const s of live) s.killAllSync();
      });
      for (const sig of ['SIGINT', 'SIGTERM'] as const)
        process.on(sig, () => {
          for (const s of live) s.killAllSync();
          process.exit(130);
        });
    }
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /** Starts a program in its own process group (detached), stdio discarded unless given. */
  spawn(file: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn(file, args, { stdio: 'ignore', ...opts, detached: true });
    child.on('error', () => {});
    if (child.pid !== undefined) this.groups.set(child.pid, child);
    return child;
  }

  /**
   * SIGKILLs our process groups and everything under the root. A group is signalled only while it is
   * provably ours (its leader has not been reaped, or a member lives under the root): pids get reused.
   */
  killAllSync(): void {
    const under = processesUnder(this.root);
    const table = procTable();
    const ourGroups = new Set(under.map((p) => table.get(p)?.pgid));
    for (const [g, child] of this.groups) {
      const leaderLive = child !== null && child.exitCode === null && child.signalCode === null;
      if (leaderLive || ourGroups.has(g)) signal(-g, 'SIGKILL');
    }
    for (const pid of under) signal(pid, 'SIGKILL');
  }

  /** After an orderly stop: waits graceMs for the processes to go, SIGKILLs the rest, verifies with /proc, removes the dir. */
  async cleanup(graceMs = 1500): Promise<string | null> {
    const grace = now() + graceMs;
    while (processesUnder(this.root).length > 0 && now() < grace) await sleep(20);
    const left = processesUnder(this.root);
    this.killAllSync();
    const end = now() + 3000;
    while (processesUnder(this.root).length > 0 && now() < end) await sleep(20);
    const still = processesUnder(this.root);
    live.delete(this);
    rmSync(this.root, { recursive: true, force: true });
    if (still.length > 0) return `cleanup: ${still.length} process(es) under ${this.root} survived SIGKILL: ${still.join(' ')}`;
    return left.length > 0 ? `cleanup: ${left.length} process(es) were still running ${graceMs} ms after the orderly stop and were SIGKILLed` : null;
  }
}

/** Waits for a child to exit (resolves true) or the timeout (false). */
export function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const t = setTimeout(() => done(false), timeoutMs);
    child.once('exit', () => (clearTimeout(t), done(true)));
  });
}

// ---------- report ----------

/** 1, 5 and 15 minute load averages: other work on the machine skews every figure. */
export const loadText = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

export function machineNote(script: string): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `machine: nproc ${cpus().length}, ${cpu}, Linux ${release()}, Node ${process.version}, load average ${loadText()} when the section ended; run: \`make bench\` (all sections) or \`node --import ./test/helpers/tsx.mjs bench/${script}\` (this section alone)`;
}

/** Units a target may convert between: [kind, factor]. */
const UNITS: Record<string, [string, number]> = {
  ns: ['time', 1e-6], us: ['time', 1e-3], 'µs': ['time', 1e-3], ms: ['time', 1], s: ['time', 1000],
  B: ['size', 1], KiB: ['size', 1024], MiB: ['size', 1024 ** 2], GiB: ['size', 1024 ** 3], kB: ['size', 1000], MB: ['size', 1e6],
};

export function ratio(row: BenchRow): number | null {
  return row.svkit !== null && row.daemontools !== null && row.daemontools > 0 ? row.svkit / row.daemontools : null;
}

/** Column a target may name by suite or by the peer program measured in it ("<= 1.5x multilog"). */
const COLUMN: Record<string, Suite> = {
  daemontools: 'daemontools', multilog: 'daemontools', supervise: 'daemontools', svscan: 'daemontools', svc: 'daemontools', svstat: 'daemontools',
  runit: 'runit', svlogd: 'runit', runsv: 'runit', runsvdir: 'runit', sv: 'runit',
  s6: 's6', 's6-log': 's6', 's6-supervise': 's6', 's6-svscan': 's6', 's6-svc': 's6', 's6-svstat': 's6',
};

/**
 * Evaluates row.target against row.svkit. Forms: "<= 1.5x daemontools" (a column, by suite or peer program
 * name), "<= daemontools", "<= 1.3x <metric of another row in the section>" (that row's svkit value),
 * "<= 64 MiB" (absolute, units of UNITS converted), the same with ">=", and a bare "1" or "0 ms" (equal).
 * Returns "" without a target, "n/a" without the figures, "?" when the target is not understood.
 */
export function verdict(row: BenchRow, section: BenchSection): string {
  const t = row.target?.trim();
  if (!t) return '';
  const m = /^(<=|>=|==)?\s*(?:([\d.]+)\s*x\s+)?(.+)$/.exec(t);
  if (!m) return '?';
  const [, op = '==', factorText, rest] = m as unknown as [string, string | undefined, string | undefined, string];
  let limit: number;
  let value = row.svkit;
  const abs = /^([\d.]+)\s*(\S*)$/.exec(rest);
  if (factorText === undefined && abs) {
    const unit = abs[2]!;
    const [from, to] = [UNITS[unit], UNITS[row.unit]];
    const scale = unit === '' || unit === row.unit ? 1 : from && to && from[0] === to[0] ? from[1] / to[1] : undefined;
    if (scale === undefined) return '?';
    limit = Number(abs[1]) * scale;
  } else {
    const col = COLUMN[rest];
    const ref = col !== undefined ? row[col] : section.rows.find((r) => r.metric === rest)?.svkit;
    if (ref === undefined) return '?';
    if (ref === null) return 'n/a';
    limit = (factorText === undefined ? 1 : Number(factorText)) * ref;
  }
  if (value === null) return 'n/a';
  const ok = op === '<=' ? value <= limit : op === '>=' ? value >= limit : Math.abs(value - limit) <= 1e-9 * Math.max(1, Math.abs(limit));
  return ok ? 'ok' : 'MISS';
}

export function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

const HEAD = ['metric', 'svkit', 'daemontools', 'runit', 's6', 'ratio svkit/daemontools', 'target', 'verdict'];

/** The extra peer columns of a section, in the order their names first appear. */
function extraColumns(section: BenchSection): string[] {
  return [...new Set(section.rows.flatMap((r) => Object.keys(r.extra ?? {})))];
}

export function sectionHead(section: BenchSection): string[] {
  return [...HEAD.slice(0, 5), ...extraColumns(section), ...HEAD.slice(5)];
}

export function sectionCells(section: BenchSection): string[][] {
  const extra = extraColumns(section);
  return section.rows.map((r) => {
    const q = ratio(r);
    const peers = extra.map((c) => fmt(r.extra?.[c] ?? null));
    return [`${r.metric} (${r.unit})`, fmt(r.svkit), fmt(r.daemontools), fmt(r.runit), fmt(r.s6), ...peers, q === null ? '—' : `${q.toFixed(2)}x`, r.target ?? '', verdict(r, section)];
  });
}

/** A section as a Markdown table (column-aligned, so it reads in a terminal too) plus its notes. */
export function renderSection(section: BenchSection): string {
  const head = sectionHead(section);
  const text = head.length - 2; // target and verdict are left-aligned text, like the metric
  const rows = [head, ...sectionCells(section)].map((r) => r.map((c) => c.replace(/\|/g, '\\|')));
  const width = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const left = (i: number): boolean => i === 0 || i >= text;
  const line = (r: string[]): string => `| ${r.map((c, i) => (left(i) ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join(' | ')} |`;
  const sep = `|${width.map((w, i) => (left(i) ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`;
  const notes = section.notes.map((n) => `- ${n}`).join('\n');
  return `## ${section.title}\n\n${line(rows[0]!)}\n${sep}\n${rows.slice(1).map(line).join('\n')}\n\n${notes}\n`;
}

/** Lets a section module print itself when run directly: `await standalone(import.meta.url, run)`. */
export async function standalone(url: string, run: () => Promise<BenchSection>): Promise<void> {
  const main = process.argv[1];
  if (main === undefined || resolve(main) !== fileURLToPath(url)) return;
  process.stdout.write(renderSection(await run()) + '\n');
}
