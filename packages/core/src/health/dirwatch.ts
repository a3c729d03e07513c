// While a service is failed, a change of its service dir (a file added, removed or edited)
// lets it start again: the mtimes and ctimes of the dir and of the files that matter are
// compared every couple of seconds, asynchronously. Only failed services are watched.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

const POLL_MS = 2000;

export class DirChangeWatch {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** Calls onChange once when CWD or one of NAMES (relative to it) changes; stop() ends it. */
  constructor(cwd: string, names: readonly string[], onChange: () => void) {
    const all = ['.', 'run', 'finish', 'health', ...names];
    const print = (): Promise<string> =>
      Promise.all(all.map((n) => stat(join(cwd, n)).then((s) => `${s.mtimeMs}/${s.ctimeMs}`, () => '-'))).then((t) => t.join(' '));
    void print().then((first) => {
      const poll = (): void => {
        if (this.stopped) return;
        this.timer = setTimeout(() => {
          void print().then((now) => {
            if (this.stopped) return;
            if (now === first) return poll();
            this.stopped = true;
            onChange();
          });
        }, POLL_MS);
      };
      poll();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
