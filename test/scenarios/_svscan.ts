// Shared helpers of the svscan scenario tests (not a test file itself).
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { DEADLINE_MS, type Sandbox, waitFor } from '../helpers/sandbox.ts';
import { BIN, startBackground } from '../helpers/tools.ts';

export interface Svscan {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything svscan wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code and signal once svscan has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** How startSvscan starts svscan: ARGS before DIR; under `ulimit -n NOFILE`; or through VIA, a program that execs the arguments after its own. */
export interface StartOptions {
  readonly args?: readonly string[];
  readonly nofile?: number;
  readonly via?: readonly string[];
}

/**
 * Starts bin/svscan [ARGS] DIR in the background, tracked by the sandbox, stdout and stderr
 * captured; with nofile, under `ulimit -n nofile` (soft and hard); with via, through that
 * program (e.g. one that changes a descriptor first). OPTS may be the args alone.
 */
export function startSvscan(box: Sandbox, dir: string, opts: readonly string[] | StartOptions = {}): Svscan {
  const { args = [], nofile, via: given } = Array.isArray(opts) ? { args: opts as readonly string[] } : (opts as StartOptions);
  const via = given ?? (nofile === undefined ? undefined : ['/bin/sh', '-c', `ulimit -n ${nofile} && exec "$0" "$@"`]);
  const child = box.track(via === undefined
    ? startBackground('svscan', [...args, dir], { cwd: box.root })
    : startBackground(via[0] ?? '', [...via.slice(1), join(BIN, 'svscan'), ...args, dir], { cwd: box.root }));
  if (child.pid === undefined) throw new Error('svscan did not start');
  let err = '';
  child.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  child.stdout?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, pid: child.pid, stderr: () => err, exited };
}

/** /proc/PID/stat fields after the command name: [state, ppid, pgrp, ...]; undefined when gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  const f = statFields(pid);
  return f !== undefined && f[0] !== 'Z' && f[0] !== 'X';
}

export function ppidOf(pid: number): number {
  return Number(statFields(pid)?.[1] ?? -1);
}

/** The pid in DIR/supervise/status (0 while down or when there is no status yet). */
export function statusPid(dir: string): number {
  try {
    const b = readFileSync(join(dir, 'supervise/status'));
    return b.length >= 18 ? b.readUInt32LE(12) : 0;
  } catch {
    return 0;
  }
}

/** svok's test, done here without spawning anything: does a supervisor read DIR/supervise/ok? */
export function supervised(dir: string): boolean {
  try {
    closeSync(openSync(join(dir, 'supervise/ok'), constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

/** Whether DIR's status says run (runit byte 19 = 1) with a pid: not down, not finish. */
function running(dir: string): number {
  try {
    const b = readFileSync(join(dir, 'supervise/status'));
    const pid = b.length >= 18 ? b.readUInt32LE(12) : 0;
    return b.length < 20 || b[19] === 1 ? pid : 0;
  } catch {
    return 0;
  }
}

/** Waits until DIR's status says run with a live pid (its run, not its finish); returns it. */
export async function waitUp(dir: string, timeoutMs = DEADLINE_MS): Promise<number> {
  let pid = 0;
  await waitFor(() => {
    pid = running(dir);
    return pid !== 0 && alive(pid);
  }, timeoutMs, `${dir} up`);
  return pid;
}

/** Waits until DIR's status says run with a live pid other than old; returns it. */
export async function waitNewPid(dir: string, old: number, timeoutMs = DEADLINE_MS): Promise<number> {
  let pid = 0;
  await waitFor(() => {
    pid = running(dir);
    return pid !== 0 && pid !== old && alive(pid);
  }, timeoutMs, `${dir} restarted`);
  return pid;
}

/** The process state letter of /proc/PID/stat (R, S, T, Z ...), or undefined when gone. */
export function procState(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

/** SIGSTOP's bit in the pending-signal masks of /proc/PID/status (SigPnd, ShdPnd). */
const SIGSTOP_BIT = 1n << BigInt(osConstants.signals.SIGSTOP - 1);

/**
 * Whether a SIGSTOP has reached pid: it is stopped (state T), or the STOP is pending, which it
 * takes before it runs another instruction of its own (a STOP can be neither blocked nor
 * ignored). The second is what a shell caught in vfork() shows, as dash runs a foreground
 * command: the group's STOP stops the child before its exec, and the shell waits in the kernel
 * (state D) for that exec until CONT, the STOP pending all along; CONT discards it.
 */
export function stopReached(pid: number): boolean {
  if (procState(pid) === 'T') return true;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const masks = [...status.matchAll(/^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$/gm)].map((m) => BigInt(`0x${m[1] ?? '0'}`));
    return masks.some((mask) => (mask & SIGSTOP_BIT) !== 0n);
  } catch {
    return false;
  }
}

const READ_SYSCALL = process.arch === 'arm64' ? 63 : 0;

/**
 * Whether pid sits blocked in read(fd): for a logger whose writer is stopped, this means the
 * pipe is empty and everything it read has been written out (it reads only when done).
 */
export function blockedReading(pid: number, fd: number): boolean {
  try {
    const f = readFileSync(`/proc/${pid}/syscall`, 'latin1').split(' ');
    return Number(f[0]) === READ_SYSCALL && Number(f[1]) === fd;
  } catch {
    return false;
  }
}

export interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly cwd: string;
  readonly cmdline: string;
}

/** Every live process whose cwd or command line mentions the sandbox. */
export function sandboxProcesses(root: string): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      if (!alive(pid)) continue;
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ');
      if (cwd === root || cwd.startsWith(root + '/') || cmdline.includes(root)) out.push({ pid, ppid: ppidOf(pid), cwd, cmdline });
    } catch {
      // gone, or a kernel thread
    }
  }
  return out;
}

/** Live processes whose cwd is exactly dir. */
export function processesIn(root: string, dir: string): Proc[] {
  return sandboxProcesses(root).filter((p) => p.cwd === dir);
}

/** The inode a /proc fd link points at (the link followed), or undefined. */
export function fdInode(pid: number, fd: number): number | undefined {
  try {
    return statSync(`/proc/${pid}/fd/${fd}`).ino;
  } catch {
    return undefined;
  }
}

/**
 * The number N of the last complete "TAG N" line of a log file (0 while none): how far a
 * service's sequence has got, read from the file's tail so it can be polled cheaply. Tests wait
 * on it instead of assuming how many lines a given time produces (fewer on a busy machine).
 */
export function lastNumber(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 256));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    const text = buf.toString('latin1');
    const complete = text.slice(0, text.lastIndexOf('\n'));
    const m = /(\d+)$/.exec(complete);
    return m === null ? 0 : Number(m[1]);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks sequence-numbered lines "TAG N": for each tag the numbers must run 1, 2, 3 ... with
 * no gap and no duplicate. Returns the highest number per tag; throws with a description.
 */
export function checkSequences(text: string, pattern = /^(\S+) (\d+)$/): Map<string, number> {
  const last = new Map<string, number>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const m = pattern.exec(line);
    if (m === null) continue;
    const tag = m[1] ?? '';
    const n = Number(m[2]);
    const prev = last.get(tag) ?? 0;
    if (n !== prev + 1) throw new Error(`line ${i + 1} "${line}": expected ${tag} ${prev + 1} (${n <= prev ? 'duplicate' : 'gap'})`);
    last.set(tag, n);
  }
  return last;
}
