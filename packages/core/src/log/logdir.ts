// One log directory at run time: staged bytes and rotations run as a queue of operations that
// pauses (PAUSE_MS, then retry) on a failure, so a full disk loses nothing and never spins.
import { chmodSync, closeSync, fchmodSync, fsyncSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoText } from '../formats/errno.ts';
import { finishFile, type DirPlace } from './archive.ts';
import { LogFault, step } from './fault.ts';
import { acceptProcessed, runProcessor } from './processor.ts';
import { openCurrent, openLogDir } from './recover.ts';
import { Staging } from './staging.ts';

/** Settings of a directory action (compat 7.2). */
export interface DirSettings {
  readonly size: number;
  readonly num: number;
  readonly processor: string | undefined;
}

/** A pending write (with progress) or a rotation (with the index of its next step). */
type Op = { kind: 'write'; data: Buffer; off: number } | { kind: 'rotate'; at: number };

export class LogDir {
  readonly place: DirPlace;
  readonly staging: Staging;
  private readonly settings: DirSettings;
  private readonly lockFd: number;
  private currentFd: number;
  private readonly queue: Op[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly warn: (message: string) => void;
  private readonly pauseMs: number;
  private readonly resumed: () => void;

  constructor(place: DirPlace, settings: DirSettings, hooks: { warn: (m: string) => void; resumed: () => void; pauseMs: number }) {
    this.place = place;
    this.settings = settings;
    const opened = openLogDir(place, settings.num);
    this.lockFd = opened.lockFd;
    this.currentFd = opened.currentFd;
    this.warn = hooks.warn;
    this.resumed = hooks.resumed;
    this.pauseMs = hooks.pauseMs;
    this.staging = new Staging(settings.size, opened.bytes, {
      write: (data) => this.queue.push({ kind: 'write', data, off: 0 }),
      rotate: () => this.queue.push({ kind: 'rotate', at: 0 }),
    });
  }

  /** True while a failed operation waits for its retry. */
  get paused(): boolean {
    return this.timer !== undefined;
  }

  /** Runs queued operations in order; on a failure warns once and retries after the pause. */
  drain(): void {
    if (this.timer !== undefined) return;
    while (this.queue.length > 0) {
      const op = this.queue[0] as Op;
      try {
        if (op.kind === 'write') this.write(op);
        else this.rotate(op);
      } catch (err) {
        const fault = err instanceof LogFault ? err : new LogFault(`unable to log to ${this.place.name}`, err);
        this.warn(fault.pausing());
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.drain();
          if (this.timer === undefined) this.resumed();
        }, this.pauseMs);
        return;
      }
      this.queue.shift();
    }
    this.staging.reset();
  }

  private write(op: { data: Buffer; off: number }): void {
    while (op.off < op.data.length) {
      try {
        op.off += writeSync(this.currentFd, op.data, op.off, op.data.length - op.off);
      } catch (err) {
        throw new LogFault(`unable to write to ${this.place.name}/current`, err);
      }
    }
  }

  /** The rotation steps of 0.76; `at` remembers the next one so a retry resumes there. */
  private rotate(op: { at: number }): void {
    const d = this.place;
    const { num, processor } = this.settings;
    for (;;) {
      switch (op.at) {
        case 0: step(`unable to write ${d.name}/current to disk`, () => fsyncSync(this.currentFd)); break;
        case 1:
          step(`unable to rename current to previous in directory ${d.name}`, () => renameSync(join(d.path, 'current'), join(d.path, 'previous')));
          closeSync(this.currentFd);
          this.currentFd = -1;
          break;
        case 2: this.currentFd = openCurrent(d); break;
        case 3: step(`unable to set mode of ${d.name}/previous`, () => chmodSync(join(d.path, 'previous'), 0o744)); break;
        case 4:
          if (processor === undefined) finishFile(d, 'previous', 's', num);
          else runProcessor(d, processor);
          break;
        case 5:
          if (processor !== undefined) acceptProcessed(d, num);
          break;
        default: return;
      }
      op.at++;
    }
  }

  /** Last chance for queued bytes, then fsync, mode 0744 (clean end) and the lock released. */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.drain();
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.warn(`unable to finish ${this.place.name}: ${this.queue.length} operations dropped`);
    }
    if (this.currentFd >= 0) {
      try {
        fsyncSync(this.currentFd);
        fchmodSync(this.currentFd, 0o744);
      } catch (err) {
        this.warn(`unable to write ${this.place.name}/current to disk: ${errnoText(err)}`);
      }
      closeSync(this.currentFd);
      this.currentFd = -1;
    }
    closeSync(this.lockFd);
  }
}
