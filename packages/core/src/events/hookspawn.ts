// Starts one notify hook as run is started (os/spawn.ts): posix_spawn through the addon in a new
// session (its own process group), reaped through a pidfd and owned until then, so the PID 1
// orphan reaper never takes its status. child_process.spawn would fork the whole svscan first:
// with ~60 MB of heap that copy was most of a hook's start (docs/benchmarks.md, notify rows).
import { closeSync } from 'node:fs';
import { inheritable } from '../os/inheritable.ts';
import { Socket } from 'node:net';
import { spawnChild, type Spawned } from '../os/spawn.ts';
import { sys } from '../os/sys.ts';

/**
 * Runs FILE with ARGS in CWD, LINE on its stdin, its stdout and stderr on fd STDERR.
 *
 * stdin is a pipe made blocking at both ends (a hook's `read` must not meet EAGAIN). The line is
 * written before the hook exists, through a net.Socket on the write end: libuv makes that end
 * (its own open file description, not the hook's) non-blocking and tries the write at once. One
 * event's JSON is far below PIPE_BUF (4096), and a write of at most PIPE_BUF bytes into an empty
 * pipe, which holds at least one page even when the user's pipe quota is spent, is taken whole by
 * that first write: nothing stays in svscan, and a hook that never reads blocks nothing. No EPIPE
 * either, as we hold the read end then. A longer line (a service dir with a huge path) gets what
 * fits and libuv writes the rest when the hook reads; EAGAIN is its business, and EPIPE (the hook
 * gone without reading) is ignored. The socket closes the write end once written, so the hook
 * sees end of file after the line.
 */
export function spawnHook(file: string, args: readonly string[], cwd: string, line: string, stderr: number): Spawned {
  let readFd: number;
  let writeFd: number;
  try {
    [readFd, writeFd] = sys().pipe(false);
  } catch (error) {
    return { pid: undefined, ended: Promise.resolve({ code: null, signal: null, error }) };
  }
  const stdin = new Socket({ fd: writeFd, readable: false, writable: true });
  stdin.on('error', () => {});
  stdin.end(line);
  // Blocking, as run's (os/inheritable.ts): a hook writing faster than the log reads must not meet EAGAIN.
  const out = inheritable(stderr);
  const child = spawnChild(file, args, { cwd, env: process.env, stdio: [readFd, out, out] });
  closeSync(readFd); // sync-ok: our own descriptor; the hook has its copy
  return child;
}
