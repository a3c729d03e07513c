// The pids this process started and whose owners reap them: the addon's spawn (spawn.ts) and
// child_process (processors). The orphan reaper (reaper.ts) never takes one of these.
import type { ChildProcess } from 'node:child_process';

const owned = new Set<number>();
let sorted: Int32Array | undefined;

export function ownPid(pid: number): void {
  owned.add(pid);
  sorted = undefined;
}

export function disownPid(pid: number): void {
  if (owned.delete(pid)) sorted = undefined;
}

/** Registers a child_process child until its 'exit' (libuv has reaped it by then). */
export function ownChildProcess(child: ChildProcess): ChildProcess {
  const pid = child.pid;
  if (pid !== undefined) {
    ownPid(pid);
    child.once('exit', () => disownPid(pid));
  }
  return child;
}

/** The owned pids, sorted, for the addon's binary search. */
export function ownedPids(): Int32Array {
  if (sorted === undefined) sorted = Int32Array.from(owned).sort();
  return sorted;
}
