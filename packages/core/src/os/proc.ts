// What /proc says about a pid: enough to recognise a service left behind by a crashed supervisor.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  readonly state: string;
  readonly pgrp: number;
  /** seconds since boot at which the process started */
  readonly startSinceBoot: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Parses /proc/PID/stat; undefined when the pid does not exist. */
export function readProcInfo(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    state: fields[0] ?? '?',
    pgrp: Number(fields[2]),
    startSinceBoot: Number(fields[19]) / CLOCK_TICKS,
  };
}

let bootTime: number | undefined;

/** Unix time at which the machine booted (btime of /proc/stat). */
export function readBootTime(): number {
  if (bootTime === undefined) {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'));
    bootTime = m?.[1] === undefined ? 0 : Number(m[1]);
  }
  return bootTime;
}

/** Alive and not a zombie. */
export function isLive(pid: number): boolean {
  const info = readProcInfo(pid);
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

/** Whether any process of group pgid is left (zombies count until reaped). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * Whether group pgid has a member that is not a zombie. Members orphaned by the group's leader
 * stay zombies until init reaps them, which some inits do late or never: they hold nothing, so
 * they must not keep a service from restarting (or its supervisor from exiting).
 */
export function groupHasLive(pgid: number): boolean {
  if (!groupExists(pgid)) return false;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return true; // no /proc: trust kill(-pgid, 0)
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const info = readProcInfo(pid);
    if (info !== undefined && info.pgrp === pgid && info.state !== 'Z' && info.state !== 'X') return true;
  }
  return false;
}

/** Sends sig to pid, or to the group -pid; a vanished target is not an error. */
export function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // ESRCH: gone already. daemontools ignores kill() results too.
  }
}
