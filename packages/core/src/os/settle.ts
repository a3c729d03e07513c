// A run's first moments. The own files that describe a run just started (stat, pid, health)
// wait this long before they are written, or until anything else changes: a run that dies at
// once, as in a crash loop, then costs one write of each (its end), not two, and stat and pid,
// down before and down after, none. supervise/status, the protocol, is never held back.
// Replacing a file (a new inode, the old one freed) is most of what a restart costs the kernel.
export const START_SETTLE_MS = 50;

export class SettleWait {
  private end: (() => void) | undefined;

  /** Resolves after START_SETTLE_MS, or at once when now() is called (an earlier wait ends now). */
  begin(): Promise<void> {
    this.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.now(), START_SETTLE_MS);
      this.end = () => {
        clearTimeout(timer);
        this.end = undefined;
        resolve();
      };
    });
  }

  /** Ends the wait under way, if any. */
  now(): void {
    this.end?.();
  }
}
