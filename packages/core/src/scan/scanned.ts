// One entry of a scan directory: the service's supervisor and, with S/log/, its logger's,
// joined by a pipe that outlives both.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseLogScriptFile } from '../log/script.ts';
import { closeLogPipe, openLogPipe, type LogPipe } from './logpipe.ts';
import { PipeLog } from './pipelog.ts';
import { InProcessLogFace } from './inlogface.ts';
import { errnoText } from '../formats/errno.ts';
import type { Poller } from '../os/poller.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { Supervisor } from '../supervise/supervisor.ts';

/** How long a logger may take to drain its pipe after its service stopped, before TERM. */
const LOG_DRAIN_MS = 5000;

export interface ScannedOptions {
  /** The directory path as svscan names it in messages ("DIR/name"). */
  readonly path: string;
  /** /dev/null, the stdin of services and loggers. */
  readonly devNull: number;
  readonly stderr: number;
  readonly onWarning: (message: string) => void;
  /** Readiness of the FIFOs of in-process logs. */
  readonly poller: Poller;
}

/**
 * What S/log is: a logger to supervise (S/log/run, or neither file: its supervisor then says
 * run is missing), a multilog script for the in-process log engine (S/log/multilog without
 * S/log/run), something else (a mistake), or nothing.
 */
function logKind(path: string): 'run' | 'script' | 'other' | 'none' {
  try {
    if (!statSync(path).isDirectory()) return 'other';
  } catch {
    return 'none';
  }
  if (existsSync(join(path, SERVICE.run))) return 'run';
  return existsSync(join(path, SERVICE.logScript)) ? 'script' : 'run';
}

export class ScannedService {
  private readonly opts: ScannedOptions;
  private main: Supervisor | undefined;
  private log: Supervisor | undefined;
  private pipe: LogPipe | undefined;
  private pipeLog: PipeLog | undefined;
  private logFace: InProcessLogFace | undefined;
  private stopping = false;

  constructor(opts: ScannedOptions) {
    this.opts = opts;
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
      if (kind === 'script' && this.pipe !== undefined && this.pipeLog === undefined) {
        const script = parseLogScriptFile(readFileSync(join(logDir, SERVICE.logScript), 'utf8'));
        this.pipeLog = new PipeLog(join(path, SERVICE.logPipe), script, { cwd: logDir, poller: this.opts.poller, onWarning: this.opts.onWarning });
        try {
          this.logFace = new InProcessLogFace(resolve(logDir), logDir);
        } catch (err) {
          // Only the view is lost (another supervisor holds S/log/supervise, say): the log runs.
          this.opts.onWarning(`unable to set up ${logDir}/supervise for the in-process log: ${err instanceof Error ? err.message : errnoText(err)}`);
        }
      }
      if (kind === 'run' && this.pipe !== undefined && (this.log === undefined || this.log.finished)) {
        const log = new Supervisor({ dir: logDir, stdio: [this.pipe.loggerEnd, stderr, stderr], onWarning: this.opts.onWarning });
        log.start();
        this.log = log;
      }
    } catch (err) {
      logError = err;
    }
    if (this.main === undefined || this.main.finished) {
      const out = this.pipe?.serviceEnd ?? stderr;
      const main = new Supervisor({ dir: path, stdio: [devNull, out, stderr], onWarning: this.opts.onWarning });
      main.start();
      this.main = main;
    }
    if (logError !== undefined) throw logError;
  }

  /** Brings the service down, lets the logger drain the pipe to EOF, then lets go of both. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.main?.shutdown();
    // The in-process log takes what the pipe still holds before the pipe goes.
    this.pipeLog?.close();
    this.pipeLog = undefined;
    this.logFace?.close();
    this.logFace = undefined;
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
