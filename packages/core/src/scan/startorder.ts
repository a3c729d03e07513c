// Start order by readiness for svscan (needs/, issue 9): the gate each supervisor passes
// before every start of run, and the release of waiting services when what they need is up
// and ready. A cycle or a missing need is one warning (rate-limited) and only those wait.
import { join } from 'node:path';
import { escapeName } from '../formats/escape.ts';
import { errnoText } from '../formats/errno.ts';
import { Warner } from '../supervise/warner.ts';
import { cycleText, cycleThrough, missingNeeds, stopAfter, type NeedsGraph } from './needs.ts';
import { NEEDS_DIR, readNeedsDir } from './needsdir.ts';
import type { Listing } from '../supervise/startpass.ts';

export interface StartOrderHost {
  /** The scan directory, as messages name it. */
  readonly dir: string;
  /** Whether NAME is a service of the scan directory now. */
  readonly present: (name: string) => boolean;
  /** The service whose directory is "dev:ino", if one is. */
  readonly nameOf: (dirKey: string) => string | undefined;
  /** Whether NAME's run is up and ready. */
  readonly ready: (name: string) => boolean;
  /** Let NAME's supervisor try its held start again (it passes the gate anew). */
  readonly release: (name: string) => void;
  readonly onWarning: (message: string) => void;
}

/** "a, b, c" or, past five, "a, b, c, d, e and 12 more": a warning stays a readable line. */
export function someNames(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

export class StartOrder {
  private readonly host: StartOrderHost;
  /** Every service's needs as last read (at its last start), by name. */
  private readonly needs = new Map<string, readonly string[]>();
  /** Services held at their gate: their directory and what they wait for. */
  private readonly waiting = new Map<string, { readonly path: string; readonly waits: readonly string[] }>();
  private readonly warner: Warner;
  /** Rechecks under way: one per service at a time, however slow its file system. */
  private readonly checking = new Set<string>();

  constructor(host: StartOrderHost) {
    this.host = host;
    this.warner = new Warner(host.onWarning);
  }

  /**
   * Before each start of NAME's run: reads needs/ (re-read at every start) and answers what
   * it still waits for: [] to start now. Never throws; a needs/ that cannot be read at all
   * holds the start until the next try. LISTING: the start pass's names of the service dir
   * (undefined: unknown), which spare most services a look for a needs/ they do not have.
   */
  async gate(name: string, path: string, listing?: Promise<Listing>): Promise<readonly string[]> {
    const names = await listing?.catch(() => undefined);
    const waits = await this.waitsOf(name, path, names !== undefined && !names.has(NEEDS_DIR));
    if (waits.length === 0) this.waiting.delete(name);
    else this.waiting.set(name, { path, waits });
    return waits;
  }

  /** needs/ read and resolved: what NAME waits for now (warnings said, rate-limited). */
  private async waitsOf(name: string, path: string, noNeedsDir = false): Promise<readonly string[]> {
    let needs: string[];
    try {
      const entries = noNeedsDir ? [] : await readNeedsDir(path, (m) => this.warner.warn(m));
      needs = [...new Set(entries.map((e) => (e.dirKey === undefined ? undefined : this.host.nameOf(e.dirKey)) ?? e.name))];
    } catch (err) {
      this.warner.warn(`unable to read ${escapeName(join(path, NEEDS_DIR))}: ${errnoText(err)}`);
      const known = this.needs.get(name) ?? [];
      return known.length > 0 ? known : [NEEDS_DIR];
    }
    if (needs.length === 0) this.needs.delete(name);
    else this.needs.set(name, needs);
    const missing = missingNeeds(this.needs, name, this.host.present);
    const cycle = cycleThrough(this.needs, name);
    if (missing.length > 0) {
      const label = escapeName(join(this.host.dir, name));
      this.warner.warn(`unable to start ${label}: it needs ${someNames(missing)}, which ${missing.length > 1 ? 'are' : 'is'} no service of ${escapeName(this.host.dir)}; ${name} waits`);
    }
    if (cycle !== undefined) {
      const labels = cycle.map((n) => escapeName(join(this.host.dir, n))).join(', ');
      this.warner.warn(`unable to start ${labels}: their needs/ form a cycle (${cycleText(cycle)}); they wait`);
    }
    return needs.filter((n) => !this.host.present(n) || !this.host.ready(n));
  }

  /** NAME came up or became ready: the services that wait for it try again. */
  changed(name: string): void {
    for (const [held, { waits }] of this.waiting) if (waits.includes(name)) this.host.release(held);
  }

  /**
   * The safety net (each rescan period): the needs/ of every held service is read again (a
   * fixed needs/, a need adopted ready); the supervisor tries its start again only when that
   * changed what it waits for, so a service waiting for long costs a readdir a second, not a start.
   */
  recheck(): Promise<void> {
    const checks: Promise<void>[] = [];
    for (const [name, { path, waits }] of this.waiting) {
      if (this.checking.has(name)) continue;
      this.checking.add(name);
      checks.push(this.waitsOf(name, path).then((now) => {
        if (this.waiting.get(name)?.waits === waits && now.join('\n') !== waits.join('\n')) this.host.release(name);
      }).finally(() => this.checking.delete(name)));
    }
    return Promise.all(checks).then(() => {});
  }

  /** NAME is no longer supervised. */
  forget(name: string): void {
    this.needs.delete(name);
    this.waiting.delete(name);
  }

  /** For a stop of everything: whom each of NAMES waits for (its dependants). */
  stopPlan(names: readonly string[]): Map<string, string[]> {
    return stopAfter(this.needs as NeedsGraph, names);
  }
}
