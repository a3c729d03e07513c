// Waiting for a service to reach a state, the client side of `svc -w`: status is read again
// whenever supervise/ changes (inotify through fs.watch) and on a short poll as the safety net
// (a watch can fail, or miss a rename on some filesystems). Reads only; never blocks.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { unpackStatus, type Status } from '../formats/status.ts';
import { SERVICE } from '../formats/servicedir.ts';

/** up: running run; down: no process (run nor finish); restart: running with a pid other than before; once: up, or ran since. */
export type Goal = 'up' | 'down' | 'restart' | 'once';

const POLL_MS = 50;

/** The goal that svc's letters ask for, in their order: the last of u/d/o sets the wish; t or k then means a new pid. */
export function goalOf(letters: string): Goal | undefined {
  let goal: Goal | undefined;
  for (const ch of letters) {
    if (ch === 'u') goal = 'up';
    else if (ch === 'o') goal = 'once';
    else if (ch === 'd') goal = 'down';
    else if ((ch === 't' || ch === 'k') && goal !== 'down') goal = 'restart';
  }
  return goal;
}

/** The status now, or undefined when there is none (yet) or it cannot be read. */
export function statusNow(dir: string): Status | undefined {
  try {
    return unpackStatus(readFileSync(join(dir, SERVICE.status))); // sync-ok: client side (svc -w), never in svscan
  } catch {
    return undefined;
  }
}

function running(s: Status): boolean {
  return s.pid !== 0 && (s.runit === undefined || s.runit.state === 'run');
}

/** Whether status `now` satisfies `goal`, given the status `before` the command was sent. */
export function reached(goal: Goal, now: Status | undefined, before: Status | undefined): boolean {
  if (now === undefined) return false;
  switch (goal) {
    case 'up':
      return running(now);
    case 'down':
      return now.pid === 0 && now.runit?.state !== 'finish';
    case 'restart':
      return running(now) && now.pid !== (before?.pid ?? 0);
    case 'once': {
      const changed = before === undefined || now.stamp.seconds !== before.stamp.seconds || now.stamp.nano !== before.stamp.nano;
      return running(now) || changed;
    }
  }
}

/** Resolves true once dir reaches goal, false when deadline (performance.now() ms) passes first. */
export function awaitGoal(dir: string, goal: Goal, before: Status | undefined, deadline: number): Promise<boolean> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    let poll: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (ok: boolean): void => {
      done = true;
      watcher?.close();
      if (poll !== undefined) clearTimeout(poll);
      resolve(ok);
    };
    const check = (): boolean => {
      if (done) return true;
      if (reached(goal, statusNow(dir), before)) {
        finish(true);
        return true;
      }
      if (performance.now() >= deadline) {
        finish(false);
        return true;
      }
      return false;
    };
    const tick = (): void => {
      if (check()) return;
      poll = setTimeout(tick, Math.min(POLL_MS, Math.max(1, deadline - performance.now())));
    };
    try {
      watcher = watch(join(dir, SERVICE.superviseDir), { persistent: false }, () => void check());
      watcher.on('error', () => {});
    } catch {
      // no watch: the poll alone
    }
    tick();
  });
}
