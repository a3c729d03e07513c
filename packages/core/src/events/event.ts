// A service event: one transition of one service, as the engine saw it. The one shape that
// svscan -v, notify hooks, svwatch and the HTTP API's SSE feed all render (issues 8, 12).
/** Bumped only when a field changes meaning; fields are only ever added. */
export const EVENT_VERSION = 1;

/** What happened. Supervisor-wide kinds have an empty `service`. */
export type EventKind =
  | 'start' | 'ready' | 'exit' | 'restart' | 'backoff' | 'failed'
  | 'healthy' | 'unhealthy' | 'limit'
  | 'up' | 'down' | 'once' | 'stop' | 'kill'
  | 'supervisor-start' | 'supervisor-stop'
  /** Issue 8: the notify hook queue of the service was full; `dropped` counts, `of` is the kind lost. */
  | 'notify-drop';

/** Why a service was restarted. */
export type RestartCause = 'exit' | 'health' | 'limit' | 'readiness' | 'command' | 'watch';

export interface ServiceEvent {
  readonly v: typeof EVENT_VERSION;
  readonly kind: EventKind;
  /** The service directory as the supervisor names it (e.g. `web`, `web/log`). */
  readonly service: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** The service's pid at the event, 0 when it has none. */
  readonly pid: number;
  /** Fields of the kind: exit `code`/`signal`, restart `cause`, backoff `wait` (s), limit `which`/`value`, ... */
  readonly [field: string]: string | number | boolean | null | undefined;
}

/** Where the engine sends events; must not throw and must not block (queue and return). */
export type EventSink = (event: ServiceEvent) => void;

/** An event of KIND for SERVICE now, with the fields of its kind. */
export function makeEvent(kind: EventKind, service: string, pid: number, fields: Record<string, string | number | boolean | null> = {}): ServiceEvent {
  return { ...fields, v: EVENT_VERSION, kind, service, time: Date.now(), pid };
}
