// A directory's stamp: what its stat says about its entries, for passes that look again only
// when something may have changed.
import { dirStamp, stampMtimeMs } from '../os/dirstamp.ts';

/** A directory changed this recently (ms) may change again within the same mtime (a clock tick). */
const RACY_MS = 2000;

/**
 * os/dirstamp's stamp of PATH, or undefined when it cannot be trusted to show the next change:
 * stat failed, or the directory changed so recently that a change in the same clock tick would
 * leave the same mtime.
 */
export function settledStamp(path: string): string | undefined {
  const stamp = dirStamp(path);
  return stamp === undefined || Date.now() - stampMtimeMs(stamp) < RACY_MS ? undefined : stamp;
}

/** settledStamp of a stat already taken (its own format: the two are never compared). */
export function stampOf(st: { dev: number; ino: number; mtimeMs: number; ctimeMs: number }): string | undefined {
  if (Date.now() - st.mtimeMs < RACY_MS) return undefined;
  return `${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
}

