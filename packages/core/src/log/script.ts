// multilog scripts: argv actions parsed into a typed list (pure), and the in-svscan script file format.
import { SvkitError } from '../formats/errors.ts';

/** One action of a multilog script, in script order. */
export type LogAction =
  | { readonly kind: 'select'; readonly pattern: Uint8Array }
  | { readonly kind: 'deselect'; readonly pattern: Uint8Array }
  | { readonly kind: 'alert' }
  /** `1` / `1t` (svscan's in-process script only): copy the line to svscan's stdout, labelled. */
  | { readonly kind: 'stdout'; readonly stamp: boolean }
  | { readonly kind: 'status'; readonly file: string }
  | { readonly kind: 'dir'; readonly dir: string; readonly size: number; readonly num: number; readonly processor: string | undefined };

export interface LogScript {
  readonly timestamp: boolean;
  readonly actions: readonly LogAction[];
}

// 0.76 limits: s clamped to 4096..16777215 (default 99999), n at least 2 (default 10).
export const DEFAULT_SIZE = 99999;
export const MIN_SIZE = 4096;
export const MAX_SIZE = 16777215;
export const DEFAULT_NUM = 10;
export const MIN_NUM = 2;

/** "unable to parse action ACTION: WHY", a usage error (exit 100) in the suite's grammar. */
function bad(action: string, why: string, where: string | undefined): SvkitError {
  return new SvkitError('usage', `unable to parse action ${action}${where === undefined ? '' : ` of ${where}`}: ${why}`);
}

function number(action: string, where: string | undefined): number {
  const digits = action.slice(1);
  if (!/^[0-9]+$/.test(digits)) throw bad(action, 'bad number', where);
  return Number(digits);
}

/**
 * Parses multilog's argv (`where`: the file it came from, for messages). Unlike 0.76, which ignores what it does not know, anything that is
 * not an action (a bare name, `t` after the first place, `sabc`, an empty `=`) is a usage error.
 */
export function parseScript(args: readonly string[], where?: string, inProcess = false): LogScript {
  let size = DEFAULT_SIZE;
  let num = DEFAULT_NUM;
  let processor: string | undefined;
  const actions: LogAction[] = [];
  const timestamp = args[0] === 't';
  for (const action of timestamp ? args.slice(1) : args) {
    const rest = action.slice(1);
    switch (action[0]) {
      case '+': actions.push({ kind: 'select', pattern: Buffer.from(rest) }); break;
      case '-': actions.push({ kind: 'deselect', pattern: Buffer.from(rest) }); break;
      case 'e':
        if (rest !== '') throw bad(action, 'unknown action', where);
        actions.push({ kind: 'alert' });
        break;
      case '=':
        if (rest === '') throw bad(action, 'empty file name', where);
        actions.push({ kind: 'status', file: rest });
        break;
      case 's': size = Math.min(MAX_SIZE, Math.max(MIN_SIZE, number(action, where))); break;
      case 'n': num = Math.max(MIN_NUM, number(action, where)); break;
      // An empty processor resets to none (0.76 would run `sh -c ''` and archive nothing).
      case '!': processor = rest === '' ? undefined : rest; break;
      case '.': case '/': actions.push({ kind: 'dir', dir: action, size, num, processor }); break;
      // s6-log's `1`. Only svscan has a stdout shared by every service; multilog refuses it.
      // No 0.76 action starts with a digit, so it cannot mean anything else in a real script.
      case '1':
        if (!inProcess || (rest !== '' && rest !== 't')) throw bad(action, 'unknown action', where);
        actions.push({ kind: 'stdout', stamp: rest === 't' });
        break;
      case 't': throw bad(action, 't must be the first action', where);
      default: throw bad(action, 'unknown action', where);
    }
  }
  return { timestamp, actions };
}

/**
 * Parses the `log/multilog` file svscan runs in-process: one action per line, surrounding
 * blanks trimmed, blank lines and lines starting with `#` skipped. No quoting is needed since
 * each line is one whole action (a processor may contain spaces).
 */
export function parseLogScriptFile(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}
