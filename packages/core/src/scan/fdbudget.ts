// File descriptors as a budget: svscan is one process for every service, so its RLIMIT_NOFILE
// is shared by all of them. A service is started only when what it costs is there, with a
// reserve kept back for what running services open on the way (a pidfd per restart, status
// writes, a log rotation, readdir of the scan directory), so a shortage never hits a service
// half-started and the services already running keep running.
import { readdirSync } from 'node:fs';
import { sys } from '../os/sys.ts';

/** What one piece of a service keeps open while supervised. */
export const FD_COST = {
  /** supervise/lock, control (read and our own write end), ok, the child's pidfd. */
  supervisor: 5,
  /** The service -> logger FIFO, opened twice (service end, logger end). */
  logPipe: 2,
  /**
   * An in-process log: its FIFO reader and tee scratch pipe (3), the lock and current of up to
   * three log directories (6), and a processor's run (3: its pidfd and two pipes).
   */
  inProcessLog: 12,
} as const;

/** Kept back from new services, at least this many or this share of the limit. */
const MIN_RESERVE = 32;
const RESERVE_SHARE = 1 / 16;

export class FdBudget {
  /** The soft RLIMIT_NOFILE after raising it (Infinity when unlimited). */
  readonly limit: number;
  readonly reserve: number;

  /** Raises the soft RLIMIT_NOFILE to the hard limit (start-up). */
  constructor() {
    let soft: number;
    try {
      soft = sys().nofile(true)[0];
    } catch {
      soft = sys().nofile(false)[0];
    }
    this.limit = soft < 0 ? Infinity : soft;
    this.reserve = Number.isFinite(this.limit) ? Math.max(MIN_RESERVE, Math.ceil(this.limit * RESERVE_SHARE)) : MIN_RESERVE;
  }

  /** Descriptors open in this process now; the limit itself when that cannot be counted. */
  open(): number {
    try {
      return readdirSync('/proc/self/fd').length - 1; // less the one readdir used
    } catch {
      return this.limit;
    }
  }

  /** What new services may spend now, beyond the reserve (negative when short). */
  available(): number {
    return this.limit - this.open() - this.reserve;
  }
}
