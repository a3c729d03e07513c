// The events file of one service: S/supervise/events, one ServiceEvent per line (NDJSON),
// appended off the main thread. Events wait in a bounded queue and leave in batches: one
// append (one short-lived descriptor taken through the fd queue, so the scan's descriptor
// budget is unchanged) carries every event queued meanwhile, so a restart costs one write at
// most. Past 64 KiB the file is renamed to events.1 and a fresh one started (readers: feed.ts).
import { rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoText, isErrno } from '../formats/errno.ts';
import { queuedFdOp } from '../os/fdqueue.ts';
import { appendOwnFile } from '../os/ownfile.ts';
import type { EventSink, ServiceEvent } from './event.ts';

export const EVENTS_FILE = 'events';
export const EVENTS_OLD = 'events.1';
/** The events file is rotated before it would pass this size. */
export const EVENTS_MAX = 64 * 1024;
/** Events waiting for the disk; beyond this they are counted and dropped. */
export const JOURNAL_QUEUE = 512;

export class EventJournal {
  private readonly path: string;
  private queue: string[] = [];
  private writing: Promise<void> | undefined;
  private size: number | undefined;
  /** Events dropped because the queue was full (the first drop warns). */
  dropped = 0;

  /** superviseDir: the absolute path of S/supervise; warn: the supervisor's rate-limited warner. */
  private readonly superviseDir: string;
  private readonly label: string;
  private readonly warn: (m: string) => void;

  constructor(superviseDir: string, label: string, warn: (m: string) => void) {
    this.superviseDir = superviseDir;
    this.label = label;
    this.warn = warn;
    this.path = join(superviseDir, EVENTS_FILE);
  }

  /** Queues one event; never blocks, never throws. */
  push(event: ServiceEvent): void {
    if (this.queue.length >= JOURNAL_QUEUE) {
      if (this.dropped++ === 0) this.warn(`unable to write ${this.label}/supervise/events: queue full, dropping events`);
      return;
    }
    this.queue.push(JSON.stringify(event) + '\n');
    this.writing ??= new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
  }

  /** Resolves once every event queued so far is written (or given up on). */
  async flushed(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      try {
        // The batch is taken once a slot is free: events that come while it waits (a service's
        // stop and then its exit, as svscan stops) leave in the same append.
        await queuedFdOp(() => {
          const batch = this.queue.join('');
          this.queue = [];
          return this.append(batch);
        });
      } catch (err) {
        // A service dir being removed, a full disk: the batch is lost, supervision is not.
        if (!isErrno(err, 'ENOENT')) this.warn(`unable to write ${this.label}/supervise/events: ${errnoText(err)}`);
        this.size = undefined;
      }
    }
    this.writing = undefined;
  }

  private async append(batch: string): Promise<void> {
    const bytes = Buffer.byteLength(batch);
    this.size ??= await stat(this.path).then((s) => s.size, (err: unknown) => { if (isErrno(err, 'ENOENT')) return 0; throw err; });
    if (this.size > 0 && this.size + bytes > EVENTS_MAX) {
      await rename(this.path, join(this.superviseDir, EVENTS_OLD));
      this.size = 0;
    }
    // One job: opened non-blocking and written only if a regular file (a FIFO put here must
    // not hang a thread-pool thread, EINVAL for anything else).
    this.size = await appendOwnFile(this.path, batch);
  }
}

/** The supervisor's sink: every event goes to the events file of superviseDir, then to next. */
export function journaled(next: EventSink | undefined, superviseDir: string, label: string, warn: (m: string) => void): EventSink {
  const journal = new EventJournal(superviseDir, label, warn);
  return (event) => {
    journal.push(event);
    next?.(event);
  };
}
