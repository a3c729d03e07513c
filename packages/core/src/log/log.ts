// What the log engine offers its two users (multilog on stdin, svscan on a service's FIFO).

export interface LogOptions {
  /** Directory that relative `./dir` and `=file` actions are resolved against (default: process.cwd()). */
  readonly cwd?: string;
  /** A "pausing" or other warning, without the "multilog: warning: " prefix. */
  readonly onWarning?: (message: string) => void;
  /** Output of the `e` action: the (possibly shortened) line with its newline. */
  readonly onAlert?: (line: Uint8Array) => void;
  /** Output of the `1` action: the line's first 1000 bytes without its TAI64N label or newline. */
  readonly onStdout?: (body: Buffer, stamp: boolean) => void;
  /** Called when a paused log can take input again. */
  readonly onDrain?: () => void;
  /** Retry delay after a failed write/rename/processor (default 5000 ms, as 0.76). */
  readonly pauseMs?: number;
  /** Kill a processor running longer than this and retry it later (default: never, as 0.76). */
  readonly processorTimeoutMs?: number;
}

/** A running script: feed it bytes; it never reads input or touches process-wide state. */
export interface Log {
  /** True while a directory waits to retry a failed write: stop reading input until onDrain. */
  readonly paused: boolean;
  /** True when a line has started but not ended (for TERM: finish it before stopping). */
  readonly midLine: boolean;
  /**
   * Processes a chunk: every complete line is written before it returns unless a directory
   * pauses (a full disk, a processor running); then the rest waits for the drain.
   */
  feed(chunk: Uint8Array): void;
  /** Bytes fed so far. */
  readonly fed: number;
  /**
   * Input offset through which every line is written to every directory it goes to: a caller
   * that can keep its input (svscan's pipe) lets go of it only this far.
   */
  committed(): number;
  /** Lines fed and not yet written to every directory (what close() would drop). */
  readonly pendingLines: number;
  /** Names of the directories that wait, and for what ("./main (a retry)"). */
  readonly waiting: string[];
  /** Recreates each directory (or its `current`) that was removed under it; says which. */
  revalidate(): { dir: string; what: 'directory' | 'current' }[];
  /** End of input: a partial last line gets its newline. */
  end(): void;
  /** SIGALRM: rotates every directory whose `current` is not empty. */
  rotateAll(): void;
  /** Resolves when no directory is paused. */
  drained(): Promise<void>;
  /**
   * end(), then fsync and mode 0744 on each `current` and the locks released. What cannot be
   * written is dropped, with a warning per directory giving the lines dropped (none if quiet).
   */
  close(quiet?: boolean): void;
}
