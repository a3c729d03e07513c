// FIFOs and flock-style locks, the two primitives supervise/ is made of.
import { closeSync, constants, fstatSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { isErrno } from '../formats/errno.ts';
import { LOCK_EX, LOCK_NB, sys } from './sys.ts';

const { O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK, O_APPEND, O_CREAT, O_NOFOLLOW } = constants;

/** Creates a FIFO unless one exists; a non-FIFO in the way is replaced. */
export function ensureFifo(path: string, mode = 0o600): void {
  try {
    if (lstatSync(path).isFIFO()) return;
    unlinkSync(path);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  try {
    sys().mkfifo(path, mode);
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
}

/** Opens a FIFO for reading without blocking (the reader end a supervisor keeps). */
export function openFifoReader(path: string): number {
  return openSync(path, O_RDONLY | O_NONBLOCK);
}

/** Opens a FIFO for writing without blocking: ENXIO when nobody reads it. */
export function openFifoWriter(path: string): number {
  return openSync(path, O_WRONLY | O_NONBLOCK);
}

/** Opens a FIFO read-write: never blocks, never ENXIO, and the holder counts as reader and writer. */
export function openFifoBoth(path: string): number {
  return openSync(path, O_RDWR | O_NONBLOCK);
}

/**
 * Takes an exclusive flock on path (created 0600), as daemontools and runit do, so they and
 * svkit exclude each other. Returns the fd holding the lock, or 'busy' when another holds it.
 */
export function tryLock(path: string): number | 'busy' {
  const fd = openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK, 0o600);
  try {
    sys().flock(fd, LOCK_EX | LOCK_NB);
    return fd;
  } catch (err) {
    closeSync(fd);
    if (isErrno(err, 'EAGAIN') || isErrno(err, 'EWOULDBLOCK')) return 'busy';
    throw err;
  }
}

/**
 * Writes CHUNKS (each at most PIPE_BUF bytes, so each write is whole or nothing) into the FIFO
 * at PATH through a descriptor of its own, opened non-blocking: a full pipe (its reader stalled)
 * drops chunks instead of waiting, and the descriptors others write through keep their flags.
 * Returns the bytes dropped. Throws when PATH cannot be opened (ENXIO: nobody reads it), or
 * EINVAL when it is not a FIFO.
 */
export function writeFifoNow(path: string, chunks: readonly Buffer[]): number {
  const fd = openSync(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW);
  let dropped = 0;
  try {
    if (!fstatSync(fd).isFIFO()) throw Object.assign(new Error(`EINVAL: not a FIFO, open '${path}'`), { code: 'EINVAL' });
    for (const chunk of chunks) {
      try {
        writeSync(fd, chunk);
      } catch (err) {
        if (!isErrno(err, 'EAGAIN')) throw err;
        dropped += chunk.length;
      }
    }
  } finally {
    closeSync(fd);
  }
  return dropped;
}
