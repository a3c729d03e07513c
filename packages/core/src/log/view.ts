// How svlog shows one log line: its TAI64N label as local time (tai64nlocal's format), the
// service's name first when several logs are shown, or one JSON object; and --since/--grep.
import { SvkitError } from '../formats/errors.ts';
import { formatTai64nLocal, parseTai64n, parseTai64nLabel, unixSeconds, type Tai64n } from '../formats/tai64n.ts';

export interface LineView {
  readonly json: boolean;
  /** Prefix `NAME: ` (text) or always name the service (json: `service`). */
  readonly label: boolean;
  /** Seconds since the epoch (fractional); lines stamped earlier are left out. */
  readonly since?: number;
  readonly grep?: RegExp;
}

function seconds(t: Tai64n): number {
  return Number(unixSeconds(t)) + t.nano / 1e9;
}

/** The formatted line with its newline, or undefined when the filters leave it out. */
export function viewLine(view: LineView, name: string, raw: Buffer): string | undefined {
  const label = parseTai64nLabel(raw);
  const body = (label === undefined ? raw : raw.subarray(label.end + (raw[label.end] === 0x20 ? 1 : 0))).toString('utf8');
  if (view.since !== undefined && (label === undefined || seconds(label.stamp) < view.since)) return undefined;
  if (view.grep !== undefined && !view.grep.test(body)) return undefined;
  const local = label === undefined ? undefined : formatTai64nLocal(label.stamp);
  if (view.json) {
    const time = label === undefined ? null : new Date(seconds(label.stamp) * 1000).toISOString();
    return `${JSON.stringify({ service: name, time, tai64n: label === undefined ? null : raw.subarray(0, 25).toString('latin1'), line: body })}\n`;
  }
  return `${view.label ? `${name}: ` : ''}${local === undefined ? '' : `${local} `}${body}\n`;
}

/** --since TIME: `@` and 24 hex digits, a date/time Date.parse reads (local unless it says), or N[smhd] ago. */
export function parseSince(text: string, nowMs = Date.now()): number {
  const ago = /^([0-9]+)([smhd])$/.exec(text);
  if (ago) return nowMs / 1000 - Number(ago[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[ago[2] as 's' | 'm' | 'h' | 'd'];
  if (text.startsWith('@')) {
    const t = parseTai64n(text.slice(1));
    if (t !== undefined) return seconds(t);
  } else {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms / 1000;
  }
  throw new SvkitError('permanent', `unable to parse --since ${JSON.stringify(text)}: not a time (use 2026-12-02 21:00:00, @TAI64N, or N followed by s, m, h or d for "ago")`);
}

export function parseGrep(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (err) {
    throw new SvkitError('permanent', `unable to parse --grep ${JSON.stringify(text)}: ${(err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`);
  }
}
