// Reads a service's user, rlimit/, umask and nice files before each start (off the main thread)
// and resolves the user from /etc/passwd and /etc/group (async; never getpwnam in the child).
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../formats/errno.ts';
import { parseLimit, parseNice, parseUmask, parseUser, type Limit } from '../formats/startcreds.ts';
import { readServiceFile } from '../os/servicefile.ts';

import type { SpawnCreds as StartCreds } from '../os/spawn.ts';
export type { StartCreds };

/** Why the service must not start (a bad value, an unknown user): the reason, naming the file. */
export class StartCredsError extends Error {}

async function text(path: string, label: string): Promise<string | undefined> {
  const f = await readServiceFile(path);
  if (f.kind === 'absent') return undefined;
  if (f.kind !== 'ok') throw new StartCredsError(`${label}: not a regular file`);
  return f.data.toString('utf8');
}

function check<T>(v: T | string, label: string): T {
  if (typeof v === 'string') throw new StartCredsError(`${label}: ${v}`);
  return v;
}

/**
 * undefined when the service has none of the files (the fast posix_spawn path). LISTING, the
 * names in the dir when given, spares the reads of files that are not there.
 */
export async function readStartCreds(cwd: string, label: string, listing?: ReadonlySet<string>): Promise<StartCreds | undefined> {
  const may = (name: string): boolean => listing === undefined || listing.has(name);
  const none = Promise.resolve(undefined);
  const [user, umask, nice, limits] = await Promise.all([
    may('user') ? text(join(cwd, 'user'), `${label}/user`) : none,
    may('umask') ? text(join(cwd, 'umask'), `${label}/umask`) : none,
    may('nice') ? text(join(cwd, 'nice'), `${label}/nice`) : none,
    may('rlimit') ? readLimits(join(cwd, 'rlimit'), `${label}/rlimit`) : none,
  ]);
  if (user === undefined && umask === undefined && nice === undefined && limits === undefined) return undefined;
  const out: StartCreds = {};
  if (limits !== undefined) out.limits = limits;
  if (umask !== undefined) out.umask = check(parseUmask(umask), `${label}/umask`);
  if (nice !== undefined) out.nice = check(parseNice(nice), `${label}/nice`);
  if (user !== undefined) Object.assign(out, await resolveUser(check(parseUser(user), `${label}/user`), `${label}/user`));
  if (out.uid !== undefined && process.getuid?.() !== 0) throw new StartCredsError(`${label}/user: svscan is not root, so it cannot change user`);
  return out;
}

async function readLimits(dir: string, label: string): Promise<Limit[] | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
  names = names.filter((n) => !n.startsWith('.')).sort();
  const texts = await Promise.all(names.slice(0, 16).map((n) => text(join(dir, n), `${label}/${n}`)));
  return names.slice(0, 16).flatMap((n, i) => texts[i] === undefined ? [] : [check(parseLimit(n, texts[i]!), `${label}/${n}`)]);
}

function rows(data: string): string[][] {
  return data.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':'));
}

/** name: its uid, primary gid and every group that lists it (initgroups); name:group: only that group. */
async function resolveUser(spec: ReturnType<typeof parseUser> & object, label: string): Promise<StartCreds> {
  if ('uid' in spec) return { uid: spec.uid, gid: spec.gid, groups: [spec.gid] };
  const [passwd, group] = await Promise.all([readFile('/etc/passwd', 'utf8'), readFile('/etc/group', 'utf8')]);
  const pw = rows(passwd).find((r) => r[0] === spec.name);
  if (pw === undefined || !/^\d+$/.test(pw[2] ?? '') || !/^\d+$/.test(pw[3] ?? '')) throw new StartCredsError(`${label}: no such user: ${spec.name}`);
  const uid = Number(pw[2]);
  const groups = rows(group);
  if (spec.group !== undefined) {
    const g = groups.find((r) => r[0] === spec.group);
    if (g === undefined || !/^\d+$/.test(g[2] ?? '')) throw new StartCredsError(`${label}: no such group: ${spec.group}`);
    return { uid, gid: Number(g[2]), groups: [Number(g[2])] };
  }
  const gid = Number(pw[3]);
  const extra = groups.filter((r) => (r[3] ?? '').split(',').includes(spec.name) && /^\d+$/.test(r[2] ?? '')).map((r) => Number(r[2]));
  return { uid, gid, groups: [...new Set([gid, ...extra])].slice(0, 64) };
}

/** "setuid failed: " for an error of the addon's fork path (its message ends with the step); "" for posix_spawn's. */
export function failedStep(err: unknown): string {
  const m = err instanceof Error ? /, (\w+)$/.exec(err.message) : null;
  return m === null || m[1] === 'posix_spawn' || m[1] === 'execve' ? '' : `${m[1]} failed: `;
}
