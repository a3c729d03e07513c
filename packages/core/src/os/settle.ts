// A run's first moments. The own files that describe a run just started (stat, pid, health)
// wait a moment before they are written, or until anything else changes: a run that dies at
// once, as in a crash loop, then costs one write of each (its end), not two, and stat and pid,
// down before and down after, none. supervise/status, the protocol, is never held back.
// Replacing a file (a new inode, the old one freed) is most of what a restart costs the kernel.
export const START_SETTLE_MS = 50;
/** Waits begun within this much of each other end at one timer (so a wait lasts 25 to 50 ms). */
const BATCH_MS = 25;

/** The waits that end at one timer: every start of a crash-looping scan shares a few. */
interface Batch {
  readonly begun: number;
  readonly ends: Set<() => void>;
}
let open: Batch | undefined;

function batchNow(): Batch {
  const t = performance.now();
  if (open !== undefined && t - open.begun < BATCH_MS) return open;
  const batch: Batch = { begun: t, ends: new Set() };
  open = batch;
  setTimeout(() => {
    if (open === batch) open = undefined;
    for (const end of batch.ends) end();
  }, START_SETTLE_MS);
  return batch;
}

export class SettleWait {
  private end: (() => void) | undefined;

  /** Resolves after 25 to 50 ms, or at once when now() is called (an earlier wait ends now). */
  begin(): Promise<void> {
    this.now();
    return new Promise((resolve) => {
      const batch = batchNow();
      const end = (): void => {
        batch.ends.delete(end);
        if (this.end === end) this.end = undefined;
        resolve();
      };
      batch.ends.add(end);
      this.end = end;
    });
  }

  /** Ends the wait under way, if any. */
  now(): void {
    this.end?.();
  }
}
