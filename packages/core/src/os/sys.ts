// The native addon (packages/core/native/sys.c) for the system calls Node 20 lacks.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Sys {
  flock(fd: number, op: number): void;
  mkfifo(path: string, mode: number): void;
  pipe(nonblock?: boolean): [number, number];
  /** Copies up to len bytes of pipe fdIn into pipe fdOut without consuming them: count, 0 at EOF, -1 if empty. */
  tee(fdIn: number, fdOut: number, len: number): number;
  /** Calls back (off the main thread's wait) with the fds that became readable; a byte on wakeFd ends the wait with []. */
  pollIn(fds: readonly number[], wakeFd: number, callback: (ready: number[]) => void): void;
  /** posix_spawn in a new session, default signals, fds as 0, 1, 2 (then [source, target] pairs); throws ENOENT, EACCES... */
  spawn(file: string, argv: readonly string[], envp: readonly string[], cwd: string, fds: readonly number[]): number;
  /** Reads every /proc/PID/stat off the main thread: [ticksPerSecond, pageSize, (pid, ppid, pgid, cpuTicks, rssPages)...]. */
  procScan(callback: (table: Float64Array) => void): void;
  pidfdOpen(pid: number): number;
  /** [exitCode, signal] of an exited child (one of them null), or null while it runs. */
  reap(pidfd: number): [number | null, number | null] | null;
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

let loaded: Sys | undefined;

/** Finds build/svkit_sys.node above this file: the source tree and the bundles sit at different depths. */
function addonPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'build', 'svkit_sys.node');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('native addon build/svkit_sys.node not found: run make');
    dir = up;
  }
}

/** The addon, loaded on first use so that programs which need no syscall never pay for it. */
export function sys(): Sys {
  loaded ??= createRequire(import.meta.url)(addonPath()) as Sys;
  return loaded;
}
