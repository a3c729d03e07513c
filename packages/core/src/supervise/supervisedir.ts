// Taking a service's supervise/ directory as daemontools' supervise does: mkdir, the flock on
// lock; the control FIFO with our own writer; the ok FIFO whose reader means "running".
import { closeSync, mkdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isErrno } from '../formats/errno.ts';
import { SvkitError, unable } from '../formats/errors.ts';
import { ensureFifo, openFifoReader, openFifoWriter, tryLock } from '../os/fifo.ts';
import { SERVICE } from '../formats/servicedir.ts';

export interface ControlFifo {
  readonly read: number;
  /** Our own writer: the reader never sees EOF when svc closes its end. */
  readonly write: number;
}

function makeDir(cwd: string, dir: string): void {
  const path = join(cwd, SERVICE.superviseDir);
  try {
    mkdirSync(path, 0o700);
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw unable(`mkdir ${dir}/supervise`, err);
    // A dangling symlink gets its target created, as in Debian's supervise.
    try {
      mkdirSync(resolve(cwd, readlinkSync(path)), 0o700);
    } catch {
      // not a link, or its target exists
    }
  }
}

/** Makes and locks supervise/ of service dir (cwd: its absolute path); throws SvkitError. */
export function lockSuperviseDir(cwd: string, dir: string): number {
  makeDir(cwd, dir);
  let lock: number | 'busy';
  try {
    lock = tryLock(join(cwd, SERVICE.lock));
  } catch (err) {
    throw unable(`acquire ${dir}/supervise/lock`, err);
  }
  if (lock === 'busy') throw new SvkitError('temporary', `unable to acquire ${dir}/supervise/lock: temporary failure`);
  return lock;
}

/** Creates and opens supervise/control, read end and our own write end. */
export function openControl(cwd: string): ControlFifo {
  const path = join(cwd, SERVICE.control);
  ensureFifo(path);
  const read = openFifoReader(path);
  try {
    return { read, write: openFifoWriter(path) };
  } catch (err) {
    closeSync(read);
    throw err;
  }
}

/** Creates and opens supervise/ok for reading: from now on svok says "running". */
export function openOk(cwd: string): number {
  const path = join(cwd, SERVICE.ok);
  ensureFifo(path);
  return openFifoReader(path);
}
