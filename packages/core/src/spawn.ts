// The one place children are started, with the options a supervisor needs.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

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
 * whole group and the service outlives a crash of its supervisor.
 *
 * node:child_process rather than execa: svscan holds one child per service for its whole
 * life, and execa's per-child machinery (result promise, stream plumbing, cleanup hooks) cost
 * ~40 KiB and ~0.5 ms per child here, against a budget of 100 KiB per service; with stdio
 * given as fds and no output captured, execa had nothing to add (docs/benchmarks.md).
 */
export function spawnChild(file: string, args: readonly string[], opts: SpawnOptions): Spawned {
  const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: [...opts.stdio], detached: true });
  const ended = new Promise<ChildEnd>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, sig) => resolve({ code, signal: sig === null ? null : constants.signals[sig] }));
  });
  return { pid: child.pid, ended };
}
