// Shared helpers of the health scenario tests (not a test file itself).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';

export type Health = Record<string, unknown> & { pid: number; restarts: number };

/** DIR/supervise/health parsed, or undefined while it is not there. */
export function health(dir: string): Health | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'supervise/health'), 'utf8')) as Health;
  } catch {
    return undefined;
  }
}

/** Polls supervise/health until pred holds; returns the matching record. */
export async function waitHealth(dir: string, pred: (h: Health) => boolean, label: string, ms = 20_000): Promise<Health> {
  let last: Health | undefined;
  try {
    await waitFor(() => {
      last = health(dir);
      return last !== undefined && pred(last);
    }, ms, label);
  } catch (err) {
    throw new Error(`${(err as Error).message} (last health: ${JSON.stringify(last)})`);
  }
  return last as Health;
}

/** svstat's stdout for ARGS run in CWD (exit 0 and empty stderr asserted by the caller). */
export async function svstat(cwd: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runTool('svstat', args, { cwd });
}

/** Counts the starts of a run script that appends a line to `starts` each time. */
export function starts(dir: string): number {
  try {
    return readFileSync(join(dir, 'starts'), 'utf8').split('\n').filter((l) => l !== '').length;
  } catch {
    return 0;
  }
}
