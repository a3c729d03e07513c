// A service event as one line of text ("up pid 123", "exited 1, down"): what svscan -v and
// svwatch --human print and what svnotify's mail lists (issue 8).
import type { ServiceEvent } from './event.ts';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function localTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** "exited 1", "killed by TERM", "finish exited 0"; an adopted child's end is unknown. */
function ended(e: ServiceEvent): string {
  const what = e['what'] === 'finish' ? 'finish ' : '';
  if (typeof e['signal'] === 'string') return `${what}killed by ${e['signal']}`;
  if (typeof e['code'] === 'number') return `${what}exited ${e['code']}`;
  return `${what}exited`;
}

/** The text after the label; undefined for an event shown by the next one (an exit that a restart follows). */
export function describe(e: ServiceEvent): string | undefined {
  switch (e.kind) {
    case 'start':
      if (e['adopted'] === true) return `adopted pid ${e.pid}`;
      return e['what'] === 'finish' ? `finish pid ${e.pid}` : `up pid ${e.pid}`;
    case 'exit':
      if (e['then'] === 'restart') return undefined;
      return `${ended(e)}${e['then'] === 'finish' ? ', running finish' : e['then'] === 'down' ? ', down' : ''}`;
    case 'restart': {
      const cause = e['what'] === undefined ? '' : `${ended(e)}, `;
      return `${cause}restarting in ${String(e['wait'] ?? 0)} s`;
    }
    case 'stop':
      return e['kill'] === 0 ? 'TERM' : `TERM, KILL in ${String(e['kill'])} s`;
    case 'kill':
      return e['why'] === 'timeout' ? 'KILL (still running after TERM)' : 'KILL';
    case 'up':
    case 'down':
    case 'once':
      return `want ${e.kind}`;
    case 'supervisor-start':
      return `scanning ${String(e['dir'])}, pid ${e.pid}`;
    case 'supervisor-stop':
      return `stopped scanning ${String(e['dir'])}`;
    default:
      return e.kind;
  }
}

/** Every event as a line, the exit that a restart follows too ("exited 3, restarting"). */
export function describeAny(e: ServiceEvent): string {
  return describe(e) ?? `${ended(e)}, restarting`;
}
