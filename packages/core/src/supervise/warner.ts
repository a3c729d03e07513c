// Warnings of a long-running engine, without flooding: each text at most once a minute, even
// when several troubles of one service take turns (a `log` file and a held lock, say).
import { escapeName } from '../formats/escape.ts';

const REPEAT_AFTER_MS = 60_000;
/** Texts remembered at once: a bound, so a warning with a changing text cannot grow memory. */
const REMEMBERED = 64;

export class Warner {
  /** Text -> when it was last said, oldest first. */
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
    if (this.said.size > REMEMBERED) this.said.delete(this.said.keys().next().value as string);
    this.sink(message);
  }

  /** Forget what was said (the trouble is over), so a relapse is reported again. */
  clear(): void {
    this.said.clear();
  }
}
