// Running a script's actions over one line's visible part: selection, `e` alerts, `=` status files.
import { closeSync, constants, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { errnoText } from '../formats/errno.ts';
import { unable } from '../formats/errors.ts';
import { matchPattern } from './pattern.ts';
import { openRegular } from './regular.ts';
import type { LogAction } from './script.ts';

const { O_WRONLY, O_CREAT } = constants;
/** Lines longer than this are cut for `e` and marked with "...". */
const ALERT_MAX = 200;
/** A status file always holds 1000 bytes of line padded with newlines, plus one newline. */
const STATUS_LEN = 1001;
const ELLIPSIS = Buffer.from('...\n');

export interface SelectHooks {
  readonly alert: (line: Buffer) => void;
  readonly warn: (message: string) => void;
  /** The `1` action: the line's visible part without its TAI64N label, no newline. */
  readonly stdout?: (body: Buffer, stamp: boolean) => void;
}

export class Selector {
  /** False when the script has no action that looks at lines: every line goes everywhere. */
  readonly needed: boolean;
  private readonly actions: readonly LogAction[];
  private readonly statusFds: number[] = [];
  private readonly statusBuf = Buffer.alloc(STATUS_LEN, 0x0a);
  private readonly hooks: SelectHooks;

  /** Opens every `=file` (0600, never truncated) relative to cwd; a failure is fatal. */
  /** Bytes of TAI64N label at the start of each line (the script's `t`), left out of `1`'s copy. */
  private readonly labelLen: number;

  constructor(actions: readonly LogAction[], cwd: string, hooks: SelectHooks, labelLen = 0) {
    this.actions = actions;
    this.labelLen = labelLen;
    this.hooks = hooks;
    this.needed = actions.some((a) => a.kind !== 'dir');
    try {
      for (const a of actions) {
        if (a.kind !== 'status') continue;
        try {
          this.statusFds.push(openRegular(resolve(cwd, a.file), O_WRONLY | O_CREAT, 0o600));
        } catch (err) {
          throw unable(`create ${a.file}`, err);
        }
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Evaluates the script on line[0, len) and sets sel[k] for the k-th directory action. */
  run(line: Buffer, len: number, sel: Uint8Array): void {
    let selected = true;
    let dir = 0;
    let status = 0;
    for (const a of this.actions) {
      switch (a.kind) {
        case 'select': if (!selected && matchPattern(a.pattern, line, 0, len)) selected = true; break;
        case 'deselect': if (selected && matchPattern(a.pattern, line, 0, len)) selected = false; break;
        case 'alert': if (selected) this.alert(line, len); break;
        case 'status': if (selected) this.status(this.statusFds[status] as number, a.file, line, len); status++; break;
        case 'stdout': if (selected) this.hooks.stdout?.(Buffer.from(line.subarray(this.labelLen, len)), a.stamp); break;
        case 'dir': sel[dir++] = selected ? 1 : 0; break;
      }
    }
  }

  private alert(line: Buffer, len: number): void {
    if (len <= ALERT_MAX) {
      const out = Buffer.allocUnsafe(len + 1);
      line.copy(out, 0, 0, len);
      out[len] = 0x0a;
      this.hooks.alert(out);
    } else {
      this.hooks.alert(Buffer.concat([line.subarray(0, ALERT_MAX), ELLIPSIS]));
    }
  }

  private status(fd: number, file: string, line: Buffer, len: number): void {
    line.copy(this.statusBuf, 0, 0, len);
    this.statusBuf.fill(0x0a, len);
    try {
      writeSync(fd, this.statusBuf, 0, STATUS_LEN, 0); // sync-ok: a regular file we own
    } catch (err) {
      this.hooks.warn(`unable to write to ${file}: ${errnoText(err)}`);
    }
  }

  close(): void {
    for (const fd of this.statusFds.splice(0)) closeSync(fd); // sync-ok: closing a descriptor we own
  }
}
