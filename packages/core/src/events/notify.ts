// Notify hooks: S/notify, then SCANDIR/.notify, run for each event of the service with the
// event as JSON on stdin and its kind as $1 (issue 8). A hook never delays supervision: events
// wait in a bounded queue per service (past it they are counted and dropped, one warning and one
// `notify-drop` event), hooks of a service run one at a time in order, each in its own process
// group, and a group still there after the timeout (S/notify-timeout, seconds, default 30) is
// killed. The hook's stdout and stderr are the supervisor's stderr (svscan's log).
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readServiceFile } from '../os/servicefile.ts';
import { queuedFdOp } from '../os/fdqueue.ts';
import { makeEvent, type EventSink, type ServiceEvent } from './event.ts';

export const NOTIFY_FILE = 'notify';
export const NOTIFY_TIMEOUT_FILE = 'notify-timeout';
export const SCAN_NOTIFY_FILE = '.notify';
export const NOTIFY_QUEUE = 100;
export const NOTIFY_TIMEOUT_S = 30;

export interface NotifyOptions {
  /** The service dir (absolute) and its label in messages. */
  readonly cwd: string;
  readonly label: string;
  /** The scan dir's hook, SCANDIR/.notify, when the service is in a scan dir. */
  readonly scanHook?: string | undefined;
  readonly stderr: number;
  readonly warn: (m: string) => void;
}

type Hook = { path: string } | 'absent';

export class NotifyRunner {
  private queue: ServiceEvent[] = [];
  private running = false;
  private closed = false;
  private group = 0;
  /** Events dropped because the queue was full. */
  dropped = 0;
  private readonly o: NotifyOptions;
  private readonly onDrop: (e: ServiceEvent) => void;

  constructor(o: NotifyOptions, onDrop: (e: ServiceEvent) => void) {
    this.o = o;
    this.onDrop = onDrop;
  }

  push(event: ServiceEvent): void {
    if (this.closed || event.kind === 'notify-drop') return;
    if (this.queue.length >= NOTIFY_QUEUE) {
      if (this.dropped++ === 0) {
        this.o.warn(`unable to run ${this.o.label}/notify: ${NOTIFY_QUEUE} events waiting, dropping (notify-drop)`);
      }
      this.onDrop(makeEvent('notify-drop', event.service, event.pid, { dropped: this.dropped, of: event.kind }));
      return;
    }
    this.queue.push(event);
    if (!this.running) void this.drain();
  }

  /** Stops: queued events are dropped, a running hook's group is killed. */
  close(): void {
    this.closed = true;
    this.queue = [];
    if (this.group !== 0) killGroup(this.group);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const event = this.queue.shift() as ServiceEvent;
        const hooks = [join(this.o.cwd, NOTIFY_FILE), ...(this.o.scanHook === undefined ? [] : [this.o.scanHook])];
        for (const path of hooks) {
          const hook = await this.lookUp(path);
          if (hook !== 'absent' && !this.closed) await this.run(hook.path, event);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** A hook file that is there but not an executable regular file is one (rate-limited) warning. */
  private async lookUp(path: string): Promise<Hook> {
    const st = await queuedFdOp(() => stat(path)).catch(() => undefined);
    if (st === undefined) return 'absent';
    const ok = st.isFile() && await access(path, constants.X_OK).then(() => true, () => false);
    if (!ok) {
      this.o.warn(`unable to run ${path === join(this.o.cwd, NOTIFY_FILE) ? `${this.o.label}/notify` : path}: ${st.isFile() ? 'not executable' : 'not a regular file'}`);
      return 'absent';
    }
    return { path };
  }

  private async timeoutMs(): Promise<number> {
    const f = await readServiceFile(join(this.o.cwd, NOTIFY_TIMEOUT_FILE), 64).catch(() => undefined);
    if (f === undefined || f.kind === 'absent') return NOTIFY_TIMEOUT_S * 1000;
    const text = f.kind === 'ok' ? f.data.toString().trim() : '';
    const n = /^\d{1,4}(\.\d+)?$/.test(text) ? Number(text) : NaN;
    if (n > 0) return Math.min(n, 3600) * 1000;
    this.o.warn(`unable to parse ${this.o.label}/${NOTIFY_TIMEOUT_FILE}: ${f.kind === 'ok' ? `not a number of seconds: ${JSON.stringify(text.slice(0, 40))}` : 'not a regular file or too big'}, using ${NOTIFY_TIMEOUT_S}`);
    return NOTIFY_TIMEOUT_S * 1000;
  }

  private async run(path: string, event: ServiceEvent): Promise<void> {
    const ms = await this.timeoutMs();
    await new Promise<void>((resolve) => {
      const child = spawn(path, [event.kind], { cwd: this.o.cwd, stdio: ['pipe', this.o.stderr, this.o.stderr], detached: true });
      const timer = setTimeout(() => {
        this.o.warn(`unable to run ${this.o.label}/notify for ${event.kind}: still running after ${ms / 1000} s, killed`);
        if (child.pid !== undefined) killGroup(child.pid);
      }, ms);
      child.on('error', (err) => {
        clearTimeout(timer);
        this.group = 0;
        this.o.warn(`unable to run ${path}: ${err.message}`);
        resolve();
      });
      child.on('spawn', () => { this.group = child.pid ?? 0; });
      child.stdin?.on('error', () => {}); // a hook that does not read its stdin
      child.stdin?.end(JSON.stringify(event) + '\n');
      child.on('exit', () => {
        clearTimeout(timer);
        // Whatever the hook left in its group goes with it.
        if (child.pid !== undefined) killGroup(child.pid);
        this.group = 0;
        resolve();
      });
    });
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** The supervisor's sink with hooks: each event to the hook runner, then to next. */
export function notifying(next: EventSink, o: NotifyOptions): { sink: EventSink; runner: NotifyRunner } {
  const runner = new NotifyRunner(o, next);
  return { runner, sink: (event) => { runner.push(event); next(event); } };
}
