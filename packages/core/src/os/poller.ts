// Readiness of many pipes and pidfds without reading them (net.Socket would consume the data;
// the in-process logger must not, see pipelog.ts). Through the addon's watchFd, each fd sits in
// the main loop's own epoll, so a child's exit wakes the main thread directly; an addon built
// before watchFd runs one poll(2) at a time on a libuv worker thread instead (ThreadPoller).
import { closeSync, writeSync } from 'node:fs';
import { sys } from './sys.ts';

export interface Poller {
  /**
   * Calls onReadable whenever fd has data (or lost its writers), until remove(fd). Throws
   * (EMFILE) only before anything changed.
   */
  add(fd: number, onReadable: () => void): void;
  /** Stops watching fd; closes it (CLOSE) once nothing can be looking at it. */
  remove(fd: number, close: boolean): void;
  /** Leaves fd out of the wait (its reader is paused) until resume(fd). */
  suspend(fd: number): void;
  resume(fd: number): void;
}

/** Each fd in the main loop's epoll (addon watchFd; pausing or unwatching an fd it does not watch does nothing). */
class LoopPoller implements Poller {
  add(fd: number, onReadable: () => void): void {
    sys().watchFd!(fd, onReadable);
  }

  remove(fd: number, close: boolean): void {
    sys().unwatchFd!(fd);
    if (close) closeQuietly(fd);
  }

  suspend(fd: number): void {
    sys().pauseFd!(fd, true);
  }

  resume(fd: number): void {
    sys().pauseFd!(fd, false);
  }
}

/** One poll(2) of every fd at a time on a libuv worker thread, woken through a pipe to change the set. */
class ThreadPoller implements Poller {
  private readonly handlers = new Map<number, () => void>();
  private readonly suspended = new Set<number>();
  private readonly toClose: number[] = [];
  private wakeRead = -1;
  private wakeWrite = -1;
  private armed = false;

  add(fd: number, onReadable: () => void): void {
    if (this.wakeRead < 0) [this.wakeRead, this.wakeWrite] = sys().pipe(true);
    this.handlers.set(fd, onReadable);
    this.changed();
  }

  remove(fd: number, close: boolean): void {
    this.handlers.delete(fd);
    this.suspended.delete(fd);
    if (close) this.toClose.push(fd);
    this.changed();
  }

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
    for (const fd of this.toClose.splice(0)) closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd); // sync-ok: closing a descriptor we own
  } catch {
    // already closed
  }
}

let shared: Poller | undefined;

/** The process's one poller. */
export function sharedPoller(): Poller {
  shared ??= sys().watchFd !== undefined ? new LoopPoller() : new ThreadPoller();
  return shared;
}
