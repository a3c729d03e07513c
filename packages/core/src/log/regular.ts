// Opening a file of a log directory, which a user controls: never blocks (a FIFO planted as
// `current`, `state` or a `=file` would hold the one thread of svscan) and only regular files.
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { isErrno } from '../formats/errno.ts';

const { O_NONBLOCK, O_NOCTTY } = constants;

/** A system-error-shaped error, so errnoText() words it like the others. */
function notRegular(path: string): Error {
  return Object.assign(new Error(`${path}: not a regular file`), { code: 'ENOTREG' });
}

/**
 * openSync with O_NONBLOCK (which does nothing to a regular file), then fstat on the descriptor:
 * anything but a regular file is closed and refused with code ENOTREG. A FIFO without a reader
 * opened for writing fails with ENXIO, which is refused the same way.
 */
export function openRegular(path: string, flags: number, mode = 0o644): number {
  let fd: number;
  try {
    fd = openSync(path, flags | O_NONBLOCK | O_NOCTTY, mode); // sync-ok: O_NONBLOCK, cannot wait on a FIFO
  } catch (err) {
    if (isErrno(err, 'ENXIO')) throw notRegular(path);
    throw err;
  }
  let regular = false;
  try {
    regular = fstatSync(fd).isFile(); // sync-ok: fstat of a descriptor we own
  } finally {
    if (!regular) closeSync(fd); // sync-ok: closing a descriptor we own
  }
  if (!regular) throw notRegular(path);
  return fd;
}
