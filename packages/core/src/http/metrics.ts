// GET /metrics: Prometheus text format through prom-client. The per-service figures are read
// from the on-disk contract at each scrape (nothing is polled between scrapes); svhttp's own
// process figures are prom-client's default metrics (process_*, nodejs_*).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { stat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ServiceJson } from './services.ts';
import { currentLog } from './logfile.ts';

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
  readonly registry = new Registry();
  private readonly g: Record<string, Gauge> = {};
  private readonly restarts: Counter;

  constructor() {
    // The event-loop delay histogram samples every second, not every 10 ms (prom-client's default):
    // its timer was svhttp's only wake-up when idle, 100 a second (about 1 % of a core).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
    const gauge = (name: string, help: string): void => {
      this.g[name] = new Gauge({ name: `svkit_service_${name}`, help, labelNames: ['service'], registers: [this.registry] });
    };
    gauge('supervised', '1 if a supervisor runs the service (supervise/status readable)');
    gauge('up', '1 if the service has a process');
    gauge('ready', '1 if the service is up and ready (notification-fd), 0 if up and not ready');
    gauge('healthy', '1 if its health checks pass, 0 if they fail (absent when unknown)');
    gauge('failed', '1 if restart-giveup left the service failed');
    gauge('uptime_seconds', 'seconds since the service went up (0 when down)');
    gauge('state_seconds', 'seconds in its current state (up or down)');
    gauge('last_exit_code', 'exit code of its last run (absent after a signal)');
    gauge('last_exit_signal', 'signal that ended its last run (absent after an exit code)');
    gauge('memory_bytes', 'RSS of its process tree in bytes');
    gauge('cpu_ratio', 'CPU of its process tree, in cores (1 = one core busy)');
    gauge('backoff_seconds', 'seconds of the restart back-off it waits in');
    gauge('log_bytes', 'bytes its log directory holds (current and archives)');
    this.restarts = new Counter({ name: 'svkit_service_restarts_total', help: 'restarts since the supervisor started it', labelNames: ['service'], registers: [this.registry] });
  }

  /** The text of one scrape for SERVICES. */
  async render(services: readonly ServiceFigures[]): Promise<string> {
    for (const g of Object.values(this.g)) g.reset();
    this.restarts.reset();
    const logs = await Promise.all(services.map((s) => logBytes(s.dir)));
    services.forEach(({ name, json: j }, i) => {
      const set = (k: string, v: number | null | undefined): void => {
        if (v !== null && v !== undefined) this.g[k]?.set({ service: name }, v);
      };
      const up = j.state === 'up';
      set('supervised', j.supervised ? 1 : 0);
      set('up', up ? 1 : 0);
      set('ready', j.ready === null ? null : j.ready ? 1 : 0);
      set('healthy', j.health === 'healthy' ? 1 : j.health === 'unhealthy' ? 0 : null);
      set('failed', j.failed === null ? (j.ok ? 0 : null) : 1);
      set('uptime_seconds', j.ok ? (up ? j.seconds : 0) : null);
      set('state_seconds', j.seconds);
      set('last_exit_code', j.lastExit?.code);
      set('last_exit_signal', j.lastExit?.signal);
      set('memory_bytes', j.memory);
      set('cpu_ratio', j.cpu === null ? null : j.cpu / 100);
      set('backoff_seconds', j.backoff);
      set('log_bytes', logs[i]);
      if (j.restarts !== null) this.restarts.inc({ service: name }, j.restarts);
    });
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
