// The health layer of one supervised service: its files (re-read at each start), the state
// file, readiness, samples and limits, checks and the restart policy. The supervisor calls it
// at a few points (before a start, after a spawn, at the end of run, on svc -u) and it calls
// back through HealthHooks to restart or stop; everything here is asynchronous. A little over
// 250 lines: it is the one place where the pieces (each its own module) meet a run's life cycle.
import { errnoText, isErrno } from '../formats/errno.ts';
import { emptyHealth, type HealthState } from '../formats/healthstate.ts';
import { makeEvent, type EventKind, type EventSink } from '../events/event.ts';
import { loadHealthConfig, NO_HEALTH, type HealthConfig } from './config.ts';
import { RestartPolicy, type Decision } from './policy.ts';
import { ReadinessPipe } from './readiness.ts';
import { sharedSampler, type TreeSample } from './sampler.ts';
import { LimitWatch } from './limits.ts';
import { CheckRunner } from './checkrunner.ts';
import { oneLine } from './checks.ts';
import { StateFile } from './statefile.ts';
import { DirChangeWatch } from './dirwatch.ts';
import type { ChildEnv, SpawnCreds } from '../os/spawn.ts';

export interface HealthHooks {
  readonly dir: string;
  readonly cwd: string;
  readonly warn: (m: string) => void;
  readonly onEvent?: EventSink | undefined;
  /** End the current run; the policy decides about the restart. */
  readonly restart: (cause: string) => void;
  /** Bring the service down and leave it down (svc -d). */
  readonly stop: (cause: string) => void;
  /** Start again (the service dir changed while failed). */
  readonly start: () => void;
  /** health/check's output into the service's log; without it, a failing check's output is a warning. */
  readonly logCheck?: ((output: Buffer, dropped: number) => void) | undefined;
}

export class ServiceHealth {
  config: HealthConfig = NO_HEALTH;
  private state: HealthState = emptyHealth();
  private readonly file: StateFile;
  private readonly policy = new RestartPolicy();
  private pipe: ReadinessPipe | undefined;
  private readyTimer: NodeJS.Timeout | undefined;
  private stopSampling: (() => void) | undefined;
  private limits: LimitWatch | undefined;
  private checks: CheckRunner | undefined;
  /** health/check's environment: the current run's (env/ applied). */
  private env: ChildEnv = process.env;
  /** The run's user, rlimit/, umask and nice: health/check runs with them too. */
  private creds: SpawnCreds | undefined;
  private started = 0;
  /** Why the supervisor is ending the run (a limit, a check, readiness), until it ends. */
  private pendingCause: string | undefined;
  private pendingKind: string | undefined;
  /** Why the last run ended, for the supervisor's restart event: cause (exit, health, limit, readiness) and reason. */
  lastCause: { readonly cause: string; readonly reason: string } = { cause: 'exit', reason: '' };
  /** Who asked for the coming end of run, when not svc (restartAsked). */
  private asked: { readonly kind: string; readonly why: string } | undefined;
  /** While failed: a change of the service dir starts it again. */
  private dirWatch: DirChangeWatch | undefined;
  private closed = false;

  private readonly hooks: HealthHooks;

  constructor(hooks: HealthHooks) {
    this.hooks = hooks;
    this.file = new StateFile(hooks.cwd, (err) => {
      if (!isErrno(err, 'ENOENT')) hooks.warn(`unable to write ${hooks.dir}/supervise/health: ${errnoText(err)}`);
    });
  }

  /** Re-reads the health files: before every start of run (and for an adopted service); LISTING: the start pass's names. */
  async load(listing?: ReadonlySet<string>): Promise<void> {
    this.config = await loadHealthConfig(this.hooks.cwd, this.hooks.dir, this.hooks.warn, listing);
  }

  /** The readiness pipe for run, if notification-fd asks for one. */
  spawnFds(): [number, number][] | undefined {
    this.pipe?.close();
    this.pipe = undefined;
    const fd = this.config.notificationFd;
    if (fd === undefined) return undefined;
    try {
      this.pipe = new ReadinessPipe(fd);
      return this.pipe.extraFds();
    } catch (err) {
      this.hooks.warn(`unable to make the readiness pipe of ${this.hooks.dir}: ${errnoText(err)}`);
      return undefined;
    }
  }

  /** run was spawned as PID (its own process group), with ENV. */
  runStarted(pid: number, env: ChildEnv = process.env, creds?: SpawnCreds): void {
    this.env = env;
    this.creds = creds;
    if (this.started++ > 0) this.state = { ...this.state, restarts: this.state.restarts + 1 };
    const ready = this.pipe === undefined ? null : false;
    this.update({
      pid, ready, readyAt: null, backoff: null, startError: null, failed: null, waitingFor: null,
      health: this.config.checks === undefined ? null : 'unknown', check: null, memory: null, cpu: null, sampledAt: null,
    }, true);
    this.watch(pid, ready === null);
    if (this.pipe !== undefined) {
      this.pipe.watch(() => this.becameReady(pid));
      const t = this.config.timeoutReady;
      if (t !== undefined) {
        this.readyTimer = setTimeout(() => {
          this.readyTimer = undefined;
          if (this.state.pid !== pid || this.state.ready !== false) return;
          this.hooks.warn(`${this.hooks.dir} not ready after ${t / 1000} seconds (timeout-ready), restarting`);
          this.act('restart', `timeout-ready: not ready after ${t / 1000} seconds`, 'readiness');
        }, t);
      }
    }
  }

  /** A service left running by a dead supervisor: sampled and checked, readiness unknown (taken as ready). */
  adopted(pid: number, pgid: number, env: ChildEnv = process.env, creds?: SpawnCreds): void {
    this.env = env;
    this.creds = creds;
    this.update({ pid, ready: this.config.notificationFd === undefined ? null : true, health: this.config.checks === undefined ? null : 'unknown' });
    this.watch(pgid || pid, true);
  }

  private watch(pgid: number, ready: boolean): void {
    this.limits = new LimitWatch(this.config);
    const pid = this.state.pid;
    this.stopSampling = sharedSampler().add(pgid, this.config.limitInterval, (s) => this.sampled(pid, s));
    if (ready) this.startChecks(pid);
  }

  private becameReady(pid: number): void {
    if (this.state.pid !== pid) return;
    if (this.readyTimer !== undefined) clearTimeout(this.readyTimer);
    this.readyTimer = undefined;
    this.update({ ready: true, readyAt: Date.now() });
    this.emit('ready', pid);
    this.startChecks(pid);
  }

  private startChecks(pid: number): void {
    const cfg = this.config.checks;
    if (cfg === undefined) return;
    this.checks = new CheckRunner(this.hooks.cwd, cfg, (result, verdict) => {
      if (this.state.pid !== pid) return;
      const out = result.output;
      if (out !== undefined && this.hooks.logCheck !== undefined) {
        if (out.length > 0 || (result.dropped ?? 0) > 0) this.hooks.logCheck(out, result.dropped ?? 0);
      } else if (!result.ok && out !== undefined && out.length > 0) {
        this.hooks.warn(`${this.hooks.dir}/health/check said: ${oneLine(out.toString('utf8'))}`);
      }
      const was = this.state.health;
      const health = verdict === 'healthy' ? 'healthy' : verdict === 'unhealthy' ? 'unhealthy' : was;
      // Written when the result or the verdict changes, not at every round: 100 services checked
      // every second cost no file writes while nothing changes. `at` is when this result began.
      const prev = this.state.check;
      const same = prev !== null && prev.kind === result.kind && prev.ok === result.ok && prev.reason === result.reason;
      if (!same || health !== was) this.update({ check: same ? prev : { kind: result.kind, ok: result.ok, reason: result.reason, at: Date.now() }, health });
      if (health !== was && (health === 'healthy' || health === 'unhealthy')) this.emit(health, pid, { reason: result.reason });
      if (verdict === 'unhealthy') {
        const why = `health/${result.kind}: ${result.reason} (${cfg.retries} times)`;
        this.hooks.warn(`${this.hooks.dir} unhealthy: ${why}${cfg.action === 'alert' ? '' : `, ${cfg.action === 'stop' ? 'stopping' : 'restarting'}`}`);
        this.act(cfg.action, why, 'health');
      }
    }, this.env, this.creds);
  }

  private sampled(pid: number, s: TreeSample): void {
    if (this.state.pid !== pid || this.closed) return;
    const prev = this.state;
    const crossing = this.limits?.feed(s);
    // Written when the figures moved or a limit acts, not at every sample: 100 idle services
    // cost no file writes.
    const moved = prev.memory === null || Math.abs(s.memory - prev.memory) > prev.memory / 20 ||
      (s.cpu !== null && (prev.cpu === null || Math.abs(s.cpu - prev.cpu) >= 1));
    if (moved || crossing !== undefined) this.update({ memory: s.memory, cpu: s.cpu === null ? prev.cpu : Math.round(s.cpu * 10) / 10, sampledAt: s.at });
    if (crossing === undefined) return;
    this.emit('limit', pid, { which: crossing.which, value: crossing.value });
    const action = this.config.limitAction;
    this.hooks.warn(`${this.hooks.dir} over ${crossing.reason}${action === 'alert' ? '' : `, ${action === 'stop' ? 'stopping' : 'restarting'}`}`);
    this.act(action, crossing.reason, 'limit');
  }

  private act(action: 'restart' | 'alert' | 'stop', why: string, cause: string): void {
    if (action === 'alert') return;
    // Acted on once: no second restart for the same run while it is stopping.
    this.limits = undefined;
    this.checks?.stop();
    this.checks = undefined;
    if (this.readyTimer !== undefined) clearTimeout(this.readyTimer);
    this.readyTimer = undefined;
    // The restart event itself comes from the supervisor once run has ended (lastCause).
    this.pendingCause = why;
    this.pendingKind = cause;
    if (action === 'stop') this.hooks.stop(why);
    else this.hooks.restart(why);
  }

  /** A start of run failed before it ran (run missing, not executable...). */
  startFailed(why: string): void {
    this.update({ startError: why, pid: 0, waitingFor: null });
  }

  /** Whether run PID is ready: it wrote its newline, or has no notification-fd, or was adopted. */
  isReady(pid: number): boolean {
    return this.state.pid === pid && this.state.ready !== false;
  }

  /** A start held by svscan's start order until NAMES are up and ready; [] when no longer held. */
  waiting(names: readonly string[]): void {
    const now = names.length === 0 ? null : names;
    const was = this.state.waitingFor;
    if (now === was || (now !== null && was !== null && now.join('\n') === was.join('\n'))) return;
    this.update({ waitingFor: now });
  }

  /**
   * The coming end of run was asked for by KIND (a changed `watch` file), not by svc: no failure,
   * like a command, but its restart event and status name KIND and WHY.
   */
  restartAsked(kind: string, why: string): void {
    this.asked = { kind, why };
  }

  /**
   * run ended after RANMS: records it and answers what next. COMMANDED: the end was asked for
   * by svc (-d, -t, -k...), which is no failure. WANTSUP: the supervisor would start it again.
   */
  runEnded(code: number | null, sig: number | null, ranMs: number, commanded: boolean, wantsUp = true): Decision {
    this.stopWatching();
    const pending = this.pendingCause;
    const asked = this.asked;
    this.asked = undefined;
    const kind = this.pendingKind ?? 'exit';
    this.pendingCause = undefined;
    this.pendingKind = undefined;
    const cause = pending ?? (commanded ? asked?.why ?? 'command' : sig !== null ? `signal ${sig}` : code === null ? 'exit (status unknown)' : `exit ${code}`);
    const failure = pending !== undefined || !commanded;
    const d = this.policy.decide(this.config, ranMs, failure ? code : null, performance.now(), failure);
    this.update({ pid: 0, ready: this.state.ready === null ? null : false, lastExit: { code, signal: sig, at: Date.now() }, cause });
    if (d.kind === 'failed') {
      this.update({ failed: d.why, backoff: null });
      this.hooks.warn(`${this.hooks.dir} failed: ${d.why}; left down until svc -u or a change of the service dir`);
      this.emit('failed', 0, { reason: d.why });
      this.dirWatch?.stop();
      this.dirWatch = new DirChangeWatch(this.hooks.cwd, this.config.files, () => {
        if (this.closed || this.state.failed === null) return;
        this.policy.reset();
        this.clearFailed();
        this.hooks.start();
      });
    }
    this.lastCause = { cause: commanded && pending === undefined ? asked?.kind ?? 'command' : kind, reason: cause };
    if (d.kind === 'restart' && d.backoff) {
      this.update({ backoff: { wait: Math.round(d.wait / 100) / 10, until: Date.now() + d.wait } });
      this.emit('backoff', 0, { wait: d.wait / 1000 });
    }
    return d;
  }

  /** svc -u (or -o): out of failed, with a clean tally. */
  upCommand(): void {
    this.policy.reset();
    this.clearFailed();
  }

  /** svc -d: no back-off wait is pending any more. */
  downCommand(): void {
    if (this.state.backoff !== null) this.update({ backoff: null });
  }

  private clearFailed(): void {
    this.dirWatch?.stop();
    this.dirWatch = undefined;
    if (this.state.failed !== null) this.update({ failed: null });
  }

  private stopWatching(): void {
    this.pipe?.close();
    this.pipe = undefined;
    if (this.readyTimer !== undefined) clearTimeout(this.readyTimer);
    this.readyTimer = undefined;
    this.stopSampling?.();
    this.stopSampling = undefined;
    this.checks?.stop();
    this.checks = undefined;
  }

  close(): Promise<void> {
    this.stopWatching();
    this.dirWatch?.stop();
    this.closed = true;
    return this.file.flushed();
  }

  private update(change: Partial<Omit<HealthState, 'v'>>, started = false): void {
    this.state = { ...this.state, ...change, time: Date.now() };
    if (!this.closed) this.file.write(this.state, started);
  }

  private emit(kind: EventKind, pid: number, fields: Record<string, string | number | boolean | null> = {}): void {
    this.hooks.onEvent?.(makeEvent(kind, this.hooks.dir, pid, fields));
  }
}
