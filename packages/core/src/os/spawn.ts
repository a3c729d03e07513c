// The one place children are started, with the options a supervisor needs.
import { sharedPoller } from './poller.ts';
import { sys } from './sys.ts';

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

export interface SpawnOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** fds for the child's 0, 1, 2. */
  readonly stdio: readonly [number, number, number];
  /** More fds for the child: [source, target] (a readiness pipe on fd N, say). */
  readonly extraFds?: readonly (readonly [number, number])[];
}

function envp(env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out.push(`${k}=${v}`);
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
 * reaped through a pidfd watched by the shared poller, as libuv does not know it.
 */
export function spawnChild(file: string, args: readonly string[], opts: SpawnOptions): Spawned {
  let pid: number;
  let pidfd: number;
  try {
    pid = sys().spawn(file, [file, ...args], envp(opts.env), opts.cwd, [...opts.stdio, ...(opts.extraFds ?? []).flat()]);
    pidfd = sys().pidfdOpen(pid);
  } catch (error) {
    return { pid: undefined, ended: Promise.resolve({ code: null, signal: null, error }) };
  }
  const poller = sharedPoller();
  const ended = new Promise<ChildEnd>((resolve) => {
    poller.add(pidfd, () => {
      const end = sys().reap(pidfd);
      if (end === null) return;
      poller.remove(pidfd, true);
      resolve({ code: end[0], signal: end[1] });
    });
  });
  return { pid, ended };
}

