// svlog -f: follows a log dir by inode and archive name. multilog rotates by renaming current
// (to `previous`, then an archive `@<tai64n>.s` whose names sort by time) and starting a new
// current. The follower keeps current open and remembers the newest archive it has read. On
// each wake: it reads its open file to the end; lists the archives newer than the last read;
// one with its file's inode is that file, rotated (read to its end, every byte is in it before
// the rename); any other (several rotations between two wake-ups) is read whole; then it
// opens the new current (opened before the listing, so a rotation in between is seen as an
// archive next time, never read twice). No line lost, none repeated. Woken by fs.watch on the
// directory, and once a second (a watch can miss events).
import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { linesOf } from './lines.ts';
import { isArchiveName } from './rotation.ts';

const POLL_MS = 1000;

export interface FollowHooks {
  readonly line: (line: Buffer) => void;
  /** The directory is gone: following it has ended. */
  readonly removed: () => void;
  /** A read failed, or `line` threw: following this dir has ended. */
  readonly failed: (err: unknown) => void;
}

interface Open { fh: FileHandle; ino: number }

export class LogFollower {
  private readonly dir: string;
  private readonly hooks: FollowHooks;
  private cur: Open | undefined;
  private pos: number;
  private lastArchive: string;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  /** Goes on from `at` in the open current (inode `ino`), archives after `lastArchive`. */
  constructor(dir: string, current: { fh: FileHandle; ino: number } | undefined, at: number, lastArchive: string, hooks: FollowHooks) {
    this.dir = dir;
    this.hooks = hooks;
    this.cur = current === undefined ? undefined : { fh: current.fh, ino: current.ino };
    this.pos = current === undefined ? 0 : at;
    this.lastArchive = lastArchive;
    try {
      this.watcher = watch(dir, () => this.wake());
      this.watcher.on('error', () => this.wake());
    } catch {
      // No watch (a removed dir is noticed by the poll below).
    }
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.wake();
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.busy !== undefined) {
      this.again = true;
      return;
    }
    this.busy = this.step().catch(async (err: unknown) => {
      await this.stop();
      this.hooks.failed(err);
    }).finally(() => {
      this.busy = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async step(): Promise<void> {
    if (this.cur !== undefined) this.pos = await linesOf(this.cur.fh, this.pos, this.hooks.line);
    const next = await this.openCurrent();
    // In this order: current, then `previous`, then the archives, so a file between them is seen in one of the three.
    const inPrevious = next !== undefined && (await stat(join(this.dir, 'previous')).catch(() => undefined)) !== undefined;
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => isArchiveName(n) && (n.endsWith('.s') || n.endsWith('.u')) && n > this.lastArchive).sort();
    } catch (err) {
      await next?.fh.close();
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
      await this.stop();
      return this.hooks.removed();
    }
    const old = this.cur;
    let nextArchived = false;
    for (const name of names) {
      const fh = await open(join(this.dir, name), 'r').catch(() => undefined);
      if (fh === undefined) continue; // expired meanwhile
      const ino = (await fh.stat()).ino;
      if (this.cur !== undefined && ino === this.cur.ino) {
        if (next === this.cur) nextArchived = true; // current, as we saw it, is this archive now
        await linesOf(this.cur.fh, this.pos, this.hooks.line, { flush: true });
        await this.cur.fh.close();
        this.cur = undefined;
      } else if (this.cur === undefined) {
        if (next !== undefined && ino === next.ino) nextArchived = true;
        await linesOf(fh, 0, this.hooks.line, { flush: true });
      } else {
        // Not our file's inode while it is not archived yet: a processor's output of it.
        await linesOf(this.cur.fh, this.pos, this.hooks.line, { flush: true });
        await this.cur.fh.close();
        this.cur = undefined;
      }
      await fh.close();
      this.lastArchive = name;
    }
    // A file still in `previous` (mid-rotation) comes before the new current: wait for its
    // archive (the link wakes us) rather than take current first.
    const pending = this.cur === undefined && next !== undefined && !nextArchived && inPrevious;
    if (this.cur === undefined && next !== undefined && !nextArchived && !pending) {
      this.cur = next;
      this.pos = await linesOf(next.fh, 0, this.hooks.line);
    } else if (next !== undefined && next !== this.cur && (next !== old || pending)) {
      await next.fh.close(); // a second handle of a file we hold, or one read as an archive
    }
  }

  private async openCurrent(): Promise<Open | undefined> {
    if (this.cur !== undefined) {
      // Still the same file: nothing to open.
      const st = await stat(join(this.dir, 'current')).catch(() => undefined);
      if (st !== undefined && st.ino === this.cur.ino) return this.cur;
    }
    const fh = await open(join(this.dir, 'current'), 'r').catch(() => undefined);
    return fh === undefined ? undefined : { fh, ino: (await fh.stat()).ino };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watcher?.close();
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.cur?.fh.close().catch(() => {});
    this.cur = undefined;
  }
}
