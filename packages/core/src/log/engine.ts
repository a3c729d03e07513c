// The log engine: bytes in, lines stamped and selected by the script, written to directories.
// No process-wide state: svscan runs one per service in-process, multilog runs one on stdin.
// (Over 250 lines: 0.76's byte-exact write chunks need the whole line state machine in one place.)
import { resolve } from 'node:path';
import { formatTai64n, tai64nAt } from '../formats/tai64n.ts';
import { LogDir } from './logdir.ts';
import { PAUSE_MS } from './fault.ts';
import { parseScript, type LogScript } from './script.ts';
import { Selector } from './select.ts';
import type { Log, LogOptions } from './log.ts';

export type { Log, LogOptions } from './log.ts';

/** Patterns, `e` and `=` see only this much of a line, stamp included. */
const VISIBLE = 1000;
/** 0.76 reads its input 1024 bytes at a time and flushes its buffers before each read. */
const READ = 1024;
const NL = 0x0a;
const STAMP_LEN = 26;

/** Validates the script, opens status files, locks and recovers directories; throws SvkitError before any input. */
export function openLog(script: readonly string[] | LogScript, opts: LogOptions = {}): Log {
  const parsed = Array.isArray(script) ? parseScript(script) : (script as LogScript);
  return new Engine(parsed, opts);
}

class Engine implements Log {
  private readonly timestamp: boolean;
  private readonly dirs: LogDir[] = [];
  private readonly selector: Selector;
  private readonly sel: Uint8Array;
  private readonly line = Buffer.allocUnsafe(VISIBLE);
  private readonly stamp = Buffer.allocUnsafe(STAMP_LEN);
  private readonly opts: LogOptions;
  private waiters: (() => void)[] = [];
  private stampFresh = false;
  private inLine = false;
  private decided = false;
  private lineLen = 0;
  private nextFlush = 0;
  private closed = false;
  private fedBytes = 0;

  constructor(script: LogScript, opts: LogOptions) {
    this.opts = opts;
    this.timestamp = script.timestamp;
    const cwd = opts.cwd ?? process.cwd();
    const warn = (m: string): void => opts.onWarning?.(m);
    const stdout = opts.onStdout;
    this.selector = new Selector(script.actions, cwd, { warn, alert: (l) => opts.onAlert?.(l), ...(stdout ? { stdout } : {}) }, this.timestamp ? STAMP_LEN : 0);
    try {
      for (const a of script.actions) {
        if (a.kind !== 'dir') continue;
        const hooks = { warn, pauseMs: opts.pauseMs ?? PAUSE_MS, resumed: () => this.resumed(), processorTimeoutMs: opts.processorTimeoutMs };
        this.dirs.push(new LogDir({ path: resolve(cwd, a.dir), name: a.dir }, a, hooks));
      }
    } catch (err) {
      for (const d of this.dirs) d.close();
      this.selector.close();
      throw err;
    }
    this.sel = new Uint8Array(this.dirs.length).fill(1);
    this.stamp[0] = 0x40;
    this.stamp[STAMP_LEN - 1] = 0x20;
  }

  get paused(): boolean {
    return this.dirs.some((d) => d.paused);
  }

  get midLine(): boolean {
    return this.inLine;
  }

  get fed(): number {
    return this.fedBytes;
  }

  committed(): number {
    let c = this.fedBytes;
    for (const d of this.dirs) c = Math.min(c, d.committed(this.fedBytes));
    return c;
  }

  get pendingLines(): number {
    let n = 0;
    for (const d of this.dirs) n = Math.max(n, d.pendingLines);
    return n;
  }

  get waiting(): string[] {
    return this.dirs.filter((d) => d.paused).map((d) => `${d.place.name} (${d.waitingFor})`);
  }

  revalidate(): { dir: string; what: 'directory' | 'current' }[] {
    const out: { dir: string; what: 'directory' | 'current' }[] = [];
    for (const d of this.dirs) {
      const what = d.revalidate();
      if (what !== undefined) out.push({ dir: d.place.name, what });
    }
    return out;
  }

  feed(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const len = buf.length;
    const base = this.fedBytes;
    this.fedBytes += len;
    this.stampFresh = false;
    this.nextFlush = READ;
    let i = 0;
    while (i < len) {
      if (!this.inLine) this.startLine();
      if (this.decided) {
        const nl = buf.indexOf(NL, i);
        const stop = nl === -1 ? len : nl + 1;
        this.tail(buf, i, stop);
        i = stop;
        if (nl !== -1) {
          this.inLine = this.decided = false;
          this.markLineEnd(base + stop);
        }
        continue;
      }
      const room = VISIBLE - this.lineLen;
      const nl = buf.indexOf(NL, i);
      if (nl !== -1 && nl - i <= room) {
        this.flushUpTo(nl);
        this.visible(buf, i, nl);
        this.putByte(NL);
        this.inLine = false;
        i = nl + 1;
        this.markLineEnd(base + i);
      } else if (len - i >= room) {
        this.flushUpTo(i + room - 1);
        this.visible(buf, i, i + room);
        this.decided = true;
        i += room;
      } else {
        this.lineLen += buf.copy(this.line, this.lineLen, i, len);
        i = len;
      }
    }
    this.endChunk();
  }

  /** A line's stamp is the time its first byte was read: one stamp per chunk is that time. */
  private startLine(): void {
    this.inLine = true;
    this.decided = false;
    this.lineLen = 0;
    if (!this.timestamp) return;
    if (!this.stampFresh) {
      this.stamp.write(formatTai64n(tai64nAt()), 1, 'latin1');
      this.stampFresh = true;
    }
    this.lineLen = this.stamp.copy(this.line, 0);
  }

  /** The line's first VISIBLE bytes are known: decide where it goes and put it there. */
  private visible(buf: Buffer, s: number, e: number): void {
    if (this.selector.needed) {
      this.lineLen += buf.copy(this.line, this.lineLen, s, e);
      this.selector.run(this.line, this.lineLen, this.sel);
      s = e = 0;
    }
    const pre = this.lineLen;
    const n = pre + e - s;
    for (let k = 0; k < this.dirs.length; k++) {
      if (this.sel[k] === 0) continue;
      const st = (this.dirs[k] as LogDir).staging;
      st.reserve(n);
      if (pre > 0) st.append(this.line, 0, pre);
      if (e > s) st.append(buf, s, e);
      st.put(n);
    }
    this.lineLen = 0;
  }

  /** The line ending at input offset `input` is staged in every directory selected for it. */
  private markLineEnd(input: number): void {
    for (let k = 0; k < this.dirs.length; k++) {
      if (this.sel[k] === 0) continue;
      const d = this.dirs[k] as LogDir;
      d.mark(d.staging.appended, input);
    }
  }

  private putByte(b: number): void {
    for (let k = 0; k < this.dirs.length; k++) {
      if (this.sel[k] === 0) continue;
      const st = (this.dirs[k] as LogDir).staging;
      st.reserve(1);
      st.appendByte(b);
      st.putBytes(1);
    }
  }

  /** Bytes past the visible part go byte by byte into 0.76's buffer: flush points still count. */
  private tail(buf: Buffer, s: number, e: number): void {
    while (s < e) {
      this.flushUpTo(s);
      const upto = Math.min(e, this.nextFlush);
      for (let k = 0; k < this.dirs.length; k++) {
        if (this.sel[k] === 0) continue;
        const st = (this.dirs[k] as LogDir).staging;
        st.reserve(upto - s);
        st.append(buf, s, upto);
        st.putBytes(upto - s);
      }
      s = upto;
    }
  }

  private flushUpTo(at: number): void {
    while (this.nextFlush <= at) {
      for (const d of this.dirs) d.staging.flush();
      this.nextFlush += READ;
    }
  }

  private endChunk(): void {
    for (const d of this.dirs) {
      d.staging.endChunk();
      d.drain();
    }
  }

  end(): void {
    if (!this.inLine) return;
    if (!this.decided) this.visible(this.line, 0, 0);
    this.putByte(NL);
    this.inLine = this.decided = false;
    this.markLineEnd(this.fedBytes);
    this.endChunk();
  }

  rotateAll(): void {
    for (const d of this.dirs) {
      if (d.staging.rotateNow()) d.drain();
    }
  }

  drained(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    return new Promise((done) => this.waiters.push(done));
  }

  private resumed(): void {
    if (this.paused) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    this.opts.onDrain?.();
  }

  close(quiet = false): void {
    if (this.closed) return;
    this.end();
    this.closed = true;
    for (const d of this.dirs) d.close(quiet);
    this.selector.close();
  }
}
