// Notify hooks: S/notify, then SCANDIR/.notify, run for each event of the service with the
// event as JSON on stdin and its kind as $1 (issue 8). A hook never delays supervision: events
// wait in a bounded queue per service (past it they are counted and dropped, one warning and one
// `notify-drop` event), hooks of a service run one at a time in order, each in its own process
// group, and a group still there after the timeout (S/notify-timeout, seconds, default 30) is
// killed. The hook's stdout and stderr are the supervisor's stderr (svscan's log).
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoText, isErrno } from '../formats/errno.ts';
import { readServiceFile } from '../os/servicefile.ts';
import { HookFile, sharedHookFile } from './hookfile.ts';
import { spawnHook } from './hookspawn.ts';
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

/**
 * Nothing stands between an event and its hook's start when the hook was found good last time:
 * the start itself checks it again, as execve fails on a hook removed (ENOENT: absent, as ever)
 * or made a directory, FIFO or non-executable file (EACCES: looked up again, for the warning),
 * and runs whatever the file holds now. Only a hook not known good (first event, absent, bad) is
 * looked up before its event (lstat, access), and a hook found absent is not looked up again
 * while its directory is unchanged (hookfile.ts: one stat of the directory, no thread-pool
 * job). notify-timeout is read while the hook already runs and its timer counts from the start.
 * So each event still sees the hook and the timeout as they are then, without three thread-pool
 * round trips ahead of the hook, and without any for a hook that is not there.
 */
export class NotifyRunner {
  private queue: ServiceEvent[] = [];
  private running = false;
  private closed = false;
  private group = 0;
  /** The hooks whose last look-up or start found an executable regular file. */
  private readonly good = new Set<string>();
  /** Events dropped because the queue was full. */
  dropped = 0;
  private readonly o: NotifyOptions;
  private readonly onDrop: (e: ServiceEvent) => void;
  private readonly hooks: readonly HookFile[];

  constructor(o: NotifyOptions, onDrop: (e: ServiceEvent) => void) {
    this.o = o;
    this.onDrop = onDrop;
    this.hooks = [new HookFile(join(o.cwd, NOTIFY_FILE)), ...(o.scanHook === undefined ? [] : [sharedHookFile(o.scanHook)])];
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
    this.hooks[0]?.close(); // S/notify's; the scan dir's is shared
    this.queue = [];
    if (this.group !== 0) killGroup(this.group);
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        let event = this.queue.shift() as ServiceEvent;
        // The supervisor's turn that made the event goes first: a hook never delays it.
        await new Promise<void>((resolve) => setImmediate(resolve));
        // With it, the events queued by then (a run's exit and its restart come in one turn), in
        // order: a hook found absent is not looked up again for them, unless a hook ran between.
        const absent = new Set<HookFile>();
        for (let more = this.queue.length; !this.closed; more--) {
          for (const hook of this.hooks) {
            if (this.closed) break;
            if (absent.has(hook)) continue;
            if (!this.good.has(hook.path) && !await this.lookUp(hook)) {
              absent.add(hook);
              continue;
            }
            if (this.closed) break;
            await this.run(hook, event);
            absent.clear();
          }
          if (more <= 0 || this.closed || this.queue.length === 0) break;
          event = this.queue.shift() as ServiceEvent;
        }
      }
    } finally {
      this.running = false;
    }
  }

  private name(path: string): string {
    return path === this.hooks[0]?.path ? `${this.o.label}/notify` : path;
  }

  /** A hook file that is there but not an executable regular file is one (rate-limited) warning. */
  private async lookUp(hook: HookFile): Promise<boolean> {
    const path = hook.path;
    this.good.delete(path);
    const st = await hook.look(() => !this.closed);
    if (st === null || st === undefined) return false;
    const ok = st.isFile() && await access(path, constants.X_OK).then(() => true, () => false);
    if (!ok) {
      this.o.warn(`unable to run ${this.name(path)}: ${st.isFile() ? 'not executable' : 'not a regular file'}`);
      return false;
    }
    this.good.add(path);
    return true;
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

  private async run(hook: HookFile, event: ServiceEvent): Promise<void> {
    const path = hook.path;
    const started = performance.now();
    const line = JSON.stringify(event) + '\n';
    let child = spawnHook(path, [event.kind], this.o.cwd, line, this.o.stderr);
    let end = child.pid === undefined ? await child.ended : undefined;
    // An executable without #! is a shell script, as execvp (and child_process) has it.
    if (isErrno(end?.error, 'ENOEXEC') && !this.closed) {
      child = spawnHook('/bin/sh', [path, event.kind], this.o.cwd, line, this.o.stderr);
      end = child.pid === undefined ? await child.ended : undefined;
    }
    const pid = child.pid;
    if (pid === undefined) {
      // Removed since it was last seen: absent, as ever, no word. A directory, FIFO or file
      // without x: the look-up's warning. An executable file that still fails (a missing
      // interpreter): the error.
      if (await this.lookUp(hook)) this.o.warn(`unable to run ${path}: ${errnoText(end?.error)}`);
      return;
    }
    this.group = pid;
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    void this.timeoutMs().then((ms) => {
      if (ended) return;
      timer = setTimeout(() => {
        this.o.warn(`unable to run ${this.o.label}/notify for ${event.kind}: still running after ${ms / 1000} s, killed`);
        killGroup(pid);
      }, Math.max(0, started + ms - performance.now()));
    });
    await child.ended;
    ended = true;
    clearTimeout(timer);
    // Whatever the hook left in its group goes with it.
    killGroup(pid);
    this.group = 0;
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
