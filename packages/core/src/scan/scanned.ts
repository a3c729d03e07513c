// One entry of a scan directory: the service's supervisor and, with S/log/, its logger's,
// joined by a pipe that outlives both.
import { statSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { escapeName } from '../formats/escape.ts';
import { SvkitError } from '../formats/errors.ts';
import { probeServiceFile, readServiceFile, serviceFileProblem } from '../os/servicefile.ts';
import { parseLogScriptFile, parseScript } from '../log/script.ts';
import { closeLogPipe, openLogPipe, type LogPipe } from './logpipe.ts';
import type { StdoutSink } from '../log/stdoutsink.ts';
import { PipeLog } from './pipelog.ts';
import { InProcessLogFace } from './inlogface.ts';
import { errnoText } from '../formats/errno.ts';
import type { Poller } from '../os/poller.ts';
import { SERVICE } from '../formats/servicedir.ts';
import type { ChildRegistry } from '../supervise/adopt.ts';
import { FD_COST } from './fdbudget.ts';
import { settledStamp } from './dirstamp.ts';
import { Supervisor } from '../supervise/supervisor.ts';
import type { Listing } from '../supervise/startpass.ts';
import type { EventSink, ServiceEvent } from '../events/event.ts';
import { SCAN_NOTIFY_FILE } from '../events/notify.ts';

/** How long a logger may take to drain its pipe after its service stopped, before TERM. */
const LOG_DRAIN_MS = 5000;
/**
 * Passes that may trust an unchanged stamp of S before S/log is looked at in full again: a net
 * for a change no stamp shows (a dangling S/log symlink is never trusted, see ensureNow).
 */
const FULL_LOOK_EVERY = 60;

export interface ScannedOptions {
  /** The directory path as svscan names it in messages ("DIR/name"). */
  readonly path: string;
  /** The entry's name in the scan dir: events are labelled NAME and NAME/log, the registry records it. */
  readonly name: string;
  /** /dev/null, the stdin of services and loggers. */
  readonly devNull: number;
  readonly stderr: number;
  readonly onWarning: (message: string) => void;
  /** Readiness of the FIFOs of in-process logs. */
  readonly poller: Poller;
  readonly onEvent?: EventSink;
  readonly registry?: ChildRegistry | undefined;
  /** svscan's stdout, for the in-process script's `1` action. */
  readonly stdout?: StdoutSink;
  /** svscan's start order: asked before each start of run (Supervisor's gate). */
  readonly gate?: (listing: Promise<Listing>) => Promise<readonly string[]>;
  /** Every event of the service itself (not its logger), as its supervisor made it: start order and `essential` follow them. */
  readonly onServiceEvent?: (event: ServiceEvent) => void;
}

type LogKind = 'run' | 'script' | 'other' | 'none';

/**
 * What S/log is: a logger to supervise (S/log/run, or neither file: its supervisor then says
 * run is missing), a multilog script for the in-process log engine (S/log/multilog without
 * S/log/run), something else (a mistake), or nothing. Pure: both lookups below feed it.
 */
function classifyLog(log: string, hasRun: boolean, hasScript: boolean): LogKind {
  if (log === 'absent') return 'none';
  if (log !== 'directory') return 'other';
  return hasRun || !hasScript ? 'run' : 'script';
}

/** logKind off the main thread (stats only). */
async function logKind(path: string): Promise<LogKind> {
  const probe = (p: string): Promise<string> => probeServiceFile(p).catch(() => 'absent');
  const [log, run, script] = await Promise.all([probe(path), probe(join(path, SERVICE.run)), probe(join(path, SERVICE.logScript))]);
  return classifyLog(log, run !== 'absent', script !== 'absent');
}

/** The same at once, for the descriptor budget before the first ensure(): stats only, opens nothing. */
function logKindNow(path: string): LogKind {
  const type = (p: string): string => {
    try {
      return statSync(p).isDirectory() ? 'directory' : 'other'; // sync-ok: a stat never waits on a FIFO
    } catch {
      return 'absent';
    }
  };
  return classifyLog(type(path), type(join(path, SERVICE.run)) !== 'absent', type(join(path, SERVICE.logScript)) !== 'absent');
}

/** S/log/multilog, parsed; its size is capped and a FIFO or device there is an error. */
async function readLogScript(logDir: string): Promise<ReturnType<typeof parseScript>> {
  const name = `${escapeName(logDir)}/${SERVICE.logScript}`;
  const file = await readServiceFile(join(logDir, SERVICE.logScript));
  if (file.kind === 'absent') throw new SvkitError('temporary', `unable to read ${name}: file does not exist`);
  if (file.kind !== 'ok') throw new SvkitError('permanent', `unable to read ${name}: ${serviceFileProblem(file) ?? ''}`);
  return parseScript(parseLogScriptFile(file.data.toString('utf8')), join(logDir, SERVICE.logScript), true);
}

function toStdout(sink: StdoutSink, name: string): (body: Buffer, stamp: boolean) => void {
  return (body, stamp) => sink.line(name, body, stamp);
}

export class ScannedService {
  private readonly opts: ScannedOptions;
  private main: Supervisor | undefined;
  private log: Supervisor | undefined;
  private pipe: LogPipe | undefined;
  private pipeLog: PipeLog | undefined;
  private logFace: InProcessLogFace | undefined;
  private stopping = false;
  /** The ensure() under way: one at a time, and stop() waits for it. */
  private ensuring: Promise<void> | undefined;
  /** What S/log was at the last ensure(), for cost(). */
  private logSeen: LogKind | undefined;
  /** The stamp of S (and S/log) that the last look at S/log started from, and passes trusted since. */
  private looked: { stamp: string; trusted: number } | undefined;
  private markDown!: () => void;
  /** Resolves once stop() has brought the service itself down (its logger may still drain). */
  readonly down: Promise<void> = new Promise((r) => { this.markDown = r; });

  constructor(opts: ScannedOptions) {
    this.opts = opts;
  }

  /** The supervisor's events relabelled with the service's name instead of its path. */
  private events(label: string, tap?: (event: ServiceEvent) => void): { onEvent?: EventSink; scanHook: string } {
    const sink = this.opts.onEvent;
    const scanHook = join(dirname(resolve(this.opts.path)), SCAN_NOTIFY_FILE);
    if (sink === undefined && tap === undefined) return { scanHook };
    return { scanHook, onEvent: (e) => { tap?.(e); sink?.({ ...e, service: label }); } };
  }

  /** Whether the service's run is up and ready. */
  get ready(): boolean {
    return this.main?.ready ?? false;
  }

  /** A start held by the start order is tried again. */
  release(): void {
    this.main?.release();
  }

  /** Descriptors the next ensure() opens (FD_COST): 0 when everything is supervised. */
  cost(): number {
    if (this.stopping) return 0;
    // S/log as the last ensure() saw it; before the first, looked at now (stats only).
    const kind = this.logSeen ?? logKindNow(join(this.opts.path, SERVICE.log));
    let n = 0;
    if (this.main === undefined || this.main.finished) n += FD_COST.supervisor;
    if ((kind === 'run' || kind === 'script') && this.pipe === undefined) n += FD_COST.logPipe;
    if (kind === 'script' && this.pipeLog === undefined) n += FD_COST.inProcessLog;
    if (kind === 'run' && (this.log === undefined || this.log.finished)) n += FD_COST.supervisor;
    return n;
  }

  /**
   * Starts whatever is not supervised yet (first pass, or after `svc -x` let go): the logger
   * first, so the pipe has its reader. Throws SvkitError (lock held elsewhere, ...): the caller
   * warns and tries again at the next scan. A logger that cannot be supervised does not keep
   * the service itself from being started: its error is thrown after the service is up.
   * S/log is looked at off the main thread; a call while one is under way joins it.
   */
  ensure(stamp?: string): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.ensuring === undefined && stamp !== undefined && this.unchanged(stamp)) return Promise.resolve();
    this.ensuring ??= this.ensureNow(stamp).finally(() => { this.ensuring = undefined; });
    return this.ensuring;
  }

  /**
   * Whether a pass can skip looking at S/log: everything S/log asked for is supervised and S
   * (and S/log, when it is a directory) still has the stamp of the last look. This is what keeps
   * svscan's once-a-second pass from costing 3 stats per service.
   */
  private unchanged(stamp: string): boolean {
    const looked = this.looked;
    if (looked === undefined || this.main === undefined || this.main.finished) return false;
    const kind = this.logSeen;
    if (kind === 'run' && (this.pipe === undefined || this.log === undefined || this.log.finished)) return false;
    if (kind === 'script' && (this.pipe === undefined || this.pipeLog === undefined)) return false;
    if (kind === 'other') return false; // warned about at every pass, as daemontools does
    const now = this.withLog(stamp);
    if (now === undefined || looked.stamp !== now || ++looked.trusted >= FULL_LOOK_EVERY) return false;
    return true;
  }

  /** STAMP of S, plus S/log's when the last look found a directory there (its files live in it). */
  private withLog(stamp: string): string | undefined {
    if (this.logSeen !== 'run' && this.logSeen !== 'script') return stamp;
    const log = settledStamp(join(this.opts.path, SERVICE.log));
    return log === undefined ? undefined : `${stamp}/${log}`;
  }

  /** Resolves once what ensure() opens is open (the budget counts it as spent until then). */
  async settled(): Promise<void> {
    await this.ensure().catch(() => {});
    await Promise.all([this.main?.settled, this.log?.settled]);
  }

  private async ensureNow(stamp: string | undefined): Promise<void> {
    const { path, devNull, stderr } = this.opts;
    const logDir = join(path, SERVICE.log);
    const kind = await logKind(logDir);
    this.logSeen = kind;
    // Taken after the look, so a change during it shows as a new stamp at the next pass. An
    // S/log that stat cannot follow (a dangling symlink) may start to resolve without any
    // change to S: it is looked at in every pass.
    const dangling = kind === 'none' && stamp !== undefined && await lstat(logDir).then(() => true, () => false);
    const looked = stamp === undefined || dangling ? undefined : this.withLog(stamp);
    this.looked = looked === undefined ? undefined : { stamp: looked, trusted: 0 };
    if (this.stopping) return;
    // daemontools says "supervise: fatal: unable to chdir to log: not a directory" every pass.
    if (kind === 'other') this.opts.onWarning(`unable to chdir to ${escapeName(logDir)}: not a directory`);
    let logError: unknown;
    let script: ReturnType<typeof parseScript> | undefined;
    if (kind === 'script' && this.pipeLog === undefined) {
      try {
        script = await readLogScript(logDir);
      } catch (err) {
        logError = err;
      }
      if (this.stopping) return;
    }
    // From here on nothing waits: stop() cannot slip in between a check and a start.
    try {
      if ((kind === 'run' || kind === 'script') && this.pipe === undefined) this.pipe = openLogPipe(path);
      if (script !== undefined && this.pipe !== undefined && this.pipeLog === undefined) {
        this.pipeLog = new PipeLog(join(path, SERVICE.logPipe), script, {
          cwd: logDir, name: logDir, poller: this.opts.poller, onWarning: this.opts.onWarning,
          ...(this.opts.stdout ? { onStdout: toStdout(this.opts.stdout, escapeName(this.opts.name)) } : {}),
        });
        try {
          this.logFace = new InProcessLogFace(resolve(logDir), logDir);
        } catch (err) {
          // Only the view is lost (another supervisor holds S/log/supervise, say): the log runs.
          this.opts.onWarning(`unable to set up ${logDir}/supervise for the in-process log: ${err instanceof Error ? err.message : errnoText(err)}`);
        }
      }
      if (kind === 'run' && this.pipe !== undefined && (this.log === undefined || this.log.finished)) {
        const log = new Supervisor({
          dir: logDir, stdio: [this.pipe.loggerEnd, stderr, stderr], onWarning: this.opts.onWarning,
          registry: this.opts.registry, name: `${this.opts.name}/${SERVICE.log}`, ...this.events(`${this.opts.name}/log`),
        });
        log.start();
        this.log = log;
      }
    } catch (err) {
      logError = err;
    }
    if (this.main === undefined || this.main.finished) {
      const out = this.pipe?.serviceEnd ?? stderr;
      const main = new Supervisor({
        dir: path, stdio: [devNull, out, stderr], logged: this.pipe !== undefined, onWarning: this.opts.onWarning, registry: this.opts.registry, name: this.opts.name,
        ...this.events(this.opts.name, this.opts.onServiceEvent), ...(this.opts.gate === undefined ? {} : { gate: this.opts.gate }),
      });
      main.start();
      this.main = main;
    }
    if (logError !== undefined) throw logError;
  }

  /** TERM+CONT to the running service now; the stop() that follows announces it (Supervisor.terminate). */
  terminate(): void {
    this.main?.terminate();
  }

  /**
   * Brings the service down, lets the logger drain the pipe to EOF, then lets go of both. An
   * in-process log that cannot be written is waited for until `drop` settles (svscan got TERM
   * twice) or its own timeout. With AFTER (the stop of the services that need this one), the
   * service is brought down only once it settles; `down` resolves when the service is down.
   */
  async stop(drop: Promise<void> = new Promise(() => {}), after?: Promise<unknown>): Promise<void> {
    this.stopping = true;
    await this.ensuring?.catch(() => {}); // its error was reported by the scanner
    if (after !== undefined) await after;
    await this.main?.shutdown();
    this.markDown();
    // The in-process log takes what the pipe still holds before the pipe goes.
    await this.pipeLog?.stop(drop);
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
