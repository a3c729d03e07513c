// The last lines an in-process log (S/log/multilog) wrote to its first directory's `current`,
// for svstat -v: what the service said before it died. Reads at most 4 KiB from the end of a
// regular file; for a client (svstat), not for svscan's main thread.
import { readServiceFileSync } from '../os/servicefile.ts';
import { join } from 'node:path';
import { parseLogScriptFile, parseScript } from './script.ts';

export const TAIL_BYTES = 4096;
export const SCRIPT_CAP = 64 * 1024;

function readCapped(path: string, fromEnd: number | undefined, cap: number): string | undefined {
  try {
    const f = readServiceFileSync(path, cap, fromEnd === undefined ? {} : { tail: fromEnd }); // sync-ok: svstat -v (client side)
    return f.kind === 'ok' ? f.data.toString('utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** Up to N last complete lines of DIR's in-process log, control characters escaped; [] if none. */
export function inProcessLogTail(dir: string, n = 3): string[] {
  const text = readCapped(join(dir, 'log', 'multilog'), undefined, SCRIPT_CAP);
  const first = text === undefined ? undefined : firstLogDir(text);
  if (first === undefined) return [];
  const tail = readCapped(join(dir, 'log', first, 'current'), TAIL_BYTES, TAIL_BYTES);
  return tail === undefined ? [] : lastLinesOf(tail, n);
}

/** The first directory a log script (the text of S/log/multilog) writes to, or undefined. */
export function firstLogDir(script: string): string | undefined {
  try {
    const action = parseScript(parseLogScriptFile(script), undefined, true).actions.find((a) => a.kind === 'dir');
    return action?.kind === 'dir' ? action.dir : undefined;
  } catch {
    return undefined;
  }
}

/** The last N complete lines of TAIL (the last bytes of a `current`), the first partial one dropped. */
export function lastLinesOf(tail: string, n: number): string[] {
  const lines = tail.split('\n').slice(1, -1).filter((l) => l !== '');
  return lines.slice(-n).map((l) => l.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
