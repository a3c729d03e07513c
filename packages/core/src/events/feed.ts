// The event feed: ServiceEvents of a set of service dirs as they happen, for readers outside
// the supervisor (svwatch, svhttp's SSE). Built on inotify (fs.watch) of each S/supervise/:
// nothing is read until something there changed, so an idle feed costs nothing.
//
// API:
//   const feed = openFeed(['/srv/web', { dir: '/srv/db', name: 'db' }], (event) => ..., {
//     replay: 10,            // first deliver the last 10 journaled events of each dir (default 0: start at the end)
//     onWarning: (m) => ..., // one line, no program prefix ("unable to watch web/supervise: ...")
//   });
//   await feed.ready;       // every dir is being watched (events after this are not missed)
//   feed.add(source); feed.remove(dir); feed.close();
//   const sources = await feedSources('/service');  // a scan dir's services (and their logs), or [dir] for a service dir
//   openScanFeed('/service', onEvent, opts)         // the same, following services added to / removed from the scan dir
// Where a dir has S/supervise/events (a svkit supervisor) its lines are delivered as written,
// across rotation and truncation; elsewhere (daemontools supervise, runsv) start/exit/up/down
// events are derived from supervise/status changes (statusdiff.ts, `from: "status"`).
// Every event's `service` is the source's name (a scan dir's `web`, `web/log`), whatever path
// its supervisor was started with. Events of one dir arrive in order; a line that is not an event is skipped with one warning.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { errnoText } from '../formats/errno.ts';
import { SERVICE } from '../formats/servicedir.ts';
import type { Status } from '../formats/status.ts';
import { EVENT_VERSION, type EventSink, type ServiceEvent } from './event.ts';
import { readStatusFile, statusEvents } from './statusdiff.ts';
import { EventsTail } from './tail.ts';

export interface FeedSource {
  /** The service directory. */
  readonly dir: string;
  /** Its name in the events delivered (default: the dir's base name). */
  readonly name?: string;
}

export interface FeedOptions {
  readonly replay?: number;
  readonly onWarning?: (message: string) => void;
}

export interface Feed {
  readonly ready: Promise<void>;
  add(source: string | FeedSource): Promise<void>;
  remove(dir: string): void;
  close(): void;
}

function parseEvent(line: string): ServiceEvent | undefined {
  try {
    const e = JSON.parse(line) as unknown;
    if (typeof e !== 'object' || e === null) return undefined;
    const r = e as Record<string, unknown>;
    if (typeof r['kind'] !== 'string' || typeof r['service'] !== 'string' || typeof r['time'] !== 'number' || r['v'] !== EVENT_VERSION) return undefined;
    return e as ServiceEvent;
  } catch {
    return undefined;
  }
}

/** One service dir: its supervise/ watched, its events tailed or its status diffed. */
class DirFeed {
  private readonly tail: EventsTail;
  private readonly supervise: string;
  private watcher: FSWatcher | undefined;
  private status: Status | undefined;
  private busy: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private badLine = false;

  readonly dir: string;
  private readonly name: string;
  private readonly deliver: EventSink;
  private readonly warn: (m: string) => void;

  constructor(dir: string, name: string, deliver: EventSink, warn: (m: string) => void) {
    this.dir = dir;
    this.name = name;
    this.deliver = deliver;
    this.warn = warn;
    this.supervise = join(dir, SERVICE.superviseDir);
    this.tail = new EventsTail(this.supervise);
  }

  async start(replay: number): Promise<void> {
    this.watchDir();
    const lines = await this.tail.start(replay);
    this.deliverLines(lines);
    if (this.tail.found) return;
    const first = await readStatusFile(this.dir);
    // A change seen meanwhile (pump) already holds a newer status.
    this.status ??= first;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
  }

  /** supervise/ when it exists, else the service dir until supervise/ appears. */
  private watchDir(): void {
    this.watcher?.close();
    const target = this.supervise;
    try {
      this.watcher = watch(target, { persistent: true }, (_type, file) => this.changed(file));
    } catch {
      try {
        this.watcher = watch(this.dir, { persistent: true }, (_type, file) => { if (file === SERVICE.superviseDir) { this.watchDir(); this.changed(null); } });
      } catch (err) {
        this.warn(`unable to watch ${this.dir}: ${errnoText(err)}`);
        return;
      }
    }
    this.watcher.on('error', () => { this.watcher?.close(); this.watcher = undefined; });
  }

  private changed(file: string | Buffer | null): void {
    const f = file?.toString();
    if (this.closed || (f !== undefined && f !== 'events' && f !== 'events.1' && f !== 'status')) return;
    if (this.busy !== undefined) {
      this.again = true;
      return;
    }
    this.busy = this.pump().finally(() => { this.busy = undefined; });
  }

  /** Reads until no change arrived during the last read: changes are coalesced, never lost. */
  private async pump(): Promise<void> {
    do {
      this.again = false;
      const lines = await this.tail.next();
      if (this.closed) return;
      this.deliverLines(lines);
      if (this.tail.found) continue;
      const now = await readStatusFile(this.dir);
      if (now === undefined || this.closed) continue;
      for (const e of statusEvents(this.name, this.status, now)) this.deliver(e);
      this.status = now;
    } while (this.again && !this.closed);
  }

  private deliverLines(lines: readonly string[]): void {
    for (const line of lines) {
      const e = parseEvent(line);
      // One name per dir whatever path its supervisor was given: the source's.
      if (e !== undefined) this.deliver(e.service === '' || e.service === this.name ? e : { ...e, service: this.name });
      else if (!this.badLine) {
        this.badLine = true;
        this.warn(`unable to read ${this.dir}/supervise/events: a line is not an event`);
      }
    }
  }
}

/** Follows the given service dirs; see the API at the top of this file. */
export function openFeed(sources: readonly (string | FeedSource)[], onEvent: EventSink, opts: FeedOptions = {}): Feed {
  const dirs = new Map<string, DirFeed>();
  const warn = opts.onWarning ?? (() => {});
  let closed = false;
  const add = async (s: string | FeedSource): Promise<void> => {
    const src = typeof s === 'string' ? { dir: s } : s;
    const dir = resolve(src.dir);
    if (closed || dirs.has(dir)) return;
    const d = new DirFeed(dir, src.name ?? basename(dir), (e) => { if (!closed && dirs.get(dir) === d) onEvent(e); }, warn);
    dirs.set(dir, d);
    await d.start(opts.replay ?? 0);
  };
  const ready = Promise.all(sources.map(add)).then(() => {});
  return {
    ready,
    add,
    remove(dir) {
      const key = resolve(dir);
      dirs.get(key)?.close();
      dirs.delete(key);
    },
    close() {
      closed = true;
      for (const d of dirs.values()) d.close();
      dirs.clear();
    },
  };
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

/** Whether dir is a service dir (has run or supervise/) rather than a scan dir. */
export async function isServiceDir(dir: string): Promise<boolean> {
  return (await stat(join(dir, SERVICE.run)).then(() => true, () => false)) || isDir(join(dir, SERVICE.superviseDir));
}

/** The sources of DIR: itself (and its log) for a service dir, every service (and log) of a scan dir. */
export async function feedSources(dir: string): Promise<FeedSource[]> {
  const withLog = async (d: string, name: string): Promise<FeedSource[]> => {
    const log = join(d, SERVICE.log);
    const hasLog = (await isDir(join(log, SERVICE.superviseDir))) || (await stat(join(log, SERVICE.run)).then(() => true, () => false));
    return hasLog ? [{ dir: d, name }, { dir: log, name: `${name}/log` }] : [{ dir: d, name }];
  };
  if (await isServiceDir(dir)) return withLog(dir, basename(resolve(dir)));
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  const out: FeedSource[] = [];
  for (const n of names) if (await isDir(join(dir, n))) out.push(...(await withLog(join(dir, n), n)));
  return out;
}

/** A feed of every service of scan dir DIR, following services added and removed. */
export function openScanFeed(dir: string, onEvent: EventSink, opts: FeedOptions = {}): Feed {
  const feed = openFeed([], onEvent, opts);
  let known = new Set<string>();
  let busy = false;
  let again = false;
  const sync = async (): Promise<void> => {
    if (busy) { again = true; return; }
    busy = true;
    do {
      again = false;
      const now = await feedSources(dir).catch(() => [] as FeedSource[]);
      const keys = new Set(now.map((s) => resolve(s.dir)));
      for (const k of known) if (!keys.has(k)) feed.remove(k);
      await Promise.all(now.filter((s) => !known.has(resolve(s.dir))).map((s) => feed.add(s)));
      known = keys;
    } while (again);
    busy = false;
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { persistent: true }, () => void sync());
    watcher.on('error', () => watcher?.close());
  } catch (err) {
    opts.onWarning?.(`unable to watch ${dir}: ${errnoText(err)}`);
  }
  const ready = feed.ready.then(sync);
  return { ...feed, ready, close() { watcher?.close(); feed.close(); } };
}
