// The per-service families of GET /metrics (docs/svhttp.md, "Metrics"), written by hand from the
// snapshot's views: filling prom-client's registry (a label object and a hash per sample) and
// writing it cost about 1 ms a scrape of 100 services, ten times what this does (bench/http).
// The bytes are prom-client's own (promtext.ts); a figure that is unknown has no sample.
import { promEscape, promHeader, promLabelValue, promValue } from './promtext.ts';
import type { ServiceJson } from './services.ts';

export interface ServiceSample {
  readonly name: string;
  readonly json: ServiceJson;
  /** Bytes of its log directory; undefined without a log. */
  readonly logBytes: number | undefined;
}

type Figure = (j: ServiceJson, logBytes: number | undefined) => number | null | undefined;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly figure: Figure;
}

const gauge = (name: string, help: string, figure: Figure): Family => ({ name: `svkit_service_${name}`, help, type: 'gauge', figure });

/** In prom-client's registration order of the families before them (which was their output order). */
export const SERVICE_FAMILIES: readonly Family[] = [
  gauge('supervised', '1 if a supervisor runs the service (supervise/status readable)', (j) => (j.supervised ? 1 : 0)),
  gauge('up', '1 if the service has a process', (j) => (j.state === 'up' ? 1 : 0)),
  gauge('ready', '1 if the service is up and ready (notification-fd), 0 if up and not ready', (j) => (j.ready === null ? null : j.ready ? 1 : 0)),
  gauge('healthy', '1 if its health checks pass, 0 if they fail (absent when unknown)', (j) => (j.health === 'healthy' ? 1 : j.health === 'unhealthy' ? 0 : null)),
  gauge('failed', '1 if restart-giveup left the service failed', (j) => (j.failed === null ? (j.ok ? 0 : null) : 1)),
  gauge('uptime_seconds', 'seconds since the service went up (0 when down)', (j) => (j.ok ? (j.state === 'up' ? j.seconds : 0) : null)),
  gauge('state_seconds', 'seconds in its current state (up or down)', (j) => j.seconds),
  gauge('last_exit_code', 'exit code of its last run (absent after a signal)', (j) => j.lastExit?.code),
  gauge('last_exit_signal', 'signal that ended its last run (absent after an exit code)', (j) => j.lastExit?.signal),
  gauge('memory_bytes', 'RSS of its process tree in bytes', (j) => j.memory),
  gauge('cpu_ratio', 'CPU of its process tree, in cores (1 = one core busy)', (j) => (j.cpu === null ? null : j.cpu / 100)),
  gauge('backoff_seconds', 'seconds of the restart back-off it waits in', (j) => j.backoff),
  gauge('log_bytes', 'bytes its log directory holds (current and archives)', (_j, logBytes) => logBytes),
  { name: 'svkit_service_restarts_total', help: 'restarts since the supervisor started it', type: 'counter', figure: (j) => j.restarts },
];

const HEADERS = SERVICE_FAMILIES.map((f) => promHeader(f.name, f.help, f.type));
const NAMES = SERVICE_FAMILIES.map((f) => promEscape(f.name));

/**
 * A counter's sample that prom-client takes: not negative, not infinite (NaN it writes as Nan).
 * It throws on the rest, failing the whole scrape; here only that sample is left out (a corrupt
 * supervise/health of one service costs that service its counter, not every service its figures).
 */
function validCounter(v: number): boolean {
  return !(v < 0) && v !== Infinity;
}

/** The families of SERVICES in the exposition format: families apart by a blank line, no final newline. */
export function renderServiceFamilies(services: readonly ServiceSample[]): string {
  const labels = services.map((s) => `{service="${promLabelValue(s.name)}"} `);
  const out: string[] = [];
  SERVICE_FAMILIES.forEach((f, k) => {
    let text = HEADERS[k]!;
    const name = NAMES[k]!;
    for (let i = 0; i < services.length; i++) {
      const s = services[i]!;
      const v = f.figure(s.json, s.logBytes);
      if (v === null || v === undefined) continue;
      if (f.type === 'counter' && !validCounter(v)) continue;
      text += `\n${name}${labels[i]!}${promValue(v)}`;
    }
    out.push(text);
  });
  return out.join('\n\n');
}
