// What svstat shows of supervise/health: the suffixes of the daemontools line, the lines of
// -v and the fields added to --json. A directory without the file (a peer's, or one from
// before svkit 0.2) shows exactly what it showed before.
import { join } from 'node:path';
import { decodeHealth, formatBytes, type HealthState, type LastExit } from '../formats/healthstate.ts';
import type { Inspection } from './inspect.ts';
import { readServiceFileSync } from '../os/servicefile.ts';

const HEALTH_CAP = 64 * 1024;

/** DIR/supervise/health, or undefined when absent, not a regular file, too big or not a version-1 record. */
export function readHealthFile(dir: string): HealthState | undefined {
  try {
    const f = readServiceFileSync(join(dir, 'supervise/health'), HEALTH_CAP); // sync-ok: svstat and svtop (client side)
    return f.kind === 'ok' ? decodeHealth(f.data.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}

/** The health record when it speaks of the run the status shows (a stale one says nothing). */
function current(ins: Inspection, h: HealthState | undefined): HealthState | undefined {
  if (ins.kind !== 'status' || h === undefined) return undefined;
  return h.pid === ins.status.pid ? h : undefined;
}

/** Down, want up and held by svscan's start order: the services it waits for. */
function waitingFor(ins: Inspection, h: HealthState | undefined): readonly string[] | null {
  if (h === undefined || ins.kind !== 'status' || ins.status.pid !== 0 || ins.status.want !== 'up') return null;
  return h.waitingFor !== null && h.waitingFor.length > 0 ? h.waitingFor : null;
}

/** ", ready", ", not ready", ", unhealthy", ", backoff 8 seconds", ", failed", ", waiting for db", or "". */
export function svstatSuffix(ins: Inspection, health: HealthState | undefined, nowMs: number): string {
  const h = current(ins, health);
  if (h === undefined || ins.kind !== 'status') return '';
  let out = '';
  if (ins.status.pid !== 0) {
    if (h.ready === true) out += ', ready';
    if (h.ready === false) out += ', not ready';
    if (h.health === 'unhealthy') out += ', unhealthy';
  } else {
    if (h.failed !== null) out += ', failed';
    else if (h.backoff !== null && h.backoff.until > nowMs) out += `, backoff ${formatSeconds(h.backoff.wait)} seconds`;
    const waits = waitingFor(ins, h);
    if (waits !== null) out += `, waiting for ${waits.slice(0, 5).join(', ')}${waits.length > 5 ? ` and ${waits.length - 5} more` : ''}`;
  }
  return out;
}

function formatSeconds(s: number): string {
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

function ago(at: number, nowMs: number): string {
  return `${Math.max(0, Math.round((nowMs - at) / 1000))} seconds ago`;
}

export function describeExit(e: LastExit): string {
  return e.signal !== null ? `killed by signal ${e.signal}` : e.code !== null ? `exit ${e.code}` : 'ended (status unknown)';
}

/** The lines of svstat -v after the daemontools line, each indented by two spaces. */
export function verboseLines(ins: Inspection, health: HealthState | undefined, nowMs: number): string[] {
  if (ins.kind !== 'status') return [];
  const s = ins.status;
  const lines: string[] = [];
  const h = health;
  const cur = current(ins, h);
  lines.push(`state: ${s.runit?.state === 'finish' ? 'finish' : s.pid !== 0 ? 'up' : 'down'}${s.pid !== 0 ? `, pid ${s.pid}` : ''}`);
  if (s.pid !== 0) {
    if (cur?.ready === true) lines.push(`ready: yes${cur.readyAt !== null ? `, since ${ago(cur.readyAt, nowMs)}` : ''}`);
    else if (cur?.ready === false) lines.push('ready: not yet (waiting for the notification-fd newline)');
    else lines.push('ready: yes (up; no notification-fd)');
  }
  if (cur?.health !== null && cur?.health !== undefined) {
    const c = cur.check;
    lines.push(`health: ${cur.health}${c !== null ? `, checks ${c.ok ? 'pass' : 'fail'} for ${Math.max(0, Math.round((nowMs - c.at) / 1000))} seconds: ${c.kind}, ${c.reason}` : ', no check yet'}`);
  }
  if (s.pid !== 0 && cur?.memory !== null && cur?.memory !== undefined) lines.push(`memory: ${formatBytes(cur.memory)} (process tree)`);
  if (s.pid !== 0 && cur?.cpu !== null && cur?.cpu !== undefined) lines.push(`cpu: ${cur.cpu}% of one core`);
  if (h === undefined) return lines;
  lines.push(`restarts: ${h.restarts}`);
  if (h.lastExit !== null) lines.push(`last exit: ${describeExit(h.lastExit)}, ${ago(h.lastExit.at, nowMs)}`);
  if (cur?.backoff !== null && cur?.backoff !== undefined && s.pid === 0 && cur.backoff.until > nowMs) {
    lines.push(`backoff: ${formatSeconds(cur.backoff.wait)} seconds, next start in ${Math.ceil((cur.backoff.until - nowMs) / 1000)} seconds`);
  }
  if (cur?.failed !== null && cur?.failed !== undefined) lines.push(`failed: ${cur.failed} (svc -u to start it again)`);
  const waits = waitingFor(ins, cur);
  if (waits !== null) lines.push(`waiting for: ${waits.join(', ')} (needs/: up and ready)`);
  if (h.cause !== null) lines.push(`last restart cause: ${h.cause}`);
  if (h.startError !== null) lines.push(`last start failed: ${h.startError}`);
  return lines;
}

/** The fields svstat --json adds to the version 1 schema; all null without a health file. */
export interface JsonHealth {
  readonly ready: boolean | null;
  readonly health: 'healthy' | 'unhealthy' | 'unknown' | null;
  readonly check: { readonly kind: string; readonly ok: boolean; readonly reason: string; readonly seconds: number } | null;
  readonly memory: number | null;
  readonly cpu: number | null;
  readonly restarts: number | null;
  readonly lastExit: { readonly code: number | null; readonly signal: number | null; readonly seconds: number } | null;
  readonly backoff: number | null;
  readonly failed: string | null;
  readonly cause: string | null;
  readonly startError: string | null;
  /** Held by svscan's start order: the services it waits for; null when not waiting. */
  readonly waitingFor: readonly string[] | null;
}

export function toJsonHealth(ins: Inspection, h: HealthState | undefined, nowMs: number): JsonHealth {
  const cur = current(ins, h);
  const secs = (at: number): number => Math.max(0, Math.round((nowMs - at) / 1000));
  const up = ins.kind === 'status' && ins.status.pid !== 0;
  return {
    ready: up ? (cur?.ready ?? (h === undefined ? null : true)) : null,
    health: cur?.health ?? null,
    check: cur?.check ? { kind: cur.check.kind, ok: cur.check.ok, reason: cur.check.reason, seconds: secs(cur.check.at) } : null,
    memory: up ? (cur?.memory ?? null) : null,
    cpu: up ? (cur?.cpu ?? null) : null,
    restarts: h?.restarts ?? null,
    lastExit: h?.lastExit ? { code: h.lastExit.code, signal: h.lastExit.signal, seconds: secs(h.lastExit.at) } : null,
    backoff: !up && cur?.backoff && cur.backoff.until > nowMs ? cur.backoff.wait : null,
    failed: cur?.failed ?? null,
    cause: h?.cause ?? null,
    startError: h?.startError ?? null,
    waitingFor: waitingFor(ins, cur),
  };
}
