// svhttp's view of the scan dir's services, kept in memory between requests (docs/svhttp.md,
// "Freshness"). Each service's files are re-read only after inotify (or stat, as a fallback)
// saw them change (snapentry.ts); whether its supervisor still runs is asked of the kernel at
// every request without a path lookup: svhttp holds the write end of each running
// supervisor's supervise/ok, and one poll(2) with timeout 0 says which lost their reader.
// Values that move with the clock (seconds, backoff) are computed at each request from stamps.
// Nothing is read or polled between requests; after IDLE_MS without one, everything is let go.
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { inspectFacts } from '../supervise/inspect.ts';
import type { OkOutcome } from '../supervise/control.ts';
import { sys } from '../os/sys.ts';
import { closeFd, probeOkAsync, value, type Read } from './dirfacts.ts';
import { serviceJsonOf, type ServiceJson } from './services.ts';
import { ServiceEntry } from './snapentry.ts';
import { scanServices, validName } from './names.ts';

/** Services watched by inotify (two watches each) and holding a descriptor; beyond, stat guards. */
const MAX_WATCHED = 4096;
const IDLE_MS = 60_000;

/** ok write ends held at most: a quarter of the soft RLIMIT_NOFILE (Node raised it to the hard one), at most MAX_WATCHED. */
function heldCap(): number {
  try {
    const soft = sys().nofile(false)[0];
    return soft < 0 ? MAX_WATCHED : Math.min(MAX_WATCHED, Math.floor(soft / 4));
  } catch {
    return 0;
  }
}

/** poll(2) of held ok write ends, or undefined with an addon built before pollNow. */
function poller(): ((fds: readonly number[]) => number[]) | undefined {
  try {
    const s = sys();
    return s.pollNow === undefined ? undefined : (fds) => s.pollNow?.(fds) ?? [];
  } catch {
    return undefined;
  }
}

/** Resolves after the I/O callbacks of this loop turn: inotify events queued before the request arrived are in. */
const afterIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Snapshots {
  private readonly scandir: string;
  private readonly entries = new Map<string, ServiceEntry>();
  private readonly pollNow = poller();
  private readonly maxHeld = heldCap();
  /** Entries given an ok write end (some may have dropped it since). */
  private readonly holding = new Set<ServiceEntry>();
  private lastUse = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** The scan dir's services, read again after its watch (or a service dir's own) saw a change. */
  private names: string[] | undefined;
  private namesGen = 0;
  private namesReadGen = -1;
  private listing: Promise<void> | undefined;
  private scanWatch: FSWatcher | undefined;
  /** A link that is not (yet) to a dir: its target can appear unseen, so every request lists. */
  private skippedLinks = false;

  constructor(scandir: string) {
    this.scandir = scandir;
  }

  /** The scan dir's services (names.ts's listServices), from memory while inotify saw no change. */
  async serviceNames(): Promise<string[]> {
    await afterIo();
    this.touch();
    if (this.scanWatch === undefined) {
      try {
        this.scanWatch = watch(this.scandir, { persistent: false }, () => { this.namesGen++; });
        this.scanWatch.on('error', () => this.unwatchScan());
        this.namesGen++;
      } catch {
        this.unwatchScan();
      }
    }
    if (this.scanWatch === undefined || this.skippedLinks) this.namesGen++;
    const need = this.namesGen;
    while (this.names === undefined || this.namesReadGen < need) {
      this.listing ??= this.readNames();
      await this.listing;
    }
    return this.names;
  }

  /** Whether NAME is one of the scan dir's services (names.ts's serviceDir, from memory). */
  async isService(name: string): Promise<boolean> {
    return validName(name) && (await this.serviceNames()).includes(name);
  }

  /** svstat --json's objects of every service of the scan dir, NAMES (serviceNames() of this request); the others are let go. */
  async list(names: readonly string[], nowMs?: number): Promise<ServiceJson[]> {
    const keep = new Set(names);
    for (const [n, e] of this.entries) {
      if (keep.has(n)) continue;
      e.close();
      this.entries.delete(n);
    }
    return this.views(names, nowMs);
  }

  /** One service; NAME must be a service of the scan dir (isService() of this request). */
  async view(name: string): Promise<ServiceJson> {
    const [one] = await this.views([name]);
    return one!;
  }

  /** NAMES come from serviceNames() of this request, which waited for the I/O callbacks already. */
  private async views(names: readonly string[], nowMs?: number): Promise<ServiceJson[]> {
    this.touch();
    const entries = names.map((n) => this.entry(n));
    const [facts, oks] = await Promise.all([Promise.all(entries.map((e) => e.current())), this.liveness(entries)]);
    const now = nowMs ?? Date.now();
    return Promise.all(entries.map(async (e, i) => {
      const f = facts[i]!;
      const ok = oks[i]!;
      const ins = inspectFacts({
        dirError: () => f.dirError,
        downExists: () => value(f.downExists),
        okProbe: () => value(ok),
        whyNotSupervised: () => f.whyNotSupervised,
        statusBytes: () => value(f.statusBytes),
      });
      const health = ins.kind === 'status' ? f.health : undefined;
      const tail = health?.lastExit ? await e.lastLines.get() : [];
      return serviceJsonOf(names[i]!, ins, health, tail, now);
    }));
  }

  /** The next request re-reads NAME's files. */
  invalidate(name: string): void {
    this.entries.get(name)?.invalidate();
  }

  /** Lets go of NAME (no longer a service). */
  forget(name: string): void {
    this.entries.get(name)?.close();
    this.entries.delete(name);
  }

  close(): void {
    this.unwatchScan();
    this.names = undefined;
    for (const e of this.entries.values()) e.close();
    this.entries.clear();
    this.holding.clear();
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private readNames(): Promise<void> {
    const g = this.namesGen;
    return scanServices(this.scandir).then((r) => {
      if (g > this.namesReadGen) {
        this.names = r.names;
        this.skippedLinks = r.skippedLinks;
        this.namesReadGen = g;
      }
    }).finally(() => {
      this.listing = undefined;
    });
  }

  private unwatchScan(): void {
    this.scanWatch?.close();
    this.scanWatch = undefined;
  }

  private entry(name: string): ServiceEntry {
    let e = this.entries.get(name);
    if (e === undefined) {
      // A service dir removed or replaced (a link's target too) changes the list unseen by the scan dir's watch.
      e = new ServiceEntry(join(this.scandir, name), this.entries.size < MAX_WATCHED, () => { this.namesGen++; });
      this.entries.set(name, e);
    }
    return e;
  }

  /** probeOk() of each entry: held write ends answer from one poll(2), the others are opened (and kept when running). */
  private async liveness(entries: readonly ServiceEntry[]): Promise<Read<OkOutcome>[]> {
    const held = entries.filter((e) => e.okFd !== undefined);
    if (held.length > 0) {
      const gone = this.pollNow === undefined ? undefined : new Set(this.pollNow(held.map((e) => e.okFd!)));
      for (const e of held) if (gone === undefined || gone.has(e.okFd!)) e.dropOk();
    }
    if (entries.some((e) => e.okFd === undefined)) for (const e of this.holding) if (e.okFd === undefined) this.holding.delete(e);
    return Promise.all(entries.map(async (e): Promise<Read<OkOutcome>> => {
      if (e.okFd !== undefined) return { value: 'running' };
      const r = await probeOkAsync(e.dir);
      if (r.fd !== undefined) {
        // An entry let go meanwhile (closed: not watched) keeps nothing; past the cap, it is probed at each request.
        if (e.okFd === undefined && e.isWatched && this.pollNow !== undefined && this.holding.size < this.maxHeld) {
          e.okFd = r.fd;
          this.holding.add(e);
        } else closeFd(r.fd);
      }
      return r;
    }));
  }

  private touch(): void {
    this.lastUse = Date.now();
    if (this.idleTimer !== undefined) return;
    const check = (): void => {
      const left = this.lastUse + IDLE_MS - Date.now();
      if (left > 0) {
        this.idleTimer = setTimeout(check, left);
        this.idleTimer.unref();
        return;
      }
      this.idleTimer = undefined;
      this.close();
    };
    this.idleTimer = setTimeout(check, IDLE_MS);
    this.idleTimer.unref();
  }
}
