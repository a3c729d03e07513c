// svstat's line and svkit's JSON view of an inspected service, both pure.
import type { Inspection } from './inspect.ts';
import { formatTai64n, unixSeconds } from '../formats/tai64n.ts';

/** daemontools' svstat body: "up (pid 12) 3 seconds, normally down, paused, want down". */
export function formatSvstat(ins: Inspection, nowUnix: number): string {
  if (ins.kind === 'problem') return ins.problem;
  const s = ins.status;
  const age = Math.max(0, nowUnix - Number(unixSeconds(s.stamp)));
  let line = s.pid !== 0 ? `up (pid ${s.pid}) ${age} seconds` : `down ${age} seconds`;
  if (s.pid !== 0 && !ins.normallyUp) line += ', normally down';
  if (s.pid === 0 && ins.normallyUp) line += ', normally up';
  if (s.pid !== 0 && s.paused) line += ', paused';
  if (s.pid === 0 && s.want === 'up') line += ', want up';
  if (s.pid !== 0 && s.want === 'down') line += ', want down';
  return line;
}

/** One service in `svstat --json` (schema documented in docs/svstat.md). */
export interface JsonStatus {
  readonly dir: string;
  readonly ok: boolean;
  readonly error: string | null;
  readonly supervised: boolean;
  readonly state: 'up' | 'down' | 'finish' | null;
  readonly pid: number | null;
  readonly want: 'up' | 'down' | 'once' | null;
  readonly paused: boolean | null;
  readonly normally: 'up' | 'down' | null;
  readonly seconds: number | null;
  readonly stamp: string | null;
  readonly termSent: boolean | null;
  readonly format: 'runit' | 'daemontools' | null;
}

export function toJsonStatus(dir: string, ins: Inspection, nowUnix: number): JsonStatus {
  if (ins.kind === 'problem') {
    return {
      dir, ok: false, error: ins.problem, supervised: ins.running, state: null, pid: null, want: null,
      paused: null, normally: null, seconds: null, stamp: null, termSent: null, format: null,
    };
  }
  const s = ins.status;
  const runState = s.runit?.state;
  return {
    dir,
    ok: true,
    error: null,
    supervised: true,
    state: runState === 'finish' ? 'finish' : s.pid !== 0 ? 'up' : 'down',
    pid: s.pid === 0 ? null : s.pid,
    want: s.want,
    paused: s.pid !== 0 && s.paused,
    normally: ins.normallyUp ? 'up' : 'down',
    seconds: Math.max(0, nowUnix - Number(unixSeconds(s.stamp))),
    stamp: '@' + formatTai64n(s.stamp),
    termSent: s.runit === undefined ? null : s.runit.termSent,
    format: s.runit === undefined ? 'daemontools' : 'runit',
  };
}
