// The two streams: SSE of service events, and a followed log (new lines of `current`).
import { watch } from 'node:fs';
import { dirname } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceEvent } from '../events/event.ts';
import { headers } from './respond.ts';
import { localLine, readRange } from './logfile.ts';

export const PING_MS = 30_000;

export function openSse(req: IncomingMessage, res: ServerResponse): { send: (event: string, data: unknown) => void; onClose: (fn: () => void) => void } {
  res.writeHead(200, headers('text/event-stream; charset=utf-8', { Connection: 'keep-alive', 'X-Accel-Buffering': 'no' }));
  res.write('retry: 2000\n: svhttp\n\n');
  let id = 0;
  const ping = setInterval(() => res.write(': ping\n\n'), PING_MS);
  ping.unref();
  const closers: (() => void)[] = [() => clearInterval(ping)];
  // A client that goes away (or a socket error) ends everything the stream holds.
  res.on('close', () => closers.splice(0).forEach((f) => f()));
  req.socket.setTimeout(0);
  return {
    send: (event, data) => void res.write(`id: ${++id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    onClose: (fn) => closers.push(fn),
  };
}

export interface EventSource {
  subscribe(fn: (e: ServiceEvent) => void, replay?: number): { ready: Promise<void>; close: () => void };
}

/** SSE of SOURCE's events (only ONLY's, and its log's, if given); `: ready` once every dir is watched. */
export function streamEvents(req: IncomingMessage, res: ServerResponse, source: EventSource, only: string | undefined, replay: number): void {
  const sse = openSse(req, res);
  const sub = source.subscribe((e) => {
    if (only === undefined || e.service === only || e.service === `${only}/log`) sse.send(e.kind, e);
  }, replay);
  sse.onClose(sub.close);
  void sub.ready.then(() => {
    if (!res.destroyed) res.write(': ready\n\n');
  });
}

/** Sends LINES, then every line appended to PATH (a rotation starts over on the new current). */
export function followLog(req: IncomingMessage, res: ServerResponse, path: string, lines: string[], offset: number, ino: number): void {
  const sse = openSse(req, res);
  for (const l of lines) sse.send('line', l);
  let busy = false;
  let again = false;
  let partial = '';
  const pump = async (): Promise<void> => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        const r = await readRange(path, offset).catch(() => undefined);
        if (r === undefined) break;
        if (r.ino !== ino || r.size < offset) {
          ino = r.ino;
          offset = 0;
          partial = '';
          again = true;
          continue;
        }
        offset = r.size;
        const text = partial + r.data.toString('latin1');
        const parts = text.split('\n');
        partial = parts.pop() ?? '';
        for (const l of parts) sse.send('line', localLine(l));
        if (r.data.length > 0) again = true;
      } while (again && !res.destroyed);
    } finally {
      busy = false;
    }
  };
  try {
    const w = watch(dirname(path), () => void pump());
    w.on('error', () => res.end());
    sse.onClose(() => w.close());
  } catch {
    res.end();
  }
}
