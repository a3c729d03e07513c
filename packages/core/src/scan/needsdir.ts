// Reads S/needs/: one entry per service S needs. Off the main thread, stats only (nothing in
// it is opened, so a FIFO there holds nothing), at most NEEDS_CAP entries read.
import { lstat, opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoText } from '../formats/errno.ts';
import { escapeName } from '../formats/escape.ts';
import { probeServiceFile } from '../os/servicefile.ts';

export const NEEDS_DIR = 'needs';
/** Entries of needs/ read at most; more is a warning and the rest is ignored. */
export const NEEDS_CAP = 256;

export interface NeedEntry {
  /** The entry's name: the needed service's name, unless it links to a directory. */
  readonly name: string;
  /** A symlink to a directory: its "dev:ino", by which the scanner finds the service it is. */
  readonly dirKey?: string;
}

/**
 * S/needs/ as entries; [] without one. Regular files and symlinks only: anything else (a
 * subdirectory, a FIFO) and a needs that is not a directory get a warning (WARN) and are
 * ignored. Throws only what says "could not look" (EMFILE...): the caller then holds the start.
 */
export async function readNeedsDir(service: string, warn: (m: string) => void): Promise<NeedEntry[]> {
  const dir = join(service, NEEDS_DIR);
  const kind = await probeServiceFile(dir);
  if (kind === 'absent') return [];
  if (kind !== 'directory') {
    warn(`unable to read ${escapeName(dir)}: not a directory; ignored`);
    return [];
  }
  const names: string[] = [];
  const handle = await opendir(dir, { bufferSize: 64 });
  try {
    for await (const d of handle) {
      if (names.length === NEEDS_CAP) {
        warn(`unable to read all of ${escapeName(dir)}: more than ${NEEDS_CAP} entries; the rest is ignored`);
        break;
      }
      names.push(d.name);
    }
  } catch (err) {
    warn(`unable to read ${escapeName(dir)}: ${errnoText(err)}`);
  } finally {
    await handle.close().catch(() => {});
  }
  const entries = await Promise.all(names.sort().map((name) => entry(dir, name, warn)));
  return entries.filter((e): e is NeedEntry => e !== undefined);
}

async function entry(dir: string, name: string, warn: (m: string) => void): Promise<NeedEntry | undefined> {
  const path = join(dir, name);
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined) return undefined; // removed meanwhile
  if (st.isFile()) return { name };
  if (!st.isSymbolicLink()) {
    warn(`unable to read ${escapeName(path)}: not a regular file or symlink; ignored`);
    return undefined;
  }
  const target = await stat(path).catch(() => undefined);
  // A link to nowhere is taken by its name: with no service of that name it is a missing need.
  if (target === undefined || !target.isDirectory()) return { name };
  return { name, dirKey: `${target.dev}:${target.ino}` };
}
