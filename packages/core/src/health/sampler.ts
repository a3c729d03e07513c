// Memory and CPU of each service's whole process tree (its process group plus every
// descendant, even one that left the group), for every service of the process from one timer
// and one scan of /proc on a worker thread (sys().procScan): 100 services cost one scan.
import { sys } from '../os/sys.ts';

export interface TreeSample {
  /** RSS of the tree, bytes. */
  readonly memory: number;
  /** Percent of one core since the previous sample; null on the first. */
  readonly cpu: number | null;
  readonly at: number;
}

interface Watch {
  readonly pgid: number;
  readonly interval: number;
  next: number;
  ticks: number | undefined;
  lastAt: number;
  readonly onSample: (s: TreeSample) => void;
}

/** Members of the trees rooted at the groups of WATCHES in a procScan table: pgid -> [ticks, rss pages]. */
export function sumTrees(table: Float64Array, pgids: ReadonlySet<number>): Map<number, [number, number]> {
  const children = new Map<number, number[]>();
  const rows = new Map<number, number>();
  const out = new Map<number, [number, number]>();
  for (let i = 2; i + 4 < table.length; i += 5) {
    const pid = table[i]!;
    const ppid = table[i + 1]!;
    rows.set(pid, i);
    let list = children.get(ppid);
    if (list === undefined) children.set(ppid, (list = []));
    list.push(pid);
  }
  const roots = new Map<number, number[]>();
  for (let i = 2; i + 4 < table.length; i += 5) {
    const pgid = table[i + 2]!;
    if (pgids.has(pgid)) {
      let list = roots.get(pgid);
      if (list === undefined) roots.set(pgid, (list = []));
      list.push(table[i]!);
    }
  }
  for (const pgid of pgids) {
    const seen = new Set<number>();
    const stack = [...(roots.get(pgid) ?? [])];
    let ticks = 0;
    let rss = 0;
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const i = rows.get(pid);
      if (i !== undefined) {
        ticks += table[i + 3]!;
        rss += table[i + 4]!;
      }
      for (const c of children.get(pid) ?? []) stack.push(c);
    }
    out.set(pgid, [ticks, rss]);
  }
  return out;
}

export class Sampler {
  private readonly watches = new Set<Watch>();
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;

  /** Samples process group PGID's tree every INTERVAL ms; returns the function that stops it. */
  add(pgid: number, interval: number, onSample: (s: TreeSample) => void): () => void {
    const w: Watch = { pgid, interval, next: aligned(performance.now(), interval), ticks: undefined, lastAt: 0, onSample };
    this.watches.add(w);
    this.arm();
    return () => {
      this.watches.delete(w);
      if (this.watches.size === 0 && this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  private arm(): void {
    if (this.scanning || this.watches.size === 0) return;
    let next = Infinity;
    for (const w of this.watches) next = Math.min(next, w.next);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), Math.max(0, next - performance.now()));
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    const now = performance.now();
    const due = [...this.watches].filter((w) => w.next <= now + 1);
    if (due.length === 0) return this.arm();
    this.scanning = true;
    sys().procScan((table) => {
      this.scanning = false;
      const at = performance.now();
      const hz = table[0] ?? 100;
      const page = table[1] ?? 4096;
      const sums = sumTrees(table, new Set(due.map((w) => w.pgid)));
      for (const w of due) {
        if (!this.watches.has(w)) continue;
        const [ticks, pages] = sums.get(w.pgid) ?? [0, 0];
        const cpu = w.ticks === undefined ? null : Math.max(0, ((ticks - w.ticks) / hz) / ((at - w.lastAt) / 1000) * 100);
        w.ticks = ticks;
        w.lastAt = at;
        w.next = aligned(at, w.interval);
        w.onSample({ memory: pages * page, cpu, at: Date.now() });
      }
      this.arm();
    });
  }
}

/**
 * The next multiple of INTERVAL after NOW: every service with the same interval is due at the
 * same moments, so 100 services started at different times still cost one scan per interval.
 */
function aligned(now: number, interval: number): number {
  return (Math.floor(now / interval) + 1) * interval;
}

let shared: Sampler | undefined;

/** The one sampler of the process: every supervisor of svscan shares its timer and its scans. */
export function sharedSampler(): Sampler {
  shared ??= new Sampler();
  return shared;
}
