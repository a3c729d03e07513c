// The `1` action's destination: svscan's stdout, shared by every service's in-process log.
// stdout is often a pipe (docker logs) that may stop being read, so it is never written in a
// way that can wait: a pipe or tty is opened again through /proc/self/fd/1 (a description of
// its own, so O_NONBLOCK there changes nothing for anyone else on the pipe) and written
// non-blocking, a full pipe retried every RETRY_MS; anything else (a file, a socket) is written
// on libuv's thread pool, one write at a time. Lines queue up to STDOUT_QUEUE_MAX bytes; past
// that new lines are dropped and counted (one warning when dropping starts, one with the count
// once stdout takes lines again). Each write is at most PIPE_BUF bytes of whole lines, which a
// pipe takes atomically: a line is never split by another writer of the same pipe.
import { constants, fstatSync, openSync, write, writeSync } from 'node:fs';
import { isErrno } from '../formats/errno.ts';
import { errnoText } from '../formats/errno.ts';
import { formatTai64nLocal, tai64nAt } from '../formats/tai64n.ts';

/** Lines waiting for stdout, at most this many bytes; more is dropped. */
export const STDOUT_QUEUE_MAX = 1 << 20;
/** Linux pipes write this much atomically. */
const PIPE_BUF = 4096;
/** A full pipe is tried again this often (no poll for writability here; the timer is unref'd). */
const RETRY_MS = 50;

/** A non-blocking descriptor of our own for a pipe or tty on FD, or undefined (use FD on the pool). */
function ownNonBlocking(fd: number): number | undefined {
  try {
    const st = fstatSync(fd); // sync-ok: fstat of an open descriptor, at svscan's start
    if (!st.isFIFO() && !st.isCharacterDevice()) return undefined;
    return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK); // sync-ok: O_NONBLOCK, at start
  } catch {
    return undefined;
  }
}

export class StdoutSink {
  private readonly fd: number;
  private readonly onWarning: (message: string) => void;
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private dropped = 0;
  private closed = false;
  /** Our own O_NONBLOCK descriptor of stdout, opened at the first line. */
  private own: number | undefined | null = null;
  private retry: NodeJS.Timeout | undefined;

  constructor(fd: number, onWarning: (message: string) => void) {
    this.fd = fd;
    this.onWarning = onWarning;
  }

  /** Lines dropped so far because stdout was not read (for tests and status). */
  get drops(): number {
    return this.dropped;
  }

  /** Queues `NAME: BODY\n` (with a local-time stamp first when `stamp`); never waits. */
  line(name: string, body: Uint8Array, stamp: boolean): void {
    if (this.closed) return;
    const head = `${stamp ? `${formatTai64nLocal(tai64nAt()) ?? ''} ` : ''}${name}: `;
    const out = Buffer.allocUnsafe(Buffer.byteLength(head) + body.length + 1);
    const n = out.write(head);
    out.set(body, n);
    out[out.length - 1] = 0x0a;
    if (this.queued + out.length > STDOUT_QUEUE_MAX) {
      if (this.dropped++ === 0) this.onWarning(`unable to write to stdout: it is not read, so lines for it are dropped (they are still in the log directories)`);
      return;
    }
    this.queue.push(out);
    this.queued += out.length;
    this.pump();
  }

  /** Whole lines up to PIPE_BUF bytes (one longer line on its own). */
  private take(): Buffer {
    let len = 0;
    let k = 0;
    while (k < this.queue.length && (k === 0 || len + (this.queue[k] as Buffer).length <= PIPE_BUF)) len += (this.queue[k++] as Buffer).length;
    const parts = this.queue.splice(0, k);
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, len);
  }

  private pump(): void {
    if (this.writing || this.queue.length === 0 || this.closed) return;
    if (this.own === null) this.own = ownNonBlocking(this.fd);
    if (this.own !== undefined) return this.pumpNonBlocking(this.own);
    this.writing = true;
    const buf = this.take();
    this.send(buf, 0);
  }

  /** Writes what the pipe takes now; on EAGAIN tries again in RETRY_MS. */
  private pumpNonBlocking(fd: number): void {
    while (this.queue.length > 0) {
      const buf = this.take();
      let n = 0;
      try {
        n = writeSync(fd, buf); // sync-ok: O_NONBLOCK descriptor of our own: it never waits
      } catch (err) {
        this.queue.unshift(buf);
        if (isErrno(err, 'EAGAIN')) {
          this.writing = true;
          this.retry = setTimeout(() => { this.writing = false; this.retry = undefined; this.pump(); }, RETRY_MS).unref();
          return;
        }
        this.queue.shift();
        this.queued -= buf.length;
        this.dropped += countLines(buf, 0);
        this.onWarning(`unable to write to stdout: ${errnoText(err)}`);
        continue;
      }
      // A tty may take part of it: the rest goes first next time.
      if (n < buf.length) this.queue.unshift(buf.subarray(n));
      this.queued -= n;
      this.sayDrops();
    }
  }

  private sayDrops(): void {
    if (this.dropped === 0) return;
    this.onWarning(`unable to write to stdout for a while: ${this.dropped} lines dropped`);
    this.dropped = 0;
  }

  private send(buf: Buffer, from: number): void {
    write(this.fd, buf, from, buf.length - from, null, (err, n) => {
      if (err !== null) {
        // EPIPE, EBADF...: what was taken is lost; count it as dropped.
        this.dropped += countLines(buf, from);
        this.onWarning(`unable to write to stdout: ${errnoText(err)}`);
      } else if (from + n < buf.length) {
        return this.send(buf, from + n);
      }
      this.queued -= buf.length;
      this.writing = false;
      if (err === null) this.sayDrops();
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
  }
}

function countLines(buf: Buffer, from: number): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a, from); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}
