// Warnings of a long-running engine, without flooding: each text at most once a minute.
import { escapeName } from '../formats/escape.ts';

const REPEAT_AFTER_MS = 60_000;
/** Texts remembered at most: a service can have several troubles at once (two bad env/ files). */
const REMEMBERED = 32;

export class Warner {
  private readonly said = new Map<string, number>();
  private readonly sink: (message: string) => void;
  constructor(sink: (message: string) => void) {
    this.sink = sink;
  }

  /** Control characters anywhere (a service named with a newline) are escaped: one line each. */
  warn(text: string): void {
    const message = escapeName(text);
    const now = Date.now();
    const at = this.said.get(message);
    if (at !== undefined && now - at < REPEAT_AFTER_MS) return;
    this.said.delete(message);
    this.said.set(message, now);
    if (this.said.size > REMEMBERED) this.said.delete(this.said.keys().next().value ?? '');
    this.sink(message);
  }

  /** Forget what was said (the trouble is over), so a relapse is reported again. */
  clear(): void {
    this.said.clear();
  }
}
