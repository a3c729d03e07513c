// The files read before each start of run or finish, in one pass: one readdir of the service
// dir (on the thread pool) says which of them exist, and only those are read, in parallel.
// A service dir without any of them costs that one round trip per start instead of a dozen
// opens, which is most of a restart's latency and CPU. Each start lists the dir afresh, so a
// file added, removed or changed is seen at the next start, as before.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoText } from '../formats/errno.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { queuedFdOp } from '../os/fdqueue.ts';
import { dirStamp, stampMtimeMs } from '../os/dirstamp.ts';
import { EnvDirError, readEnvDir, type EnvBlock } from './envdir.ts';
import { LOG_STDERR, wantsStderrInLog } from './logstderr.ts';
import { readStartCreds, StartCredsError, type StartCreds } from './startcreds.ts';

/** The names in a service dir at one moment; undefined when it could not be listed (then every file is tried). */
export type Listing = ReadonlySet<string> | undefined;

/** Lists CWD (one descriptor, through the fd queue). Never rejects: a failure means "try every file". */
export function listServiceDir(cwd: string): Promise<Listing> {
  return queuedFdOp(() => readdir(cwd)).then((names) => new Set(names), () => undefined);
}

/**
 * A listing taken while run is alive, for the next start: with it, a restart of a plain
 * service reads nothing after the exit (no thread-pool round trip between exit and spawn).
 * It holds while the dir's stamp (device, inode, mtime) is what it was just before the listing
 * was read: adding, removing or renaming an entry changes the mtime.
 */
export interface Snapshot {
  readonly names: ReadonlySet<string>;
  /** dirStamp() of the dir just before the listing was read. */
  readonly stamp: string;
  /** The dir's mtime, ms since the epoch. */
  readonly mtimeMs: number;
  /** Date.now() once the listing was read. */
  readonly at: number;
}

/**
 * File times come from a coarse clock (a tick of up to 10 ms): an entry added in the same tick
 * as the listing could leave the mtime unchanged. A snapshot of a dir changed less than this
 * before it was read is not trusted.
 */
const SETTLED_MS = 50;

/** Stamp, then list CWD (one fd-queue slot); undefined when either fails. */
export function takeSnapshot(cwd: string): Promise<Snapshot | undefined> {
  return queuedFdOp(async () => {
    const stamp = dirStamp(cwd);
    if (stamp === undefined) return undefined;
    const names = new Set(await readdir(cwd));
    return { names, stamp, mtimeMs: stampMtimeMs(stamp), at: Date.now() };
  }).catch(() => undefined);
}

/** SNAP's names if the dir is unchanged since (one stat of the dir itself, which opens nothing); else undefined. */
export function snapshotNames(cwd: string, snap: Snapshot | undefined): ReadonlySet<string> | undefined {
  if (snap === undefined || snap.at - snap.mtimeMs < SETTLED_MS) return undefined;
  return dirStamp(cwd) === snap.stamp ? snap.names : undefined;
}

/** Whether NAME may be there: listed, or the listing failed. */
export function mayHave(listing: Listing, name: string): boolean {
  return listing === undefined || listing.has(name);
}

/** What a start needs from the service dir, or why it cannot start. */
export type StartFiles =
  | { readonly ok: true; readonly env: NodeJS.ProcessEnv | EnvBlock; readonly creds: StartCreds | undefined; readonly stderrInLog: boolean }
  /** user, rlimit/, umask or nice is bad, or the user unknown: REASON names the file. */
  | { readonly ok: false; readonly bad: 'creds'; readonly reason: string }
  /** env/ cannot be used: REASON for the warning, ERR the system error if any. */
  | { readonly ok: false; readonly bad: 'env'; readonly reason: string; readonly err: unknown };

export interface StartPassOptions {
  readonly cwd: string;
  /** The dir as messages print it. */
  readonly label: string;
  /** run's stdout is the log pipe: log-stderr is looked at. */
  readonly logged: boolean;
  /** For files that are skipped (a FIFO in env/, ...), and a log-stderr that is not a file. */
  readonly warn: (m: string) => void;
}

/** The files of a start pass (log-stderr only for a logged service); readStartCreds reads the middle four. */
const START_FILES = [SERVICE.env, 'user', 'umask', 'nice', 'rlimit'] as const;

/** A start with none of them: the supervisor's environment, nothing else to apply. */
const PLAIN: Promise<StartFiles> = Promise.resolve({ ok: true, env: process.env, creds: undefined, stderrInLog: false });

/** env/, user, rlimit/, umask, nice and log-stderr, read from what LISTING says is there. */
export function readStartFiles(o: StartPassOptions, listing: Listing): Promise<StartFiles> {
  // Nothing listed to read: the answer needs no promise chain of its own (a crash loop's restarts).
  if (listing !== undefined && !START_FILES.some((f) => listing.has(f)) && !(o.logged && listing.has(LOG_STDERR))) return PLAIN;
  return readListed(o, listing);
}

async function readListed(o: StartPassOptions, listing: Listing): Promise<StartFiles> {
  const env = mayHave(listing, SERVICE.env)
    ? readEnvDir(join(o.cwd, SERVICE.env), `${o.label}/env`, process.env, o.warn).then((e) => e ?? process.env)
    : Promise.resolve(process.env);
  const creds = readStartCreds(o.cwd, o.label, listing);
  const intoLog = o.logged && mayHave(listing, LOG_STDERR) ? wantsStderrInLog(o.cwd, o.label, o.warn) : Promise.resolve(false);
  const [e, c, stderrInLog] = await Promise.allSettled([env, creds, intoLog]);
  if (c.status === 'rejected') {
    if (c.reason instanceof StartCredsError) return { ok: false, bad: 'creds', reason: c.reason.message };
    return { ok: false, bad: 'env', reason: errnoText(c.reason), err: c.reason }; // a system error reading them: said as env/'s were
  }
  if (e.status === 'rejected') {
    const err: unknown = e.reason;
    return { ok: false, bad: 'env', reason: err instanceof EnvDirError ? err.reason : errnoText(err), err };
  }
  return { ok: true, env: e.value, creds: c.value, stderrInLog: stderrInLog.status === 'fulfilled' && stderrInLog.value };
}

/**
 * The listings of one service dir: a snapshot taken after a start of run (take()), used by
 * unchanged() and now() while the dir is unchanged.
 */
export class DirListings {
  private snapshot: Snapshot | undefined;
  /** Snapshots asked for: one that arrives after a newer was asked for is dropped. */
  private asked = 0;
  /** The last look (unchanged()) found the snapshot current. */
  private current = false;
  private readonly cwd: string;
  constructor(cwd: string) {
    this.cwd = cwd;
  }

  /**
   * Run was started: list the dir while it runs, for its end and the next start. A snapshot
   * this start found current is kept: listing again would read the same names (the mtime check
   * at each use stays what decides), and a crash loop would pay a stat and a readdir per restart.
   */
  take(): void {
    if (this.current && this.snapshot !== undefined) return;
    this.snapshot = undefined;
    this.current = false;
    const asked = ++this.asked;
    void takeSnapshot(this.cwd).then((snap) => { if (this.asked === asked) this.snapshot = snap; });
  }

  /** The snapshot's names while the dir is unchanged (no I/O but one stat); else undefined. */
  unchanged(): ReadonlySet<string> | undefined {
    const names = snapshotNames(this.cwd, this.snapshot);
    this.current = names !== undefined;
    return names;
  }

  /** The names in the dir now: the snapshot's when the dir is unchanged, else read afresh. */
  now(): Promise<Listing> {
    const names = this.unchanged();
    return names !== undefined ? Promise.resolve(names) : listServiceDir(this.cwd);
  }
}
