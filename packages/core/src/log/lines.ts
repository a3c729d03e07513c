// A log dir's lines in order (archives `@*.s`/`@*.u` by name, which is by time, then current),
// read in chunks: forward for filters, backward for the last N, never a whole file at once.
// `current` is opened first and read up to its size then: a rotation meanwhile repeats nothing
// (an archive with current's inode is skipped) and a follower goes on from that offset.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { isArchiveName } from './rotation.ts';

const CHUNK = 64 * 1024;
const NL = 0x0a;

export interface Source {
  readonly fh: FileHandle;
  /** Read up to here. */
  readonly size: number;
  /** The file's last bytes are a line even without a newline (an archive, cut at SIZE). */
  readonly complete: boolean;
}

export interface LogSnapshot {
  /** Oldest first; the last is current when there is one. */
  readonly sources: Source[];
  /** current, kept open for following from `size`. */
  readonly current: { fh: FileHandle; ino: number; size: number } | undefined;
  /** Name of the newest archive read ('' if none): a follower goes on after it. */
  readonly lastArchive: string;
  close(): Promise<void>;
}

/** Opens current, then every archive that is not current's inode. */
export async function snapshot(dir: string): Promise<LogSnapshot> {
  const cur = await open(join(dir, 'current'), 'r').catch(() => undefined);
  const cst = cur === undefined ? undefined : await cur.stat();
  const names = (await readdir(dir)).filter((n) => isArchiveName(n) && (n.endsWith('.s') || n.endsWith('.u'))).sort();
  const sources: Source[] = [];
  let lastArchive = '';
  for (const n of names) {
    const path = join(dir, n);
    const st = await stat(path).catch(() => undefined);
    if (st === undefined || !st.isFile() || (cst !== undefined && st.ino === cst.ino)) continue;
    const fh = await open(path, 'r').catch(() => undefined);
    if (fh === undefined) continue;
    sources.push({ fh, size: st.size, complete: true });
    lastArchive = n;
  }
  const current = cur === undefined || cst === undefined ? undefined : { fh: cur, ino: cst.ino, size: cst.size };
  if (current !== undefined) sources.push({ fh: current.fh, size: current.size, complete: false });
  return {
    sources, current, lastArchive,
    close: async () => { for (const s of sources) if (s.fh !== current?.fh) await s.fh.close(); },
  };
}

/** Each line of FH from byte FROM up to END (default: its end now); returns the offset after the last complete one. */
export async function linesOf(fh: FileHandle, from: number, each: (line: Buffer) => void, opts: { end?: number; flush?: boolean } = {}): Promise<number> {
  const buf = Buffer.allocUnsafe(CHUNK);
  const end = opts.end ?? Infinity;
  let carry: Buffer = Buffer.alloc(0);
  let pos = from;
  while (pos < end) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, end - pos), pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
    let start = 0;
    for (let nl = data.indexOf(NL); nl !== -1; nl = data.indexOf(NL, start)) {
      each(data.subarray(start, nl));
      start = nl + 1;
    }
    carry = Buffer.from(data.subarray(start));
  }
  if (opts.flush === true && carry.length > 0) {
    each(carry);
    return pos;
  }
  return pos - carry.length;
}

/** Every line of the sources, in order. Returns the offset reached in the last source. */
export async function forwardLines(sources: readonly Source[], each: (line: Buffer) => void): Promise<number> {
  let at = 0;
  for (const s of sources) at = await linesOf(s.fh, 0, each, { end: s.size, flush: s.complete });
  return at;
}

/** The last N lines of the sources, oldest first, read backwards in CHUNK blocks. */
export async function lastLines(sources: readonly Source[], n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const buf = Buffer.allocUnsafe(CHUNK);
  for (let f = sources.length - 1; f >= 0 && out.length < n; f--) {
    const src = sources[f] as Source;
    let end = src.size;
    // pending: the start of a line whose end was seen (haveEnd), or current's unfinished last line.
    let pending: Buffer = Buffer.alloc(0);
    let haveEnd = false;
    if (src.complete && end > 0) {
      const { bytesRead } = await src.fh.read(buf, 0, 1, end - 1);
      haveEnd = bytesRead === 1 && buf[0] !== NL;
    }
    while (end > 0 && out.length < n) {
      const start = Math.max(0, end - CHUNK);
      const { bytesRead } = await src.fh.read(buf, 0, end - start, start);
      end = start;
      const data = Buffer.concat([buf.subarray(0, bytesRead), pending]);
      let segEnd = data.length;
      for (let nl = segEnd > 0 ? data.lastIndexOf(NL, segEnd - 1) : -1; nl !== -1 && out.length < n; nl = segEnd > 0 ? data.lastIndexOf(NL, segEnd - 1) : -1) {
        if (haveEnd) out.push(Buffer.from(data.subarray(nl + 1, segEnd)));
        haveEnd = true;
        segEnd = nl;
      }
      pending = Buffer.from(data.subarray(0, segEnd));
      if (start === 0 && haveEnd && out.length < n) out.push(pending);
    }
  }
  return out.reverse();
}
