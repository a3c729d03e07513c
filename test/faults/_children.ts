// Shared helpers of the fault tests about svscan's children (not a test file itself):
// zombies, duplicates by marker, and "another service is still controllable".
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { waitFor } from '../helpers/sandbox.ts';
import { runTool } from '../helpers/tools.ts';
import { statusPid } from '../scenarios/_svscan.ts';

/** /proc/PID/stat fields after the command name, or undefined when gone. */
function fields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function pids(): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Zombie children of parent (exited, not reaped). */
export function zombiesOf(parent: number): number[] {
  return pids().filter((pid) => {
    const f = fields(pid);
    return f !== undefined && f[0] === 'Z' && Number(f[1]) === parent;
  });
}

/** Live processes whose command line is exactly `args` (a per-test marker, e.g. "sleep 31337"). */
export function processesRunning(args: string): number[] {
  return pids().filter((pid) => {
    const f = fields(pid);
    if (f === undefined || f[0] === 'Z' || f[0] === 'X') return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ') === args;
    } catch {
      return false;
    }
  });
}

/** A marker number unlikely to be any other process's argument. */
export function marker(): number {
  return 900_000 + Math.floor(Math.random() * 99_999);
}

/** `svc -d dir` succeeds and the status says down: the service is controllable. */
export async function svcDownActs(dir: string, label: string): Promise<void> {
  const r = await runTool('svc', ['-d', dir]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ''], `${label}: svc -d`);
  await waitFor(() => statusPid(dir) === 0, 20_000, `${label}: down after svc -d`);
}

/**
 * rm -rf of a service directory svscan is supervising: svscan may write a status file into it
 * while it brings the service down, so a pass can meet ENOTEMPTY; it is tried again until done.
 */
export async function removeDir(dir: string): Promise<void> {
  await waitFor(() => {
    rmSync(dir, { recursive: true, force: true });
    return true;
  }, 20_000, `rm -rf ${dir}`);
}
