// Bytes a service's log directory holds, for /metrics' svkit_service_log_bytes: `current` and
// every `@` entry (regular files only). The directory is listed and `current` stat'ed at each
// scrape; an archive's size is remembered while its name stays listed, since multilog (0.76's
// and svkit's) renames an archive in complete and never writes it again: a scrape of a log with
// ten archives costs two reads, not twelve. Where the log lives is remembered for 30 s.
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isArchiveName } from '../log/rotation.ts';
import { currentLog } from './logfile.ts';

const WHERE_TTL_MS = 30_000;
/** Services (and log dirs) remembered at most; past it the oldest is let go. */
const MAX_REMEMBERED = 10_000;

/** A finished archive: @TAI64N.s (rotated) or .u (cut short); its size never changes. */
const isFinishedArchive = (name: string): boolean => isArchiveName(name) && (name.endsWith('.s') || name.endsWith('.u'));

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value ?? '');
}

/** The size of a regular file; undefined for anything else or a failed stat (it counts 0, as before). */
const fileSize = (path: string): Promise<number | undefined> =>
  stat(path).then((s) => (s.isFile() ? s.size : undefined), () => undefined);

export class LogSizes {
  private readonly where = new Map<string, { readonly path: string | undefined; readonly at: number }>();
  private readonly archives = new Map<string, ReadonlyMap<string, number>>();

  /** The bytes of service DIR's log directory; undefined (without waiting when known) if it has no log. */
  bytes(dir: string, nowMs: number): Promise<number | undefined> | undefined {
    const hit = this.where.get(dir);
    if (hit !== undefined && nowMs - hit.at < WHERE_TTL_MS) return hit.path === undefined ? undefined : this.total(dirname(hit.path));
    return currentLog(dir).then((path) => {
      remember(this.where, dir, { path, at: nowMs });
      return path === undefined ? undefined : this.total(dirname(path));
    });
  }

  private async total(logdir: string): Promise<number> {
    const known = this.archives.get(logdir);
    const kept = new Map<string, number>();
    let total = 0;
    for (const e of await readdir(logdir).catch(() => [] as string[])) {
      if (e !== 'current' && !e.startsWith('@')) continue;
      const finished = isFinishedArchive(e);
      const size = (finished ? known?.get(e) : undefined) ?? await fileSize(join(logdir, e));
      if (size === undefined) continue;
      if (finished) kept.set(e, size);
      total += size;
    }
    remember(this.archives, logdir, kept);
    return total;
  }
}
