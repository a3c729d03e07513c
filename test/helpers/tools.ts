// Running svkit's real programs (bin/<tool>) from tests, and the real peers when installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { DEADLINE_MS } from './sandbox.ts';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const BIN = join(ROOT, 'bin');

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/<tool> (or an absolute program) to completion and captures everything. */
export async function runTool(tool: string, args: readonly string[], opts: { cwd?: string; input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  const file = tool.startsWith('/') ? tool : join(BIN, tool);
  const r = await execa(file, [...args], {
    cwd: opts.cwd ?? process.cwd(),
    env: (opts.env ?? process.env) as Record<string, string>,
    extendEnv: false,
    input: opts.input ?? '',
    reject: false,
    stripFinalNewline: false,
    timeout: opts.timeoutMs ?? DEADLINE_MS,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
  });
  return { code: r.exitCode ?? null, signal: (r.signal ?? null) as NodeJS.Signals | null, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Synchronous variant for quick one-shot commands. */
export function runSync(file: string, args: readonly string[], cwd?: string): RunResult {
  const r = spawnSync(file.startsWith('/') ? file : join(BIN, file), args, { cwd, encoding: 'utf8', timeout: DEADLINE_MS });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Path of a real peer program (daemontools, runit, s6), or undefined when not installed. */
export function peer(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin']) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Whether the interop suites can run. With CI=true a missing peer is a failure, not a skip:
 * returns a skip reason for node:test, or false to run.
 */
export function needPeers(...names: string[]): string | false {
  const missing = names.filter((n) => peer(n) === undefined);
  if (missing.length === 0) return false;
  if (process.env['CI'] === 'true') throw new Error(`CI: real peer programs missing: ${missing.join(' ')}`);
  return `real ${missing.join(', ')} not installed (apt-get install daemontools runit s6)`;
}

/** Starts a long-running program in the background, in its own process group (for reaping). */
export function startBackground(tool: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdio?: ('ignore' | 'pipe' | 'inherit' | number)[] } = {}): ChildProcess {
  const file = tool.startsWith('/') ? tool : join(BIN, tool);
  return spawn(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'], detached: true });
}
