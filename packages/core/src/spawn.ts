// The one place children are started: execa with the options a supervisor needs.
import { constants } from 'node:os';
import { execa } from 'execa';

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
}

/**
 * Starts file in its own session and process group (setsid), so stop signals can reach the
 * whole group and the service outlives a crash of its supervisor (no cleanup on our exit).
 */
export function spawnChild(file: string, args: readonly string[], opts: SpawnOptions): Spawned {
  const child = execa(file, [...args], {
    cwd: opts.cwd,
    env: opts.env as Readonly<Record<string, string>>,
    extendEnv: false,
    // execa's types accept only literal fd numbers; any open fd works at run time.
    stdio: [...opts.stdio] as unknown as readonly ['inherit', 'inherit', 'inherit'],
    detached: true,
    cleanup: false,
    reject: false,
    buffer: false,
    shell: false,
  });
  const ended = child.then((r): ChildEnd => {
    if (r.exitCode === undefined && r.signal === undefined) return { code: null, signal: null, error: r.cause ?? r };
    const signal = r.signal === undefined ? null : constants.signals[r.signal];
    return { code: r.exitCode ?? null, signal };
  });
  return { pid: child.pid, ended };
}
