// The scan directory engine behind svscan: every subdirectory supervised from this process,
// new ones started as soon as scan() is called, removed ones brought down and forgotten.
import { accessSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, writeSync } from 'node:fs';
import { lstat, mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoText, isErrno } from '../formats/errno.ts';
import { escapeName } from '../formats/escape.ts';
import { unable } from '../formats/errors.ts';
import { sharedPoller } from '../os/poller.ts';
import { FdBudget } from './fdbudget.ts';
import { Journal } from './journal.ts';
import { StdoutSink } from '../log/stdoutsink.ts';
import { ScannedService } from './scanned.ts';
import { stampOf } from './dirstamp.ts';
import { statEntries } from '../os/statentries.ts';
import { bringDownVanished, presentDirs } from './vanished.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { Warner } from '../supervise/warner.ts';
import { makeEvent, type EventSink } from '../events/event.ts';
import { SCAN_LOCK, lockScanDir } from './scanlock.ts';
import { errorKind } from '../formats/errors.ts';
import { StartOrder } from './startorder.ts';
import { EssentialWatch, type EssentialEnd } from './essential.ts';

/** The safety-net rescan period; watching the directory makes most scans immediate. */
export const RESCAN_MS = 1000;
/** A new directory whose run is not yet executable gets this long before it starts anyway. */
const NEW_DIR_GRACE_MS = 1000;
const PENDING_POLL_MS = 10;
/** How long a dir may take to vanish after its files did, before "file does not exist" is said. */
const REMOVAL_GRACE_MS = 1000;
/** The warning about services left unstarted for lack of descriptors: at most this often. */
const FD_WARNING_MS = 60_000;
/** supervise/stat of a service svscan could not start for lack of descriptors (svstat shows it). */
export const FD_SHORT_STAT = 'down, svscan: too few file descriptors\n';

/**
 * Writes supervise/stat of a service that has no supervisor yet, at once, so no write of the
 * supervisor that starts later can be overtaken. Non-blocking open of a regular file only (a
 * FIFO put there gets ENXIO, not a wait); best effort, errors ignored.
 */
function writeShortStat(service: string): void {
  const tmp = join(service, SERVICE.statNew);
  let fd = -1;
  try {
    mkdirSync(join(service, SERVICE.superviseDir), { recursive: true, mode: 0o700 });
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK | constants.O_NOFOLLOW, 0o644);
    if (!fstatSync(fd).isFile()) return;
    writeSync(fd, FD_SHORT_STAT);
    renameSync(tmp, join(service, SERVICE.stat));
  } catch {
    // no reason shown: the warning still is
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

export interface ScannerOptions {
  readonly dir: string;
  readonly onWarning: (message: string) => void;
  readonly stderr?: number;
  /** Where the in-process logs' `1` action writes (default 1). */
  readonly stdout?: number;
  /** Every service's events, labelled by name (`web`, `web/log`), and the scanner's own (service ''). */
  readonly onEvent?: EventSink;
  /** An `essential` service was left down by its restart policy: the caller stops everything and exits with end.code. */
  readonly onEssential?: (name: string, end: EssentialEnd) => void;
}

/**
 * Creates supervise/ and supervise/lock of every entry (and of its log/) in parallel on libuv's
 * thread pool: file creation is what a fresh start of many services waits on, and the pass that
 * follows then finds them made. Errors are left for that pass to meet and report.
 */
async function prepareSuperviseDirs(dir: string, names: readonly string[]): Promise<void> {
  const prepare = async (service: string): Promise<void> => {
    await mkdir(join(service, SERVICE.superviseDir), { mode: 0o700 }).catch(() => {});
    await open(join(service, SERVICE.lock), 'a', 0o600).then((h) => h.close(), () => {});
  };
  await Promise.all(names.filter((n) => !n.startsWith('.')).flatMap((n) => {
    const service = join(dir, n);
    return [prepare(service), supervisedLog(join(service, SERVICE.log)).then((yes) => (yes ? prepare(join(service, SERVICE.log)) : undefined))];
  }));
}

/** S/log gets a supervise/ only when a logger process runs there: an in-process log (S/log/multilog, no S/log/run) has none. */
async function supervisedLog(logDir: string): Promise<boolean> {
  const isDir = await stat(logDir).then((st) => st.isDirectory(), () => false);
  if (!isDir) return false;
  const has = (name: string): Promise<boolean> => stat(join(logDir, name)).then(() => true, () => false);
  return (await has(SERVICE.run)) || !(await has(SERVICE.logScript));
}

/** Whether nothing is at path any more (not even a dangling link). */
function vanished(path: string): boolean {
  try {
    lstatSync(path);
    return false;
  } catch {
    return true;
  }
}

interface Entry {
  readonly service: ScannedService;
  readonly inode: string;
}

export class Scanner {
  private readonly opts: ScannerOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, number>();
  private readonly warners = new Map<string, Warner>();
  private readonly poller = sharedPoller();
  private readonly journal: Journal;
  /** svscan's stdout for every in-process log's `1` action (a warning at most once a minute each). */
  private readonly stdout: StdoutSink;
  private budget: FdBudget | undefined;
  /** Names left unstarted for lack of descriptors in the last pass; their stat says so. */
  private short = new Set<string>();
  private fdWarnedAt = -Infinity;
  /** Spent by passes whose supervisors have not opened their FIFOs yet (they do on the next turn). */
  private committed = 0;
  /** Processes of services removed while no svscan ran, being brought down. */
  private vanished: Promise<void>[] = [];
  private devNull = -1;
  private lockFd = -1;
  private timer: NodeJS.Timeout | undefined;
  private pendingTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** needs/: start order by readiness, and the reverse order of shutdown(). */
  private readonly order: StartOrder;
  /** The service directories of the last pass, by name and by "dev:ino" (needs/ links name them). */
  private present = new Set<string>();
  private byInode = new Map<string, string>();
  /** join(dir, NAME) without the join: the scan dir, normalized, and a '/'. */
  private readonly prefix: string;

  constructor(opts: ScannerOptions) {
    this.opts = opts;
    this.prefix = join(opts.dir, 'x').slice(0, -1);
    this.order = new StartOrder({
      dir: opts.dir, present: (n) => this.present.has(n), nameOf: (key) => this.byInode.get(key),
      ready: (n) => this.entries.get(n)?.service.ready ?? false, release: (n) => this.entries.get(n)?.service.release(),
      onWarning: opts.onWarning,
    });
    this.journal = new Journal(opts.dir, opts.onWarning);
    const warner = new Warner(opts.onWarning);
    this.stdout = new StdoutSink(opts.stdout ?? 1, (m) => warner.warn(m));
  }

  /** Checks the directory, supervises what is there, starts the periodic rescan. */
  async start(): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(this.opts.dir);
    } catch (err) {
      throw unable(`chdir to ${this.opts.dir}`, err);
    }
    try {
      this.lockFd = lockScanDir(this.opts.dir);
    } catch (err) {
      if (errorKind(err) !== undefined) throw err;
      // A read-only scan dir can still be scanned (supervise/ links elsewhere): without the lock.
      this.warn('', `unable to lock ${join(this.opts.dir, SCAN_LOCK)}: ${errnoText(err)}`);
    }
    this.budget = new FdBudget();
    this.devNull = openSync('/dev/null', constants.O_RDWR);
    this.bringDownVanished();
    await prepareSuperviseDirs(this.opts.dir, names);
    this.opts.onEvent?.(makeEvent('supervisor-start', '', process.pid, { dir: this.opts.dir }));
    this.scan();
    this.timer = setInterval(() => {
      this.scan();
      void this.order.recheck();
    }, RESCAN_MS);
  }

  /** One pass: start new entries, bring down vanished ones. Safe to call at any time. */
  scan(): void {
    if (this.stopped) return;
    let names: string[];
    try {
      names = readdirSync(this.opts.dir);
    } catch (err) {
      this.warn('', `unable to read ${this.opts.dir}: ${errnoText(err)}`);
      return;
    }
    const seen = new Set<string>();
    const byInode = new Map<string, string>();
    const spend = { free: Infinity, counted: false, short: new Set<string>() };
    names = names.filter((name) => !name.startsWith('.'));
    const facts = statEntries(this.opts.dir, names);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const path = this.prefix + name; // join(dir, name): a name from readdir has no '/' and is not '..'
      let inode: string;
      let stamp: string | undefined;
      try {
        // One stat for every entry through the addon; an entry it could not stat (or an addon
        // without it) is stat'ed here again, for Node's error and its message.
        const st = facts?.[i] ?? statSync(path);
        if (!st.isDirectory()) continue;
        inode = `${st.dev}:${st.ino}`;
        stamp = stampOf(st);
      } catch (err) {
        // Removed between readdir and stat: a normal removal, not a warning (a dangling
        // symlink is one: the link is still there).
        if (!(isErrno(err, 'ENOENT') && vanished(path))) this.warn(name, `unable to stat ${path}: ${errnoText(err)}`);
        continue;
      }
      seen.add(name);
      byInode.set(inode, name);
      const known = this.entries.get(name);
      if (known !== undefined && known.inode !== inode) this.remove(name);
      this.visit(name, path, inode, stamp, spend);
    }
    this.present = seen;
    this.byInode = byInode;
    this.reportShort(spend.short);
    for (const name of [...this.entries.keys()]) if (!seen.has(name)) this.remove(name);
    for (const name of [...this.pending.keys()]) if (!seen.has(name)) this.pending.delete(name);
    this.schedulePending();
  }

  /**
   * Brings every service down, lets every logger drain, then stops scanning. `drop` (a second
   * TERM) ends the wait for in-process logs that cannot be written: their lines left are dropped.
   */
  async shutdown(drop?: Promise<void>): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.pendingTimer !== undefined) clearTimeout(this.pendingTimer);
    // Reverse start order: each service goes down once the services that need it are down.
    const plan = this.order.stopPlan([...this.entries.keys()]);
    // Every service no other one needs gets its TERM first, all in one go; the status writes
    // and the rest of each stop follow (so no TERM waits on another service's bookkeeping).
    for (const [name, e] of this.entries) if ((plan.get(name) ?? []).length === 0) e.service.terminate();
    await Promise.all([...this.entries].map(([name, e]) => {
      const dependants = (plan.get(name) ?? []).map((d) => this.entries.get(d)?.service.down);
      return e.service.stop(drop, dependants.length === 0 ? undefined : Promise.all(dependants));
    }));
    this.entries.clear();
    await Promise.all(this.vanished);
    this.journal.close();
    if (this.devNull >= 0) closeSync(this.devNull);
    if (this.lockFd >= 0) closeSync(this.lockFd);
    this.lockFd = -1;
    this.opts.onEvent?.(makeEvent('supervisor-stop', '', process.pid, { dir: this.opts.dir }));
  }

  /**
   * The previous svscan's journal: processes of directories that are gone are brought down
   * (vanished.ts), records of processes that are gone are dropped; the rest wait for their
   * directory's supervisor to adopt them.
   */
  private bringDownVanished(): void {
    const records = this.journal.load();
    if (records.length === 0) return;
    let present: Set<string>;
    try {
      present = presentDirs(this.opts.dir);
    } catch {
      return; // the first pass reports an unreadable directory
    }
    const { vanished, stale } = bringDownVanished(records, present);
    for (const r of stale) this.journal.forget(r);
    for (const v of vanished) {
      const r = v.record;
      this.opts.onWarning(`bringing down ${escapeName(join(this.opts.dir, r.name))} (pid ${r.pid}): its directory was removed while svscan was not running`);
      this.vanished.push(v.down.then(() => this.journal.forget(r)));
    }
  }

  /** Whether the descriptors a service needs now are there; spends them from this pass's budget. */
  private afford(service: ScannedService, spend: { free: number; counted: boolean }): boolean {
    const cost = service.cost();
    if (cost === 0 || this.budget === undefined) return true;
    if (!spend.counted) {
      spend.free = this.budget.available() - this.committed;
      spend.counted = true;
    }
    if (cost > spend.free) return false;
    spend.free -= cost;
    // Spent until the service's descriptors are really open (its start is asynchronous).
    this.committed += cost;
    void service.settled().finally(() => { this.committed -= cost; });
    return true;
  }

  /** One warning, rate-limited, for everything left unstarted; stat of each newly short says why. */
  private reportShort(short: Set<string>): void {
    // Only where no supervisor is there to write stat itself.
    for (const name of short) if (!this.short.has(name) && !this.entries.has(name)) writeShortStat(join(this.opts.dir, name));
    this.short = short;
    if (short.size === 0) return;
    const now = Date.now();
    if (now - this.fdWarnedAt < FD_WARNING_MS) return;
    this.fdWarnedAt = now;
    const first = escapeName(join(this.opts.dir, [...short][0] ?? ''));
    const more = short.size > 1 ? ` and ${short.size - 1} more` : '';
    const budget = this.budget;
    const counts = budget === undefined ? '' : ` (limit ${budget.limit}, ${budget.open()} open)`;
    this.opts.onWarning(`unable to start ${first}${more}: too few file descriptors${counts}; trying again as they free up`);
  }

  private visit(name: string, path: string, inode: string, stamp: string | undefined, spend: { free: number; counted: boolean; short: Set<string> }): void {
    let entry = this.entries.get(name);
    if (entry === undefined) {
      if (!this.ready(name, path)) return;
      const stderr = this.opts.stderr ?? 2;
      const essential = new EssentialWatch(path, (end) => { if (!this.stopped) this.opts.onEssential?.(name, end); });
      const service = new ScannedService({
        path, name, devNull: this.devNull, stderr, poller: this.poller, registry: this.journal, onWarning: (m) => this.warn(name, m), stdout: this.stdout,
        gate: (listing) => this.order.gate(name, path, listing),
        onServiceEvent: (e) => {
          essential.event(e);
          if (e.kind === 'ready' || e.kind === 'start') this.order.changed(name);
        },
        ...(this.opts.onEvent === undefined ? {} : { onEvent: this.opts.onEvent }),
      });
      if (!this.afford(service, spend)) {
        spend.short.add(name);
        return;
      }
      entry = { service, inode };
      this.entries.set(name, entry);
    } else if (!this.afford(entry.service, spend)) {
      spend.short.add(name);
      return;
    }
    entry.service.ensure(stamp).catch(async (err: unknown) => {
      // "file does not exist" may be the dir being removed (rm -r empties it first): said only
      // if it is still there, and still this entry, a moment later.
      if (isErrno(err instanceof Error ? err.cause : undefined, 'ENOENT')) await new Promise((r) => setTimeout(r, REMOVAL_GRACE_MS).unref());
      if (this.entries.get(name) !== entry || await lstat(path).then(() => false, () => true)) return;
      this.warn(name, `unable to supervise ${path}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** A brand-new directory is started once its run is executable, or after a short grace. */
  private ready(name: string, path: string): boolean {
    try {
      accessSync(join(path, SERVICE.run), constants.X_OK);
      this.pending.delete(name);
      return true;
    } catch {
      const first = this.pending.get(name);
      if (first === undefined) {
        this.pending.set(name, Date.now());
        return false;
      }
      if (Date.now() - first < NEW_DIR_GRACE_MS) return false;
      this.pending.delete(name);
      return true; // start it anyway: its supervisor reports why run cannot start
    }
  }

  private schedulePending(): void {
    if (this.pending.size === 0 || this.pendingTimer !== undefined || this.stopped) return;
    this.pendingTimer = setTimeout(() => {
      this.pendingTimer = undefined;
      this.scan();
    }, PENDING_POLL_MS);
  }

  private remove(name: string): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    this.entries.delete(name);
    this.warners.delete(name);
    this.order.forget(name);
    void entry.service.stop();
  }

  private warn(name: string, message: string): void {
    let w = this.warners.get(name);
    if (w === undefined) {
      w = new Warner(this.opts.onWarning);
      this.warners.set(name, w);
    }
    w.warn(message);
  }
}
