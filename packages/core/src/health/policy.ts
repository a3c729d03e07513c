// The restart policy: what to do after run ended (or was failed by readiness, a check or a
// limit). Pure: fed the ends and the clock, it answers restart-after-N-ms or stay down.
import type { HealthConfig } from './config.ts';

/** Today's pacing, the default: a crash loop starts at most once a second. */
export const MIN_INTERVAL_MS = 1000;

export type Decision =
  /** Start again after `wait` ms; `backoff` when restart-backoff chose the wait. */
  | { readonly kind: 'restart'; readonly wait: number; readonly backoff: boolean }
  /** Leave it down: restart-never matched, or restart-giveup's N failures within T. */
  | { readonly kind: 'failed'; readonly why: string };

export class RestartPolicy {
  /** Consecutive short runs, for the back-off exponent. */
  private streak = 0;
  /** Times (ms) of recent failures, for restart-giveup. */
  private failures: number[] = [];

  /**
   * Run ended after `ranMs` with exit `code` (null when killed by a signal or unknown). `now` is
   * a monotonic clock in ms. `failure` is false for an end asked for (svc -d, -t): no tally.
   */
  decide(cfg: HealthConfig, ranMs: number, code: number | null, now: number, failure = true): Decision {
    if (code !== null && cfg.never.includes(code)) return { kind: 'failed', why: `exit ${code} is in restart-never` };
    const pacing = Math.max(0, MIN_INTERVAL_MS - ranMs);
    if (!failure) return { kind: 'restart', wait: pacing, backoff: false };
    if (cfg.giveup !== undefined) {
      const { failures, within } = cfg.giveup;
      this.failures = this.failures.filter((t) => now - t < within);
      this.failures.push(now);
      if (this.failures.length >= failures) {
        return { kind: 'failed', why: `${this.failures.length} failures within ${within / 1000} seconds (restart-giveup)` };
      }
    }
    if (cfg.backoff === undefined) return { kind: 'restart', wait: pacing, backoff: false };
    // A run that stayed up for restart-reset starts the doubling afresh.
    if (ranMs >= cfg.reset) this.streak = 0;
    const wait = Math.min(cfg.backoff.max, cfg.backoff.base * 2 ** Math.min(this.streak, 40));
    this.streak++;
    return { kind: 'restart', wait: Math.max(wait, pacing), backoff: true };
  }

  /** svc -u, or a changed service dir: out of failed, with a clean tally. */
  reset(): void {
    this.streak = 0;
    this.failures = [];
  }
}
