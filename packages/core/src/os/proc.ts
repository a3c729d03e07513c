// What /proc says about a pid: enough to recognise a service left behind by a crashed supervisor.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { sys } from './sys.ts';

export interface ProcInfo {
  readonly state: string;
  readonly pgrp: number;
  readonly session: number;
  /** clock ticks since boot at which the process started: with the pid, it names one process */
  readonly startTicks: number;
  /** seconds since boot at which the process started */
  readonly startSinceBoot: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Errors that say the process is not there; any other (EMFILE...) means "cannot tell". */
function gone(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/**
 * Parses /proc/PID/stat; undefined when the pid does not exist. Throws when it cannot tell
 * (EMFILE, ENOMEM): a caller must never take "could not look" for "not running".
 */
export function readProcInfo(pid: number): ProcInfo | undefined {
  const native = sys().procStat;
  if (native !== undefined) {
    const f = native(pid);
    return f === null ? undefined : { state: String.fromCharCode(f[0]), pgrp: f[1], session: f[2], startTicks: f[3], startSinceBoot: f[3] / CLOCK_TICKS };
  }
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch (err) {
    if (gone(err)) return undefined;
    throw err;
  }
  // comm may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]);
  return {
    state: fields[0] ?? '?',
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    startTicks,
    startSinceBoot: startTicks / CLOCK_TICKS,
  };
}

/** "dev:ino" of the directory a process runs in (a removed one too), or undefined if unknown. */
export function readCwdKey(pid: number): string | undefined {
  try {
    const st = statSync(`/proc/${pid}/cwd`);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** The path /proc gives as a process's cwd (" (deleted)" appended once removed), or undefined. */
export function readCwdPath(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
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

/** Alive and not a zombie; alive too when /proc cannot be read (EMFILE): never "gone" by mistake. */
export function isLive(pid: number): boolean {
  let info: ProcInfo | undefined;
  try {
    info = readProcInfo(pid);
  } catch {
    return true;
  }
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

/** Whether any process of group pgid is left (zombies count until reaped). */
export function groupExists(pgid: number): boolean {
  // The addon's probe answers ESRCH without an exception (and its stack trace) at every exit.
  const probe = sys().killProbe;
  if (probe !== undefined) {
    const err = probe(-pgid);
    return err === 0 || err === osConstants.errno.EPERM;
  }
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
    let info: ProcInfo | undefined;
    try {
      info = readProcInfo(pid);
    } catch {
      return true; // cannot tell: a live member is the safe guess
    }
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
