// One svscan per scan directory: an flock on SCANDIR/.svscan/lock, held for svscan's life,
// with the holder's pid in the file so the second one can say who scans it.
import { ftruncateSync, mkdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SvkitError } from '../formats/errors.ts';
import { tryLock } from '../os/fifo.ts';

/** svscan's own state dir (a dot-name, so never a service); other owners add files to it. */
export const SCAN_STATE_DIR = '.svscan';
export const SCAN_LOCK = `${SCAN_STATE_DIR}/lock`;

/**
 * Takes the lock of scan dir `dir`: returns its fd. Throws SvkitError (temporary, exit 111)
 * when another process holds it, and the system error when it cannot be made at all (a
 * read-only scan dir): the caller decides whether to go on without it.
 */
export function lockScanDir(dir: string): number {
  mkdirSync(join(dir, SCAN_STATE_DIR), { recursive: true, mode: 0o755 });
  const path = join(dir, SCAN_LOCK);
  const fd = tryLock(path);
  if (fd === 'busy') {
    let pid = '';
    try {
      pid = readFileSync(path, 'latin1').trim();
    } catch {
      // unreadable: say what we know
    }
    const who = /^\d+$/.test(pid) ? `pid ${pid}` : 'another process';
    throw new SvkitError('temporary', `unable to scan ${dir}: already scanned by ${who}`);
  }
  // O_APPEND: after the truncate the pid lands at offset 0.
  ftruncateSync(fd);
  writeSync(fd, `${process.pid}\n`);
  return fd;
}
