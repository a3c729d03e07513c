// Services whose directory was removed while no svscan ran: the previous svscan's journal
// still names their processes, and nothing else ever would. Each is brought down as a removal
// would have: the service first (TERM+CONT to its group, KILL after the default timeout), then
// its logger, which gets the time to drain the pipe to EOF before it is stopped too.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_KILL_TIMEOUT_MS, clearGroup } from '../os/group.ts';
import { readProcInfo, type ProcInfo } from '../os/proc.ts';
import { SERVICE } from '../formats/servicedir.ts';
import type { ChildRecord } from './journal.ts';

/** How long a logger of a vanished service may take to drain its pipe, before TERM. */
const LOG_DRAIN_MS = 5000;

/** "dev:ino" of every service directory (and log/) in the scan directory now. */
export function presentDirs(scanDir: string): Set<string> {
  const keys = new Set<string>();
  const add = (path: string): void => {
    try {
      const st = statSync(path);
      if (st.isDirectory()) keys.add(`${st.dev}:${st.ino}`);
    } catch {
      // gone, or a dangling link: not a directory that is here
    }
  };
  for (const name of readdirSync(scanDir)) {
    if (name.startsWith('.')) continue;
    add(join(scanDir, name));
    add(join(scanDir, name, SERVICE.log));
  }
  return keys;
}

/**
 * Whether the process is, beyond doubt, the one recorded: same pid, same start time in clock
 * ticks, and the leader of its own session and process group, as every child svkit starts is.
 * A record without a start time proves nothing. 'unknown' when /proc cannot be read (EMFILE).
 */
export function sameProcess(r: ChildRecord): boolean | 'unknown' {
  let info: ProcInfo | undefined;
  try {
    info = readProcInfo(r.pid);
  } catch {
    return 'unknown';
  }
  return info !== undefined && info.state !== 'Z' && info.state !== 'X' && r.startTicks !== 0 &&
    info.startTicks === r.startTicks && r.pgid === r.pid && info.pgrp === r.pid && info.session === r.pid;
}

export interface Vanished {
  readonly record: ChildRecord;
  /** Resolves once its process group is empty. */
  readonly down: Promise<void>;
}

/**
 * The records of the previous svscan whose directory is no longer in the scan directory (by
 * dev:ino, so a renamed directory still counts as present) and whose process is still the one
 * recorded; each is being brought down. Records that no longer match a live process (gone,
 * pid reused, no start time) are in `stale`: there is nothing left to adopt or to stop.
 */
export function bringDownVanished(records: readonly ChildRecord[], present: ReadonlySet<string>): { vanished: Vanished[]; stale: ChildRecord[] } {
  const stale: ChildRecord[] = [];
  const targets: ChildRecord[] = [];
  for (const r of records) {
    const same = sameProcess(r);
    if (same === false) stale.push(r);
    else if (same === true && !present.has(r.dir)) targets.push(r); // unknown: kept, nothing killed
  }
  const mains = new Map<string, Promise<void>>();
  const vanished: Vanished[] = [];
  for (const r of targets.filter((t) => !isLogName(t.name))) {
    const down = clearGroup(r.pgid, DEFAULT_KILL_TIMEOUT_MS);
    mains.set(r.name, down);
    vanished.push({ record: r, down });
  }
  for (const r of targets.filter((t) => isLogName(t.name))) {
    const main = mains.get(r.name.slice(0, -`/${SERVICE.log}`.length)) ?? Promise.resolve();
    vanished.push({ record: r, down: main.then(() => drainThenStop(r)) });
  }
  return { vanished, stale };
}

function isLogName(name: string): boolean {
  return name.endsWith(`/${SERVICE.log}`);
}

/** A logger whose writers are gone reads to EOF and exits; one that does not is stopped. */
async function drainThenStop(r: ChildRecord): Promise<void> {
  const end = Date.now() + LOG_DRAIN_MS;
  while (Date.now() < end && sameProcess(r) !== false) await new Promise((res) => setTimeout(res, 50));
  if (sameProcess(r) === true) await clearGroup(r.pgid, DEFAULT_KILL_TIMEOUT_MS);
}
