// svscan: supervises every service directory of DIR from this one process (docs/svscan.md).
import { join } from 'node:path';
import { escapeName, reaperMode, requireAddon, Scanner, startOrphanReaper, Warner, type EssentialEnd, type ServiceEvent } from '@svkit/core';
import { watch } from 'chokidar';
import { runMain } from './_cli/run.ts';
import { eventLine } from './_cli/events.ts';
import { getoptLetters } from './_cli/getopt.ts';
import { warn, writeAll } from './_cli/stderr.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svscan';

/** `[-v] [dir]`, by hand: 0.76 takes no options, so nothing a script passed before changes meaning. */
function parse(args: string[]): { dir: string; verbose: boolean } {
  const { letters, operands, illegal } = getoptLetters(args, 'v');
  if (illegal !== undefined || operands.length > 1) throw usageError();
  return { dir: operands[0] ?? '.', verbose: letters.includes('v') };
}

export async function main(args: string[]): Promise<number> {
  const { dir, verbose } = parse(args);
  requireAddon();
  const onEvent = (e: ServiceEvent): void => {
    const line = eventLine(e, PROG);
    if (line !== undefined) writeAll(2, line);
  };
  // An essential service left down by its restart policy: everything stops, svscan exits with its code.
  let exitCode: number | undefined;
  let essential: () => void = () => {};
  const onEssential = (name: string, end: EssentialEnd): void => {
    if (exitCode !== undefined) return; // the first one decides
    exitCode = end.code;
    writeAll(2, `${PROG}: fatal: unable to keep essential ${escapeName(join(dir, name))} up: ${end.why}; stopping every service, exit ${end.code}\n`);
    essential();
  };
  const scanner = new Scanner({ dir, onWarning: (m) => warn(PROG, m), onEssential, ...(verbose ? { onEvent } : {}) });
  // Handlers first: a TERM that arrives while the first pass starts services must bring them
  // down, not kill svscan with the default action and orphan them.
  let stopping: Promise<void> | undefined;
  // A second TERM/INT: stop waiting for logs that cannot be written (their lines are dropped, counted).
  let dropLogs: () => void = () => {};
  const drop = new Promise<void>((r) => { dropLogs = r; });
  let stopAsked: () => void = () => {};
  const asked = new Promise<void>((r) => { stopAsked = r; });
  const stop = (): void => {
    if (stopping !== undefined) return dropLogs();
    stopping = scanner.shutdown(drop);
    stopAsked();
  };
  const finished = new Promise<void>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => { stop(); void stopping?.then(resolve); });
    essential = () => { stop(); void stopping?.then(resolve); };
  });
  process.on('SIGHUP', () => scanner.scan());
  process.on('SIGPIPE', () => {});
  // As PID 1 (or SVKIT_SUBREAPER=1) every orphan comes to us: reap those no one here owns (docs/container.md).
  const reaper = startOrphanReaper(reaperMode());
  await scanner.start();
  process.title = `svscan ${dir}`;
  // Watching is only a hint that makes pickup immediate; the periodic rescan stays the truth.
  const watcher = watch(dir, { depth: 0, ignoreInitial: true, followSymlinks: false, ignored: (p) => /\/\.[^/]*$/.test(p) });
  watcher.on('all', () => scanner.scan());
  // What appeared between the first pass and the watch being in place is picked up now.
  watcher.on('ready', () => scanner.scan());
  // Rate-limited like every other warning of svscan: a watch failing over and over says so once a minute.
  const watchWarner = new Warner((m) => warn(PROG, m));
  watcher.on('error', (err) => watchWarner.warn(`unable to watch ${dir}: ${err instanceof Error ? err.message : String(err)}`));
  // Once stopping, a scan does nothing: the watch is let go while the services come down.
  const unwatched = asked.then(() => watcher.close());
  await finished;
  await unwatched;
  reaper?.stop();
  process.removeAllListeners('SIGHUP');
  process.removeAllListeners('SIGPIPE');
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.removeAllListeners(sig);
  return exitCode ?? 0;
}

runMain(import.meta.url, {
  prog: PROG,
  usage: 'svscan [-v] [dir]',
  summary: 'supervises every service directory of dir (default .) from this one process',
  details: `  -v   one line per service event on stderr (start, exit, restart, TERM/KILL, svc commands)
  dir  the scan directory; one svscan per directory (SCANDIR/.svscan/lock)`,
  main,
});
