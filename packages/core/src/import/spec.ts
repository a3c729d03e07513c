// What svimport knows about one service, whatever it came from: the converters fill it in from
// a supervisord program, a PM2 app or a systemd unit; files.ts turns it into a service dir.
import { SvkitError } from '../formats/errors.ts';

/** Something of the source that the service dir does not do, and why (the report lists each). */
export interface Dropped {
  readonly key: string;
  readonly why: string;
}

export interface ServiceSpec {
  /** The service dir's name. */
  name: string;
  /** FILE:LINE (or FILE and the app's index) where it was defined, for the report. */
  origin: string;
  /** The command as sh words: each already quoted, or a variable reference sh expands. */
  words: string[];
  cwd?: string;
  env: Record<string, string>;
  /** Files sourced by run (systemd EnvironmentFile=; optional ones may be missing). */
  envFiles: { path: string; optional: boolean }[];
  user?: string;
  group?: string;
  umask?: string;
  /** `ulimit` flags and values set by run before the command. */
  ulimits: [string, string][];
  /** Commands run before the service (systemd ExecStartPre=): a failure fails the start. */
  pre: string[][];
  /** false: a `down` file (supervisord autostart=false). */
  autostart: boolean;
  /** Run once per `svc -u`, never restarted (autorestart=false, Restart=no, PM2 autorestart: false). */
  once: boolean;
  /** stderr into the log too (supervisord redirect_stderr, systemd's default, PM2 merges). */
  stderrToLog: boolean;
  /** A log/ run by svscan's multilog engine: file size and how many are kept. */
  log?: { size: number; count: number };
  /** Nothing written by the service is kept (supervisord stdout_logfile=NONE, StandardOutput=null). */
  discardOutput?: boolean;
  timeoutKillMs?: number;
  /** Files of the health issue (7) and the watch file: name -> content. */
  policy: Record<string, string>;
  dropped: Dropped[];
}

export function newSpec(name: string, origin: string): ServiceSpec {
  return { name, origin, words: [], env: {}, envFiles: [], ulimits: [], pre: [], autostart: true, once: false, stderrToLog: false, policy: {}, dropped: [] };
}

/** Bad input: a permanent error naming the file (and line) it is in. */
export function importError(where: string, what: string): SvkitError {
  return new SvkitError('permanent', `unable to import ${where}: ${what}`);
}

/** One word for sh, quoted so that sh passes it through unchanged. */
export function shQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A service dir name from a program's name: anything but [A-Za-z0-9._@-] becomes '-'. */
export function dirName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9._@-]+/g, '-').replace(/^[.-]+/, '');
  return clean === '' ? 'service' : clean;
}

/** "50MB", "1G", "160" (bytes) -> bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?)B?\s*$/i.exec(text);
  if (!m) return undefined;
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? '').toUpperCase()] ?? 1;
  return Math.round(Number(m[1]) * mult);
}
