// Archiving in a log directory: naming @<tai64n>.s/.u, the link-then-unlink finish, retention.
import { linkSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../formats/errno.ts';
import { formatTai64n, nowMicros, tai64nAt } from '../formats/tai64n.ts';
import { LogFault, step } from './fault.ts';
import { expiredArchives } from './rotation.ts';

let lastMicros = 0n;

/** `@` + 24 hex digits of now, strictly later than any name given before in this process. */
export function archiveStamp(): string {
  let micros = nowMicros();
  if (micros <= lastMicros) micros = lastMicros + 1n;
  lastMicros = micros;
  return '@' + formatTai64n(tai64nAt(micros));
}

/** Where a log directory lives on disk and how it is named in messages. */
export interface DirPlace {
  readonly path: string;
  readonly name: string;
}

/**
 * Archives `file` as @stamp.<suffix> and removes it. A file already linked elsewhere (a crash
 * between link and unlink) is only removed, so a retry never archives twice.
 */
export function finishFile(d: DirPlace, file: string, suffix: 's' | 'u', num: number): void {
  const from = join(d.path, file);
  let links: number;
  try {
    links = statSync(from).nlink; // sync-ok: metadata only, never waits on a FIFO
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw new LogFault(`unable to stat ${d.name}/${file}`, err);
  }
  while (links === 1) {
    const name = `${archiveStamp()}.${suffix}`;
    try {
      linkSync(from, join(d.path, name)); // sync-ok: metadata only, never waits on a FIFO
      break;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw new LogFault(`unable to link to ${d.name}/${name}`, err);
    }
  }
  removeFile(d, file);
  pruneArchives(d, num);
}

/** Unlinks a file of the directory; a missing one is fine. */
export function removeFile(d: DirPlace, file: string): void {
  try {
    unlinkSync(join(d.path, file)); // sync-ok: metadata only, never waits on a FIFO
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw new LogFault(`unable to remove ${d.name}/${file}`, err);
  }
}

/** Retention: deletes the oldest archives until at most num - 1 remain. */
export function pruneArchives(d: DirPlace, num: number): void {
  const names = step(`unable to read ${d.name}`, () => readdirSync(d.path)); // sync-ok: metadata only, never waits on a FIFO
  for (const name of expiredArchives(names, num)) removeFile(d, name);
}
