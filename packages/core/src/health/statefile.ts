// Writes supervise/health (health.new, then rename) off the main thread. Writes are coalesced:
// while one is in flight, later changes wait and only the newest state is written after it. The
// state of a run just started waits a moment first (os/settle.ts).
import { queuedFdOp } from '../os/fdqueue.ts';
import { SettleWait } from '../os/settle.ts';
import { replaceOwnFile } from '../os/ownfile.ts';
import { join } from 'node:path';
import { encodeHealth, type HealthState } from '../formats/healthstate.ts';

export const HEALTH_FILE = 'supervise/health';
const HEALTH_NEW = 'supervise/health.new';

export class StateFile {
  private inFlight = false;
  private pending: HealthState | undefined;
  private idle: Promise<void> = Promise.resolve();
  private settle: () => void = () => {};
  private readonly wait = new SettleWait();
  private readonly cwd: string;
  private readonly onError: (err: unknown) => void;
  constructor(cwd: string, onError: (err: unknown) => void) {
    this.cwd = cwd;
    this.onError = onError;
  }

  /** STARTED: the state of a run just started, written after a moment unless another comes first. */
  write(state: HealthState, started = false): void {
    this.pending = state;
    if (!started) this.wait.now();
    if (this.inFlight) return;
    this.inFlight = true;
    this.idle = new Promise((r) => { this.settle = r; });
    void this.drain(started ? this.wait.begin() : undefined);
  }

  /** Written now (a wait ends); resolves once nothing is left to write. */
  flushed(): Promise<void> {
    this.wait.now();
    return this.idle;
  }

  private async drain(first?: Promise<void>): Promise<void> {
    await first;
    while (this.pending !== undefined) {
      const state = this.pending;
      this.pending = undefined;
      try {
        // Non-blocking: something planted at health.new (a FIFO) fails instead of holding a thread.
        await queuedFdOp(() => replaceOwnFile(join(this.cwd, HEALTH_FILE), join(this.cwd, HEALTH_NEW), encodeHealth(state)));
      } catch (err) {
        this.onError(err);
      }
    }
    this.inFlight = false;
    this.settle();
  }
}
