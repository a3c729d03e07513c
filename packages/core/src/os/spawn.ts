// The one place children are started, with the options a supervisor needs.
import { closeSync } from 'node:fs';
import { sharedPoller } from './poller.ts';
import { disownPid, ownPid } from './owned.ts';
import { sys } from './sys.ts';

/** How often a child without a pidfd is checked for its exit (waitpid WNOHANG). */
const EXIT_POLL_MS = 50;

/** How a child ended: exit code, or signal number, or a spawn error (ENOENT, EACCES...). */
export interface ChildEnd {
  readonly code: number | null;
  readonly signal: number | null;
  readonly error?: unknown;
}

export interface Spawned {
  /** undefined when the program could not be started at all. */
  readonly pid: number | undefined;
  readonly ended: Promise<ChildEnd>;
}

/** A child's environment: Node's strings, or "NAME=value" bytes (env/ names need not be UTF-8). */
export type ChildEnv = NodeJS.ProcessEnv | readonly Buffer[];

export interface SpawnOptions {
  readonly cwd: string;
  readonly env: ChildEnv;
  /** fds for the child's 0, 1, 2. */
  readonly stdio: readonly [number, number, number];
  /** More fds for the child: [source, target] (a readiness pipe on fd N, say). */
  readonly extraFds?: readonly (readonly [number, number])[];
  /** user, rlimit/, umask, nice: applied between fork and exec (the slow path; absent: posix_spawn). */
  readonly creds?: SpawnCreds;
}

/** What the addon applies in the child; rlimits are [resource, soft, hard] (-1 unlimited, hard -2 keep). */
export interface SpawnCreds {
  uid?: number;
  gid?: number;
  groups?: number[];
  limits?: (readonly [number, number, number])[];
  umask?: number;
  nice?: number;
}

/** The envp the addon takes: null for process.env itself, which is the process's own environment. */
function envp(env: NodeJS.ProcessEnv | readonly Buffer[]): readonly (string | Buffer)[] | null {
  if (Array.isArray(env)) return env as readonly Buffer[];
  // Read from C's environ directly: building the strings through process.env's accessors cost
  // a tenth of a restart's CPU in a crash loop.
  if (env === process.env && sys().environ === true) return null;
  const out: string[] = [];
  for (const [k, v] of Object.entries(env as NodeJS.ProcessEnv)) if (v !== undefined) out.push(`${k}=${v}`);
  return out;
}

/**
 * Starts file (relative to cwd) in its own session and process group, with default signal
 * dispositions (Node ignores SIGPIPE; a service must not inherit that), so stop signals can
 * reach the whole group and the service outlives a crash of its supervisor.
 *
 * posix_spawn through the addon rather than child_process or execa: Node's fork() copies the
 * page tables of a ~50 MB process, ~1.5-2 ms per start here, which alone was most of a
 * restart after a crash and of svscan's start-up with 100 services; execa on top of it added
 * ~40 KiB per child against a budget of 100 KiB per service (docs/benchmarks.md). The child is
 * reaped through a pidfd watched by the shared poller, as libuv does not know it; when no pidfd
 * can be opened (descriptors ran out), by polling waitpid, so a started child is never lost.
 */
export function spawnChild(file: string, args: readonly string[], opts: SpawnOptions): Spawned {
  let pid: number;
  try {
    pid = sys().spawn(file, [file, ...args], envp(opts.env), opts.cwd, [...opts.stdio, ...(opts.extraFds ?? []).flat()], opts.creds);
  } catch (error) {
    return { pid: undefined, ended: Promise.resolve({ code: null, signal: null, error }) };
  }
  // From here on the child exists: whatever fails, it is watched and reaped, never lost.
  // Owned until reaped, so the orphan reaper (reaper.ts) never takes its status.
  ownPid(pid);
  const ended = (watchPidfd(pid) ?? pollExit(pid)).then((end) => { disownPid(pid); return end; });
  return { pid, ended };
}

/** The child's end through a pidfd on the shared poller; undefined when no pidfd can be had (EMFILE). */
function watchPidfd(pid: number): Promise<ChildEnd> | undefined {
  let pidfd: number;
  try {
    pidfd = sys().pidfdOpen(pid);
  } catch {
    return undefined;
  }
  const poller = sharedPoller();
  let resolveEnd!: (end: ChildEnd) => void;
  const ended = new Promise<ChildEnd>((resolve) => { resolveEnd = resolve; });
  try {
    poller.add(pidfd, () => {
      const end = sys().reap(pidfd);
      if (end === null) return;
      poller.remove(pidfd, true);
      resolveEnd({ code: end[0], signal: end[1] });
    });
  } catch {
    // The poller's wake pipe could not be made (EMFILE); nothing was registered.
    closeQuietly(pidfd);
    return undefined;
  }
  return ended;
}

/** The fallback: waitpid(pid, WNOHANG) every EXIT_POLL_MS. Needs no descriptor at all. */
function pollExit(pid: number): Promise<ChildEnd> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      let end: [number | null, number | null] | null;
      try {
        end = sys().reapPid(pid);
      } catch {
        end = [null, null]; // ECHILD: reaped elsewhere; its status is unknown
      }
      if (end === null) return;
      clearInterval(timer);
      resolve({ code: end[0], signal: end[1] });
    }, EXIT_POLL_MS);
  });
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd); // sync-ok: our own descriptor
  } catch {
    // already closed
  }
}
