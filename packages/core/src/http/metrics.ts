// GET /metrics: Prometheus text format. The per-service figures come from the snapshot's views
// and the log directories at each scrape (nothing is polled between scrapes), written by hand
// (servicefamilies.ts); svhttp's own process figures are prom-client's default metrics
// (process_*, nodejs_*), which it reads from the process at each scrape.
import { Registry, collectDefaultMetrics } from 'prom-client';
import { stat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ServiceJson } from './services.ts';
import { currentLog } from './logfile.ts';
import { renderServiceFamilies } from './servicefamilies.ts';

export interface ServiceFigures {
  readonly name: string;
  readonly json: ServiceJson;
  readonly dir: string;
}

const LOG_PATH_TTL_MS = 30_000;
const logPaths = new Map<string, { path: string | undefined; at: number }>();

/** currentLog(), remembered for 30 s: where a log lives changes rarely, scrapes come often. */
async function cachedLog(dir: string): Promise<string | undefined> {
  const hit = logPaths.get(dir);
  if (hit !== undefined && Date.now() - hit.at < LOG_PATH_TTL_MS) return hit.path;
  const path = await currentLog(dir);
  logPaths.set(dir, { path, at: Date.now() });
  if (logPaths.size > 10_000) logPaths.delete(logPaths.keys().next().value ?? '');
  return path;
}

/** Bytes the service's log directory holds (current and its archives). */
async function logBytes(dir: string): Promise<number | undefined> {
  const cur = await cachedLog(dir);
  if (cur === undefined) return undefined;
  const logdir = dirname(cur);
  let total = 0;
  for (const e of await readdir(logdir).catch(() => [] as string[])) {
    if (e !== 'current' && !e.startsWith('@')) continue;
    total += await stat(join(logdir, e)).then((s) => (s.isFile() ? s.size : 0), () => 0);
  }
  return total;
}

export class Metrics {
  /** svhttp's own process figures only; the services' families are written by hand (servicefamilies.ts). */
  readonly registry = new Registry();

  constructor() {
    // The event-loop delay histogram samples every second, not every 10 ms (prom-client's default):
    // its timer was svhttp's only wake-up when idle, 100 a second (about 1 % of a core).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
  }

  /** The text of one scrape for SERVICES: svhttp's process families, then the services' (as one registry wrote them). */
  async render(services: readonly ServiceFigures[]): Promise<string> {
    const [own, logs] = await Promise.all([this.registry.metrics(), Promise.all(services.map((s) => logBytes(s.dir)))]);
    return `${own}\n${renderServiceFamilies(services.map((s, i) => ({ name: s.name, json: s.json, logBytes: logs[i] })))}\n`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
