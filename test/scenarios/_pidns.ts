// Shared helpers of the PID-namespace tests: svscan as PID 1 of `unshare --pid --fork --mount-proc`.
import { readdirSync, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { type Sandbox, waitFor } from '../helpers/sandbox.ts';
import { BIN, startBackground } from '../helpers/tools.ts';

/** Why these tests cannot run here, or false: a PID namespace needs root (CI runs as root). */
export function noPidns(): string | false {
  return process.getuid?.() === 0 ? false : 'needs root for unshare --pid (CI runs as root)';
}

export interface Ps {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
}

/** Every process on the host: pid, ppid, state (R, S, Z...), command name. */
export function ps(): Ps[] {
  const out: Ps[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'latin1');
      const open = text.indexOf('(');
      const close = text.lastIndexOf(')');
      const rest = text.slice(close + 2).split(' ');
      out.push({ pid: Number(name), comm: text.slice(open + 1, close), state: rest[0] ?? '', ppid: Number(rest[1]) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export interface Pid1 {
  readonly unshare: ChildProcess;
  /** svscan's pid as the host sees it (PID 1 inside). */
  readonly pid: number;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts svscan DIR as PID 1 of a new PID namespace; resolves once it runs there. */
export async function startPid1(box: Sandbox, dir: string): Promise<Pid1> {
  const unshare = box.track(startBackground('/usr/bin/unshare', ['--pid', '--fork', '--mount-proc', join(BIN, 'svscan'), dir], { cwd: box.root }));
  let err = '';
  unshare.stderr?.on('data', (b: Buffer) => { err += b.toString(); });
  unshare.stdout?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    unshare.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let pid = 0;
  await waitFor(() => {
    // The launcher (comm "svscan") execs node (comm "node"), which then sets its title (comm
    // "svscan /tmp/..."): either of the last two is svscan running. Only "node" was matched
    // before, a window a busy machine's polls missed.
    const child = ps().find((p) => p.ppid === unshare.pid && (p.comm.startsWith('node') || p.comm.startsWith('svscan ')));
    if (child !== undefined) pid = child.pid;
    return pid !== 0;
  }, 20_000, 'svscan as PID 1');
  box.trackPid(pid);
  return { unshare, pid, stderr: () => err, exited };
}

/** svscan's zombie children: orphans (or children) no one has reaped. */
export function zombiesOf(pid: number): Ps[] {
  return ps().filter((p) => p.ppid === pid && p.state === 'Z');
}
