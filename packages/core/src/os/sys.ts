// The native addon (packages/core/native/: sys.c and one C file per concern) for the system calls Node 20 lacks.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SvkitError } from '../formats/errors.ts';

interface Sys {
  flock(fd: number, op: number): void;
  mkfifo(path: string, mode: number): void;
  pipe(nonblock?: boolean): [number, number];
  /** fcntl(F_SETFL): clears (blocking, the default) or sets O_NONBLOCK on fd's open file description. */
  setBlocking(fd: number, blocking?: boolean): void;
  /** Copies up to len bytes of pipe fdIn into pipe fdOut without consuming them: count, 0 at EOF, -1 if empty. */
  tee(fdIn: number, fdOut: number, len: number): number;
  /** Calls back (off the main thread's wait) with the fds that became readable; a byte on wakeFd ends the wait with []. */
  pollIn(fds: readonly number[], wakeFd: number, callback: (ready: number[]) => void): void;
  /** poll(2) with timeout 0 and no events asked: the fds with an error or hang-up now (a FIFO's write end without reader). Absent in an addon built before it. */
  pollNow?(fds: readonly number[]): number[];
  /** posix_spawn in a new session, default signals, fds as 0, 1, 2 (then [source, target] pairs); envp strings as UTF-8, Buffers as they are, null this process's environment (with `environ`); throws ENOENT, EACCES... */
  spawn(file: string, argv: readonly string[], envp: readonly (string | Buffer)[] | null, cwd: string, fds: readonly number[], creds?: object): number;
  /** spawn takes envp null. Absent in an addon built before it. */
  readonly environ?: boolean;
  /** Reads every /proc/PID/stat off the main thread: [ticksPerSecond, pageSize, (pid, ppid, pgid, cpuTicks, rssPages)...]. */
  procScan(callback: (table: Float64Array) => void): void;
  /** One thread-pool job: bytes to tmp then renamed to path, or (tmp null) appended to path, a regular file; calls back with the error or null and path's size after an append. */
  writeFile(path: string, tmp: string | null, bytes: Buffer, callback: (err: Error | null, size: number) => void): void;
  /** writeFile's replace for several files in one job, in order ([path, tmp, bytes] each, flat); the first failure ends it. Absent in an addon built before it. */
  writeFiles?(files: readonly (string | Buffer)[], callback: (err: Error | null) => void): void;
  /**
   * Starts the thread of health/tcp's connects (once): CALLBACK gets their results in batches,
   * [id, code, ...] with code 0 (connected), an errno, -1 (timed out) or -2 (canceled).
   * The four tcp functions are absent in an addon built before them.
   */
  tcpResults?(callback: (results: Int32Array) => void): void;
  /** A non-blocking connect to SOCKADDR (from tcpAddress) on that thread, ended after timeoutMs; exactly one result per call. */
  tcpConnect?(id: number, sockaddr: Buffer, timeoutMs: number): void;
  /** Ends connect ID now (result -2), if it is still under way. */
  tcpCancel?(id: number): void;
  /** The socket address of a numeric IPv4 or IPv6 address and a port; throws EINVAL for anything else. */
  tcpAddress?(ip: string, port: number): Buffer;
  /**
   * Readiness on the main loop's own epoll (uv_poll): CALLBACK at each turn while FD is readable
   * or hung up, until pauseFd(fd, true) or unwatchFd(fd); throws EEXIST for an fd watched already.
   * The three are absent in an addon built before them (os/poller.ts then polls on a worker thread).
   */
  watchFd?(fd: number, callback: () => void): void;
  pauseFd?(fd: number, paused: boolean): void;
  /** fd is out of the loop's epoll on return: the caller may close it. pauseFd and unwatchFd do nothing to an fd not watched. */
  unwatchFd?(fd: number): void;
  pidfdOpen(pid: number): number;
  /** kill(target, 0): 0, or the errno (ESRCH, EPERM) as a number. Absent in an addon built before it. */
  killProbe?(target: number): number;
  /** "dev:ino:mtimeNs" of path (stat(2)), or null when it cannot be stat'ed. Absent in an addon built before it. */
  dirStamp?(path: string): string | null;
  /** stat(2) of each of NAMES in DIR (symlinks followed), 6 numbers each: [errno (0: ok), isDirectory, dev, ino, mtimeMs, ctimeMs]; throws if DIR cannot be opened. Absent in an addon built before it. */
  statEntries?(dir: string, names: readonly string[]): Float64Array;
  /** On this thread: bytes to tmp (O_NONBLOCK, 0644, truncated), then renamed to path; throws with the errno name as code. Absent in an addon built before it. */
  replaceFileSync?(path: string, tmp: string, bytes: Uint8Array): void;
  /** [state char code, pgrp, session, starttime ticks] of /proc/PID/stat, or null when there is no such process; throws (code: the errno name) when it cannot tell. Absent in an addon built before it. */
  procStat?(pid: number): [number, number, number, number] | null;
  /** A service-dir file in one thread-pool job (os/servicefile.ts): kind 0 ok (data), 1 absent, 2 too big, 3-8 not regular (directory, fifo, character device, block device, socket, other). Absent in an addon built before it. */
  readFile?(path: string | Buffer, cap: number, callback: (err: Error | null, kind: number, data: Buffer | null) => void): void;
  /** [exitCode, signal] of an exited child (one of them null), or null while it runs. */
  reap(pidfd: number): [number | null, number | null] | null;
  /** waitpid(pid, WNOHANG): [exitCode, signal] of an exited child, or null while it runs; throws ECHILD. */
  reapPid(pid: number): [number | null, number | null] | null;
  /** Reaps up to max exited children whose pids are not in owned (sorted): [reaped, blocked] (1: stopped at an owned zombie, 2: at max, 0: none left). */
  reapOrphans(owned: Int32Array, max: number): [number, number];
  /** prctl(PR_SET_CHILD_SUBREAPER, 1). */
  subreaper(): void;
  /** [soft, hard] RLIMIT_NOFILE (-1: unlimited); raise: soft set to hard first. */
  nofile(raise?: boolean): [number, number];
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

let loaded: Sys | undefined;

/** Where an addon may sit, relative to a directory above this file: a `make` build, a node-gyp build, a shipped prebuilt binary. */
const CANDIDATES = [
  join('build', 'svkit_sys.node'),
  join('build', 'Release', 'svkit_sys.node'),
  join('prebuilds', `${process.platform}-${process.arch}`, 'svkit_sys.node'),
];

/**
 * What to do when there is no addon: the one hint every program gives (docs/install.md). npm 11 runs
 * an install script it has no allowScripts entry for only with a warning, and not at all under
 * strict-allow-scripts; --allow-scripts=svkit lets the rebuild run in either case.
 */
export const ADDON_HINT = 'install python3, make and a C compiler (apt-get install python3 make g++), then run make in a checkout or npm rebuild -g --allow-scripts=svkit svkit';

/** Finds the addon above this file: the source tree, the bundles and an installed package sit at different depths. */
function addonPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    for (const c of CANDIDATES) if (existsSync(join(dir, c))) return join(dir, c);
    const up = dirname(dir);
    if (up === dir) throw new SvkitError('temporary', `unable to find the native addon svkit_sys.node (no prebuilt one for ${process.platform}-${process.arch}): ${ADDON_HINT}`);
    dir = up;
  }
}

/** The addon, loaded on first use so that programs which need no syscall never pay for it. */
export function sys(): Sys {
  if (loaded !== undefined) return loaded;
  const path = addonPath();
  try {
    loaded = createRequire(import.meta.url)(path) as Sys;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new SvkitError('temporary', `unable to load the native addon ${path}: ${reason}: ${ADDON_HINT}`, { cause: err });
  }
  return loaded;
}

/** Loads the addon now: a long-running program calls it at start-up, so a missing addon ends it with one line, not a warning per service. */
export function requireAddon(): void {
  sys();
}
