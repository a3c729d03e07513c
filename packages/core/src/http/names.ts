// Service names in a URL are checked against the scan directory: one entry of DIR, no slash,
// no dot-name (so no `.` or `..`, and never `.svscan`), no control characters.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export function validName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !name.startsWith('.') && !/[/\x00-\x1f\x7f]/.test(name);
}

/** The service dir of NAME in SCANDIR, or undefined if NAME is not a service there. */
export async function serviceDir(scandir: string, name: string): Promise<string | undefined> {
  if (!validName(name)) return undefined;
  const dir = join(scandir, name);
  try {
    return (await stat(dir)).isDirectory() ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The services of SCANDIR: its directories (or links to them) that are not dot-names, sorted. */
export async function listServices(scandir: string): Promise<string[]> {
  return (await scanServices(scandir)).names;
}

/** listServices(), and whether a link was left out (dangling, or not to a dir: it may become one unseen). */
export async function scanServices(scandir: string): Promise<{ names: string[]; skippedLinks: boolean }> {
  const entries = (await readdir(scandir, { withFileTypes: true })).filter((e) => validName(e.name));
  // Only a link needs a stat (to a directory or not); the rest is in the listing itself.
  let skippedLinks = false;
  const dirs = await Promise.all(entries.map(async (e) => {
    if (e.isDirectory()) return e.name;
    if (!e.isSymbolicLink()) return undefined;
    if ((await serviceDir(scandir, e.name)) !== undefined) return e.name;
    skippedLinks = true;
    return undefined;
  }));
  return { names: dirs.filter((n): n is string => n !== undefined).sort(), skippedLinks };
}
