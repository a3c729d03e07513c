// svtop's screen: one row per service of a scan dir, fitted to the terminal's width. Pure.
import { formatBytes, type HealthState } from '../formats/healthstate.ts';
import type { Inspection } from './inspect.ts';
import { unixSeconds } from '../formats/tai64n.ts';

export interface TopService {
  readonly name: string;
  readonly ins: Inspection;
  readonly health: HealthState | undefined;
}

const HEAD = ['SERVICE', 'STATE', 'PID', 'UPTIME', 'READY', 'HEALTH', 'MEM', 'CPU%', 'RESTARTS'];
const WIDTHS = [0, 7, 7, 8, 5, 9, 8, 6, 8];

function duration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

function cells(t: TopService, nowMs: number): string[] {
  if (t.ins.kind === 'problem') return [t.name, '?', '', '', '', '', '', '', t.ins.problem];
  const s = t.ins.status;
  const h = t.health !== undefined && t.health.pid === s.pid ? t.health : undefined;
  const up = s.pid !== 0;
  const age = Math.max(0, Math.floor(nowMs / 1000) - Number(unixSeconds(s.stamp)));
  const state = h?.failed ? 'failed' : !up && h?.backoff && h.backoff.until > nowMs ? 'backoff' : s.runit?.state === 'finish' ? 'finish' : up ? 'up' : 'down';
  return [
    t.name, state, up ? String(s.pid) : '', duration(age),
    up ? (h?.ready === false ? 'no' : 'yes') : '',
    h?.health ?? '',
    up && h?.memory != null ? formatBytes(h.memory).replace(' ', '') : '',
    up && h?.cpu != null ? h.cpu.toFixed(1) : '',
    t.health !== undefined ? String(t.health.restarts) : '',
  ];
}

/** The lines of one frame for a terminal COLUMNS wide (at least 60): the name column takes what is left. */
export function renderTop(dir: string, services: readonly TopService[], nowMs: number, columns = 80, live = false): string[] {
  const fixed = WIDTHS.slice(1).reduce((a, w) => a + w + 1, 0);
  const nameWidth = Math.max(8, Math.min(40, columns - fixed - 1));
  const fit = (text: string, w: number, right: boolean): string => {
    const t = text.length > w ? text.slice(0, w - 1) + '~' : text;
    return right ? t.padStart(w) : t.padEnd(w);
  };
  const line = (c: string[]): string => c.map((x, i) => fit(x, i === 0 ? nameWidth : WIDTHS[i]!, i === 2 || i >= 6)).join(' ').trimEnd();
  const up = services.filter((s) => s.ins.kind === 'status' && s.ins.status.pid !== 0).length;
  const title = `svtop ${dir}: ${services.length} services, ${up} up${live ? '   (q quits)' : ''}`;
  return [fit(title, columns, false).trimEnd(), '', line(HEAD), ...services.map((s) => line(cells(s, nowMs)))];
}
