// Messages in the suite's grammar, written synchronously to fd 2 so none is lost or reordered.
import { writeSync } from 'node:fs';

/** Writes all of data to fd, retrying short writes and EAGAIN on a non-blocking pipe. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EAGAIN') return;
    }
  }
}

export function warn(prog: string, message: string): void {
  writeAll(2, `${prog}: warning: ${message}\n`);
}

export function fatal(prog: string, message: string): void {
  writeAll(2, `${prog}: fatal: ${message}\n`);
}

export function usage(prog: string, synopsis: string): void {
  writeAll(2, `${prog}: usage: ${synopsis}\n`);
}
