// svscan's own stdout and stderr as its children should get them: blocking. Node leaves fds 1
// and 2 O_NONBLOCK when they are pipes or sockets (docker logs, `svscan 2>&1 | logger`), and a
// child given the same open file description meets EAGAIN as soon as it writes faster than the
// reader reads (`tr: write error: Resource temporarily unavailable`). daemontools' children
// inherit blocking descriptors; so do svkit's, from one description per stream made here once.
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { sys } from './sys.ts';

const made = new Map<number, number>();

/**
 * The descriptor to hand a child in place of FD: for svscan's own 1 and 2 a blocking one on the
 * same file, made once (a pipe gets a description of its own, reopened through /proc, so svscan's
 * stays non-blocking; a socket cannot be reopened, so O_NONBLOCK is cleared on the shared one, as
 * child_process does for its children; svscan's own messages wait on a full pipe either way).
 * Any other fd, or one that cannot be made blocking, is returned as it is.
 */
export function inheritable(fd: number): number {
  if (fd !== 1 && fd !== 2) return fd;
  let own = made.get(fd);
  if (own === undefined) {
    own = blockingOn(fd);
    made.set(fd, own);
  }
  return own;
}

function blockingOn(fd: number): number {
  let own: number | undefined;
  try {
    if (!fstatSync(fd).isFIFO()) { // sync-ok: fstat of a descriptor we hold, once
      // Node sets O_NONBLOCK on fd 1 or 2 when it first makes process.stdout/stderr (lazily): make it first.
      void (fd === 2 ? process.stderr : process.stdout);
      sys().setBlocking(fd, true);
      return fd;
    }
    // Non-blocking open: a pipe with no reader left fails at once (ENXIO) instead of waiting.
    own = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK); // sync-ok: non-blocking open of our own pipe, once
    sys().setBlocking(own, true);
    return own;
  } catch {
    if (own !== undefined) closeSync(own); // sync-ok: our own descriptor
    return fd;
  }
}
