// svwatch: prints the events of services as they happen, NDJSON or --human lines (docs/svwatch.md).
import { stat } from 'node:fs/promises';
import { feedSources, isServiceDir, openFeed, openScanFeed, unable, type Feed, type ServiceEvent } from '@svkit/core';
import { eventLine } from './_cli/events.ts';
import { runMain } from './_cli/run.ts';
import { warn } from './_cli/stderr.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svwatch';
const USAGE = 'svwatch [--human] [--replay N] dir...';

interface Args { human: boolean; replay: number; dirs: string[] }

function parseArgs(args: string[]): Args {
  const out: Args = { human: false, replay: 0, dirs: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--human') out.human = true;
    else if (a === '--replay') {
      const n = args[++i];
      if (n === undefined || !/^\d{1,6}$/.test(n)) throw usageError();
      out.replay = Number(n);
    } else if (a === '--') out.dirs.push(...args.slice(i + 1)), (i = args.length);
    else if (a.startsWith('-') && a !== '-') throw usageError();
    else out.dirs.push(a);
  }
  if (out.dirs.length === 0) throw usageError();
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const print = (e: ServiceEvent): void => {
    const line = args.human ? eventLine(e, PROG) : JSON.stringify(e) + '\n';
    if (line !== undefined) process.stdout.write(line);
  };
  const opts = { replay: args.replay, onWarning: (m: string) => warn(PROG, m) };
  const feeds: Feed[] = [];
  for (const dir of args.dirs) {
    const st = await stat(dir).catch((err: unknown) => { throw unable(`open ${dir}`, err); });
    if (!st.isDirectory()) throw unable(`open ${dir}`, Object.assign(new Error(), { code: 'ENOTDIR' }));
    // A service dir (run or supervise/ in it) is followed with its log; anything else is a scan dir.
    feeds.push(await isServiceDir(dir) ? openFeed(await feedSources(dir), print, opts) : openScanFeed(dir, print, opts));
  }
  await Promise.all(feeds.map((f) => f.ready));
  return new Promise<number>((resolve) => {
    const stop = (): void => { for (const f of feeds) f.close(); resolve(0); };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.stdout.on('error', stop); // a reader that went away (EPIPE) ends the watch quietly
  });
}

runMain(import.meta.url, {
  prog: PROG,
  usage: USAGE,
  summary: 'prints the events of services as they happen, one JSON object a line',
  details: [
    '  --human     one readable line per event (as svscan -v prints them), local time first',
    '  --replay N  first print the last N events each svkit service dir kept in supervise/events',
    '  dir         a service dir (with its log), or a scan dir (all its services, following new ones)',
    'Works on svkit, daemontools and runit (runsv) service dirs; for the last two, the events the',
    'status file shows: start, exit, and up/down/once wishes.',
  ].join('\n'),
  main,
});
