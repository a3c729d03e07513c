// The client side of supervise/control and supervise/ok (svc, svok, svstat).
import { closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, errnoText } from '../formats/errno.ts';
import { SvkitError, unable } from '../formats/errors.ts';
import { openFifoWriter } from '../os/fifo.ts';
import { SERVICE } from '../formats/servicedir.ts';

/** sent; not-running: the FIFO has no reader; missing: no supervise/control (or ok). */
export type ControlOutcome = 'sent' | 'not-running' | 'missing';

/**
 * Writes all command bytes in one write, as svc does. Other failures throw an SvkitError in
 * svc's words: "unable to control DIR: ..." (open) or "error writing commands to DIR: ..." (write).
 */
export function sendControl(dir: string, letters: string): ControlOutcome {
  let fd: number;
  try {
    fd = openFifoWriter(join(dir, SERVICE.control));
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENXIO') return 'not-running';
    if (code === 'ENOENT') return 'missing';
    throw unable(`control ${dir}`, err);
  }
  try {
    if (letters.length > 0) writeSync(fd, Buffer.from(letters, 'latin1'));
    return 'sent';
  } catch (err) {
    throw new SvkitError('temporary', `error writing commands to ${dir}: ${errnoText(err)}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

/** running: something holds supervise/ok open for reading. */
export type OkOutcome = 'running' | 'not-running' | 'missing';

/** Opens supervise/ok write-only and non-blocking, the way svok decides "is supervise running". */
export function probeOk(dir: string): OkOutcome {
  try {
    closeSync(openFifoWriter(join(dir, SERVICE.ok)));
    return 'running';
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENXIO') return 'not-running';
    if (code === 'ENOENT') return 'missing';
    throw err;
  }
}
