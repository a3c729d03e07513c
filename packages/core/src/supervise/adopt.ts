// Recognising a service left running by a supervisor that died (kill -9 of svscan), so a new
// supervisor adopts it instead of starting a second copy.
import { readBootTime, readProcInfo } from '../os/proc.ts';
import type { Status } from '../formats/status.ts';
import { unixSeconds } from '../formats/tai64n.ts';

/** What can be taken over: the pid, its process group (0 if it has none of its own). */
export interface Orphan {
  readonly pid: number;
  readonly pgid: number;
}

// The stamp is written when the pid changes; /proc start times have 10 ms ticks.
const START_TOLERANCE_S = 2;

/** The live process a status file names, if it is still the one that was started then. */
export function findOrphan(old: Status | undefined): Orphan | undefined {
  if (old === undefined || old.pid === 0) return undefined;
  const info = readProcInfo(old.pid);
  if (info === undefined || info.state === 'Z' || info.state === 'X') return undefined;
  const started = readBootTime() + info.startSinceBoot;
  if (Math.abs(started - Number(unixSeconds(old.stamp))) > START_TOLERANCE_S) return undefined;
  return { pid: old.pid, pgid: info.pgrp === old.pid ? old.pid : 0 };
}
