// The API's view of services: exactly svstat --json's objects (docs/svstat.md), from the
// on-disk contract only, so it also serves dirs run by daemontools' supervise or runsv. The
// facts come from the snapshot (snapshot.ts); the shaping is svstat's own.
import type { Inspection } from '../supervise/inspect.ts';
import { toJsonStatus, type JsonStatus } from '../supervise/report.ts';
import { toJsonHealth, type JsonHealth } from '../supervise/healthview.ts';
import type { HealthState } from '../formats/healthstate.ts';

export type ServiceJson = JsonStatus & JsonHealth & { readonly lastLines: string[] | null };

/** svstat --json's object for service NAME at NOWMS, as svstat builds it (packages/tools/src/svstat.ts). */
export function serviceJsonOf(name: string, ins: Inspection, health: HealthState | undefined, tail: readonly string[], nowMs: number): ServiceJson {
  // Object.assign, not a spread: Node 20 spreads these 26 fields about 30 times slower (tens of µs a service).
  return Object.assign({}, toJsonStatus(name, ins, Math.floor(nowMs / 1000)), toJsonHealth(ins, health, nowMs), { lastLines: tail.length > 0 ? [...tail] : null });
}
