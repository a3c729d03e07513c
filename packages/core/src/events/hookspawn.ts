// Starts one notify hook as run is started (os/spawn.ts): posix_spawn through the addon in a new
// session (its own process group), reaped through a pidfd and owned until then, so the PID 1
// orphan reaper never takes its status. child_process.spawn would fork the whole svscan first:
// with ~60 MB of heap that copy was most of a hook's start (docs/benchmarks.md, notify rows).
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
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
  const out = blockingOutput(stderr);
  const child = spawnChild(file, args, { cwd, env: process.env, stdio: [readFd, out, out] });
  closeSync(readFd); // sync-ok: our own descriptor; the hook has its copy
  if (out !== stderr) closeSync(out); // sync-ok: our own descriptor
  return child;
}

/**
 * A blocking descriptor for a hook's stdout and stderr on the file of FD (svscan's stderr). Node
 * leaves that pipe or socket O_NONBLOCK, and a hook handed the same open file description would
 * meet EAGAIN once it writes faster than the log reads (`tr: write error`). A pipe gets a
 * description of its own: reopened through /proc (non-blocking, so an open with no reader left
 * fails at once with ENXIO instead of waiting), then made blocking; svscan's stays as it is. A
 * socket (journald's stream) cannot be reopened: O_NONBLOCK is cleared on the shared one, as
 * child_process does for fds 0-2 in its children; svscan's own messages go out with writeAll
 * (tools/_cli/stderr.ts), which waits for a full pipe or socket either way.
 */
function blockingOutput(fd: number): number {
  let own: number | undefined;
  try {
    if (!fstatSync(fd).isFIFO()) { // sync-ok: fstat of a descriptor we hold
      // Node sets O_NONBLOCK on fd 2 when it first makes process.stderr (lazily): make it first.
      if (fd === 2) void process.stderr;
      sys().setBlocking(fd, true);
      return fd;
    }
    own = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK); // sync-ok: non-blocking open of our own pipe (libuv opens with O_CLOEXEC)
    sys().setBlocking(own, true);
    return own;
  } catch {
    if (own !== undefined) closeSync(own); // sync-ok: our own descriptor
    return fd;
  }
}
