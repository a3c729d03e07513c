// svnotify's settings: one value per file in a config dir (notify.d/ of the service dir by
// default) and the same as flags, flags winning. Secrets (the SMTP password, the webhook token)
// only ever come from files that group and others cannot read: never from argv, which ps shows.
import { join } from 'node:path';
import { SvkitError } from '../formats/errors.ts';
import { probeServiceFile, readServiceFile, serviceFileProblem } from '../os/servicefile.ts';
import { readPrivateFile } from '../http/tokens.ts';
import { DEFAULT_ONLY, parseFilter, type Filter } from './filter.ts';

/** The settings as text, from files or flags; secrets as the paths of their files. */
export interface RawSettings {
  smtp?: string;
  from?: string;
  to?: string;
  webhook?: string;
  only?: string;
  batch?: string;
  timeout?: string;
  spool?: string;
  smtpPasswordFile?: string;
  webhookTokenFile?: string;
}

export interface SmtpTarget {
  readonly host: string;
  readonly port: number;
  /** smtps: TLS from the first byte; smtp: STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
  readonly to: readonly string[];
}

export interface WebhookTarget {
  readonly url: URL;
  readonly token?: string;
}

export interface NotifyConfig {
  readonly smtp?: SmtpTarget;
  readonly webhook?: WebhookTarget;
  readonly only: Filter;
  /** Seconds a batch collects events before it is sent; 0 sends each event at once. */
  readonly batch: number;
  /** Seconds one delivery (connect, talk, answer) may take. */
  readonly timeout: number;
  readonly spool: string;
}

export const CONFIG_DIR = 'notify.d';
export const DEFAULT_SPOOL = 'supervise/notify-spool';
export const DEFAULT_BATCH = 60;
export const DEFAULT_TIMEOUT = 20;
const FILE_CAP = 4096;

/** File name in the config dir of each plain setting. */
const FILES: Readonly<Record<string, keyof RawSettings>> = {
  smtp: 'smtp', from: 'from', to: 'to', webhook: 'webhook', only: 'only', batch: 'batch', timeout: 'timeout', spool: 'spool',
};

/** Reads DIR's setting files (an absent DIR or file is no setting); a file that is not a regular file is fatal. */
export async function readConfigDir(dir: string): Promise<{ raw: RawSettings; sources: Record<string, string> }> {
  const raw: RawSettings = {};
  const sources: Record<string, string> = {};
  for (const [name, key] of Object.entries(FILES)) {
    const path = join(dir, name);
    const f = await readServiceFile(path, FILE_CAP);
    if (f.kind === 'absent') continue;
    if (f.kind !== 'ok') throw new SvkitError('permanent', `unable to read ${path}: ${serviceFileProblem(f) ?? ''}`);
    raw[key] = f.data.toString('utf8');
    sources[key] = path;
  }
  for (const [name, key] of [['smtp-password', 'smtpPasswordFile'], ['webhook-token', 'webhookTokenFile']] as const) {
    const path = join(dir, name);
    if (await probeServiceFile(path) !== 'absent') raw[key] = path;
  }
  return { raw, sources };
}

/** The one value of a file or flag: its first line, trimmed. */
const first = (s: string): string => (s.split('\n')[0] ?? '').trim();

function seconds(text: string, source: string, max: number, min: number): number {
  const v = first(text);
  if (!/^\d{1,5}$/.test(v) || Number(v) > max || Number(v) < min) {
    throw new SvkitError('permanent', `unable to parse ${source}: not a number of seconds from ${min} to ${max}: ${JSON.stringify(v.slice(0, 40))}`);
  }
  return Number(v);
}

const ADDRESS = /^(?:[^<>\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>,]+@[^\s@<>,]+)$/;

function addresses(text: string, source: string): string[] {
  const list = text.split(/[\n,]+/).map((a) => a.trim()).filter((a) => a !== '');
  if (list.length === 0) throw new SvkitError('permanent', `unable to parse ${source}: no address in it`);
  const bad = list.find((a) => !ADDRESS.test(a));
  if (bad !== undefined) throw new SvkitError('permanent', `unable to parse ${source}: not a mail address: ${JSON.stringify(bad.slice(0, 60))}`);
  return list;
}

function url(text: string, source: string, protocols: readonly string[]): URL {
  const v = first(text);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new SvkitError('permanent', `unable to parse ${source}: not a URL: ${JSON.stringify(v.slice(0, 60))}`);
  }
  if (!protocols.includes(u.protocol)) throw new SvkitError('permanent', `unable to parse ${source}: not a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL: ${JSON.stringify(v.slice(0, 60))}`);
  if (u.password !== '') throw new SvkitError('permanent', `unable to use ${source}: a password in the URL is refused (put it in a file of mode 600: see svnotify(8))`);
  return u;
}

function secret(file: string, what: string): string {
  const v = first(readPrivateFile(file, FILE_CAP));
  if (v === '') throw new SvkitError('permanent', `unable to read ${file}: no ${what} in it`);
  return v;
}

/** Merges files and flags (flags win) into a checked configuration; throws a permanent SvkitError. */
export function buildConfig(files: RawSettings, fileSources: Record<string, string>, flags: RawSettings): NotifyConfig {
  const raw: RawSettings = { ...files, ...flags };
  const src = (key: keyof RawSettings, flag: string): string => (flags[key] !== undefined ? flag : fileSources[key] ?? flag);
  let smtp: SmtpTarget | undefined;
  if (raw.smtp !== undefined) {
    const u = url(raw.smtp, src('smtp', '--smtp'), ['smtp:', 'smtps:']);
    if (raw.from === undefined) throw new SvkitError('permanent', `unable to send mail: no sender (--from, or ${CONFIG_DIR}/from)`);
    if (raw.to === undefined) throw new SvkitError('permanent', `unable to send mail: no recipient (--to, or ${CONFIG_DIR}/to)`);
    const secure = u.protocol === 'smtps:';
    const from = addresses(raw.from, src('from', '--from'));
    if (from.length !== 1) throw new SvkitError('permanent', `unable to parse ${src('from', '--from')}: one sender address, not ${from.length}`);
    smtp = {
      host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: u.port === '' ? (secure ? 465 : 25) : Number(u.port),
      secure,
      ...(u.username === '' ? {} : { user: decodeURIComponent(u.username) }),
      ...(raw.smtpPasswordFile === undefined ? {} : { password: secret(raw.smtpPasswordFile, 'password') }),
      from: from[0] ?? '',
      to: addresses(raw.to, src('to', '--to')),
    };
  } else if (flags.from !== undefined || flags.to !== undefined) {
    throw new SvkitError('permanent', 'unable to send mail: --from and --to need --smtp URL');
  }
  let webhook: WebhookTarget | undefined;
  if (raw.webhook !== undefined) {
    const u = url(raw.webhook, src('webhook', '--webhook'), ['http:', 'https:']);
    webhook = { url: u, ...(raw.webhookTokenFile === undefined ? {} : { token: secret(raw.webhookTokenFile, 'token') }) };
  }
  if (smtp === undefined && webhook === undefined) {
    throw new SvkitError('permanent', `nothing to deliver to: give --smtp URL --from A --to B, or --webhook URL, or files in ${CONFIG_DIR}/ (svnotify(8))`);
  }
  return {
    ...(smtp === undefined ? {} : { smtp }),
    ...(webhook === undefined ? {} : { webhook }),
    only: raw.only === undefined ? DEFAULT_ONLY : parseFilter(raw.only, src('only', '--only')),
    batch: raw.batch === undefined ? DEFAULT_BATCH : seconds(raw.batch, src('batch', '--batch'), 3600, 0),
    timeout: raw.timeout === undefined ? DEFAULT_TIMEOUT : seconds(raw.timeout, src('timeout', '--timeout'), 300, 1),
    spool: raw.spool === undefined ? DEFAULT_SPOOL : first(raw.spool),
  };
}
