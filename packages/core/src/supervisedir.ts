// Taking a service's supervise/ directory as daemontools' supervise does: mkdir, the flock on
// lock, the control FIFO with our own writer; and the ok FIFO whose reader means "running".
import { closeSync, mkdirSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isErrno } from './errno.ts';
import { SvkitError, unable } from './errors.ts';
import { ensureFifo, openFifoReader, openFifoWriter, tryLock } from './fifo.ts';
import { SERVICE } from './servicedir.ts';

export interface SuperviseDir {
  readonly lock: number;
  readonly controlRead: number;
  /** Our own writer: the reader never sees EOF when svc closes its end. */
  readonly controlWrite: number;
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

/** Locks supervise/ of service dir (cwd: its absolute path); throws SvkitError, 111 kind. */
export function takeSuperviseDir(cwd: string, dir: string): SuperviseDir {
  makeDir(cwd, dir);
  let lock: number | 'busy';
  try {
    lock = tryLock(join(cwd, SERVICE.lock));
  } catch (err) {
    throw unable(`acquire ${dir}/supervise/lock`, err);
  }
  if (lock === 'busy') throw new SvkitError('temporary', `unable to acquire ${dir}/supervise/lock: temporary failure`);
  const fds: number[] = [lock];
  try {
    const path = join(cwd, SERVICE.control);
    ensureFifo(path);
    fds.push(openFifoReader(path));
    fds.push(openFifoWriter(path));
    return { lock, controlRead: fds[1] ?? -1, controlWrite: fds[2] ?? -1 };
  } catch (err) {
    for (const fd of fds) closeSync(fd);
    throw unable(`set up ${dir}/supervise`, err);
  }
}

/** Creates and opens supervise/ok for reading: from now on svok says "running". */
export function openOk(cwd: string): number {
  const path = join(cwd, SERVICE.ok);
  ensureFifo(path);
  return openFifoReader(path);
}
