// svlog -f: follows a log dir by inode. multilog rotates by renaming current to an archive
// (or to `previous` for a processor) and creating a new current, so the open descriptor of the
// old current is read to its end (every byte is in it before the rename), then the new current
// from 0: no line lost, none repeated. Woken by fs.watch on the directory, and once a second
// (a watch can miss events on some file systems).
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { linesOf } from './lines.ts';

const POLL_MS = 1000;

export interface FollowHooks {
  readonly line: (line: Buffer) => void;
  /** The directory is gone: following it has ended. */
  readonly removed: () => void;
  /** A read failed, or `line` threw: following this dir has ended. */
  readonly failed: (err: unknown) => void;
}

export class LogFollower {
  private readonly dir: string;
  private readonly hooks: FollowHooks;
  private fh: FileHandle | undefined;
  private ino: number;
  private pos: number;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  /** Goes on from `pos` of the current open as `fh` (inode `ino`); without one, waits for current. */
  constructor(dir: string, current: { fh: FileHandle; ino: number; size: number } | undefined, at: number, hooks: FollowHooks) {
    this.dir = dir;
    this.hooks = hooks;
    this.fh = current?.fh;
    this.ino = current?.ino ?? -1;
    this.pos = current === undefined ? 0 : at;
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
    if (this.fh !== undefined) this.pos = await linesOf(this.fh, this.pos, this.hooks.line);
    const st = await stat(join(this.dir, 'current')).catch((err: NodeJS.ErrnoException) => err);
    if (st instanceof Error) {
      // Between a rename and the new current, or the directory itself removed.
      const gone = await stat(this.dir).then((d) => !d.isDirectory(), () => true);
      if (gone) {
        await this.stop();
        this.hooks.removed();
      }
      return;
    }
    if (st.ino === this.ino) return;
    // Rotated: the old current is complete; read what is left in it, then the new one from 0.
    if (this.fh !== undefined) {
      this.pos = await linesOf(this.fh, this.pos, this.hooks.line, { flush: true });
      await this.fh.close();
    }
    this.fh = await open(join(this.dir, 'current'), 'r').catch(() => undefined);
    this.ino = this.fh === undefined ? -1 : (await this.fh.stat()).ino;
    this.pos = 0;
    if (this.fh !== undefined) this.pos = await linesOf(this.fh, 0, this.hooks.line);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watcher?.close();
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
  }
}
