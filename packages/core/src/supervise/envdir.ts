// env/ in a service directory, applied like daemontools' envdir when run is spawned.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../formats/errno.ts';

/**
 * Each file NAME sets NAME to its first line, trailing spaces and tabs removed, NULs turned
 * into newlines; an empty file removes NAME. A missing env/ changes nothing.
 */
export function applyEnvDir(dir: string, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  let names: string[];
  if (!existsSync(dir)) return base; // the usual case, without the cost of an exception
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return base;
    throw err;
  }
  const env = { ...base };
  for (const name of names.sort()) {
    if (name.startsWith('.') || name.includes('=')) continue;
    const text = readFileSync(join(dir, name), 'latin1');
    if (text.length === 0) {
      delete env[name];
      continue;
    }
    const first = text.split('\n', 1)[0] ?? '';
    env[name] = first.replace(/[ \t]+$/, '').replace(/\0/g, '\n');
  }
  return env;
}
