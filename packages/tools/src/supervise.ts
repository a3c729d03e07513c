// supervise: starts and watches one service directory (docs/supervise.md).
import { requireAddon, Supervisor } from '@svkit/core';
import { runMain } from './_cli/run.ts';
import { warn } from './_cli/stderr.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'supervise';
const USAGE = 'supervise dir';

export async function main(args: string[]): Promise<number> {
  const dir = args[0];
  if (dir === undefined || args.length !== 1) throw usageError();
  requireAddon();
  const sup = new Supervisor({ dir, onWarning: (m) => warn(PROG, m) });
  sup.start();
  process.title = `supervise ${dir}`;
  // TERM, INT, QUIT: bring the service down, then exit 0. Stray HUP and friends are ignored
  // instead of killing supervise and orphaning the service, as 0.76's default action would.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) process.on(sig, () => void sup.shutdown());
  for (const sig of ['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGPIPE'] as const) process.on(sig, () => {});
  await sup.done;
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGPIPE'] as const) process.removeAllListeners(sig);
  return 0;
}

runMain(import.meta.url, {
  prog: PROG,
  usage: USAGE,
  summary: 'starts the run of a service directory and restarts it when it exits',
  details: '  dir  the service directory (run, and optionally finish, down, env/, log/)',
  main,
});
