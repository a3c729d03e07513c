// Opening a log directory at start-up: create, lock, and recover after a crash (compat 7.7).
import { closeSync, constants, fchmodSync, fstatSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../formats/errno.ts';
import { SvkitError, unable } from '../formats/errors.ts';
import { tryLock } from '../os/fifo.ts';
import { finishFile, removeFile, type DirPlace } from './archive.ts';
import { LogFault, step } from './fault.ts';
import { openRegular } from './regular.ts';

const { O_WRONLY, O_APPEND, O_CREAT, O_TRUNC } = constants;
const USER_EXEC = 0o100;

export interface OpenedDir {
  readonly lockFd: number;
  readonly currentFd: number;
  /** Size of `current` when opened: rotation counts on from here. */
  readonly bytes: number;
}

/** Opens `current` for appending, mode 0644 while multilog writes it. */
export function openCurrent(d: DirPlace): number {
  return step(`unable to create ${d.name}/current`, () => {
    const fd = openRegular(join(d.path, 'current'), O_WRONLY | O_APPEND | O_CREAT, 0o600);
    fchmodSync(fd, 0o644); // sync-ok: a descriptor we own
    return fd;
  });
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path); // sync-ok: stat never waits on a FIFO
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode; // sync-ok: stat never waits on a FIFO
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** A `current` without the 0744 bit was not closed cleanly: archive the leftovers as .u (or .s). */
function recover(d: DirPlace, num: number): void {
  removeFile(d, 'state');
  removeFile(d, 'newstate');
  const processed = step(`unable to stat ${d.name}/processed`, () => modeOf(join(d.path, 'processed')));
  if (processed !== undefined && (processed & USER_EXEC) !== 0) {
    removeFile(d, 'previous');
    finishFile(d, 'processed', 's', num);
  } else {
    removeFile(d, 'processed');
    finishFile(d, 'previous', 'u', num);
  }
  finishFile(d, 'current', 'u', num);
  const fd = step(`unable to create ${d.name}/state`, () => openRegular(join(d.path, 'state'), O_WRONLY | O_CREAT | O_TRUNC, 0o644));
  closeSync(fd); // sync-ok: closing a descriptor we own
}

/** Creates (0700), locks and recovers a log directory; any failure is fatal (exit 111). */
export function openLogDir(d: DirPlace, num: number): OpenedDir {
  try {
    mkdirSync(d.path, 0o700); // sync-ok: metadata only, never waits on a FIFO
  } catch {
    // Exists, or the check below reports why not.
  }
  try {
    if (!statSync(d.path).isDirectory()) throw Object.assign(new Error('ENOTDIR'), { code: 'ENOTDIR' }); // sync-ok: metadata only, never waits on a FIFO
  } catch (err) {
    throw unable(`open directory ${d.name}`, err);
  }
  let lock: number | 'busy';
  try {
    lock = tryLock(join(d.path, 'lock'));
  } catch (err) {
    throw unable(`lock directory ${d.name}`, err);
  }
  if (lock === 'busy') throw new SvkitError('temporary', `unable to lock directory ${d.name}: temporary failure`);
  try {
    const current = step(`unable to stat ${d.name}/current`, () => statOf(join(d.path, 'current')));
    // A FIFO or device planted as current is neither archived nor opened.
    if (current !== undefined && !current.isFile()) throw new LogFault(`unable to open ${d.name}/current`, Object.assign(new Error('ENOTREG'), { code: 'ENOTREG' }));
    if (current === undefined || (current.mode & USER_EXEC) === 0) recover(d, num);
    const currentFd = openCurrent(d);
    return { lockFd: lock, currentFd, bytes: fstatSync(currentFd).size }; // sync-ok: a descriptor we own
  } catch (err) {
    closeSync(lock); // sync-ok: closing a descriptor we own
    throw err instanceof LogFault ? err.fatal() : err;
  }
}
