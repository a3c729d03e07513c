// Warnings of a long-running engine, without flooding: the same text at most once a minute.
import { escapeName } from '../formats/escape.ts';

const REPEAT_AFTER_MS = 60_000;

export class Warner {
  private last = '';
  private lastAt = 0;
  private readonly sink: (message: string) => void;
  constructor(sink: (message: string) => void) {
    this.sink = sink;
  }

  /** Control characters anywhere (a service named with a newline) are escaped: one line each. */
  warn(text: string): void {
    const message = escapeName(text);
    const now = Date.now();
    if (message === this.last && now - this.lastAt < REPEAT_AFTER_MS) return;
    this.last = message;
    this.lastAt = now;
    this.sink(message);
  }

  /** Forget the last warning (the trouble is over), so a relapse is reported again. */
  clear(): void {
    this.last = '';
  }
}
