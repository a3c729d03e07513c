// svc: sends control letters to the supervise of each directory (docs/svc.md).
import { chdirError, errnoText, sendControl, unable } from '@svkit/core';
import { closeSync, openSync } from 'node:fs';
import { runMain } from './_cli/run.ts';
import { getoptLetters } from './_cli/getopt.ts';
import { warn, writeAll } from './_cli/stderr.ts';

const PROG = 'svc';
const USAGE = 'svc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, i interrupt, t term, k kill';
// runit's q, 1, 2 (QUIT, USR1, USR2) are accepted too.
const LETTERS = 'udopchaitkxq12';

export function main(args: string[]): number {
  const { letters, operands, illegal } = getoptLetters(args, LETTERS);
  if (illegal !== undefined) {
    writeAll(2, `${PROG}: illegal option -- ${illegal}\n${USAGE}\n`);
    return 100;
  }
  // 0.76 opens "." to come back after each chdir: an unreadable cwd is fatal, even with no dir.
  try {
    closeSync(openSync('.', 'r'));
  } catch (err) {
    throw unable('open current directory', err);
  }
  for (const dir of operands) {
    const cd = chdirError(dir);
    if (cd !== undefined) {
      warn(PROG, `unable to chdir to ${dir}: ${errnoText(cd)}`);
      continue;
    }
    try {
      const outcome = sendControl(dir, letters);
      if (outcome === 'missing') warn(PROG, `unable to control ${dir}: file does not exist`);
      if (outcome === 'not-running') warn(PROG, `unable to control ${dir}: supervise not running`);
    } catch (err) {
      warn(PROG, err instanceof Error ? err.message : String(err));
    }
  }
  return 0;
}

runMain(import.meta.url, { prog: PROG, usage: USAGE, main });
