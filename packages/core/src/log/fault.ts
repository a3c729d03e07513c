// A failed step of log-directory upkeep: a fatal error at start-up, a "pausing" warning later.
import { errnoText } from '../formats/errno.ts';
import { SvkitError } from '../formats/errors.ts';

/** multilog (0.76) waits this long before retrying a failed write, rename or processor. */
export const PAUSE_MS = 5000;

/** What failed ("unable to write to ./log/current") and the system error, if any. */
export class LogFault extends Error {
  readonly what: string;
  readonly reason: unknown;
  constructor(what: string, reason?: unknown) {
    super(what);
    this.what = what;
    this.reason = reason;
  }

  /** "WHAT, pausing: REASON" as 0.76 prints it while it retries. */
  pausing(): string {
    return this.reason === undefined ? `${this.what}, pausing` : `${this.what}, pausing: ${errnoText(this.reason)}`;
  }

  /** The start-up form: "WHAT: REASON", exit 111. */
  fatal(): SvkitError {
    const text = this.reason === undefined ? this.what : `${this.what}: ${errnoText(this.reason)}`;
    return new SvkitError('temporary', text, { cause: this.reason });
  }
}

/** Runs fn and turns a thrown system error into a LogFault describing the step. */
export function step<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new LogFault(what, err);
  }
}
