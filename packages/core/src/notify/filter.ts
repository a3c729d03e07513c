// Which events svnotify delivers: a list of kinds (`failed limit unhealthy`), where `exit` may
// be narrowed to the exits that look like a crash: `exit-nonzero` (a non-zero code) and
// `exit-signal` (killed by a signal, which also covers `svc -t` of a service that dies of TERM).
import { SvkitError } from '../formats/errors.ts';
import type { ServiceEvent } from '../events/event.ts';

const KINDS = new Set([
  'start', 'ready', 'exit', 'restart', 'backoff', 'failed', 'healthy', 'unhealthy', 'limit',
  'up', 'down', 'once', 'stop', 'kill', 'notify-drop', 'exit-nonzero', 'exit-signal', 'all',
]);

/** The default: what needs a human. Deaths by signal are left out (svc -d and -t end a service by TERM). */
export const DEFAULT_ONLY = ['failed', 'limit', 'unhealthy', 'exit-nonzero'] as const;

export type Filter = readonly string[];

/** Kinds separated by commas, blanks or newlines; throws a permanent SvkitError naming SOURCE. */
export function parseFilter(text: string, source: string): Filter {
  const kinds = text.split(/[\s,]+/).filter((k) => k !== '');
  if (kinds.length === 0) throw new SvkitError('permanent', `unable to parse ${source}: no kind in it`);
  const bad = kinds.find((k) => !KINDS.has(k));
  if (bad !== undefined) throw new SvkitError('permanent', `unable to parse ${source}: unknown kind ${JSON.stringify(bad.slice(0, 40))}`);
  return kinds;
}

export function wanted(filter: Filter, e: ServiceEvent): boolean {
  return filter.some((k) => {
    if (k === 'all' || k === e.kind) return true;
    if (e.kind !== 'exit') return false;
    if (k === 'exit-nonzero') return typeof e['code'] === 'number' && e['code'] !== 0;
    return k === 'exit-signal' && typeof e['signal'] === 'string';
  });
}
