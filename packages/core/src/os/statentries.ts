// stat(2) of every entry of a directory in one call to the addon (svscan's once-a-second pass),
// as small objects with what a pass looks at, not Node's Stats (its Dates and BigInts).
import { sys } from './sys.ts';

export interface EntryStat {
  readonly dev: number;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  isDirectory(): boolean;
}

const FIELDS = 6;
const yes = (): boolean => true;
const no = (): boolean => false;

/**
 * The stat of each of NAMES in DIR (symlinks followed), undefined where it failed; undefined for
 * all of them when the addon lacks statEntries or DIR cannot be opened (the caller stats itself).
 */
export function statEntries(dir: string, names: readonly string[]): (EntryStat | undefined)[] | undefined {
  const f = sys().statEntries;
  if (f === undefined) return undefined;
  let v: Float64Array;
  try {
    v = f(dir, names);
  } catch {
    return undefined;
  }
  const out: (EntryStat | undefined)[] = [];
  for (let i = 0; i < names.length; i++) {
    const o = i * FIELDS;
    out.push(v[o] !== 0 ? undefined : { isDirectory: v[o + 1] === 1 ? yes : no, dev: v[o + 2]!, ino: v[o + 3]!, mtimeMs: v[o + 4]!, ctimeMs: v[o + 5]! });
  }
  return out;
}
