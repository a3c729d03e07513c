// Messages in the suite's grammar, written synchronously to fd 2 so none is lost or reordered.
import { writeSync } from 'node:fs';

/** Writes all of text to fd, retrying short writes and EAGAIN on a non-blocking pipe. */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
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
