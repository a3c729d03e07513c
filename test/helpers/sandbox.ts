// A temp directory per test, and the reaping of every process a test started.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';

/** Marker in every temp path, so stray processes of the suite can be found (no-strays.sh);
 * the Makefile makes it unique per checkout, so two checkouts' runs do not see each other's. */
export const MARK = process.env['SVKIT_TEST_MARK'] || 'svkit-test';

export class Sandbox {
  readonly root: string;
  private readonly children: ChildProcess[] = [];
  private readonly pids = new Set<number>();

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), `${MARK}-`));
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /** Writes a file (parents created); mode 0755 for scripts. */
  write(rel: string, content: string, mode = 0o644): string {
    const p = this.path(rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, mode);
    return p;
  }

  /** A service directory with an executable run script (and optional extra files). */
  service(rel: string, run: string, extra: Record<string, string> = {}): string {
    this.write(join(rel, 'run'), `#!/bin/sh\n${run}\n`, 0o755);
    for (const [name, body] of Object.entries(extra)) {
      const exec = name === 'finish' || name === 'log/run' || name.endsWith('/run');
      this.write(join(rel, name), exec ? `#!/bin/sh\n${body}\n` : body, exec ? 0o755 : 0o644);
    }
    return this.path(rel);
  }

  /** Remembers a background child: killed with its whole process group at cleanup. */
  track(child: ChildProcess): ChildProcess {
    this.children.push(child);
    return child;
  }

  /** Remembers a pid (a service child, say): its group and itself are killed at cleanup. */
  trackPid(pid: number): void {
    this.pids.add(pid);
  }

  /** Kills everything started here, then any process still running with this sandbox as cwd. */
  async cleanup(): Promise<void> {
    for (const c of this.children) {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) killTree(c.pid, 'SIGTERM');
    }
    await waitFor(() => this.children.every((c) => c.exitCode !== null || c.signalCode !== null), 5000, 'children gone after TERM').catch(() => {});
    for (const c of this.children) if (c.pid !== undefined) killTree(c.pid, 'SIGKILL');
    for (const pid of this.pids) killTree(pid, 'SIGKILL');
    for (const pid of processesUnder(this.root)) killTree(pid, 'SIGKILL');
    rmSync(this.root, { recursive: true, force: true });
  }
}

function killTree(pid: number, sig: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      // gone
    }
  }
}

/** Pids whose cwd lies inside dir (services started by a supervisor under test). */
export function processesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readlinkCwd(Number(name));
      if (cwd === dir || cwd.startsWith(dir + '/')) out.push(Number(name));
    } catch {
      // gone or not ours
    }
  }
  return out;
}

function readlinkCwd(pid: number): string {
  return readlinkSync(`/proc/${pid}/cwd`);
}

/**
 * How long a test waits for evidence before it gives up. Generous on purpose: it is a deadline
 * for "never happened", not a speed target (those are rows in bench/). A passing test never
 * waits this long, so a long deadline costs nothing on a quiet machine and holds on a busy one.
 */
export const DEADLINE_MS = 20_000;

/**
 * Polls cond every 20 ms until it holds; rejects after timeoutMs with the label. A cond that
 * throws (a file not written yet) counts as not holding; the last error is in the rejection.
 */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = DEADLINE_MS, label = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}${why}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The one-letter state of /proc/PID/stat ('S', 'T', 'Z' ...), or '' when gone. */
function stateOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return '';
  }
}

/**
 * Runs fn while pid is stopped (SIGSTOP, then waits for state T; SIGCONT afterwards, even when
 * fn throws). For comparing two readers of a state its writer could still change: a stopped
 * supervisor writes nothing, yet still holds supervise/ok open, so clients see it running.
 */
export async function frozen<T>(pid: number, fn: () => Promise<T>): Promise<T> {
  process.kill(pid, 'SIGSTOP');
  try {
    await waitFor(() => stateOf(pid) === 'T', DEADLINE_MS, `pid ${pid} stopped`);
    return await fn();
  } finally {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone
    }
  }
}

const EPOLL_WAITS = process.arch === 'arm64' ? [22, 441] : [232, 281, 441];

/**
 * Whether a Node program has dealt with every signal sent to it so far: none is pending and
 * its main thread sleeps in epoll_wait. A signal's JS handler runs on the loop: the kernel
 * handler writes to libuv's signal pipe, which wakes the loop (state R) until the handlers
 * have run and it sleeps again. Wait on this before input whose handling depends on the
 * signal having been handled (a bare sleep is a guess at how busy the machine is).
 */
export function signalsHandled(pid: number): boolean {
  try {
    if (stateOf(pid) !== 'S') return false;
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    if (!/^SigPnd:\s*0+$/m.test(status) || !/^ShdPnd:\s*0+$/m.test(status)) return false;
    return EPOLL_WAITS.includes(Number(readFileSync(`/proc/${pid}/syscall`, 'latin1').split(' ')[0]));
  } catch {
    return false;
  }
}

/** The 20 (or 18) status bytes decoded by hand, independent of the code under test. */
export function rawStatus(serviceDir: string): { pid: number; paused: number; want: number; unix: number; nano: number; len: number; term?: number; state?: number } {
  const b = readFileSync(join(serviceDir, 'supervise/status'));
  const unix = Number(b.readBigUInt64BE(0) - (1n << 62n) - 10n);
  const r = { pid: b.readUInt32LE(12), paused: b[16] ?? 0, want: b[17] ?? 0, unix, nano: b.readUInt32BE(8), len: b.length };
  return b.length >= 20 ? { ...r, term: b[18] ?? 0, state: b[19] ?? 0 } : r;
}
