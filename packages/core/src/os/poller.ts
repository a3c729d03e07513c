// Readiness of many pipes without reading them: one poll(2) at a time on a libuv worker
// thread (net.Socket would consume the data; the in-process logger must not, see pipelog.ts).
import { closeSync, writeSync } from 'node:fs';
import { sys } from './sys.ts';

export class Poller {
  private readonly handlers = new Map<number, () => void>();
  private readonly suspended = new Set<number>();
  private readonly toClose: number[] = [];
  private wakeRead = -1;
  private wakeWrite = -1;
  private armed = false;

  /**
   * Calls onReadable whenever fd has data (or lost its writers), until remove(fd). Throws
   * (EMFILE) only before anything changed: when the wake pipe of the first wait cannot be made.
   */
  add(fd: number, onReadable: () => void): void {
    if (this.wakeRead < 0) [this.wakeRead, this.wakeWrite] = sys().pipe(true);
    this.handlers.set(fd, onReadable);
    this.changed();
  }

  /** Stops watching fd; it is closed once no poll can be looking at it. */
  remove(fd: number, close: boolean): void {
    this.handlers.delete(fd);
    this.suspended.delete(fd);
    if (close) this.toClose.push(fd);
    this.changed();
  }

  /** Leaves fd out of the wait (its reader is paused) until resume(fd). */
  suspend(fd: number): void {
    if (!this.handlers.has(fd) || this.suspended.has(fd)) return;
    this.suspended.add(fd);
    this.changed();
  }

  resume(fd: number): void {
    if (!this.suspended.delete(fd)) return;
    this.changed();
  }

  private changed(): void {
    if (this.armed) {
      writeSync(this.wakeWrite, 'w'); // ends the current wait; the callback re-arms
      return;
    }
    this.closePending();
    this.arm();
  }

  private arm(): void {
    const fds = [...this.handlers.keys()].filter((fd) => !this.suspended.has(fd));
    if (fds.length === 0) return; // nothing pending keeps the process alive
    if (this.wakeRead < 0) [this.wakeRead, this.wakeWrite] = sys().pipe(true);
    this.armed = true;
    sys().pollIn(fds, this.wakeRead, (ready) => {
      this.armed = false;
      this.closePending();
      for (const fd of ready) if (!this.suspended.has(fd)) this.handlers.get(fd)?.();
      if (!this.armed) this.arm();
    });
  }

  private closePending(): void {
    for (const fd of this.toClose.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }
}

let shared: Poller | undefined;

/** The process's one poller: every wait it runs holds one libuv worker thread. */
export function sharedPoller(): Poller {
  shared ??= new Poller();
  return shared;
}
