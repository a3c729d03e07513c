// Following one S/supervise/events file (journal.ts writes it): the lines added since the last
// read, across a rotation (events -> events.1, read to its end before the fresh file) and a
// truncation (read again from 0), none lost, none repeated. Reads are non-blocking opens of
// regular files only; nothing is read until the directory watcher says something changed.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { EVENTS_FILE, EVENTS_OLD } from './journal.ts';

const { O_RDONLY, O_NONBLOCK } = constants;

interface Opened { readonly ino: number; readonly start: number; readonly bytes: Buffer }

/** A regular file from `from` (from 0 if it is shorter now), or undefined if absent / not regular / not ino. */
async function readFrom(path: string, from: number, ino?: number): Promise<Opened | undefined> {
  let fh;
  try {
    fh = await open(path, O_RDONLY | O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || (ino !== undefined && st.ino !== ino)) return undefined;
    const start = st.size < from ? 0 : from;
    const bytes = Buffer.alloc(Math.max(0, st.size - start));
    let got = 0;
    while (got < bytes.length) {
      const { bytesRead } = await fh.read(bytes, got, bytes.length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { ino: st.ino, start, bytes: bytes.subarray(0, got) };
  } finally {
    await fh.close();
  }
}

/** Complete lines of bytes, and how many bytes they take (a partial last line waits). */
function completeLines(bytes: Buffer): { lines: string[]; used: number } {
  const end = bytes.lastIndexOf(0x0a);
  if (end < 0) return { lines: [], used: 0 };
  return { lines: bytes.subarray(0, end).toString('utf8').split('\n'), used: end + 1 };
}

export class EventsTail {
  private ino: number | undefined;
  private offset = 0;
  private readonly dir: string;

  /** superviseDir: the path of S/supervise. */
  constructor(superviseDir: string) {
    this.dir = superviseDir;
  }

  /** Whether an events file is there (a svkit supervisor runs or ran here). */
  get found(): boolean {
    return this.ino !== undefined;
  }

  /** Starts at the end of the file; returns the last `replay` lines of events.1 + events. */
  async start(replay = 0): Promise<string[]> {
    const cur = await readFrom(join(this.dir, EVENTS_FILE), 0);
    if (cur === undefined) return [];
    this.ino = cur.ino;
    const { lines, used } = completeLines(cur.bytes);
    this.offset = used;
    if (replay <= 0) return [];
    let all = lines;
    if (all.length < replay) {
      const old = await readFrom(join(this.dir, EVENTS_OLD), 0);
      if (old !== undefined) all = [...completeLines(old.bytes).lines, ...all];
    }
    return all.slice(-replay);
  }

  /** The lines added since the last call (the rest of a rotated file first). */
  async next(): Promise<string[]> {
    const out: string[] = [];
    let cur = await readFrom(join(this.dir, EVENTS_FILE), this.offset);
    if (cur === undefined) return out;
    if (this.ino !== undefined && cur.ino !== this.ino) {
      // Rotated: what was ours is events.1 now; its end first, then the fresh file from 0.
      const old = await readFrom(join(this.dir, EVENTS_OLD), this.offset, this.ino);
      if (old !== undefined && old.start === this.offset) out.push(...completeLines(old.bytes).lines);
      cur = await readFrom(join(this.dir, EVENTS_FILE), 0);
      if (cur === undefined) return out;
    }
    // A shorter file than our offset was truncated: readFrom started it at 0.
    this.ino = cur.ino;
    const { lines, used } = completeLines(cur.bytes);
    this.offset = cur.start + used;
    out.push(...lines);
    return out;
  }
}
