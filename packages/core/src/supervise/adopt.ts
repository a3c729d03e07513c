// Recognising a service left running by a supervisor that died (kill -9 of svscan), so a new
// supervisor adopts it instead of starting a second copy, and adopts nothing else: a status
// file copied along with its directory (cp -a S/web S/web2) names a live process that belongs
// to web, not to web2.
import { readCwdKey, readBootTime, readProcInfo } from '../os/proc.ts';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { STATUS_SIZE, unpackStatus, type Status } from '../formats/status.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { unixSeconds } from '../formats/tai64n.ts';

/** What can be taken over: the pid, its process group (0 if it has none of its own). */
export interface Orphan {
  readonly pid: number;
  readonly pgid: number;
  readonly startTicks: number;
}

/** One child as svscan remembers it across its own crash: pid, start time and group name it. */
export interface ChildIdentity {
  readonly pid: number;
  readonly pgid: number;
  /** /proc start time in clock ticks since boot (0: unknown). */
  readonly startTicks: number;
}

/**
 * Who started which child, kept outside the service directory (svscan: SCANDIR/.svscan/), so
 * a copied directory cannot claim it. Keys are the service directory's "dev:ino".
 */
export interface ChildRegistry {
  /** The directory key this child was started for, or undefined when it is not on record. */
  ownerOf(pid: number, startTicks: number): string | undefined;
  started(dirKey: string, name: string, child: ChildIdentity): void;
  ended(dirKey: string, pid: number): void;
}

// The stamp is written when the pid changes; /proc start times have 10 ms ticks.
const START_TOLERANCE_S = 2;

/** Whether the directory the process runs in has a status naming it: then it is that one's. */
function claimedElsewhere(pid: number): boolean {
  let fd = -1;
  try {
    // Another directory's status is a user's file: non-blocking, regular files only, 20 bytes.
    fd = openSync(join(`/proc/${pid}/cwd`, SERVICE.status), constants.O_RDONLY | constants.O_NONBLOCK); // sync-ok: non-blocking open, standalone supervise's start-up
    if (!fstatSync(fd).isFile()) return false; // sync-ok: fstat of our own descriptor
    const buf = Buffer.alloc(STATUS_SIZE);
    const n = readSync(fd, buf, 0, STATUS_SIZE, 0); // sync-ok: at most 20 bytes of a regular file
    return unpackStatus(buf.subarray(0, n))?.pid === pid;
  } catch {
    return false;
  } finally {
    if (fd >= 0) closeSync(fd); // sync-ok: our own descriptor
  }
}

/**
 * The live process a status file names, if it is still the one this directory (dirKey:
 * "dev:ino") started:
 * the pid is alive, it started when the status says, and it is this directory's. That last
 * proof is the registry's record when there is one (svscan records every child it starts);
 * without a record, the process must run in this very directory (its cwd's inode). With no
 * registry at all (a standalone supervise), a process that runs elsewhere (its run changed
 * directory) is still adopted unless another service directory's status claims it.
 * Throws when /proc cannot be read (EMFILE): the caller must then start nothing.
 */
export function findOrphan(old: Status | undefined, dirKey: string, registry?: ChildRegistry): Orphan | undefined {
  if (old === undefined || old.pid === 0) return undefined;
  const info = readProcInfo(old.pid);
  if (info === undefined || info.state === 'Z' || info.state === 'X') return undefined;
  const started = readBootTime() + info.startSinceBoot;
  if (Math.abs(started - Number(unixSeconds(old.stamp))) > START_TOLERANCE_S) return undefined;
  const orphan = { pid: old.pid, pgid: info.pgrp === old.pid ? old.pid : 0, startTicks: info.startTicks };
  const owner = registry?.ownerOf(old.pid, info.startTicks);
  if (owner !== undefined) return owner === dirKey ? orphan : undefined;
  if (readCwdKey(old.pid) === dirKey) return orphan;
  if (registry !== undefined) return undefined;
  return claimedElsewhere(old.pid) ? undefined : orphan;
}
