// What a batch of events looks like to its readers: a plain-text mail (one line per event, as
// svscan -v prints them, then the events as JSON) and a webhook's JSON body.
import { describeAny, localTime } from '../events/describe.ts';
import type { ServiceEvent } from '../events/event.ts';

export interface Message {
  readonly subject: string;
  readonly text: string;
}

function line(e: ServiceEvent): string {
  if (e.kind === 'notify-drop' && e['by'] === 'svnotify') {
    return `svnotify: ${String(e['dropped'])} events not delivered (${e['why'] === 'full' ? 'the spool was full' : 'only the newest are kept after failed deliveries'})`;
  }
  return `${e.service === '' ? 'svscan' : e.service}: ${describeAny(e)}`;
}

/** "web: exited 3" for one event; "5 events: web exit (4), web failed" for a batch. */
function subject(events: readonly ServiceEvent[], host: string): string {
  const head = `[svkit ${host}]`;
  if (events.length === 1 && events[0] !== undefined) return `${head} ${line(events[0])}`;
  const counts = new Map<string, number>();
  for (const e of events) {
    const key = `${e.service === '' ? 'svnotify' : e.service} ${e.kind}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const parts = [...counts].map(([k, n]) => (n > 1 ? `${k} (${n})` : k));
  const shown = parts.length > 4 ? [...parts.slice(0, 4), '...'] : parts;
  return `${head} ${events.length} events: ${shown.join(', ')}`;
}

export function renderMail(events: readonly ServiceEvent[], host: string): Message {
  const lines = events.map((e) => `${localTime(e.time)} ${line(e)}`);
  const json = events.map((e) => JSON.stringify(e));
  return {
    subject: subject(events, host),
    text: `${lines.join('\n')}\n\nThe events as JSON (svkit's docs/events.md):\n${json.join('\n')}\n\n-- \nsvnotify on ${host}\n`,
  };
}

/** The webhook's body: {"v":1,"host":...,"events":[...]}. */
export function renderWebhook(events: readonly ServiceEvent[], host: string): string {
  return JSON.stringify({ v: 1, host, events });
}
