// A service's log written in-process from its FIFO, losing nothing if this process is killed:
// bytes are copied out of the pipe with tee(2), fed to the log, and consumed only as far as the
// log says every line is written (Log.committed()). A full disk or a running processor leaves
// the rest in the pipe, so a kill at any moment loses nothing and repeats nothing; the only
// cost is that a kill in the few microseconds between a write and its consume repeats that
// chunk's lines once.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { errnoText, isErrno } from '../formats/errno.ts';
import { openLog, type Log, type LogOptions } from '../log/engine.ts';
import type { LogScript } from '../log/script.ts';
import type { Poller } from '../os/poller.ts';
import { sys } from '../os/sys.ts';

/** Default capacity of a Linux pipe: a full pipe without a newline is fed as it is. */
const CHUNK = 65536;
/** Only part of a line is waiting: look again after this long, not in a busy loop. */
const PARTIAL_RETRY_MS = 20;
/** Chunks taken from one pipe per wake-up, so one chatty service cannot starve the others. */
const CHUNKS_PER_TURN = 16;
/** A processor of an in-process log is killed (its process group) after this long, then retried. */
export const PROCESSOR_TIMEOUT_MS = 60_000;
/** On stop, how long a log that cannot be written is waited for before what is left is dropped. */
export const LOG_STOP_WAIT_MS = 10_000;
/** At most this often a log checks that its directories were not removed under it. */
const REVALIDATE_MS = 1000;
const NL = 0x0a;

export interface PipeLogOptions {
  readonly cwd: string;
  /** How messages name this log (S/log). */
  readonly name: string;
  readonly poller: Poller;
  readonly onWarning: (message: string) => void;
  /** Where the script's `1` action sends a line (svscan's stdout, labelled). */
  readonly onStdout?: (body: Buffer, stamp: boolean) => void;
}

export class PipeLog {
  private readonly fd: number;
  private readonly fifo: string;
  private readonly name: string;
  private readonly scratch: [number, number];
  /** The chunk fed last, starting at input offset bufStart. */
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private bufStart = 0;
  private readonly check = Buffer.allocUnsafe(CHUNK);
  private consumed = 0;
  private readonly log: Log;
  private readonly poller: Poller;
  private readonly onWarning: (message: string) => void;
  private retry: NodeJS.Timeout | undefined;
  private lastCheck = 0;
  /** Stopping: partial lines are fed too, and the pipe is read to its end. */
  private draining = false;
  private closed = false;

  /** Opens the log (throws SvkitError for a bad script or a held lock) and starts reading fifo. */
  constructor(fifo: string, script: readonly string[] | LogScript, opts: PipeLogOptions) {
    this.poller = opts.poller;
    this.onWarning = opts.onWarning;
    this.fifo = fifo;
    this.name = opts.name;
    const logOpts: LogOptions = { cwd: opts.cwd, onWarning: opts.onWarning, onDrain: () => this.drained(), processorTimeoutMs: PROCESSOR_TIMEOUT_MS, ...(opts.onStdout ? { onStdout: opts.onStdout } : {}) };
    this.log = openLog(script, logOpts);
    this.fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK); // sync-ok: O_NONBLOCK on our own FIFO
    this.scratch = sys().pipe(true);
    this.poller.add(this.fd, () => this.pump());
  }

  /**
   * The service is down: writes what the pipe holds, the unfinished last line too, then closes
   * the log. While a directory cannot be written it waits, and says so, until `drop` settles
   * or LOG_STOP_WAIT_MS pass: then the lines left are dropped and counted in a warning.
   */
  async stop(drop: Promise<void>): Promise<void> {
    if (this.closed) return;
    this.draining = true;
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), LOG_STOP_WAIT_MS);
      void drop.then(() => r(false));
    });
    let said = false;
    let dropped = false;
    for (;;) {
      if (this.pump() === 'empty') {
        this.log.end();
        if (!this.log.paused) break;
      } else if (!this.log.paused) {
        // A read error: look again shortly (never a loop of resolved promises).
        const again = new Promise<true>((r) => setTimeout(() => r(true), PARTIAL_RETRY_MS));
        if (!(await Promise.race([again, forced]))) {
          dropped = true;
          break;
        }
        continue;
      }
      if (!said) {
        said = true;
        this.onWarning(`unable to stop ${this.name} yet: waiting for ${this.log.waiting.join(', ')} (TERM again, or ${LOG_STOP_WAIT_MS / 1000} s, drops what is left)`);
      }
      if (!(await Promise.race([this.log.drained().then(() => true), forced]))) {
        dropped = true;
        break;
      }
    }
    clearTimeout(timer);
    if (dropped) {
      const lines = this.dropPipe();
      this.close(true);
      this.onWarning(`unable to finish ${this.name}: ${lines} lines dropped`);
    } else {
      this.close(false);
    }
  }

  /** Lets go at once (svscan is going away without a stop): what is not written stays in the pipe. */
  close(quiet = false): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.poller.remove(this.fd, true);
    for (const fd of this.scratch) closeSync(fd); // sync-ok: closing a descriptor we own
    this.log.close(quiet);
  }

  private drained(): void {
    if (this.closed) return;
    try {
      this.consume();
    } catch (err) {
      this.onWarning(`unable to read log pipe, pausing: ${errnoText(err)}`);
    }
    this.poller.resume(this.fd);
  }

  /** Moves chunks from the pipe into the log. 'empty': nothing left to read; 'waiting': later. */
  private pump(): 'empty' | 'waiting' {
    if (this.closed) return 'empty';
    try {
      this.consume();
      this.revalidate();
      for (let turn = 0; this.draining || turn < CHUNKS_PER_TURN; turn++) {
        if (this.log.paused) {
          this.poller.suspend(this.fd);
          return 'waiting';
        }
        const n = sys().tee(this.fd, this.scratch[1], CHUNK);
        if (n <= 0) return 'empty'; // empty (-1) or no writer left (0)
        this.readExactly(this.scratch[0], this.buf, n);
        const lastNl = this.buf.lastIndexOf(NL, n - 1);
        if (lastNl < 0 && n < CHUNK && !this.draining) {
          this.waitForLineEnd();
          return 'waiting';
        }
        const len = this.draining || lastNl < 0 ? n : lastNl + 1;
        this.bufStart = this.log.fed;
        this.log.feed(this.buf.subarray(0, len));
        this.consume();
      }
    } catch (err) {
      this.onWarning(`unable to read log pipe, pausing: ${errnoText(err)}`);
      this.waitForLineEnd();
    }
    return 'waiting';
  }

  /** Takes out of the pipe what the log has written; notices a second reader stealing bytes. */
  private consume(): void {
    const n = this.log.committed() - this.consumed;
    if (n <= 0) return;
    this.readExactly(this.fd, this.check, n);
    const from = this.consumed - this.bufStart;
    if (this.check.compare(this.buf, from, from + n, 0, n) !== 0) {
      this.onWarning(`unable to keep ${this.fifo} to ${this.name}: another process reads it, so lines are lost or garbled (read the log directory, never the FIFO)`);
    }
    this.consumed += n;
  }

  /** Recreates a directory (or current) someone removed, at most once a REVALIDATE_MS. */
  private revalidate(): void {
    const now = Date.now();
    if (this.draining || now - this.lastCheck < REVALIDATE_MS) return; // stopping: removals are expected
    this.lastCheck = now;
    try {
      for (const { dir, what } of this.log.revalidate()) {
        this.onWarning(`unable to write to ${dir}${what === 'current' ? '/current' : ''} of ${this.name}: it was removed, so it was created again`);
      }
    } catch (err) {
      this.onWarning(err instanceof Error ? err.message : String(err));
    }
  }

  /** Reads out whatever is left in the pipe and counts its lines (a last partial one counts). */
  private dropPipe(): number {
    let lines = 0;
    let last = NL;
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.check, 0, CHUNK, null); // sync-ok: O_NONBLOCK on our own FIFO
      } catch {
        break;
      }
      if (n <= 0) break;
      for (let i = this.check.indexOf(NL, 0); i !== -1 && i < n; i = this.check.indexOf(NL, i + 1)) lines++;
      last = this.check[n - 1] as number;
    }
    return last === NL ? lines : lines + 1;
  }

  private waitForLineEnd(): void {
    this.poller.suspend(this.fd);
    this.retry ??= setTimeout(() => {
      this.retry = undefined;
      this.poller.resume(this.fd);
    }, PARTIAL_RETRY_MS);
  }

  /** Reads exactly n bytes into buf (they are known to be in the pipe). */
  private readExactly(fd: number, buf: Buffer, n: number): void {
    let got = 0;
    while (got < n) {
      try {
        got += readSync(fd, buf, got, n - got, null); // sync-ok: O_NONBLOCK pipe, the bytes are there
      } catch (err) {
        if (!isErrno(err, 'EAGAIN')) throw err;
      }
    }
  }
}
