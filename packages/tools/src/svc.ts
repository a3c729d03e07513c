// svc: sends control letters to the supervise of each directory (docs/svc.md); with -w, waits
// until each service is where the letters asked (up, down, a new pid) and fails naming the rest.
import { SvkitError, awaitGoal, chdirError, errnoText, goalOf, sendControl, statusNow, unable, type Goal } from '@svkit/core';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { runMain } from './_cli/run.ts';
import { getoptLetters } from './_cli/getopt.ts';
import { warn, writeAll } from './_cli/stderr.ts';
import { resolveServices, type Named } from './_cli/svdir.ts';

const PROG = 'svc';
// 0.76's line after "illegal option": kept byte for byte, scripts may match it.
const OPTIONS = 'svc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, i interrupt, t term, k kill';
// runit's q, 1, 2 (QUIT, USR1, USR2) are accepted too.
const LETTERS = 'udopchaitkxq12';
const DETAILS = `  -u  up: start, restart when it exits     -d  down: TERM+CONT, KILL after timeout-kill
  -o  once: start, do not restart           -x  exit: the supervisor exits once down
  -p  pause (STOP)    -c  continue (CONT)   -h  HUP   -a  ALRM   -i  INT   -t  TERM   -k  KILL
  -q  QUIT   -1  USR1   -2  USR2 (runit)
  -w SECONDS  wait until each service is up (-u, -o), down (-d) or has a new pid (-t, -k);
              exit 111 naming the services that did not get there in time
  dir         a service directory; with SVDIR set, a bare NAME means $SVDIR/NAME`;

const WHAT: Record<Goal, string> = { up: 'bring NAME up', down: 'bring NAME down', restart: 'restart NAME', once: 'start NAME once' };
const NOT: Record<Goal, string> = { up: 'not up', down: 'not down', restart: 'no new pid', once: 'not started' };

/** An in-process log of svscan (S/log/multilog, no S/log/run) has no supervisor to control. */
function inProcessLog(dir: string): boolean {
  return existsSync(join(dir, 'multilog')) && !existsSync(join(dir, 'run'));
}

/** Sends letters to one service; false (after a warning, as in 0.76) when it could not. */
function control(s: Named, letters: string): boolean {
  const cd = chdirError(s.dir);
  if (cd !== undefined) {
    warn(PROG, `unable to chdir to ${s.name}: ${errnoText(cd)}`);
    return false;
  }
  // Its S/log/supervise/ is svscan's view of the log, which ignores commands: say so, send nothing.
  if (inProcessLog(s.dir)) {
    warn(PROG, `unable to control ${s.name}: an in-process log of svscan has no supervisor (control its service instead)`);
    return false;
  }
  try {
    const outcome = sendControl(s.dir, letters);
    if (outcome === 'sent') return true;
    if (outcome === 'missing') warn(PROG, `unable to control ${s.name}: file does not exist`);
    else warn(PROG, `unable to control ${s.name}: supervise not running`);
  } catch (err) {
    warn(PROG, err instanceof Error ? err.message : String(err));
  }
  return false;
}

function parseSeconds(text: string): number {
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n)) throw new SvkitError('usage', `bad -w ${text}`);
  return n;
}

export async function main(args: string[]): Promise<number> {
  const { letters, operands, illegal, values, missing } = getoptLetters(args, LETTERS, 'w');
  if (illegal !== undefined || missing !== undefined) {
    const what = illegal !== undefined ? `illegal option -- ${illegal}` : `option requires an argument -- ${missing}`;
    writeAll(2, `${PROG}: ${what}\n${OPTIONS}\n`);
    return 100;
  }
  const wait = values?.['w'] === undefined ? undefined : parseSeconds(values['w']);
  // 0.76 opens "." to come back after each chdir: an unreadable cwd is fatal, even with no dir.
  try {
    closeSync(openSync('.', 'r'));
  } catch (err) {
    throw unable('open current directory', err);
  }
  const services = resolveServices(operands);
  const goal = wait === undefined ? undefined : goalOf(letters);
  const before = services.map((s) => (goal === undefined ? undefined : statusNow(s.dir)));
  const sent = services.map((s) => control(s, letters));
  // Without -w (or with nothing to wait for): daemontools' exit code, 0 whatever happened.
  if (wait === undefined) return 0;
  const deadline = performance.now() + wait * 1000;
  const made = await Promise.all(services.map((s, i) => {
    if (!sent[i]) return false;
    return goal === undefined ? true : awaitGoal(s.dir, goal, before[i], deadline);
  }));
  const failed: string[] = [];
  services.forEach((s, i) => {
    if (made[i]) return;
    // Not sent: its warning is out already. Sent but not there: say where it did not get.
    if (sent[i] && goal !== undefined) warn(PROG, `unable to ${WHAT[goal].replace('NAME', s.name)}: ${NOT[goal]} after ${wait} s`);
    failed.push(s.name);
  });
  if (failed.length === 0) return 0;
  throw new SvkitError('temporary', `${failed.length} of ${services.length} services did not get there in ${wait} s: ${failed.join(' ')}`);
}

runMain(import.meta.url, {
  prog: PROG,
  usage: 'svc [-w seconds] [-udopchaitkxq12] dir...',
  summary: 'sends control letters to the supervisor of each service',
  details: DETAILS,
  main,
});
