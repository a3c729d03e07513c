// The supervision engine for one service directory: supervise/ files, the run and finish
// children, control commands, restart pacing and stop escalation. `supervise DIR` runs one;
// svscan runs many in one process. Over 250 lines on purpose: it is one state machine, and
// every transition (commands, child exits, timers) is easier to check when read in one place.
import { closeSync, existsSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { join, resolve as resolvePath } from 'node:path';
import { findOrphan, type ChildRegistry } from './adopt.ts';
import { chdirError } from './inspect.ts';
import { PID_SIGNALS, parseControl, type Command } from '../formats/command.ts';
import { errnoText, isErrno } from '../formats/errno.ts';
import { escapeName } from '../formats/escape.ts';
import { unable } from '../formats/errors.ts';
import { clearGroup, DEFAULT_KILL_TIMEOUT_MS, readKillTimeout, sendStop } from '../os/group.ts';
import { groupHasLive, isLive, readProcInfo, signal } from '../os/proc.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { queuedFdOp } from '../os/fdqueue.ts';
import { spawnChild, type ChildEnd } from '../os/spawn.ts';
import { failedStep } from './startcreds.ts';
import { DirListings, listServiceDir, mayHave, readStartFiles, type Listing, type StartFiles, type StartPassOptions } from './startpass.ts';
import { lockSuperviseDir, openControl, openOk } from './supervisedir.ts';
import { probeServiceFile, readServiceFile, serviceFileProblem } from '../os/servicefile.ts';
import { STATUS_SIZE, unpackStatus, type RunState, type Status, type Want } from '../formats/status.ts';
import { writeStatusNow } from './statusnow.ts';
import { tai64nAt, type Tai64n } from '../formats/tai64n.ts';
import { Warner } from './warner.ts';
import { writeRunitFiles } from './runitfiles.ts';
import { SettleWait } from '../os/settle.ts';
import { statusChanged, writeStatusFilesLater } from './statuslater.ts';
import { makeEvent, type EventKind, type EventSink, type ServiceEvent } from '../events/event.ts';
import { signalName } from '../events/signal.ts';
import { ServiceWatcher } from '../watch/watcher.ts';
import { ServiceHealth } from '../health/service.ts';
import { logCheckOutput } from '../health/checklog.ts';
import { childStdio } from './logstderr.ts';
import { inheritable } from '../os/inheritable.ts';
import { journaled } from '../events/journal.ts';
import { notifying } from '../events/notify.ts';

/** Minimum time between two starts of run: a crash loop restarts once a second, no faster. */
export const MIN_RESTART_INTERVAL_MS = 1000;
/** How often a service adopted from a dead supervisor (not our child) is checked for life. */
const ADOPTED_POLL_MS = 100;
/** How long a dir may take to vanish after its files did, before "file does not exist" is said. */
const REMOVAL_GRACE_MS = 1000;
/** Retry period when the FIFOs of supervise/ cannot be made (a file in the way, say). */
const FIFO_RETRY_MS = 1000;

export interface SupervisorOptions {
  /** The service directory as the user named it (used in messages). */
  readonly dir: string;
  /** fds given to run and finish as 0, 1, 2. */
  readonly stdio?: readonly [number, number, number];
  /** stdio[1] is the service's log pipe: a `log-stderr` file may send stderr there too. */
  readonly logged?: boolean;
  readonly onWarning?: (message: string) => void;
  /** Transitions (start, exit, restart, commands, stop escalation) as ServiceEvents, labelled `dir`. */
  readonly onEvent?: EventSink;
  /** Where every child started is recorded, so adoption can prove whose it is (svscan's journal). */
  readonly registry?: ChildRegistry | undefined;
  /** The name the registry knows this directory by ("web", "web/log"). */
  readonly name?: string;
  /** The scan dir's notify hook (SCANDIR/.notify) for this service, besides S/notify. */
  readonly scanHook?: string;
  /**
   * svscan's start order (needs/): before each start of run, what it still waits for ([]: start),
   * given the start pass's listing of the service dir (undefined: unknown).
   */
  readonly gate?: (listing: Promise<Listing>) => Promise<readonly string[]>;
}

const NO_WAIT: Promise<readonly string[]> = Promise.resolve([]);

/** Errors that say "could not look", not "nothing there": nothing may be started on them. */
const RESOURCE_ERRORS = ['EMFILE', 'ENFILE', 'ENOMEM'];

export class Supervisor {
  readonly dir: string;
  /** dir as messages print it: control characters escaped, so a warning stays one line. */
  private readonly label: string;
  private readonly cwd: string;
  private readonly stdio: readonly [number, number, number];
  private readonly logged: boolean;
  /** `log-stderr` as last read at a start: stderr goes into the log pipe. */
  private stderrInLog = false;
  private readonly warner: Warner;
  private readonly onEvent: EventSink | undefined;
  /** How the last child ended, for the restart event that follows it. */
  private lastEnd: Record<string, string | number | null> = {};
  /** For files that are skipped (a FIFO in env/, ...): not cleared by a good start, as they stay. */
  private readonly fileWarner: Warner;
  private readonly registry: ChildRegistry | undefined;
  private readonly name: string;
  /** "dev:ino" of the directory: what adoption and the registry know it by. */
  private dirKey = '';
  private state: RunState = 'down';
  private want: Want = 'up';
  private pid = 0;
  /** process group of the running child; 0 when it has none of its own (adopted). */
  private pgid = 0;
  private paused = false;
  private termSent = false;
  /** The pid terminate() sent TERM+CONT to: shutdown() then only announces it. */
  private termedEarly = 0;
  private exiting = false;
  /** Between the death of a child and an empty process group: nothing new may start. */
  private clearing = false;
  /** From start() until the down file is known and supervise/control is open: run waits. */
  private booting = false;
  /** While env/ is read for a start: commands change want, the start then honours it. */
  private starting = false;
  /** The pid whose KILL timer is being armed (timeout-kill is being read). */
  private killArming = 0;
  /** The read of timeout-kill after the last TERM: the exit event waits for its stop event. */
  private killRead: Promise<void> = Promise.resolve();
  private stamp: Tai64n = tai64nAt();
  private lastStart = -Infinity;
  private restartTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  /** Holds the flock on supervise/lock while supervised. */
  private lockFd = -1;
  /** FIFO fds other than the control read end, which the control socket owns. */
  private fds: number[] = [];
  private control: Socket | undefined;
  private okFd = -1;
  private closed = false;
  /** The status last written, so unchanged stat and pid files are not rewritten. */
  private written: Status | undefined;
  /** While letting go: the status the next write off the main thread takes, and the one on disk. */
  private latest: Status | undefined;
  private onDisk: Status | undefined;
  /** stat and pid: their ordered chain off the main thread, the status its next step takes, and the one they show. */
  private runitFiles: Promise<void> = Promise.resolve();
  private runitNext: Status | undefined;
  private runitShown: Status | undefined;
  private readonly runStart = new SettleWait();
  private fifoRetry: NodeJS.Timeout | undefined;
  /** The `watch` file's watcher: a change restarts the service as svc -t does. */
  private watcher: ServiceWatcher | undefined;
  private resolveDone!: () => void;
  /** shutdown() was called (as opposed to retire()): a child found meanwhile is stopped too. */
  private shuttingDown = false;
  /** Resolves when the supervisor has let go of the directory (after x, or shutdown). */
  readonly done: Promise<void> = new Promise((r) => { this.resolveDone = r; });
  private resolveSettled!: () => void;
  /**
   * Resolves once the descriptors of taking the directory are open (FIFOs, and the child's
   * pidfd when it starts): the first status write, or letting go. svscan's budget waits for it.
   */
  readonly settled: Promise<void> = new Promise((r) => { this.resolveSettled = r; });
  /** Readiness, checks, limits and the restart policy (packages/core/src/health/). */
  private readonly health: ServiceHealth;
  /** Earliest next start (performance.now() ms) the restart policy allows. */
  private notBefore = -Infinity;
  /** The health layer's events of a run's end (backoff, failed), held until its exit event is out. */
  private held: ServiceEvent[] | undefined;
  private readonly gate: ((listing: Promise<Listing>) => Promise<readonly string[]>) | undefined;
  /** A start was held at the gate; release() tries it again. */
  private gated = false;
  /** The service dir as listed while run was alive: the next start's listing while the dir is unchanged. */
  private readonly listings: DirListings;

  constructor(opts: SupervisorOptions) {
    this.dir = opts.dir;
    this.label = escapeName(opts.dir);
    this.cwd = resolvePath(opts.dir);
    this.listings = new DirListings(this.cwd);
    // svscan's own 1 and 2 are handed over blocking (os/inheritable.ts): Node keeps them O_NONBLOCK.
    const [i, o, e] = opts.stdio ?? [0, 1, 2];
    this.stdio = [i, inheritable(o), inheritable(e)];
    this.logged = opts.logged ?? false;
    this.warner = new Warner(opts.onWarning ?? (() => {}));
    this.fileWarner = new Warner(opts.onWarning ?? (() => {}));
    const hooks = notifying(journaled(opts.onEvent, join(this.cwd, SERVICE.superviseDir), this.label, (m) => this.fileWarner.warn(m)), { cwd: this.cwd, label: this.label, scanHook: opts.scanHook, stderr: this.stdio[2], warn: (m) => this.fileWarner.warn(m) });
    this.onEvent = hooks.sink;
    void this.done.then(() => hooks.runner.close());
    this.registry = opts.registry;
    this.name = opts.name ?? opts.dir;
    this.gate = opts.gate;
    this.health = new ServiceHealth({
      dir: this.dir, cwd: this.cwd, warn: (m) => this.warner.warn(m), onEvent: (e) => (this.held !== undefined ? this.held.push(e) : this.onEvent?.(e)),
      restart: () => { if (this.state === 'run' && this.pid !== 0) this.stopChild(); },
      stop: () => this.handle('down'),
      start: () => { if (this.want === 'down') this.handle('up'); },
      logCheck: this.logged ? (output, dropped) => logCheckOutput(this.cwd, this.label, output, dropped, (err, m) => { if (!this.vanished(err)) this.warner.warn(m); }) : undefined,
    });
  }

  private emit(kind: EventKind, pid: number, fields?: Record<string, string | number | boolean | null>): void {
    this.onEvent?.(makeEvent(kind, this.dir, pid, fields));
  }

  /**
   * Takes the directory: the lock now (throws SvkitError); then, off the main thread, the down
   * file and an orphan to adopt, then the FIFOs, then run unless down. run is never started
   * before supervise/control is open: a service nobody can control does not run.
   */
  start(): void {
    // As chdir would: a directory we may not enter is "unable to chdir", not a later failure.
    const cd = chdirError(this.cwd);
    if (cd !== undefined) throw unable(`chdir to ${this.label}`, cd);
    try {
      const st = statSync(this.cwd); // sync-ok: a stat of the directory itself, which opens nothing
      this.dirKey = `${st.dev}:${st.ino}`;
    } catch (err) {
      throw unable(`stat ${this.label}`, err);
    }
    this.lockFd = lockSuperviseDir(this.cwd, this.label);
    this.booting = true;
    void this.boot().catch((err: unknown) => {
      this.warner.warn(`unable to set up ${this.label}/supervise: ${errnoText(err)}`);
      this.close(); // let go: the next scan (or the supervise user) tries again
    });
  }

  private async boot(): Promise<void> {
    try {
      // Only its presence counts, as in daemontools: a stat, never an open.
      if (await probeServiceFile(join(this.cwd, SERVICE.down)) !== 'absent') this.want = 'down';
    } catch (err) {
      this.warner.warn(`unable to stat ${this.label}/down: ${errnoText(err)}`);
    }
    if (this.closed) return;
    await this.adoptOrphan();
    if (this.closed) return;
    this.booting = false;
    // Told to let go meanwhile (the dir was removed, svscan is stopping): do so, nothing starts.
    if (this.exiting) {
      if (this.isIdle()) return this.close();
      if (this.shuttingDown && this.state === 'run') this.stopChild();
    }
    if (this.openFifos()) this.controllable();
    else this.writeStatus();
  }

  /** supervise/control is open: start run if it should run and nothing else is under way. */
  private controllable(): void {
    if (this.pid === 0 && this.want === 'up' && this.isIdle() && this.restartTimer === undefined) this.scheduleStart();
    else this.writeStatus();
  }

  /**
   * control, then ok: once ok has a reader, svok and svstat see a running supervisor. ok is
   * opened even when control cannot be (a directory in its way, say): svstat then reports the
   * service down and svc the broken control, instead of "supervise not running". Retried every
   * second until both are open; true once control is.
   */
  private openFifos(): boolean {
    if (this.closed) return false;
    if (this.control === undefined) {
      try {
        const control = openControl(this.cwd);
        this.fds.push(control.write);
        this.listen(control.read);
      } catch (err) {
        if (!this.vanished(err)) this.warnUnlessRemoved(err, `unable to open ${this.label}/supervise/control, pausing: ${errnoText(err)}`);
      }
    }
    if (this.okFd < 0) {
      try {
        this.okFd = openOk(this.cwd);
        this.fds.push(this.okFd);
      } catch (err) {
        if (!this.vanished(err)) this.warnUnlessRemoved(err, `unable to open ${this.label}/supervise/ok, pausing: ${errnoText(err)}`);
      }
    }
    if ((this.control === undefined || this.okFd < 0) && this.fifoRetry === undefined) {
      this.fifoRetry = setTimeout(() => {
        this.fifoRetry = undefined;
        const was = this.control !== undefined;
        if (this.openFifos() && !was) this.controllable();
      }, FIFO_RETRY_MS);
    }
    return this.control !== undefined;
  }

  /**
   * The signal half of shutdown(), for svscan's stop to TERM every service before any of them
   * is announced: the child gets TERM+CONT (and its KILL timer) now, as by shutdown(); the
   * shutdown() that follows writes the status (kill, then announce, as daemontools' supervise).
   */
  terminate(): void {
    if (this.closed || this.state !== 'run' || this.pid === 0 || this.termSent) return;
    this.want = 'down';
    this.shuttingDown = true;
    this.exiting = true;
    this.stopChild(false);
    this.termedEarly = this.pid;
  }

  /** TERM to the supervisor: bring the service down, then let go. Resolves when done. */
  shutdown(): Promise<void> {
    if (this.closed) return this.done;
    this.want = 'down';
    this.shuttingDown = true;
    if (this.state !== 'run') {
      this.handle('exit');
      return this.done;
    }
    // As handle('exit') then stopChild(), with one status write, after the signals.
    this.exiting = true;
    if (this.termedEarly !== 0 && this.termedEarly === this.pid) this.writeStatus();
    else this.stopChild();
    this.termedEarly = 0;
    return this.done;
  }

  /**
   * Let the child end by itself (a logger draining its pipe to EOF), then let go; nothing
   * is signalled and nothing restarted. svscan uses it for the log service of a removed dir.
   */
  retire(): Promise<void> {
    if (!this.closed) {
      this.want = 'down';
      this.exiting = true;
      this.cancelRestart();
      if (this.isIdle()) this.close();
      else this.writeStatus();
    }
    return this.done;
  }

  /** Whether run is up and ready (notification-fd's newline, or up without one). */
  get ready(): boolean {
    return this.state === 'run' && this.pid !== 0 && this.health.isReady(this.pid);
  }

  /** A start held at the gate is tried again (the gate is asked anew). */
  release(): void {
    if (!this.gated) return;
    this.gated = false;
    if (this.isIdle() && this.want !== 'down' && !this.exiting && !this.closed && this.restartTimer === undefined) this.startRun();
  }

  /** Whether the supervisor has let go of its directory. */
  get finished(): boolean {
    return this.closed;
  }

  /** A snapshot of the status record as it is on disk. */
  status(): Status {
    return {
      stamp: this.stamp, pid: this.pid, paused: this.paused, want: this.want,
      runit: { termSent: this.termSent, state: this.state },
    };
  }

  private listen(reader: number): void {
    this.control = new Socket({ fd: reader, readable: true, writable: false });
    this.control.on('data', (chunk: Buffer) => {
      for (const cmd of parseControl(chunk)) this.handle(cmd);
    });
    this.control.on('error', (err) => this.warner.warn(`unable to read ${this.label}/supervise/control: ${errnoText(err)}`));
  }

  /**
   * A service left running by a dead supervisor is taken over, never started twice; only if
   * it is proven to be this directory's (adopt.ts). Throws when that cannot be checked for
   * lack of descriptors or memory: then nothing is started either.
   */
  private async adoptOrphan(): Promise<void> {
    let old: Status | undefined;
    try {
      const file = await readServiceFile(join(this.cwd, SERVICE.status), STATUS_SIZE);
      if (file.kind !== 'ok') return; // no status yet, or not a file: nothing to adopt
      old = unpackStatus(file.data);
    } catch (err) {
      if (RESOURCE_ERRORS.some((code) => isErrno(err, code))) throw err;
      return; // unreadable: nothing to adopt
    }
    if (this.closed) return;
    const orphan = findOrphan(old, this.dirKey, this.registry);
    if (old === undefined || orphan === undefined) return;
    this.registry?.started(this.dirKey, this.name, orphan);
    this.pid = orphan.pid;
    this.pgid = orphan.pgid;
    this.stamp = old.stamp;
    this.want = old.want;
    this.paused = old.paused;
    this.termSent = old.runit?.termSent ?? false;
    this.state = old.runit?.state === 'finish' ? 'finish' : 'run';
    this.lastStart = performance.now();
    const pid = orphan.pid;
    this.emit('start', pid, { what: this.state, adopted: true });
    // health/check gets env/ as run would: read afresh, as the run's own is not known.
    const files = listServiceDir(this.cwd).then((n) => Promise.all([this.health.load(n), readStartFiles(this.passOptions(), n)]));
    void files.then(([, f]) => { if (this.pid === pid && !this.closed) this.health.adopted(pid, orphan.pgid, f.ok ? f.env : process.env, f.ok ? f.creds : undefined); });
    const poll = setInterval(() => {
      if (isLive(pid)) return;
      clearInterval(poll);
      // Not our child: its exit status is unknown.
      if (this.pid === pid) void this.childEnded(pid, { code: null, signal: null });
      else this.registry?.ended(this.dirKey, pid);
    }, ADOPTED_POLL_MS);
  }

  private handle(cmd: Command): void {
    if (this.closed) return;
    const running = this.state === 'run' && this.pid !== 0;
    switch (cmd) {
      case 'up':
      case 'once':
        this.want = cmd;
        this.emit(cmd, this.pid);
        this.health.upCommand();
        if (this.isIdle() && this.restartTimer === undefined) this.scheduleStart();
        break;
      case 'down':
        this.want = 'down';
        this.emit('down', this.pid);
        this.cancelRestart();
        this.health.downCommand();
        if (running) this.stopChild();
        break;
      case 'exit':
        this.exiting = true;
        if (this.isIdle()) {
          this.cancelRestart();
          this.close();
          return;
        }
        break;
      case 'pause':
        this.paused = true;
        if (running) signal(this.target(), 'SIGSTOP');
        break;
      case 'cont':
        this.paused = false;
        if (running) signal(this.target(), 'SIGCONT');
        break;
      case 'term':
        if (running) this.stopChild();
        return;
      case 'kill':
        if (running) this.kill('command');
        return;
      default: {
        const sig = PID_SIGNALS[cmd];
        if (running && sig !== undefined) signal(this.pid, sig);
        return;
      }
    }
    this.writeStatus();
  }

  private isIdle(): boolean {
    return this.state === 'down' && !this.clearing && !this.starting && !this.booting;
  }

  /** The kill target: the child's process group when it leads one, else the pid. */
  private target(): number {
    return this.pgid !== 0 ? -this.pgid : this.pid;
  }

  /** TERM+CONT, then (ANNOUNCE) the status saying so, then the KILL timer of timeout-kill. */
  private stopChild(announce = true): void {
    sendStop(this.target());
    this.termSent = true;
    this.paused = false;
    if (announce) this.writeStatus();
    if (this.killTimer !== undefined || this.killArming === this.pid) return;
    // timeout-kill is read off the main thread; the time it takes counts against the timeout.
    const pid = this.pid;
    const since = performance.now();
    this.killArming = pid;
    this.killRead = this.killTimeout().then((timeout) => {
      if (this.killArming === pid) this.killArming = 0;
      // TERM went to pid whatever happened since: its event comes before that pid's exit event.
      this.emit('stop', pid, { kill: timeout / 1000 });
      if (timeout === 0 || this.pid !== pid || this.state !== 'run' || this.closed || this.killTimer !== undefined) return;
      this.killTimer = setTimeout(() => {
        this.killTimer = undefined;
        if (this.pid === pid && this.state === 'run') this.kill('timeout');
      }, Math.max(0, timeout - (performance.now() - since)));
    });
  }

  /** timeout-kill, read afresh; when an unchanged snapshot of the dir shows none, the default without a read. */
  private killTimeout(): Promise<number> {
    const names = this.listings.unchanged();
    if (names !== undefined && !names.has(SERVICE.timeoutKill)) return Promise.resolve(DEFAULT_KILL_TIMEOUT_MS);
    return readKillTimeout(this.cwd, this.label, (m) => this.fileWarner.warn(m));
  }

  private kill(why: 'command' | 'timeout'): void {
    this.emit('kill', this.pid, { why });
    signal(this.target(), 'SIGKILL');
  }

  private scheduleStart(restart = false): void {
    const now = performance.now();
    const wait = Math.max(0, this.lastStart + MIN_RESTART_INTERVAL_MS - now, this.notBefore - now);
    if (restart) this.emit('restart', 0, { ...this.lastEnd, ...this.health.lastCause, wait: Math.round(wait / 100) / 10 });
    if (wait === 0) return this.startRun();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.isIdle() && this.want !== 'down' && !this.closed) this.startRun();
    }, wait);
  }

  private cancelRestart(): void {
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  /**
   * The files of the service dir are re-read before each start (startpass.ts: one listing, then
   * only the files it shows, off the main thread); nothing else starts meanwhile. LISTING: one
   * taken at the end of the last run, when this start follows it at once.
   */
  private startRun(listing?: Promise<Listing>): void {
    this.lastStart = performance.now();
    this.starting = true;
    const names = listing ?? this.listings.now();
    const files = names.then((n) => {
      (this.watcher ??= new ServiceWatcher(this.cwd, this.dir, () => this.watchRestart(), (m) => this.warner.warn(m))).refresh(n);
      return Promise.all([readStartFiles(this.passOptions(), n), this.health.load(n)]);
    });
    // needs/ (svscan's start order) is asked at the same time: no extra round trip.
    const gate = this.gate?.(names) ?? NO_WAIT;
    void Promise.all([files, gate]).then(([[f], waits]) => {
      if (f.ok) this.stderrInLog = f.stderrInLog;
      if (waits.length > 0 && !this.closed) {
        this.starting = false;
        return this.hold(waits);
      }
      if (!this.closed) void this.spawn('run', './run', [], f);
    });
  }

  /** A watched file changed: svc -t, whose one restart event (after the exit) says cause watch. */
  private watchRestart(): void {
    if (this.state === 'run') this.health.restartAsked('watch', 'watch: a watched file changed');
    this.handle('term');
  }

  /** Not started for now (needs/): down, want unchanged, until release(). */
  private hold(waits: readonly string[]): void {
    this.gated = true;
    this.health.waiting(waits);
    this.writeStatus();
    if (this.exiting) this.close();
  }

  private passOptions(): StartPassOptions {
    return { cwd: this.cwd, label: this.label, logged: this.logged, warn: (m) => this.fileWarner.warn(m) };
  }

  /**
   * Spawns with FILES (read by startRun; for finish, read here). Commands that arrive while they
   * are read change want and are honoured here: a run whose service was brought down (or told
   * to exit) is not started.
   */
  private async spawn(state: 'run' | 'finish', file: string, args: string[], files?: StartFiles): Promise<void> {
    this.starting = true;
    const f: StartFiles = files ?? await readStartFiles({ ...this.passOptions(), logged: false }, await listServiceDir(this.cwd));
    this.starting = false;
    if (this.closed) return;
    if (!f.ok) {
      if (f.bad === 'creds') return this.credsFailed(state, f.reason);
      if (!this.vanished(f.err)) this.warnUnlessRemoved(f.err, `unable to read ${this.label}/env: ${f.reason}`);
      this.state = 'down';
      this.writeStatus();
      return this.afterDown();
    }
    if (state === 'run' && (this.want === 'down' || this.exiting)) {
      this.writeStatus();
      return this.afterDown();
    }
    const { env, creds } = f;
    const extraFds = state === 'run' ? this.health.spawnFds() : undefined;
    const child = spawnChild(file, args, { cwd: this.cwd, env, stdio: childStdio(this.stdio, this.stderrInLog), ...(extraFds ? { extraFds } : {}), ...(creds ? { creds } : {}) });
    if (child.pid === undefined) {
      this.writeStatus();
      void child.ended.then((end) => {
        this.lastEnd = {};
        const why = `${failedStep(end.error)}${errnoText(end.error)}`;
        this.warnUnlessRemoved(end.error, `unable to start ${this.label}/${file.slice(2)}: ${why}`);
        if (state === 'run') this.health.startFailed(`unable to start ${file.slice(2)}: ${why}`);
        this.state = 'down';
        this.writeStatus();
        this.afterDown();
      });
      return;
    }
    const pid = child.pid;
    this.pid = pid;
    this.pgid = pid;
    this.state = state;
    this.stamp = tai64nAt();
    this.termSent = false;
    this.paused = false;
    this.record(pid); // first: from here on a crash of svscan must find it on record
    this.writeStatus(state === 'run');
    this.emit('start', pid, { what: state });
    if (state === 'run') {
      this.health.runStarted(pid, env, creds);
      this.listings.take(); // while it runs: the listing for its end and the next start
    }
    void child.ended.then((end) => this.childEnded(pid, end));
  }

  /** A bad user/rlimit/umask/nice file or an unknown user: one warning, kept down, the reason in svstat -v. */
  private credsFailed(state: 'run' | 'finish', reason: string): void {
    this.warnUnlessRemoved(undefined, `unable to start ${this.label}/${state}: ${reason}`);
    if (state === 'run') this.health.startFailed(`unable to start run: ${reason}`);
    this.state = 'down';
    this.writeStatus();
    this.afterDown();
  }

  /** Puts a child just started on record: pid, group and /proc start time. */
  private record(pid: number): void {
    if (this.registry === undefined) return;
    let startTicks = 0;
    try {
      startTicks = readProcInfo(pid)?.startTicks ?? 0;
    } catch {
      // EMFILE: recorded without its start time, which then proves nothing (never killed by it)
    }
    this.registry.started(this.dirKey, this.name, { pid, pgid: pid, startTicks });
  }

  private async childEnded(pid: number, end: ChildEnd): Promise<void> {
    this.registry?.ended(this.dirKey, pid);
    const wasFinish = this.state === 'finish';
    // First in the thread pool's queue: the one listing says whether finish is there and, for
    // a restart at once, which files the next start reads.
    const listing = wasFinish ? undefined : this.listings.now();
    this.held = [];
    if (!wasFinish) this.applyPolicy(end);
    const pgid = this.pgid;
    this.pid = 0;
    this.pgid = 0;
    this.termSent = false;
    this.paused = false;
    this.stamp = tai64nAt();
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    this.killTimer = undefined;
    this.state = 'down';
    this.lastEnd = { what: wasFinish ? 'finish' : 'run', code: end.code, signal: end.signal === null ? null : signalName(end.signal) };
    const group = pgid || pid;
    // Nothing new starts until finish is looked up (off the main thread) and the group is empty.
    this.clearing = true;
    const finish = listing !== undefined && await this.hasFinish(await listing);
    await this.killRead;
    if (this.onEvent !== undefined) {
      const then = finish ? 'finish' : this.exiting || this.closed ? 'exit' : this.want === 'up' ? 'restart' : 'down';
      this.emit('exit', pid, { ...this.lastEnd, then });
    }
    const held = this.held;
    this.held = undefined;
    for (const e of held) this.onEvent?.(e);
    if (this.closed) return;
    // The common restart (no finish, nothing left in the group, run lived >= 1 s): straight to
    // the new start, whose status write replaces the "down" one readers would never see.
    if (this.restartsAtOnce(wasFinish, finish, group)) {
      this.clearing = false;
      this.emit('restart', 0, { ...this.lastEnd, ...this.health.lastCause, wait: 0 });
      return this.startRun(listing);
    }
    this.writeStatus();
    // Leftovers of the group go before anything new starts: never two copies at once.
    if (groupHasLive(group)) await clearGroup(group, await this.killTimeout());
    this.clearing = false;
    if (this.closed) return;
    if (finish) {
      const code = end.signal !== null || end.code === null ? '-1' : String(end.code);
      return void this.spawn('finish', './finish', [code, String(end.signal ?? 0)]);
    }
    this.state = 'down';
    this.writeStatus();
    this.afterDown();
  }

  /** The end of run, as the restart policy sees it: a wait before the next start, or failed (down). */
  private applyPolicy(end: ChildEnd): void {
    const d = this.health.runEnded(end.code, end.signal, performance.now() - this.lastStart, this.termSent, this.want === 'up' && !this.exiting);
    if (d.kind === 'failed') this.want = 'down';
    else this.notBefore = performance.now() + d.wait;
  }

  private restartsAtOnce(wasFinish: boolean, finish: boolean, group: number): boolean {
    return this.want === 'up' && performance.now() >= this.notBefore && !this.exiting && !this.closed && !wasFinish && !finish &&
      performance.now() - this.lastStart >= MIN_RESTART_INTERVAL_MS && !groupHasLive(group);
  }

  /** S/finish, if it is a regular file; anything else there gets a warning and is not run. */
  private async hasFinish(listing: Listing): Promise<boolean> {
    if (!mayHave(listing, SERVICE.finish)) return false;
    let kind;
    try {
      kind = await probeServiceFile(join(this.cwd, SERVICE.finish));
    } catch {
      return false;
    }
    if (kind === 'file') return true;
    if (kind !== 'absent') this.fileWarner.warn(`unable to start ${this.label}/finish: ${serviceFileProblem({ kind: 'not-regular', type: kind })}`);
    return false;
  }

  private afterDown(): void {
    this.state = 'down';
    if (this.exiting) return this.close();
    if (this.want === 'up') this.scheduleStart(true);
  }

  /** STARTED: the status of a run just started, whose stat and pid wait a moment (os/settle.ts). */
  private writeStatus(started = false): void {
    this.resolveSettled();
    if (this.closed) return;
    const now = this.status();
    if (this.exiting) return this.writeStatusLater(now);
    try {
      writeStatusNow(this.cwd, now, this.written);
    } catch (err) {
      this.written = undefined;
      this.onDisk = undefined;
      return this.writeFailed('status', err);
    }
    this.written = now;
    this.onDisk = now;
    this.writeRunitFiles(now, started);
  }

  /**
   * stat and pid follow status in order, off the main thread: a step not yet begun takes the
   * newest status, and writes only what differs from what they show.
   */
  private writeRunitFiles(now: Status, started: boolean): void {
    const queued = this.runitNext !== undefined;
    this.runitNext = now;
    if (!started) this.runStart.now();
    if (queued) return;
    const wait = started ? this.runStart.begin() : undefined;
    this.runitFiles = this.runitFiles.then(() => wait).then(() => queuedFdOp(async () => {
      const s = this.runitNext;
      this.runitNext = undefined;
      if (s === undefined) return;
      const before = this.runitShown;
      this.runitShown = undefined; // unknown after a failed write: the next one writes both
      await writeRunitFiles(this.cwd, s, before);
      this.runitShown = s;
    })).catch((err: unknown) => this.writeFailed('stat', err));
  }

  /**
   * Letting go (svscan's stop, svc -x): status joins stat and pid in their ordered chain off the
   * main thread (statuslater.ts); nothing after it writes status synchronously, as exiting stays
   * set, and done waits for the chain, so the files say down before svscan exits. Writes that
   * pile up while one is under way are coalesced: the next step writes the latest status only
   * (status, stat and pid of one step at once), so a service that is down by then is written
   * down once, not "TERM sent" first.
   */
  private writeStatusLater(now: Status): void {
    this.runStart.now();
    if (!statusChanged(now, this.written)) return;
    this.written = now;
    const queued = this.latest !== undefined;
    this.latest = now;
    if (queued) return;
    // The status is taken once a slot of the fd queue is free: a service that died while its
    // "TERM sent" waited for one is written down at once.
    this.runitFiles = this.runitFiles.then(() => queuedFdOp(async () => {
      const s = this.latest;
      this.latest = undefined;
      if (s === undefined || !statusChanged(s, this.onDisk)) return;
      const before = this.onDisk;
      // Unknown after a failed write: the next one writes every file.
      this.onDisk = undefined;
      this.runitShown = undefined;
      await writeStatusFilesLater(this.cwd, s, before);
      this.onDisk = s;
      this.runitShown = s;
    })).catch((err: unknown) => this.writeFailed('status', err));
  }

  /**
   * ENOENT because the service directory itself is gone, or is being removed (rm -r takes
   * supervise/ before the directory): not worth a warning, as svscan is about to bring the
   * service down (and a supervisor that is stopping has nothing to say).
   */
  private vanished(err: unknown): boolean {
    return isErrno(err, 'ENOENT') && (this.exiting || !existsSync(this.cwd) || !existsSync(join(this.cwd, SERVICE.superviseDir))); // sync-ok: error path only; stats of the dir itself, open nothing
  }

  private writeFailed(file: string, err: unknown): void {
    if (this.vanished(err)) return;
    this.warnUnlessRemoved(err, `unable to write ${this.label}/supervise/${file}: ${errnoText(err)}`);
  }

  /**
   * "file does not exist" may be a directory being removed (rm -r takes run and supervise/
   * first, then the dir itself): such a warning is said only if the dir is still there, and
   * still supervised, a moment later. Other errors are said at once.
   */
  private warnUnlessRemoved(err: unknown, text: string): void {
    if (!isErrno(err, 'ENOENT')) return this.warner.warn(text);
    setTimeout(() => {
      if (this.closed || this.exiting) return;
      void probeServiceFile(this.cwd).then((kind) => {
        if (kind === 'directory' && !this.closed && !this.exiting) this.warner.warn(text);
      }, () => {});
    }, REMOVAL_GRACE_MS).unref();
  }

  private closeFifos(): void {
    this.control?.destroy(); // closes the control read end
    this.control = undefined;
    for (const fd of this.fds) {
      try {
        closeSync(fd); // sync-ok: our own FIFO descriptor
      } catch {
        // already closed
      }
    }
    this.fds = [];
    this.okFd = -1;
  }

  private close(): void {
    this.resolveSettled();
    if (this.closed) return;
    this.writeStatus();
    this.closed = true;
    this.runStart.now();
    this.cancelRestart();
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    if (this.fifoRetry !== undefined) clearTimeout(this.fifoRetry);
    this.watcher?.close();
    this.closeFifos();
    if (this.lockFd >= 0) closeSync(this.lockFd); // sync-ok: our own lock descriptor
    this.lockFd = -1;
    // The last status write (off the main thread, as exiting) is on disk before done.
    void Promise.all([this.health.close(), this.runitFiles]).then(() => this.resolveDone());
  }
}
