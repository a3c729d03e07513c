// One entry of a scan directory: the service's supervisor and, with S/log/, its logger's,
// joined by a pipe that outlives both.
import { existsSync, statSync } from 'node:fs';
import { errnoText } from '../formats/errno.ts';
import { errorKind, SvkitError } from '../formats/errors.ts';
import { readServiceFile } from '../os/servicefile.ts';
import { join } from 'node:path';
import { parseLogScriptFile, parseScript } from '../log/script.ts';
import { closeLogPipe, openLogPipe, type LogPipe } from './logpipe.ts';
import { PipeLog } from './pipelog.ts';
import type { Poller } from '../os/poller.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { Supervisor } from '../supervise/supervisor.ts';
import type { EventSink } from '../events/event.ts';

/** A log script is a few lines: anything larger is a mistake (or /dev/zero). */
const SCRIPT_CAP = 64 * 1024;
/** How long a logger may take to drain its pipe after its service stopped, before TERM. */
const LOG_DRAIN_MS = 5000;

export interface ScannedOptions {
  /** The entry's name in the scan dir: events are labelled NAME and NAME/log. */
  readonly name: string;
  /** The directory path as svscan names it in messages ("DIR/name"). */
  readonly path: string;
  /** /dev/null, the stdin of services and loggers. */
  readonly devNull: number;
  readonly stderr: number;
  readonly onWarning: (message: string) => void;
  /** Readiness of the FIFOs of in-process logs. */
  readonly poller: Poller;
  readonly onEvent?: EventSink;
}

/**
 * What S/log is: a logger to supervise (S/log/run, or neither file: its supervisor then says
 * run is missing), a multilog script for the in-process log engine (S/log/multilog without
 * S/log/run), something else (a mistake), or nothing.
 */
function logKind(path: string): 'run' | 'script' | 'other' | 'none' {
  try {
    if (!statSync(path).isDirectory()) return 'other'; // sync-ok: stat never waits on a FIFO
  } catch {
    return 'none';
  }
  if (existsSync(join(path, SERVICE.run))) return 'run'; // sync-ok: access(2) never waits on a FIFO
  return existsSync(join(path, SERVICE.logScript)) ? 'script' : 'run'; // sync-ok: access(2) never waits on a FIFO
}

export class ScannedService {
  private readonly opts: ScannedOptions;
  private main: Supervisor | undefined;
  private log: Supervisor | undefined;
  private pipe: LogPipe | undefined;
  private pipeLog: PipeLog | undefined;
  private stopping = false;
  private loadingScript = false;

  constructor(opts: ScannedOptions) {
    this.opts = opts;
  }

  /** The supervisor's events relabelled with the service's name instead of its path. */
  private events(label: string): { onEvent?: EventSink } {
    const sink = this.opts.onEvent;
    return sink === undefined ? {} : { onEvent: (e) => sink({ ...e, service: label }) };
  }

  /**
   * Starts whatever is not supervised yet (first pass, or after `svc -x` let go): the logger
   * first, so the pipe has its reader. Throws SvkitError (lock held elsewhere, ...): the caller
   * warns and tries again at the next scan. A logger that cannot be supervised does not keep
   * the service itself from being started: its error is thrown after the service is up.
   */
  ensure(): void {
    if (this.stopping) return;
    const { path, devNull, stderr } = this.opts;
    const logDir = join(path, SERVICE.log);
    const kind = logKind(logDir);
    // daemontools says "supervise: fatal: unable to chdir to log: not a directory" every pass.
    if (kind === 'other') this.opts.onWarning(`unable to chdir to ${logDir}: not a directory`);
    let logError: unknown;
    try {
      if ((kind === 'run' || kind === 'script') && this.pipe === undefined) this.pipe = openLogPipe(path);
      if (kind === 'script' && this.pipe !== undefined && this.pipeLog === undefined) this.loadLogScript(logDir);
      if (kind === 'run' && this.pipe !== undefined && (this.log === undefined || this.log.finished)) {
        const log = new Supervisor({ dir: logDir, stdio: [this.pipe.loggerEnd, stderr, stderr], onWarning: this.opts.onWarning, ...this.events(`${this.opts.name}/log`) });
        log.start();
        this.log = log;
      }
    } catch (err) {
      logError = err;
    }
    if (this.main === undefined || this.main.finished) {
      const out = this.pipe?.serviceEnd ?? stderr;
      const main = new Supervisor({ dir: path, stdio: [devNull, out, stderr], onWarning: this.opts.onWarning, ...this.events(this.opts.name) });
      main.start();
      this.main = main;
    }
    if (logError !== undefined) throw logError;
  }

  /**
   * Reads S/log/multilog off the thread (a FIFO or /dev/zero planted there cannot hold svscan)
   * and starts the in-process log; meanwhile the service's output waits in the pipe. A failure
   * is a warning; the next pass tries again.
   */
  private loadLogScript(logDir: string): void {
    if (this.loadingScript) return;
    this.loadingScript = true;
    const file = join(logDir, SERVICE.logScript);
    readServiceFile(file, SCRIPT_CAP)
      .then((f) => {
        this.loadingScript = false;
        if (this.stopping || this.pipeLog !== undefined || this.pipe === undefined) return;
        if (f.kind === 'absent') return; // gone meanwhile: the next pass sees what S/log is now
        if (f.kind === 'not-regular') throw new SvkitError('temporary', `unable to read ${file}: not a regular file (${f.type})`);
        if (f.kind === 'too-big') throw new SvkitError('temporary', `unable to read ${file}: larger than ${f.cap} bytes`);
        const script = parseScript(parseLogScriptFile(f.data.toString('utf8')), file);
        this.pipeLog = new PipeLog(join(this.opts.path, SERVICE.logPipe), script, { cwd: logDir, name: logDir, poller: this.opts.poller, onWarning: this.opts.onWarning });
      })
      .catch((err: unknown) => {
        this.loadingScript = false;
        const reason = errorKind(err) !== undefined ? (err as Error).message : errnoText(err);
        this.opts.onWarning(`unable to supervise ${this.opts.path}: ${reason}`);
      });
  }

  /**
   * Brings the service down, lets the logger drain the pipe to EOF, then lets go of both. An
   * in-process log that cannot be written is waited for until `drop` settles (svscan got TERM
   * twice) or its own timeout.
   */
  async stop(drop: Promise<void> = new Promise(() => {})): Promise<void> {
    this.stopping = true;
    await this.main?.shutdown();
    // The in-process log takes what the pipe still holds before the pipe goes.
    await this.pipeLog?.stop(drop);
    this.pipeLog = undefined;
    if (this.pipe !== undefined) {
      // The service's processes are gone: closing our ends leaves the logger's read end alone,
      // so it reads what is left, sees EOF and exits by itself.
      closeLogPipe(this.pipe);
      this.pipe = undefined;
    }
    const log = this.log;
    if (log === undefined) return;
    const drained = log.retire();
    const timer = setTimeout(() => void log.shutdown(), LOG_DRAIN_MS);
    await drained;
    clearTimeout(timer);
  }
}
