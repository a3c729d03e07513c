// svlog: prints services' logs with local-time stamps, and follows them (docs/svlog.md).
import { findLogPlaces, parseGrep, parseSince, showLog, SvkitError, errnoText, type LineView, type LogFollower, type LogPlace } from '@svkit/core';
import { writeSync } from 'node:fs';
import { runMain } from './_cli/run.ts';
import { warn } from './_cli/stderr.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svlog';
const HELP = {
  prog: PROG,
  usage: 'svlog [-f] [-n N] [--since TIME] [--grep RE] [--json] dir...',
  summary: 'prints services\' logs (archives, then current) with local-time stamps, and follows them',
  details: `  -f            follow: print new lines as they are logged, across rotations (default -n 10)
  -n N          only the last N lines (that pass --since and --grep)
  --since TIME  lines stamped at or after TIME: 2026-12-02 21:00, an ISO time, @TAI64N, or 10m (ago; s m h d)
  --grep RE     lines whose text matches the JavaScript regular expression RE
  --json        one JSON object a line: service, time (ISO, UTC), tai64n, line
  dir           a log dir (with current), a service dir (its log), or a scan dir (every service's log)`,
};

interface Args { follow: boolean; last?: number; since?: string; grep?: string; json: boolean; dirs: string[] }

function parse(args: string[]): Args {
  const a: Args = { follow: false, json: false, dirs: [] };
  const value = (i: number): string => {
    const v = args[i];
    if (v === undefined) throw usageError();
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') { a.dirs.push(...args.slice(i + 1)); break; }
    if (arg === '-f' || arg === '--follow') a.follow = true;
    else if (arg === '--json') a.json = true;
    else if (arg === '-n' || arg.startsWith('-n')) {
      const v = arg === '-n' ? value(++i) : arg.slice(2);
      if (!/^[0-9]+$/.test(v)) throw new SvkitError('permanent', `unable to parse -n ${JSON.stringify(v)}: not a number of lines`);
      a.last = Number(v);
    } else if (arg === '--since') a.since = value(++i);
    else if (arg === '--grep') a.grep = value(++i);
    else if (arg.startsWith('-') && arg !== '-') throw usageError();
    else a.dirs.push(arg);
  }
  if (a.dirs.length === 0) throw usageError();
  return a;
}

/** stdout closed (svlog | head): stop quietly. */
class Closed extends Error {}

function out(text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length;) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw new Closed();
    }
  }
}

export async function main(args: string[]): Promise<number> {
  const a = parse(args);
  // Bad input is refused before anything is printed.
  const view: LineView = {
    json: a.json, label: false,
    ...(a.since === undefined ? {} : { since: parseSince(a.since) }),
    ...(a.grep === undefined ? {} : { grep: parseGrep(a.grep) }),
  };
  const places: LogPlace[] = [];
  for (const d of a.dirs) {
    const found = await findLogPlaces(d);
    if (found.length === 0) throw new SvkitError('permanent', `unable to find a log in ${d}: not a log dir (no current), a service with log/, or a scan dir of such`);
    places.push(...found);
  }
  const shown: LineView = { ...view, label: places.length > 1 };
  const last = a.last ?? (a.follow ? 10 : undefined);
  const followers: LogFollower[] = [];
  let live = places.length;
  let exit = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => { done = r; });
  try {
    for (const place of places) {
      try {
        const removed = (): void => {
          warn(PROG, `unable to follow ${place.dir}: it was removed`);
          if (--live === 0) { exit = 111; done(); }
        };
        const failed = (err: unknown): void => {
          if (err instanceof Closed) return done();
          if (process.env['SVKIT_DEBUG']) process.stderr.write(`${(err as Error).stack}\n`);
          warn(PROG, `unable to read ${place.dir}: ${errnoText(err)}`);
          exit = 111;
          if (--live === 0) done();
        };
        const f = await showLog(place, { view: shown, ...(last === undefined ? {} : { last }) }, out, a.follow ? { removed, failed } : undefined);
        if (f !== undefined) followers.push(f);
      } catch (err) {
        if (err instanceof Closed) throw err;
        warn(PROG, `unable to read ${place.dir}: ${errnoText(err)}`);
        exit = 111;
        live--;
      }
    }
    if (a.follow && live > 0) await finished;
  } catch (err) {
    if (!(err instanceof Closed)) throw err;
  } finally {
    for (const f of followers) await f.stop();
  }
  return exit;
}

runMain(import.meta.url, { ...HELP, main });
