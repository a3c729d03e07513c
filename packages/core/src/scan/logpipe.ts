// The service -> logger pipe of a scanned service: a FIFO in S/supervise/, so it outlives
// restarts of either side and of svscan itself.
import { closeSync, constants, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../formats/errno.ts';
import { ensureFifo } from '../os/fifo.ts';
import { SERVICE } from '../formats/servicedir.ts';

export interface LogPipe {
  /**
   * Read-write end given to run and finish as stdout. Because the service itself then holds
   * a reader, it can never die of a broken pipe, even while no logger runs (svscan crashed);
   * and because svscan keeps it open, the logger never sees EOF between service restarts.
   */
  readonly serviceEnd: number;
  /** Read end given to the logger as stdin (blocking, as a logger expects). */
  readonly loggerEnd: number;
}

/** Opens (creating if needed) the FIFO of service directory cwd. Both fds are close-on-exec. */
export function openLogPipe(cwd: string): LogPipe {
  try {
    mkdirSync(join(cwd, SERVICE.superviseDir), 0o700); // sync-ok: metadata only, never waits on a FIFO
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
  const path = join(cwd, SERVICE.logPipe);
  ensureFifo(path);
  // O_RDWR first: then the blocking O_RDONLY open finds a writer and returns at once.
  const serviceEnd = openSync(path, constants.O_RDWR); // sync-ok: O_RDWR on our own FIFO (ensureFifo) never blocks; the reader open then finds a writer
  try {
    // A second reader steals and garbles lines: only the owner (svscan's user) may open it.
    fchmodSync(serviceEnd, 0o600); // sync-ok: a descriptor we own
    return { serviceEnd, loggerEnd: openSync(path, constants.O_RDONLY) }; // sync-ok: O_RDWR on our own FIFO (ensureFifo) never blocks; the reader open then finds a writer
  } catch (err) {
    closeSync(serviceEnd); // sync-ok: closing a descriptor we own
    throw err;
  }
}

export function closeLogPipe(pipe: LogPipe): void {
  for (const fd of [pipe.serviceEnd, pipe.loggerEnd]) {
    try {
      closeSync(fd); // sync-ok: closing a descriptor we own
    } catch {
      // already closed
    }
  }
}
