// svok: exits 0 if supervise is running on the directory, 100 if not (docs/svok.md).
import { chdirError, probeOk, unable } from '@svkit/core';
import { runMain } from './_cli/run.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svok';
const USAGE = 'svok dir';

export function main(args: string[]): number {
  const dir = args[0];
  if (dir === undefined) throw usageError();
  const cd = chdirError(dir);
  if (cd !== undefined) throw unable(`chdir to ${dir}`, cd);
  let outcome;
  try {
    outcome = probeOk(dir);
  } catch (err) {
    throw unable(`open ${dir}/supervise/ok`, err);
  }
  return outcome === 'running' ? 0 : 100;
}

runMain(import.meta.url, { prog: PROG, usage: USAGE, main });
