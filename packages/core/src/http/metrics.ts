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

/**
 * svhttp's own figures are read at most this often; scrapes within it share them. Reading them
 * costs about as much as writing the services' families (0.5 ms, half of it in the event-loop
 * delay histogram's mean and stddev, which walk every bucket), and no figure of svhttp's own
 * process moves in a way a second's delay hides.
 */
const OWN_TTL_MS = 1000;

export class Metrics {
  /** svhttp's own process figures only; the services' families are written by hand (servicefamilies.ts). */
  readonly registry = new Registry();
  private readonly logs = new LogSizes();
  private own: { readonly text: Promise<string>; readonly at: number } | undefined;

  constructor() {
    // The event-loop delay histogram samples every second, not every 10 ms (prom-client's default):
    // its timer was svhttp's only wake-up when idle, 100 a second (about 1 % of a core).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
  }

  /** The text of one scrape for SERVICES at NOW (ms): svhttp's process families, then the services' (as one registry wrote them). */
  async render(services: readonly ServiceFigures[], now = Date.now()): Promise<string> {
    const [own, logs] = await Promise.all([this.ownFigures(now), Promise.all(services.map((s) => this.logs.bytes(s.dir, now)))]);
    return `${own}\n${renderServiceFamilies(services.map((s, i) => ({ name: s.name, json: s.json, logBytes: logs[i] })))}\n`;
  }

  /** The registry's text, read again when older than OWN_TTL_MS (or when the last read failed). */
  private ownFigures(now: number): Promise<string> {
    const last = this.own;
    if (last !== undefined && now - last.at >= 0 && now - last.at < OWN_TTL_MS) return last.text;
    const text = this.registry.metrics();
    const mine = { text, at: now };
    this.own = mine;
    text.catch(() => {
      if (this.own === mine) this.own = undefined;
    });
    return text;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
