// The SSE stream's source: events/feed.ts on the scan dir (S/supervise/events where a svkit
// supervisor writes it, supervise/status changes elsewhere). One feed shared by every client,
// opened with the first and closed with the last, so no client means no watches at all.
import { openScanFeed, type Feed } from '../events/feed.ts';
import type { ServiceEvent } from '../events/event.ts';

export type Listener = (e: ServiceEvent) => void;

/**
 * The API's name of an event's service: a supervisor names it by its path (`sc/web`,
 * `/service/web/log`); the API by its entry of the scan dir (`web`, `web/log`).
 */
export function apiName(service: string): string {
  const parts = service.split('/').filter((p) => p !== '' && p !== '.');
  const last = parts.at(-1) ?? service;
  return last === 'log' && parts.length >= 2 ? `${parts.at(-2) ?? ''}/log` : last;
}

function renamed(fn: Listener): Listener {
  return (e) => fn(e.service === '' ? e : { ...e, service: apiName(e.service) });
}

export class ScanEvents {
  private readonly listeners = new Set<Listener>();
  private feed: Feed | undefined;
  private readonly scandir: string;
  private readonly warn: (m: string) => void;

  constructor(scandir: string, warn: (m: string) => void = () => undefined) {
    this.scandir = scandir;
    this.warn = warn;
  }

  /** Subscribes FN; with REPLAY, FN first gets the last REPLAY journaled events of each dir on a feed of its own. */
  subscribe(listener: Listener, replay = 0): { ready: Promise<void>; close: () => void } {
    const fn = renamed(listener);
    if (replay > 0) {
      const own = openScanFeed(this.scandir, fn, { replay, onWarning: this.warn });
      return { ready: own.ready, close: () => own.close() };
    }
    this.listeners.add(fn);
    this.feed ??= openScanFeed(this.scandir, (e) => {
      for (const l of this.listeners) l(e);
    }, { onWarning: this.warn });
    return {
      ready: this.feed.ready,
      close: () => {
        this.listeners.delete(fn);
        if (this.listeners.size === 0) {
          this.feed?.close();
          this.feed = undefined;
        }
      },
    };
  }
}
