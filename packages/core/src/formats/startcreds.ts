// Pure parsers of the service-dir files `user`, `rlimit/*`, `umask` and `nice` (docs/users-and-limits.md).

/** RLIMIT_* numbers on Linux, by the name of the file in rlimit/. */
export const RLIMITS: Readonly<Record<string, number>> = { cpu: 0, fsize: 1, stack: 3, core: 4, nproc: 6, nofile: 7, memlock: 8, as: 9 };

/** A user as the file says it: a name (initgroups), name:group, or numeric uid:gid. */
export type UserSpec = { readonly name: string; readonly group?: string } | { readonly uid: number; readonly gid: number };

const ID = /^\d{1,10}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

export function parseUser(text: string): UserSpec | string {
  const v = text.split('\n')[0]!.trim();
  const [a, b, ...rest] = v.split(':');
  if (rest.length > 0 || a === undefined || a === '') return 'not a user (name, name:group or uid:gid)';
  if (ID.test(a) && b !== undefined && ID.test(b)) return { uid: Number(a), gid: Number(b) };
  if (!NAME.test(a) || (b !== undefined && !NAME.test(b))) return 'not a user (name, name:group or uid:gid)';
  return b === undefined ? { name: a } : { name: a, group: b };
}

/** -1: unlimited; hard -2: keep the hard limit and cap the soft one at it (softlimit's way). */
export type Limit = readonly [resource: number, soft: number, hard: number];

function limitValue(s: string): number | undefined {
  if (s === 'unlimited' || s === 'infinity') return -1;
  return /^\d{1,18}$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : undefined;
}

export function parseLimit(name: string, text: string): Limit | string {
  const res = RLIMITS[name];
  if (res === undefined) return `not a resource (${Object.keys(RLIMITS).join(', ')})`;
  const v = text.split('\n')[0]!.trim();
  const [s, h, ...rest] = v.split(':');
  const soft = limitValue(s ?? '');
  const hard = h === undefined ? -2 : limitValue(h);
  if (rest.length > 0 || soft === undefined || hard === undefined) return 'not a limit (a number, unlimited, or soft:hard)';
  if (hard !== -2 && hard !== -1 && (soft === -1 || soft > hard)) return 'soft limit above the hard one';
  return [res, soft, hard];
}

export function parseUmask(text: string): number | string {
  const v = text.split('\n')[0]!.trim();
  return /^0?[0-7]{1,3}$/.test(v) ? parseInt(v, 8) : 'not an octal umask (e.g. 022)';
}

export function parseNice(text: string): number | string {
  const v = text.split('\n')[0]!.trim();
  return /^[+-]?\d{1,2}$/.test(v) && Math.abs(Number(v)) <= 39 ? Number(v) : 'not a nice increment (-39 to 39)';
}
