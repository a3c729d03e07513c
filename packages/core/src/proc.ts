// What /proc says about a pid: enough to recognise a service left behind by a crashed supervisor.
import { readFileSync } from 'node:fs';

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

/** Sends sig to pid, or to the group -pid; a vanished target is not an error. */
export function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // ESRCH: gone already. daemontools ignores kill() results too.
  }
}
