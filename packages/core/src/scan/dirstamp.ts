// A directory's stamp: what its stat says about its entries, for passes that look again only
// when something may have changed.
import { statSync } from 'node:fs';

/** A directory changed this recently (ms) may change again within the same mtime (a clock tick). */
const RACY_MS = 2000;

/**
 * What a directory's stat says about its entries: a new, removed or renamed entry changes its
 * mtime. Undefined when the directory cannot be trusted to show the next change: stat failed,
 * or it changed so recently that a change in the same clock tick would leave the same mtime.
 */
export function dirStamp(path: string): string | undefined {
  let st;
  try {
    st = statSync(path); // sync-ok: a stat never waits on a FIFO
  } catch {
    return undefined;
  }
  return stampOf(st);
}

/** dirStamp of a stat already taken. */
export function stampOf(st: { dev: number; ino: number; mtimeMs: number; ctimeMs: number }): string | undefined {
  if (Date.now() - st.mtimeMs < RACY_MS) return undefined;
  return `${st.dev}:${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
}

