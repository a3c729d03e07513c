// svok: exits 0 if supervise is running on the directory, 100 if not (docs/svok.md).
import { chdirError, probeOk, unable } from '@svkit/core';
import { runMain } from './_cli/run.ts';
import { resolveServices } from './_cli/svdir.ts';
import { usageError } from './_cli/usage.ts';

const PROG = 'svok';

export function main(args: string[]): number {
  const operand = args[0];
  if (operand === undefined) throw usageError();
  const dir = resolveServices([operand])[0]?.dir ?? operand;
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

runMain(import.meta.url, {
  prog: PROG,
  usage: 'svok dir',
  summary: 'exits 0 if a supervisor is running on the service directory, 100 if not',
  details: '  dir  a service directory; with SVDIR set, a bare NAME means $SVDIR/NAME',
  main,
});
