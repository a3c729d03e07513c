// svscan: supervises every service directory of DIR from this one process (docs/svscan.md).
import { requireAddon, Scanner } from '@svkit/core';
import { watch } from 'chokidar';
import { Command, CommanderError } from 'commander';
import { runMain } from './_cli/run.ts';
import { warn, writeAll } from './_cli/stderr.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svscan';
const USAGE = 'svscan [dir]';

function parse(args: string[]): string | undefined {
  const cmd = new Command(PROG)
    .argument('[dir]', 'scan directory', '.')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => writeAll(1, s) });
  try {
    cmd.parse(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError && err.code === 'commander.helpDisplayed') return undefined;
    throw usageError();
  }
  return String(cmd.processedArgs[0] ?? '.');
}

export async function main(args: string[]): Promise<number> {
  const dir = parse(args);
  if (dir === undefined) return 0;
  requireAddon();
  const scanner = new Scanner({ dir, onWarning: (m) => warn(PROG, m) });
  // Handlers first: a TERM that arrives while the first pass starts services must bring them
  // down, not kill svscan with the default action and orphan them.
  let stopping: Promise<void> | undefined;
  const stop = (): void => {
    stopping ??= scanner.shutdown();
  };
  const finished = new Promise<void>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => { stop(); void stopping?.then(resolve); });
  });
  process.on('SIGHUP', () => scanner.scan());
  process.on('SIGPIPE', () => {});
  await scanner.start();
  process.title = `svscan ${dir}`;
  // Watching is only a hint that makes pickup immediate; the periodic rescan stays the truth.
  const watcher = watch(dir, { depth: 0, ignoreInitial: true, followSymlinks: false, ignored: (p) => /\/\.[^/]*$/.test(p) });
  watcher.on('all', () => scanner.scan());
  // What appeared between the first pass and the watch being in place is picked up now.
  watcher.on('ready', () => scanner.scan());
  watcher.on('error', (err) => warn(PROG, `unable to watch ${dir}: ${err instanceof Error ? err.message : String(err)}`));
  await finished;
  await watcher.close();
  process.removeAllListeners('SIGHUP');
  process.removeAllListeners('SIGPIPE');
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.removeAllListeners(sig);
  return 0;
}

runMain(import.meta.url, { prog: PROG, usage: USAGE, main });
