// supervise/health: svkit's state of a service beyond the 20-byte status record (readiness,
// health, samples, restart policy). One JSON object on one line, `v` first; written by the
// supervisor as health.new then rename, read by svstat and any later tool (docs/health-file.md).
// Pure: encode and decode only.

/** Bumped only when a field changes meaning; fields are only ever added. */
export const HEALTH_VERSION = 1;

/** How the last run ended: exit code or signal number (one of them null), and when (ms). */
export interface LastExit {
  readonly code: number | null;
  readonly signal: number | null;
  readonly at: number;
}

export interface CheckResult {
  /** Which check: tcp, http or check. */
  readonly kind: string;
  readonly ok: boolean;
  /** "connected", "HTTP 503", "exit 1: boom", "timed out after 5 s", ... */
  readonly reason: string;
  readonly at: number;
}

export interface HealthState {
  readonly v: typeof HEALTH_VERSION;
  /** When this record was written (ms since the epoch). */
  readonly time: number;
  /** The pid the record is about (0 when down): a reader ignores per-run fields of another pid. */
  readonly pid: number;
  /** null: no notification-fd, so the service counts as ready once up. */
  readonly ready: boolean | null;
  readonly readyAt: number | null;
  /** null: no health/ checks; 'unknown' until the first check of this run. */
  readonly health: 'healthy' | 'unhealthy' | 'unknown' | null;
  readonly check: CheckResult | null;
  /** RSS of the whole process tree in bytes, CPU in percent of one core, at sampledAt. */
  readonly memory: number | null;
  readonly cpu: number | null;
  readonly sampledAt: number | null;
  /** Starts of run since the supervisor started, minus the first. */
  readonly restarts: number;
  readonly lastExit: LastExit | null;
  /** Waiting before the next start: the wait in seconds, and its end (ms). */
  readonly backoff: { readonly wait: number; readonly until: number } | null;
  /** Given up (restart-giveup) or not restarted (restart-never): left down until svc -u. */
  readonly failed: string | null;
  /** Why the last restart happened: "exit 1", "limit-memory 210 MB > 100 MB", "health/tcp: ...". */
  readonly cause: string | null;
  /** Why the last start of run failed ("run: permission denied"), null once a start succeeds. */
  readonly startError: string | null;
  /** Held by svscan's start order (needs/): the services it waits for; null when not waiting. */
  readonly waitingFor: readonly string[] | null;
}

export function emptyHealth(): HealthState {
  return {
    v: HEALTH_VERSION, time: 0, pid: 0, ready: null, readyAt: null, health: null, check: null,
    memory: null, cpu: null, sampledAt: null, restarts: 0, lastExit: null, backoff: null,
    failed: null, cause: null, startError: null, waitingFor: null,
  };
}

export function encodeHealth(s: HealthState): string {
  return JSON.stringify(s) + '\n';
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const numOrNull = (x: unknown): number | null => (isNum(x) ? x : null);
const strOrNull = (x: unknown): string | null => (typeof x === 'string' ? x : null);

/**
 * Decodes a health file; undefined for anything that is not a version-1 (or later) object.
 * Unknown fields are dropped and wrong-typed ones read as null: a newer writer never breaks a reader.
 */
export function decodeHealth(text: string): HealthState | undefined {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const r = o as Record<string, unknown>;
  if (!isNum(r['v']) || r['v'] < 1) return undefined;
  const health = r['health'];
  const check = r['check'] as Record<string, unknown> | null | undefined;
  const exit = r['lastExit'] as Record<string, unknown> | null | undefined;
  const backoff = r['backoff'] as Record<string, unknown> | null | undefined;
  return {
    v: HEALTH_VERSION,
    time: numOrNull(r['time']) ?? 0,
    pid: numOrNull(r['pid']) ?? 0,
    ready: typeof r['ready'] === 'boolean' ? r['ready'] : null,
    readyAt: numOrNull(r['readyAt']),
    health: health === 'healthy' || health === 'unhealthy' || health === 'unknown' ? health : null,
    check: typeof check === 'object' && check !== null && typeof check['ok'] === 'boolean'
      ? { kind: strOrNull(check['kind']) ?? '', ok: check['ok'], reason: strOrNull(check['reason']) ?? '', at: numOrNull(check['at']) ?? 0 }
      : null,
    memory: numOrNull(r['memory']),
    cpu: numOrNull(r['cpu']),
    sampledAt: numOrNull(r['sampledAt']),
    restarts: numOrNull(r['restarts']) ?? 0,
    lastExit: typeof exit === 'object' && exit !== null
      ? { code: numOrNull(exit['code']), signal: numOrNull(exit['signal']), at: numOrNull(exit['at']) ?? 0 }
      : null,
    backoff: typeof backoff === 'object' && backoff !== null && isNum(backoff['wait'])
      ? { wait: backoff['wait'], until: numOrNull(backoff['until']) ?? 0 }
      : null,
    failed: strOrNull(r['failed']),
    cause: strOrNull(r['cause']),
    startError: strOrNull(r['startError']),
    waitingFor: Array.isArray(r['waitingFor']) ? r['waitingFor'].filter((x): x is string => typeof x === 'string') : null,
  };
}

/** "12 KB"-style figure for people: B, KB, MB, GB with one decimal under 10. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i > 0 && v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
