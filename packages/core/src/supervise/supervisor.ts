// The supervision engine for one service directory: supervise/ files, the run and finish
// children, control commands, restart pacing and stop escalation. `supervise DIR` runs one;
// svscan runs many in one process. Over 250 lines on purpose: it is one state machine, and
// every transition (commands, child exits, timers) is easier to check when read in one place.
import { closeSync, existsSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { join, resolve as resolvePath } from 'node:path';
import { findOrphan } from './adopt.ts';
import { chdirError } from './inspect.ts';
import { PID_SIGNALS, parseControl, type Command } from '../formats/command.ts';
import { applyEnvDir } from './envdir.ts';
import { errnoText, isErrno } from '../formats/errno.ts';
import { unable } from '../formats/errors.ts';
import { clearGroup, readKillTimeout, sendStop } from '../os/group.ts';
import { groupHasLive, isLive, signal } from '../os/proc.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { spawnChild, type ChildEnd } from '../os/spawn.ts';
import { lockSuperviseDir, openControl, openOk } from './supervisedir.ts';
import { readStatus, writeRunitFiles, writeStatus, type RunState, type Status, type Want } from '../formats/status.ts';
import { tai64nAt, type Tai64n } from '../formats/tai64n.ts';
import { Warner } from './warner.ts';

/** Minimum time between two starts of run: a crash loop restarts once a second, no faster. */
export const MIN_RESTART_INTERVAL_MS = 1000;
/** How often a service adopted from a dead supervisor (not our child) is checked for life. */
const ADOPTED_POLL_MS = 100;
/** Retry period when the FIFOs of supervise/ cannot be made (a file in the way, say). */
const FIFO_RETRY_MS = 1000;

export interface SupervisorOptions {
  /** The service directory as the user named it (used in messages). */
  readonly dir: string;
  /** fds given to run and finish as 0, 1, 2. */
  readonly stdio?: readonly [number, number, number];
  readonly onWarning?: (message: string) => void;
}

export class Supervisor {
  readonly dir: string;
  private readonly cwd: string;
  private readonly stdio: readonly [number, number, number];
  private readonly warner: Warner;
  private state: RunState = 'down';
  private want: Want = 'up';
  private pid = 0;
  /** process group of the running child; 0 when it has none of its own (adopted). */
  private pgid = 0;
  private paused = false;
  private termSent = false;
  private exiting = false;
  /** Between the death of a child and an empty process group: nothing new may start. */
  private clearing = false;
  private stamp: Tai64n = tai64nAt();
  private lastStart = -Infinity;
  private restartTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  /** Holds the flock on supervise/lock while supervised. */
  private lockFd = -1;
  /** FIFO fds other than the control read end, which the control socket owns. */
  private fds: number[] = [];
  private control: Socket | undefined;
  private closed = false;
  /** The status last written, so unchanged stat and pid files are not rewritten. */
  private written: Status | undefined;
  private runitFiles: Promise<void> = Promise.resolve();
  private fifoRetry: NodeJS.Timeout | undefined;
  private resolveDone!: () => void;
  /** Resolves when the supervisor has let go of the directory (after x, or shutdown). */
  readonly done: Promise<void> = new Promise((r) => { this.resolveDone = r; });

  constructor(opts: SupervisorOptions) {
    this.dir = opts.dir;
    this.cwd = resolvePath(opts.dir);
    this.stdio = opts.stdio ?? [0, 1, 2];
    this.warner = new Warner(opts.onWarning ?? (() => {}));
  }

  /** Takes the directory: lock, FIFOs, status; starts run unless down. Throws SvkitError. */
  start(): void {
    const dir = this.dir;
    // As chdir would: a directory we may not enter is "unable to chdir", not a later failure.
    const cd = chdirError(this.cwd);
    if (cd !== undefined) throw unable(`chdir to ${dir}`, cd);
    try {
      statSync(join(this.cwd, SERVICE.down));
      this.want = 'down';
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw unable(`stat ${dir}/down`, err);
    }
    this.lockFd = lockSuperviseDir(this.cwd, dir);
    try {
      this.adoptOrphan();
      // Starting run writes the status; otherwise write it now.
      if (this.pid === 0 && this.want === 'up') this.startRun();
      else this.writeStatus();
    } catch (err) {
      this.close();
      throw unable(`set up ${dir}/supervise`, err);
    }
    // The lock is all that must precede the start. The FIFOs follow on the next turn, so
    // svscan starting 100 fresh services does not wait on 200 mkfifo calls first.
    setImmediate(() => this.openFifos());
  }

  /** control, then ok: once ok has a reader, svok and svstat see a running supervisor. */
  private openFifos(): void {
    if (this.closed || this.control !== undefined) return;
    try {
      const control = openControl(this.cwd);
      this.fds.push(control.write);
      this.listen(control.read);
      this.fds.push(openOk(this.cwd));
    } catch (err) {
      if (!this.vanished(err)) this.warner.warn(`unable to set up ${this.dir}/supervise, pausing: ${errnoText(err)}`);
      this.fifoRetry = setTimeout(() => {
        this.fifoRetry = undefined;
        this.closeFifos();
        this.openFifos();
      }, FIFO_RETRY_MS);
    }
  }

  /** TERM to the supervisor: bring the service down, then let go. Resolves when done. */
  shutdown(): Promise<void> {
    if (!this.closed) {
      this.want = 'down';
      this.handle('exit');
      if (this.state === 'run') this.stopChild();
    }
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
    this.control.on('error', (err) => this.warner.warn(`unable to read ${this.dir}/supervise/control: ${errnoText(err)}`));
  }

  /** A service left running by a dead supervisor is taken over, never started twice. */
  private adoptOrphan(): void {
    let old: Status | undefined;
    try {
      old = readStatus(this.cwd);
    } catch {
      return; // no status yet, or unreadable: nothing to adopt
    }
    const orphan = findOrphan(old);
    if (old === undefined || orphan === undefined) return;
    this.pid = orphan.pid;
    this.pgid = orphan.pgid;
    this.stamp = old.stamp;
    this.want = old.want;
    this.paused = old.paused;
    this.termSent = old.runit?.termSent ?? false;
    this.state = old.runit?.state === 'finish' ? 'finish' : 'run';
    this.lastStart = performance.now();
    const pid = orphan.pid;
    const poll = setInterval(() => {
      if (isLive(pid)) return;
      clearInterval(poll);
      // Not our child: its exit status is unknown.
      if (this.pid === pid) void this.childEnded(pid, { code: null, signal: null });
    }, ADOPTED_POLL_MS);
  }

  private handle(cmd: Command): void {
    if (this.closed) return;
    const running = this.state === 'run' && this.pid !== 0;
    switch (cmd) {
      case 'up':
      case 'once':
        this.want = cmd;
        if (this.isIdle() && this.restartTimer === undefined) this.scheduleStart();
        break;
      case 'down':
        this.want = 'down';
        this.cancelRestart();
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
        if (running) signal(this.target(), 'SIGKILL');
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
    return this.state === 'down' && !this.clearing;
  }

  /** The kill target: the child's process group when it leads one, else the pid. */
  private target(): number {
    return this.pgid !== 0 ? -this.pgid : this.pid;
  }

  private stopChild(): void {
    sendStop(this.target());
    this.termSent = true;
    this.paused = false;
    this.writeStatus();
    if (this.killTimer !== undefined) return;
    const timeout = readKillTimeout(this.cwd, (m) => this.warner.warn(m));
    if (timeout === 0) return;
    const pid = this.pid;
    this.killTimer = setTimeout(() => {
      this.killTimer = undefined;
      if (this.pid === pid && this.state === 'run') signal(this.target(), 'SIGKILL');
    }, timeout);
  }

  private scheduleStart(): void {
    const wait = Math.max(0, this.lastStart + MIN_RESTART_INTERVAL_MS - performance.now());
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

  private startRun(): void {
    this.lastStart = performance.now();
    this.spawn('run', './run', []);
  }

  private spawn(state: 'run' | 'finish', file: string, args: string[]): void {
    let env: NodeJS.ProcessEnv;
    try {
      env = applyEnvDir(join(this.cwd, SERVICE.env), process.env);
    } catch (err) {
      this.warner.warn(`unable to read ${this.dir}/env: ${errnoText(err)}`);
      return this.afterDown();
    }
    const child = spawnChild(file, args, { cwd: this.cwd, env, stdio: this.stdio });
    if (child.pid === undefined) {
      this.writeStatus();
      void child.ended.then((end) => {
        this.warner.warn(`unable to start ${this.dir}/${file.slice(2)}: ${errnoText(end.error)}`);
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
    this.writeStatus();
    this.warner.clear();
    void child.ended.then((end) => this.childEnded(pid, end));
  }

  private async childEnded(pid: number, end: ChildEnd): Promise<void> {
    const wasFinish = this.state === 'finish';
    const pgid = this.pgid;
    this.pid = 0;
    this.pgid = 0;
    this.termSent = false;
    this.paused = false;
    this.stamp = tai64nAt();
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    this.killTimer = undefined;
    this.state = 'down';
    const group = pgid || pid;
    // The common restart (no finish, nothing left in the group, run lived >= 1 s): straight to
    // the new start, whose status write replaces the "down" one readers would never see.
    if (this.restartsAtOnce(wasFinish, group)) return this.startRun();
    this.writeStatus();
    // Leftovers of the group go before anything new starts: never two copies at once.
    this.clearing = true;
    await clearGroup(group, readKillTimeout(this.cwd, (m) => this.warner.warn(m)));
    this.clearing = false;
    if (this.closed) return;
    if (!wasFinish && this.hasFinish()) {
      const code = end.signal !== null || end.code === null ? '-1' : String(end.code);
      return this.spawn('finish', './finish', [code, String(end.signal ?? 0)]);
    }
    this.state = 'down';
    this.writeStatus();
    this.afterDown();
  }

  private restartsAtOnce(wasFinish: boolean, group: number): boolean {
    return this.want === 'up' && !this.exiting && !this.closed && !wasFinish &&
      performance.now() - this.lastStart >= MIN_RESTART_INTERVAL_MS && !groupHasLive(group) && !this.hasFinish();
  }

  private hasFinish(): boolean {
    try {
      return statSync(join(this.cwd, SERVICE.finish), { throwIfNoEntry: false })?.isFile() === true;
    } catch {
      return false;
    }
  }

  private afterDown(): void {
    this.state = 'down';
    if (this.exiting) return this.close();
    if (this.want === 'up') this.scheduleStart();
  }

  private writeStatus(): void {
    if (this.closed) return;
    const now = this.status();
    try {
      writeStatus(this.cwd, now, this.written);
    } catch (err) {
      this.written = undefined;
      return this.writeFailed('status', err);
    }
    // stat and pid follow in order, off the main thread, each against what it last saw.
    const before = this.written;
    this.written = now;
    this.runitFiles = this.runitFiles
      .then(() => writeRunitFiles(this.cwd, now, before))
      .catch((err: unknown) => this.writeFailed('stat', err));
  }

  /**
   * ENOENT because the service directory itself is gone, or is being removed (rm -r takes
   * supervise/ before the directory): not worth a warning, as svscan is about to bring the
   * service down (and a supervisor that is stopping has nothing to say).
   */
  private vanished(err: unknown): boolean {
    return isErrno(err, 'ENOENT') && (this.exiting || !existsSync(this.cwd) || !existsSync(join(this.cwd, SERVICE.superviseDir)));
  }

  private writeFailed(file: string, err: unknown): void {
    if (this.vanished(err)) return;
    this.warner.warn(`unable to write ${this.dir}/supervise/${file}: ${errnoText(err)}`);
  }

  private closeFifos(): void {
    this.control?.destroy(); // closes the control read end
    this.control = undefined;
    for (const fd of this.fds) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.fds = [];
  }

  private close(): void {
    if (this.closed) return;
    this.writeStatus();
    this.closed = true;
    this.cancelRestart();
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    if (this.fifoRetry !== undefined) clearTimeout(this.fifoRetry);
    this.closeFifos();
    if (this.lockFd >= 0) closeSync(this.lockFd);
    this.lockFd = -1;
    this.resolveDone();
  }
}
