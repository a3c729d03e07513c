// A directory's stamp: device, inode and mtime from one stat(2) of it, which opens nothing.
// Adding, removing or renaming an entry sets the mtime, so an unchanged stamp means an unchanged
// listing, once the directory had settled when the stamp was taken (a change in the same tick
// of the file system's clock as the one before leaves the mtime as it was): callers decide how
// settled is settled enough.
import { statSync } from 'node:fs';
import { sys } from './sys.ts';

/**
 * "dev:ino:mtimeNs" of PATH, or undefined when it cannot be stat'ed. Through the addon, without
 * the BigInts and Dates of Node's Stats (two stamps per restart of a crash loop).
 */
export function dirStamp(path: string): string | undefined {
  try {
    const native = sys().dirStamp;
    if (native !== undefined) return native(path) ?? undefined;
    const st = statSync(path, { bigint: true }); // sync-ok: a stat of a directory itself, which opens nothing
    return `${st.dev}:${st.ino}:${st.mtimeNs}`;
  } catch {
    return undefined;
  }
}

/** The mtime of a dirStamp, ms since the epoch. */
export function stampMtimeMs(stamp: string): number {
  return Number(BigInt(stamp.slice(stamp.lastIndexOf(':') + 1)) / 1_000_000n);
}
