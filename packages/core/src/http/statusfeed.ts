// Events for SSE, derived from supervise/status changes (inotify through fs.watch, no polling):
// `start` when a service gets a new pid, `exit` when it goes down. This is the stand-in for
// events/feed.ts (issue-8-events), with the same ServiceEvent shape; it works on any supervisor
// that writes supervise/status (svkit, daemontools, runsv).
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { makeEvent, type ServiceEvent } from '../events/event.ts';
import { inspectService } from '../supervise/inspect.ts';
import { listServices } from './names.ts';

export type Listener = (e: ServiceEvent) => void;

function pidOf(dir: string): number | undefined {
  const ins = inspectService(dir);
  return ins.kind === 'status' ? ins.status.pid : undefined;
}

export class StatusFeed {
  private readonly listeners = new Set<Listener>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly pids = new Map<string, number | undefined>();
  private scanWatcher: FSWatcher | undefined;

  private readonly scandir: string;

  constructor(scandir: string) {
    this.scandir = scandir;
  }

  /** Starts watching with the first listener, stops with the last. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    if (this.listeners.size === 1) this.start();
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private emit(e: ServiceEvent): void {
    for (const l of this.listeners) l(e);
  }

  private start(): void {
    try {
      this.scanWatcher = watch(this.scandir, () => void this.sync());
      this.scanWatcher.on('error', () => undefined);
    } catch {
      // the scan dir is gone: no events
    }
    void this.sync();
  }

  private stop(): void {
    this.scanWatcher?.close();
    this.scanWatcher = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.pids.clear();
  }

  private async sync(): Promise<void> {
    const names = new Set(await listServices(this.scandir).catch(() => [] as string[]));
    if (this.listeners.size === 0) return;
    for (const [name, w] of this.watchers) if (!names.has(name)) {
      w.close();
      this.watchers.delete(name);
    }
    for (const name of names) if (!this.watchers.has(name)) this.watchService(name);
  }

  private watchService(name: string): void {
    const dir = join(this.scandir, name);
    this.pids.set(name, pidOf(dir));
    try {
      const w = watch(join(dir, 'supervise'), (_type, file) => {
        if (file === 'status') this.changed(name, dir);
      });
      w.on('error', () => {
        w.close();
        this.watchers.delete(name);
      });
      this.watchers.set(name, w);
    } catch {
      // no supervise/ yet: the scan dir watcher retries when it changes
    }
  }

  private changed(name: string, dir: string): void {
    const before = this.pids.get(name);
    const pid = pidOf(dir);
    if (pid === undefined || pid === before) return;
    this.pids.set(name, pid);
    if (pid !== 0) this.emit(makeEvent('start', name, pid));
    else this.emit(makeEvent('exit', name, 0, { was: before ?? 0 }));
  }
}
