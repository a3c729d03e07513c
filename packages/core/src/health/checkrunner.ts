// Runs the health checks of one service every health/interval, one round at a time (a round
// that is still running when the next is due simply delays it), and counts consecutive
// failures: the verdict turns unhealthy after health/retries of them, healthy on a success.
import type { CheckConfig } from './config.ts';
import { checkHttp, checkScript, type Outcome } from './checks.ts';
import { TcpCheck } from './tcpcheck.ts';
import type { ChildEnv, SpawnCreds } from '../os/spawn.ts';

export interface CheckResult extends Outcome {
  readonly kind: 'tcp' | 'http' | 'check';
}

export type Verdict = 'healthy' | 'unhealthy' | 'pending';

export class CheckRunner {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  /** Ends a round under way: a hanging health/check is killed when its service goes down. */
  private readonly abort = new AbortController();
  /** health/tcp's state across the rounds of this run (its resolved addresses). */
  private readonly tcp: TcpCheck | undefined;

  private readonly cwd: string;
  private readonly cfg: CheckConfig;
  private readonly onResult: (r: CheckResult, v: Verdict) => void;
  /** health/check's environment: the run's (env/ applied). */
  private readonly env: ChildEnv;
  /** health/check's user, rlimit/, umask and nice: the run's. */
  private readonly creds: SpawnCreds | undefined;

  constructor(cwd: string, cfg: CheckConfig, onResult: (r: CheckResult, v: Verdict) => void, env: ChildEnv = process.env, creds?: SpawnCreds) {
    this.cwd = cwd;
    this.cfg = cfg;
    this.onResult = onResult;
    this.env = env;
    this.creds = creds;
    this.tcp = cfg.tcp === undefined ? undefined : new TcpCheck(cfg.tcp.host, cfg.tcp.port, this.abort.signal);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    // On the grid of the interval (as the sampler): services with the same interval are checked
    // in the same turn of the event loop, one wake-up for all instead of one each.
    const i = this.cfg.interval;
    const now = performance.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, (Math.floor(now / i) + 1) * i - now);
  }

  /** Every configured check in turn; the first failure is the round's result. */
  private async round(): Promise<void> {
    let result: CheckResult | undefined;
    const { http, script, timeout } = this.cfg;
    if (this.tcp !== undefined) result = { kind: 'tcp', ...(await this.tcp.check(timeout)) };
    if ((result === undefined || result.ok) && http !== undefined && !this.stopped) result = { kind: 'http', ...(await checkHttp(http, timeout, this.abort.signal)) };
    if ((result === undefined || result.ok) && script && !this.stopped) result = { kind: 'check', ...(await checkScript(this.cwd, timeout, this.abort.signal, this.env, this.creds)) };
    if (this.stopped || result === undefined) return;
    let verdict: Verdict = 'pending';
    if (result.ok) {
      this.failures = 0;
      verdict = 'healthy';
    } else if (++this.failures >= this.cfg.retries) {
      this.failures = 0;
      verdict = 'unhealthy';
    }
    this.onResult(result, verdict);
    this.schedule();
  }
}
