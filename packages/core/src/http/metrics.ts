// GET /metrics: Prometheus text format. The per-service figures come from the snapshot's views
// and the log directories at each scrape (nothing is polled between scrapes), written by hand
// (servicefamilies.ts); svhttp's own process figures are prom-client's default metrics
// (process_*, nodejs_*), which it reads from the process at each scrape.
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { ServiceJson } from './services.ts';
import { LogSizes } from './logsize.ts';
import { renderServiceFamilies } from './servicefamilies.ts';

export interface ServiceFigures {
  readonly name: string;
  readonly json: ServiceJson;
  readonly dir: string;
}

export class Metrics {
  /** svhttp's own process figures only; the services' families are written by hand (servicefamilies.ts). */
  readonly registry = new Registry();
  private readonly logs = new LogSizes();

  constructor() {
    // The event-loop delay histogram samples every second, not every 10 ms (prom-client's default):
    // its timer was svhttp's only wake-up when idle, 100 a second (about 1 % of a core).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
  }

  /** The text of one scrape for SERVICES: svhttp's process families, then the services' (as one registry wrote them). */
  async render(services: readonly ServiceFigures[]): Promise<string> {
    const now = Date.now();
    const [own, logs] = await Promise.all([this.registry.metrics(), Promise.all(services.map((s) => this.logs.bytes(s.dir, now)))]);
    return `${own}\n${renderServiceFamilies(services.map((s, i) => ({ name: s.name, json: s.json, logBytes: logs[i] })))}\n`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
