// Where a service's log is, written once: a log dir (it has `current`), a service dir (its
// in-process log's first directory from S/log/multilog, else daemontools' S/log/main), or a
// scan dir (each of its services that has a log). For clients (svlog, svstat), async.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseLogScriptFile, parseScript } from './script.ts';

export interface LogPlace {
  /** The service's name (or the operand for a bare log dir). */
  readonly name: string;
  /** The multilog directory: `current` and `@*.s`. */
  readonly dir: string;
}

const SCRIPT_CAP = 64 * 1024;

async function isDir(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isDirectory(), () => false);
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/** The first `./dir` of S/log/multilog, resolved from S/log; null for a script without one (stdout only); undefined without a readable script. */
export async function inProcessLogDir(serviceDir: string): Promise<string | null | undefined> {
  const script = join(serviceDir, 'log', 'multilog');
  const st = await stat(script).catch(() => undefined);
  if (st === undefined || !st.isFile() || st.size > SCRIPT_CAP) return undefined;
  try {
    const text = await readFile(script, 'utf8');
    const first = parseScript(parseLogScriptFile(text), undefined, true).actions.find((a) => a.kind === 'dir');
    return first?.kind === 'dir' ? resolve(serviceDir, 'log', first.dir) : null;
  } catch {
    return undefined;
  }
}

/** A service dir's log dir: the in-process log's first directory, else S/log/main. */
export async function serviceLogDir(serviceDir: string): Promise<string | undefined> {
  if (!(await isDir(join(serviceDir, 'log')))) return undefined;
  const inProcess = await inProcessLogDir(serviceDir);
  return inProcess === null ? undefined : inProcess ?? join(serviceDir, 'log', 'main');
}

/** The log dirs an operand names; [] when it names none. */
export async function findLogPlaces(operand: string): Promise<LogPlace[]> {
  const name = basename(resolve(operand));
  if (await isFile(join(operand, 'current'))) return [{ name: name === 'main' ? basename(resolve(operand, '../..')) : name, dir: operand }];
  if (await isFile(join(operand, 'run')) || await isDir(join(operand, 'log'))) {
    const dir = await serviceLogDir(operand);
    return dir === undefined ? [] : [{ name, dir }];
  }
  const entries = await readdir(operand, { withFileTypes: true }).catch(() => []);
  const out: LogPlace[] = [];
  for (const e of entries.filter((x) => !x.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    // In a scan dir, a service whose log has not written anything yet is left out.
    const dir = await serviceLogDir(join(operand, e.name));
    if (dir !== undefined && await isDir(dir)) out.push({ name: e.name, dir });
  }
  return out;
}
