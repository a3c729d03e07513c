// svlog's engine: a log dir's history (all of it, or the last N lines, filtered) and then, when
// following, its new lines across rotations. Output goes through `out`; nothing is printed here.
import type { FileHandle } from 'node:fs/promises';
import { LogFollower } from './follow.ts';
import { forwardLines, lastLines, snapshot } from './lines.ts';
import type { LogPlace } from './where.ts';
import { viewLine, type LineView } from './view.ts';

const NL = 0x0a;

export interface ShowOptions {
  readonly view: LineView;
  /** Only the last N lines that pass the filters. */
  readonly last?: number;
}

/** Offset just past the last newline in fh's first SIZE bytes (read backwards). */
async function lineEnd(fh: FileHandle, size: number): Promise<number> {
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - buf.length);
    const { bytesRead } = await fh.read(buf, 0, end - start, start);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(NL);
    if (nl !== -1) return start + nl + 1;
    end = start;
  }
  return 0;
}

/**
 * Shows PLACE's history through `out` (one formatted line at a time). With `follow`, returns
 * the follower that goes on from there; its `removed` hook says when the directory went away.
 */
export async function showLog(place: LogPlace, opts: ShowOptions, out: (text: string) => void, follow?: { removed: () => void; failed: (err: unknown) => void }): Promise<LogFollower | undefined> {
  const snap = await snapshot(place.dir);
  try {
    const show = (raw: Buffer): void => {
      const text = viewLine(opts.view, place.name, raw);
      if (text !== undefined) out(text);
    };
    const filtered = opts.view.grep !== undefined || opts.view.since !== undefined;
    if (opts.last === undefined) {
      await forwardLines(snap.sources, show);
    } else if (!filtered) {
      for (const raw of await lastLines(snap.sources, opts.last)) show(raw);
    } else if (opts.last > 0) {
      // The filters decide which lines count: read forward, keep the last N that pass (bounded).
      const ring: string[] = [];
      await forwardLines(snap.sources, (raw) => {
        const text = viewLine(opts.view, place.name, raw);
        if (text === undefined) return;
        ring.push(text);
        if (ring.length > (opts.last as number)) ring.shift();
      });
      for (const t of ring) out(t);
    }
    if (follow === undefined) return undefined;
    const at = snap.current === undefined ? 0 : await lineEnd(snap.current.fh, snap.current.size);
    return new LogFollower(place.dir, snap.current, at, snap.lastArchive, { line: show, removed: follow.removed, failed: follow.failed });
  } finally {
    await snap.close();
    if (follow === undefined) await snap.current?.fh.close();
  }
}
