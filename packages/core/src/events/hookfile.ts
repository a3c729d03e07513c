// A notify hook's file as each event finds it, without a thread-pool job per event for a hook
// that is not there. A hook can only appear by a change of its directory's entries (create,
// rename, link), which sets the directory's mtime: so once the hook is found absent, the events
// that follow cost one stat of the directory (on the main thread, a few microseconds) while its
// dev, ino and mtime are what they were. Only absence is remembered: a hook that is there is
// looked at afresh (a chmod does not touch the directory).
import { type Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isErrno } from '../formats/errno.ts';
import { queuedFdOp } from '../os/fdqueue.ts';
import { dirStamp } from '../os/dirstamp.ts';

/**
 * Racy timestamps, as git has them: an entry added in the same tick of the file system's clock
 * as the directory's last change leaves its mtime unchanged. So an absence is remembered only
 * when the directory's last change is older than this (whole-second mtimes: a file system that
 * keeps seconds, or FAT's two, gets its own granularity on top); else the next event looks again.
 */
const SETTLED_MS = 1000;
const COARSE_SETTLED_MS = 2000;

/** A look-up not yet begun (its answer will be as fresh as a new one), or under way. */
interface Flight {
  begun: boolean;
  readonly wanted: (() => boolean)[];
  answer: Promise<Stats | null | undefined>;
}

export class HookFile {
  readonly path: string;
  private readonly dir: string;
  /** The directory's stamp (os/dirstamp.ts) when the hook was last found absent (and the directory settled). */
  private absentIn: string | undefined;
  private flight: Flight | undefined;
  /** The look-up once the directory has settled. */
  private again: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(path: string) {
    this.path = path;
    this.dir = dirname(path);
  }

  /**
   * The hook as it is now: its stat (a symlink followed), null when there is no such entry,
   * undefined when it is not there to run (a dangling symlink, a loop, a directory we may not
   * search). Known absent (its directory unchanged): null without a thread-pool job. WANTED:
   * whether the caller still wants the answer when the look-up's turn comes (a service let go
   * meanwhile does not); when no caller does, it is not made (undefined).
   */
  async look(wanted: () => boolean = () => true): Promise<Stats | null | undefined> {
    const at = Date.now();
    // One stat(2) of the hook's directory itself (the service or scan dir), which opens nothing.
    const dir = dirStamp(this.dir);
    if (dir !== undefined && dir === this.absentIn) return null;
    this.absentIn = undefined;
    const st = await this.lookOnce(wanted);
    if (st !== null || dir === undefined) return st;
    // The directory was looked at before the hook: unchanged since, the hook is still absent.
    const wait = settledIn(dir, at);
    if (wait <= 0) this.absentIn = dir;
    // Too recent to tell: looked at once more when it can be told, so the next event costs
    // nothing. (An mtime further ahead, a clock stepped back: each event looks, as it did.)
    else if (wait <= COARSE_SETTLED_MS && this.again === undefined && !this.closed) {
      this.again = setTimeout(() => { this.again = undefined; void this.look(() => !this.closed); }, wait + 1).unref();
    }
    return st;
  }

  /** The hook is not looked at any more (its service is let go). */
  close(): void {
    this.closed = true;
    if (this.again !== undefined) clearTimeout(this.again);
    this.again = undefined;
  }

  /** One lstat (and a stat for a symlink) off the main thread, shared by callers that come before it begins. */
  private lookOnce(wanted: () => boolean): Promise<Stats | null | undefined> {
    if (this.flight !== undefined && !this.flight.begun) {
      this.flight.wanted.push(wanted);
      return this.flight.answer;
    }
    const flight: Flight = { begun: false, wanted: [wanted], answer: Promise.resolve(undefined) };
    flight.answer = queuedFdOp(async () => {
      flight.begun = true;
      if (!flight.wanted.some((w) => w())) return undefined;
      const l = await lstat(this.path).catch((err: unknown) => { if (isErrno(err, 'ENOENT')) return null; throw err; });
      return l?.isSymbolicLink() === true ? await stat(this.path) : l;
    }, true).catch(() => undefined).finally(() => { if (this.flight === flight) this.flight = undefined; });
    this.flight = flight;
    return flight.answer;
  }
}

/** How long after AT until DIR's last change is old enough for a later one to show in its mtime (<= 0: now). */
function settledIn(stamp: string, at: number): number {
  const mtimeNs = BigInt(stamp.slice(stamp.lastIndexOf(':') + 1));
  const coarse = mtimeNs % 1_000_000_000n === 0n;
  return Number(mtimeNs / 1_000_000n) + (coarse ? COARSE_SETTLED_MS : SETTLED_MS) - at;
}

/** The scan dir's hook (SCANDIR/.notify) is one file for every service of the scan dir: one HookFile each. */
const shared = new Map<string, HookFile>();
/** A process has one scan dir, or a few (tests); past this the oldest goes. */
const SHARED_MAX = 16;

export function sharedHookFile(path: string): HookFile {
  let hook = shared.get(path);
  if (hook === undefined) {
    if (shared.size >= SHARED_MAX) shared.delete(shared.keys().next().value as string);
    hook = new HookFile(path);
    shared.set(path, hook);
  }
  return hook;
}
