// One log directory at run time: staged bytes and rotations run as a queue of operations that
// pauses (PAUSE_MS, then retry) on a failure, so a full disk loses nothing and never spins.
// A processor runs as an asynchronous child: the queue waits for it, the thread does not.
// (Over 250 lines: the queue, its retry, the rotation steps, the commit marks and re-creation
// all work on the same descriptors; split, they would hand every field around.)
import { chmodSync, closeSync, fchmodSync, fstatSync, fsyncSync, ftruncateSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoText } from '../formats/errno.ts';
import { finishFile, type DirPlace } from './archive.ts';
import { LogFault, step } from './fault.ts';
import { acceptProcessed, startProcessor, type ProcessorRun } from './processor.ts';
import { openCurrent, openLogDir } from './recover.ts';
import { LineMarks } from './linemarks.ts';
import { Staging } from './staging.ts';

const NL = 0x0a;

/** dev:ino of a path, undefined when it is gone. */
function inodeOf(path: string): string | undefined {
  try {
    const st = statSync(path); // sync-ok: stat never waits on a FIFO
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** Settings of a directory action (compat 7.2). */
export interface DirSettings {
  readonly size: number;
  readonly num: number;
  readonly processor: string | undefined;
}

export interface DirHooks {
  readonly warn: (m: string) => void;
  readonly resumed: () => void;
  readonly pauseMs: number;
  /** Kill a processor that runs longer than this (default: never, as 0.76). */
  readonly processorTimeoutMs?: number | undefined;
}

/** A pending write (with progress) or a rotation (with the index of its next step). */
type Op = { kind: 'write'; data: Buffer; off: number } | { kind: 'rotate'; at: number };

export class LogDir {
  readonly place: DirPlace;
  readonly staging: Staging;
  private readonly settings: DirSettings;
  private lockFd: number;
  private currentFd: number;
  /** Bytes in the file currentFd points at (to cut a failed write back to a line end). */
  private currentSize: number;
  private readonly queue: Op[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: ProcessorRun | undefined;
  private readonly hooks: DirHooks;
  /** Output bytes written so far (the staging's appended count they correspond to). */
  private written = 0;
  private readonly lines = new LineMarks();
  private dirInode: string | undefined;

  constructor(place: DirPlace, settings: DirSettings, hooks: DirHooks) {
    this.place = place;
    this.settings = settings;
    const opened = openLogDir(place, settings.num);
    this.lockFd = opened.lockFd;
    this.currentFd = opened.currentFd;
    this.currentSize = opened.bytes;
    this.dirInode = inodeOf(place.path);
    this.hooks = hooks;
    this.staging = new Staging(settings.size, opened.bytes, {
      write: (data) => this.queue.push({ kind: 'write', data, off: 0 }),
      rotate: () => this.queue.push({ kind: 'rotate', at: 0 }),
    });
  }

  /** True while a failed operation waits for its retry or a processor runs. */
  get paused(): boolean {
    return this.timer !== undefined || this.running !== undefined;
  }

  /** What this directory is waiting for, for messages. */
  get waitingFor(): string {
    return this.running !== undefined ? `its processor` : 'a retry';
  }

  /** A line of input ending at input offset `input` was staged here ending at output `output`. */
  mark(output: number, input: number): void {
    this.lines.add(output, input);
  }

  /** Input offset through which this directory holds every line (`fed` when nothing waits). */
  committed(fed: number): number {
    if (this.queue.length === 0 && !this.paused) return this.lines.settle(fed);
    return this.lines.through(this.written);
  }

  /** Lines staged here and not written yet. */
  get pendingLines(): number {
    if (this.queue.length === 0 && !this.paused) return 0;
    this.lines.through(this.written);
    return this.lines.pending;
  }

  /** Runs queued operations in order; on a failure warns once and retries after the pause. */
  drain(): void {
    if (this.paused) return;
    while (this.queue.length > 0) {
      const op = this.queue[0] as Op;
      try {
        if (op.kind === 'write') this.write(op);
        else if (this.rotate(op)) return; // a processor runs: continue when it is done
      } catch (err) {
        return this.fail(err);
      }
      this.queue.shift();
    }
    this.staging.reset();
  }

  private fail(err: unknown): void {
    const fault = err instanceof LogFault ? err : new LogFault(`unable to log to ${this.place.name}`, err);
    this.hooks.warn(fault.pausing());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.continue();
    }, this.hooks.pauseMs);
  }

  private continue(): void {
    this.drain();
    if (!this.paused) this.hooks.resumed();
  }

  private write(op: { data: Buffer; off: number }): void {
    while (op.off < op.data.length) {
      let n: number;
      try {
        n = writeSync(this.currentFd, op.data, op.off, op.data.length - op.off); // sync-ok: current is a regular file we own
      } catch (err) {
        this.cutToLineEnd(op);
        throw new LogFault(`unable to write to ${this.place.name}/current`, err);
      }
      op.off += n;
      this.written += n;
      this.currentSize += n;
    }
  }

  /**
   * A write failed (a full disk) after part of op went out: take back what follows the last
   * newline written, so `current` never ends in a truncated line; the retry writes it again.
   */
  private cutToLineEnd(op: { data: Buffer; off: number }): void {
    if (op.off === 0) return;
    const keep = op.data.lastIndexOf(NL, op.off - 1) + 1;
    const back = op.off - keep;
    if (back === 0) return;
    try {
      ftruncateSync(this.currentFd, this.currentSize - back); // sync-ok: a regular file we own
    } catch {
      return; // the partial line stays; nothing else can be done about it
    }
    op.off = keep;
    this.written -= back;
    this.currentSize -= back;
  }

  /** The rotation steps of 0.76; `at` remembers the next one so a retry resumes there. True: a processor started. */
  private rotate(op: { at: number }): boolean {
    const d = this.place;
    const { num, processor } = this.settings;
    for (;;) {
      switch (op.at) {
        case 0: step(`unable to write ${d.name}/current to disk`, () => fsyncSync(this.currentFd)); break; // sync-ok: a descriptor we own
        case 1:
          step(`unable to rename current to previous in directory ${d.name}`, () => renameSync(join(d.path, 'current'), join(d.path, 'previous'))); // sync-ok: rename never waits on contents
          closeSync(this.currentFd); // sync-ok: closing a descriptor we own
          this.currentFd = -1;
          break;
        case 2:
          this.currentFd = openCurrent(d);
          this.currentSize = 0;
          break;
        case 3: step(`unable to set mode of ${d.name}/previous`, () => chmodSync(join(d.path, 'previous'), 0o744)); break; // sync-ok: chmod never waits on contents
        case 4:
          if (processor === undefined) {
            finishFile(d, 'previous', 's', num);
            break;
          }
          this.runProcessor(op, processor);
          return true;
        case 5:
          if (processor !== undefined) acceptProcessed(d, num);
          break;
        default: return false;
      }
      op.at++;
    }
  }

  private runProcessor(op: { at: number }, processor: string): void {
    const run = startProcessor(this.place, processor, this.hooks.processorTimeoutMs);
    this.running = run;
    run.done.then(
      () => {
        if (this.running !== run) return;
        this.running = undefined;
        op.at++;
        this.continue();
      },
      (err: unknown) => {
        if (this.running !== run) return;
        this.running = undefined;
        this.fail(err);
      },
    );
  }

  /**
   * Someone removed the directory (rm -rf log/main) or its `current`: 0.76 would go on writing
   * to the deleted file. Between operations only, this starts a fresh directory (or `current`)
   * there and says which; a failure to do so is thrown (SvkitError) and retried next time.
   */
  revalidate(): 'directory' | 'current' | undefined {
    if (this.queue.length > 0 || this.paused || this.currentFd < 0) return undefined;
    // The parent went too (the whole service dir is being removed): nothing to make again.
    if (inodeOf(dirname(this.place.path)) === undefined) return undefined;
    if (inodeOf(this.place.path) !== this.dirInode) {
      // The old lock is on a file of the removed directory: no conflict with the new one.
      const opened = openLogDir(this.place, this.settings.num);
      closeSync(this.currentFd); // sync-ok: closing a descriptor we own
      closeSync(this.lockFd); // sync-ok: closing a descriptor we own
      this.lockFd = opened.lockFd;
      this.currentFd = opened.currentFd;
      this.currentSize = opened.bytes;
      this.staging.bytes = opened.bytes;
      this.dirInode = inodeOf(this.place.path);
      return 'directory';
    }
    if (fstatSync(this.currentFd).nlink > 0) return undefined; // sync-ok: fstat of a descriptor we own
    const fd = openCurrent(this.place);
    closeSync(this.currentFd); // sync-ok: closing a descriptor we own
    this.currentFd = fd;
    this.currentSize = 0;
    this.staging.bytes = 0;
    return 'current';
  }

  /**
   * Last chance for queued bytes, then fsync, mode 0744 (clean end) and the lock released.
   * What still cannot be written is dropped; returns how many lines that was (and warns unless quiet).
   */
  close(quiet = false): number {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const run = this.running;
    this.running = undefined;
    run?.kill();
    if (run === undefined) this.drain();
    let dropped = 0;
    // A rotation cut short after its rename: leave current without 0744, so the next start
    // recovers (archives previous, or a finished processed) instead of overwriting previous.
    const cutShort = this.queue.some((op) => op.kind === 'rotate' && op.at >= 2);
    if (this.queue.length > 0 || this.paused) {
      dropped = this.pendingLines;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      const r = this.running as ProcessorRun | undefined;
      this.running = undefined;
      r?.kill();
      this.queue.length = 0;
      if (!quiet) this.hooks.warn(`unable to finish ${this.place.name}: ${dropped} lines dropped`);
    }
    if (this.currentFd >= 0) {
      try {
        fsyncSync(this.currentFd); // sync-ok: a descriptor we own
        if (!cutShort) fchmodSync(this.currentFd, 0o744); // sync-ok: a descriptor we own
      } catch (err) {
        this.hooks.warn(`unable to write ${this.place.name}/current to disk: ${errnoText(err)}`);
      }
      closeSync(this.currentFd); // sync-ok: closing a descriptor we own
      this.currentFd = -1;
    }
    closeSync(this.lockFd); // sync-ok: closing a descriptor we own
    return dropped;
  }
}
