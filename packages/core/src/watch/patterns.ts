// The `watch` file of a service dir (pure): glob patterns, one a line, relative to the service
// dir; `!PATTERN` ignores; `#` comments. `**` any depth, `*` and `?` within one name.
import { isAbsolute, join } from 'node:path';

export interface WatchPatterns {
  /** Absolute patterns to watch. */
  readonly include: string[];
  /** Absolute patterns never watched (with the defaults). */
  readonly exclude: string[];
}

/** Never watched: they change all the time and are not the service's code. */
export const DEFAULT_IGNORES = ['**/node_modules', '**/.git'];

export function parseWatchFile(text: string, serviceDir: string): WatchPatterns {
  const include: string[] = [];
  const exclude = DEFAULT_IGNORES.map((p) => join(serviceDir, p));
  // The service's own supervise/ and log/ change on every start and every line logged.
  exclude.push(join(serviceDir, 'supervise'), join(serviceDir, 'log'));
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const neg = line.startsWith('!');
    const body = neg ? line.slice(1).trim() : line;
    const abs = isAbsolute(body) ? body : join(serviceDir, body);
    (neg ? exclude : include).push(abs.replace(/\/+$/, '') || '/');
  }
  return { include, exclude };
}

const GLOB = /[*?[]/;

/** The directory to hand to the watcher: the pattern's leading part without glob characters. */
export function baseOf(pattern: string): string {
  const parts = pattern.split('/');
  const i = parts.findIndex((p) => GLOB.test(p));
  if (i < 0) return pattern;
  return parts.slice(0, i).join('/') || '/';
}

export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether PATH is matched by PATTERN: equal to it or below it (a directory), or by its glob. */
export function matches(path: string, pattern: string): boolean {
  if (!GLOB.test(pattern)) return path === pattern || path.startsWith(pattern === '/' ? '/' : pattern + '/');
  const re = globToRegExp(pattern);
  // A glob naming directories (src/**/lib) matches what is inside them too.
  const parts = path.split('/');
  for (let n = parts.length; n > 0; n--) if (re.test(parts.slice(0, n).join('/'))) return true;
  return false;
}
