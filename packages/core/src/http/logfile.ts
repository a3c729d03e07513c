// The log of a service for the API: its multilog `current`, stamps in local time. Found as the
// first directory of S/log/multilog (svkit's in-process log), else S/log/main, else S/log. The
// file must resolve inside the service dir (no symlink escape) and be a regular file.
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { formatTai64nLocal, parseTai64nLabel } from '../formats/tai64n.ts';
import { parseLogScriptFile, parseScript } from '../log/script.ts';

export const TAIL_CAP = 256 * 1024;

async function firstScriptDir(dir: string): Promise<string | undefined> {
  try {
    const fh = await open(join(dir, 'log', 'multilog'), constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      if (!(await fh.stat()).isFile()) return undefined;
      const text = (await fh.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, 0));
      const action = parseScript(parseLogScriptFile(text.buffer.subarray(0, text.bytesRead).toString('utf8'))).actions.find((a) => a.kind === 'dir');
      return action?.kind === 'dir' ? action.dir : undefined;
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

/** The path of the service's `current`, checked to be inside DIR, or undefined. */
export async function currentLog(dir: string): Promise<string | undefined> {
  const first = await firstScriptDir(dir);
  const candidates = [...(first === undefined ? [] : [join(dir, 'log', first)]), join(dir, 'log', 'main'), join(dir, 'log')];
  let root: string;
  try {
    root = await realpath(dir);
  } catch {
    return undefined;
  }
  for (const c of candidates) {
    try {
      const real = await realpath(join(c, 'current'));
      if (real.startsWith(root + sep)) return real;
    } catch {
      // next candidate
    }
  }
  return undefined;
}

/** Reads bytes [from, end) of a regular file, at most CAP from the end; undefined if not regular. */
export async function readRange(path: string, from: number | 'tail', cap = TAIL_CAP): Promise<{ data: Buffer; size: number; ino: number } | undefined> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const start = from === 'tail' ? Math.max(0, st.size - cap) : Math.min(from, st.size);
    const len = Math.min(cap, st.size - start);
    const buf = Buffer.alloc(len);
    const { bytesRead } = len === 0 ? { bytesRead: 0 } : await fh.read(buf, 0, len, start);
    return { data: buf.subarray(0, bytesRead), size: start + bytesRead, ino: st.ino };
  } finally {
    await fh.close();
  }
}

/** A log line with its leading TAI64N label as local time, control characters escaped. */
export function localLine(line: string): string {
  const b = Buffer.from(line, 'latin1');
  const p = parseTai64nLabel(b);
  const local = p === undefined ? undefined : formatTai64nLocal(p.stamp);
  const text = local === undefined ? line : local + line.slice(p?.end ?? 0);
  return Buffer.from(text, 'latin1').toString('utf8').replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The last N complete lines of PATH, in local time. */
export async function tailLines(path: string, n: number): Promise<string[] | undefined> {
  const r = await readRange(path, 'tail');
  if (r === undefined) return undefined;
  const text = r.data.toString('latin1');
  let lines = text.split('\n').slice(0, -1);
  if (r.size > r.data.length && lines.length > 0) lines = lines.slice(1);
  return lines.slice(-n).map(localLine);
}

