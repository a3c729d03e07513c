// A service's log written in-process from its FIFO, losing nothing if this process is killed:
// bytes are copied out of the pipe with tee(2), written to the log, and only then consumed.
// A kill at any moment leaves every unwritten byte in the pipe for the next svscan; the only
// cost is that a kill in the few microseconds between a write and its consume repeats that
// chunk's lines once.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { errnoText, isErrno } from '../formats/errno.ts';
import { openLog, type Log, type LogOptions } from '../log/engine.ts';
import type { Poller } from '../os/poller.ts';
import { sys } from '../os/sys.ts';

/** Default capacity of a Linux pipe: a full pipe without a newline is fed as it is. */
const CHUNK = 65536;
/** Only part of a line is waiting: look again after this long, not in a busy loop. */
const PARTIAL_RETRY_MS = 20;
/** Chunks taken from one pipe per wake-up, so one chatty service cannot starve the others. */
const CHUNKS_PER_TURN = 16;
const NL = 0x0a;

export interface PipeLogOptions {
  readonly cwd: string;
  readonly poller: Poller;
  readonly onWarning: (message: string) => void;
}

export class PipeLog {
  private readonly fd: number;
  private readonly scratch: [number, number];
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private readonly log: Log;
  private readonly poller: Poller;
  private readonly onWarning: (message: string) => void;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  /** Opens the log (throws SvkitError for a bad script or a held lock) and starts reading fifo. */
  constructor(fifo: string, script: readonly string[], opts: PipeLogOptions) {
    this.poller = opts.poller;
    this.onWarning = opts.onWarning;
    const logOpts: LogOptions = { cwd: opts.cwd, onWarning: opts.onWarning, onDrain: () => this.poller.resume(this.fd) };
    this.log = openLog(script, logOpts);
    this.fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    this.scratch = sys().pipe(true);
    this.poller.add(this.fd, () => this.pump(false));
  }

  /** Writes what the pipe holds now, the unfinished last line too, then closes the log. */
  close(): void {
    if (this.closed) return;
    this.pump(true);
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.poller.remove(this.fd, true);
    for (const fd of this.scratch) closeSync(fd);
    this.log.close();
  }

  /** Moves chunks from the pipe into the log; `all`: until empty, partial lines included. */
  private pump(all: boolean): void {
    if (this.closed) return;
    try {
      for (let turn = 0; all || turn < CHUNKS_PER_TURN; turn++) {
        if (this.log.paused && !all) return this.poller.suspend(this.fd);
        const n = sys().tee(this.fd, this.scratch[1], CHUNK);
        if (n <= 0) return; // empty (-1) or no writer left (0)
        this.readExactly(this.scratch[0], n);
        const lastNl = this.buf.lastIndexOf(NL, n - 1);
        if (lastNl < 0 && n < CHUNK && !all) return this.waitForLineEnd();
        const len = all || lastNl < 0 ? n : lastNl + 1;
        this.log.feed(this.buf.subarray(0, len));
        this.readExactly(this.fd, len); // consume: only now are these bytes safe on disk
      }
    } catch (err) {
      this.onWarning(`unable to read log pipe, pausing: ${errnoText(err)}`);
      this.waitForLineEnd();
    }
  }

  private waitForLineEnd(): void {
    this.poller.suspend(this.fd);
    this.retry ??= setTimeout(() => {
      this.retry = undefined;
      this.poller.resume(this.fd);
    }, PARTIAL_RETRY_MS);
  }

  /** Reads exactly n bytes into buf (they are known to be in the pipe). */
  private readExactly(fd: number, n: number): void {
    let got = 0;
    while (got < n) {
      try {
        got += readSync(fd, this.buf, got, n - got, null);
      } catch (err) {
        if (!isErrno(err, 'EAGAIN')) throw err;
      }
    }
  }
}
