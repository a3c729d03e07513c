// Restart on change: watches what a service dir's `watch` file names (chokidar, inotify, no
// polling) and calls onChange once per burst, `watch-delay` ms (default 300) after the last
// change. Re-reads both files at each start; rebuilds the watch only when `watch` changed.
import { join } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { readServiceFile } from '../os/servicefile.ts';
import { baseOf, matches, parseWatchFile, type WatchPatterns } from './patterns.ts';

export const WATCH_DELAY_MS = 300;
/** More entries than this under the watched dirs and watching stops (inotify and memory budget). */
export const WATCH_ENTRY_CAP = 100_000;

export class ServiceWatcher {
  private watcher: FSWatcher | undefined;
  private text: string | undefined;
  private delay = WATCH_DELAY_MS;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly cwd: string;
  private readonly dir: string;
  private readonly onChange: () => void;
  private readonly warn: (message: string) => void;

  constructor(cwd: string, dir: string, onChange: () => void, warn: (message: string) => void) {
    this.cwd = cwd;
    this.dir = dir;
    this.onChange = onChange;
    this.warn = warn;
  }

  /** Re-reads `watch` and `watch-delay` (async; never blocks the engine); LISTING: the names in the dir, when known. */
  refresh(listing?: ReadonlySet<string>): void {
    // Neither file there and nothing watched: nothing to read or stop.
    if (listing !== undefined && !listing.has('watch') && !listing.has('watch-delay') && this.watcher === undefined && this.text === undefined) return;
    void this.load().catch((err: unknown) => this.warn(`unable to read ${this.dir}/watch: ${String((err as Error).message)}`));
  }

  close(): void {
    this.closed = true;
    this.stop();
  }

  private async load(): Promise<void> {
    const [file, delay] = await Promise.all([readServiceFile(join(this.cwd, 'watch')), readServiceFile(join(this.cwd, 'watch-delay'))]);
    if (this.closed) return;
    this.delay = WATCH_DELAY_MS;
    if (delay.kind === 'ok') {
      const ms = Number(delay.data.toString('latin1').trim());
      if (Number.isInteger(ms) && ms >= 0) this.delay = ms;
      else this.warn(`unable to read ${this.dir}/watch-delay: not a number of milliseconds: using ${WATCH_DELAY_MS}`);
    }
    if (file.kind !== 'ok') {
      if (file.kind === 'not-regular' || file.kind === 'too-big') this.warn(`unable to read ${this.dir}/watch: ${file.kind === 'too-big' ? `larger than ${file.cap} bytes` : `not a regular file (${file.type})`}: nothing watched`);
      this.text = undefined;
      return this.stop();
    }
    const text = file.data.toString('utf8');
    if (text === this.text && this.watcher !== undefined) return;
    this.text = text;
    this.stop();
    this.start(parseWatchFile(text, this.cwd));
  }

  private start(p: WatchPatterns): void {
    if (p.include.length === 0) return;
    const excluded = (path: string): boolean => p.exclude.some((x) => matches(path, x));
    let entries = 0;
    let ready = false;
    const w = watch([...new Set(p.include.map(baseOf))], { ignored: excluded, ignoreInitial: false, followSymlinks: false, persistent: true });
    this.watcher = w;
    w.on('all', (event, path) => {
      if (!ready) {
        if (++entries > WATCH_ENTRY_CAP && this.watcher === w) {
          this.warn(`unable to watch ${this.dir}/watch: its patterns cover more than ${WATCH_ENTRY_CAP} files: nothing watched`);
          this.stop();
        }
        return;
      }
      if (event === 'addDir' || excluded(path) || !p.include.some((i) => matches(path, i))) return;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.closed) this.onChange();
      }, this.delay);
    });
    w.on('ready', () => { ready = true; });
    w.on('error', (err) => this.warn(`unable to watch ${this.dir}: ${String((err as Error).message)}`));
  }

  private stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const w = this.watcher;
    this.watcher = undefined;
    if (w !== undefined) void w.close();
  }
}
