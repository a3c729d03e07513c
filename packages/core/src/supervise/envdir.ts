// env/ in a service directory, applied like daemontools' envdir when run is spawned: read off
// the main thread, regular files only, within the kernel's limits, names and values as bytes.
import { opendir } from 'node:fs/promises';
import { queuedFdOp } from '../os/fdqueue.ts';
import type { OpenDirOptions } from 'node:fs';
import { escapeName } from '../formats/escape.ts';
import { isErrno } from '../formats/errno.ts';
import { readServiceFile, serviceFileProblem } from '../os/servicefile.ts';

/** One "NAME=value" string of the child's environment, as bytes. */
export type EnvBlock = readonly Buffer[];

/** Linux's MAX_ARG_STRLEN: one "NAME=value" with its NUL; a longer one fails exec with E2BIG. */
export const ENV_STRING_MAX = 128 * 1024;
/** All of env/ together (the kernel's ARG_MAX, argv and envp, is usually 2 MiB). */
export const ENV_TOTAL_MAX = 1024 * 1024;
/** Entries of env/ looked at, at most. */
export const ENV_ENTRIES_MAX = 1000;

/** env/ as a whole cannot be used (too many entries, over the budget, unreadable): run waits. */
export class EnvDirError extends Error {
  readonly reason: string;
  constructor(reason: string, cause?: unknown) {
    super(reason, { cause });
    this.reason = reason;
  }
}

const NL = 0x0a;

/** First line, trailing spaces and tabs removed, NULs turned into newlines (envdir's rules). */
function envValue(data: Buffer): Buffer {
  let end = data.indexOf(NL);
  if (end < 0) end = data.length;
  while (end > 0 && (data[end - 1] === 0x20 || data[end - 1] === 0x09)) end--;
  const value = Buffer.from(data.subarray(0, end));
  for (let i = 0; i < value.length; i++) if (value[i] === 0) value[i] = NL;
  return value;
}

/** The names in env/, holding one descriptor (queued with the other short-lived ones). */
function listNames(dir: string): Promise<Buffer[] | undefined> {
  return queuedFdOp(() => listNow(dir));
}

async function listNow(dir: string): Promise<Buffer[] | undefined> {
  let handle;
  try {
    // Node returns names as Buffers with encoding 'buffer' (its types know only string names).
    handle = await opendir(dir, { encoding: 'buffer', bufferSize: 64 } as unknown as OpenDirOptions);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  const names: Buffer[] = [];
  for await (const entry of handle) {
    names.push(entry.name as unknown as Buffer);
    if (names.length > ENV_ENTRIES_MAX) {
      await handle.close().catch(() => {});
      throw new EnvDirError(`too many entries (over ${ENV_ENTRIES_MAX})`);
    }
  }
  return names;
}

/**
 * The environment for run and finish: BASE with env/ (DIR) applied. Each file NAME sets NAME to
 * its first line; an empty file removes NAME. A file that is not regular (a FIFO, a device, a
 * directory) or too big is skipped with a warning, as if absent; LABEL names env/ in them.
 * Returns undefined without env/. Throws EnvDirError when env/ cannot be used at all, and the
 * system error of a file that exists but cannot be read.
 */
export async function readEnvDir(dir: string, label: string, base: NodeJS.ProcessEnv, warn: (m: string) => void): Promise<EnvBlock | undefined> {
  let names: Buffer[] | undefined;
  try {
    names = await listNames(dir);
  } catch (err) {
    if (err instanceof EnvDirError) throw err;
    // A file (or FIFO) named env is not an env dir: one warning, and the service runs without.
    if (isErrno(err, 'ENOTDIR')) {
      warn(`unable to read ${label}: not a directory`);
      return undefined;
    }
    throw err;
  }
  if (names === undefined) return undefined;
  // Keys are the names' bytes as latin1: one character per byte, so any name is a distinct key.
  const env = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env.set(Buffer.from(k).toString('latin1'), Buffer.from(`${k}=${v}`));
  let total = 0;
  for (const name of names.sort(Buffer.compare)) {
    if (name[0] === 0x2e || name.includes(0x3d)) continue; // ".x" and "A=B" are never variables
    const shown = `${label}/${escapeName(name)}`;
    const file = await readServiceFile(Buffer.concat([Buffer.from(`${dir}/`), name]), ENV_STRING_MAX);
    if (file.kind === 'absent') continue; // removed meanwhile
    if (file.kind !== 'ok') {
      warn(`unable to read ${shown}: ${serviceFileProblem(file) ?? ''}, skipped`);
      continue;
    }
    const key = name.toString('latin1');
    if (file.data.length === 0) {
      env.delete(key);
      continue;
    }
    const entry = Buffer.concat([name, Buffer.from('='), envValue(file.data)]);
    if (entry.length + 1 > ENV_STRING_MAX) {
      warn(`unable to read ${shown}: value too long (over ${ENV_STRING_MAX} bytes with its name), skipped`);
      continue;
    }
    total += entry.length + 1;
    if (total > ENV_TOTAL_MAX) throw new EnvDirError(`too big (over ${ENV_TOTAL_MAX} bytes in all)`);
    env.set(key, entry);
  }
  return [...env.values()];
}
