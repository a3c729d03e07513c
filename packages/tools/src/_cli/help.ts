// --help and --version, the same for every program: help on stdout, exit 0. Only a first
// argument of exactly `--help` or `--version` is taken, so every daemontools command line
// (`svc -h` is HUP, `svc -z` is "illegal option -- z") means what it meant before.
import { readFileSync } from 'node:fs';
import { writeAll } from './stderr.ts';

/** package.json's version, put in by scripts/bundle.mjs (esbuild define): no file read at start-up. */
declare const __SVKIT_VERSION__: string | undefined;

export interface Help {
  readonly prog: string;
  /** The synopsis, as in "PROG: usage: SYNOPSIS". */
  readonly usage: string;
  /** One line: what the program does. */
  readonly summary: string;
  /** Option and operand lines, already indented. */
  readonly details?: string;
}

/** The version baked into the bundle, or package.json's when run from source (tests, tsx). */
export function version(): string {
  if (typeof __SVKIT_VERSION__ === 'string') return __SVKIT_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

export function helpText(h: Help): string {
  const details = h.details === undefined ? '' : `\n${h.details.replace(/\n?$/, '\n')}`;
  return `${h.prog}: ${h.summary}\nusage: ${h.usage}\n${details}\n  --help     this text\n  --version  svkit's version\n\nman 8 ${h.prog} (docs/${h.prog}.md in a checkout) for the full description.\n`;
}

/** Handles `--help` or `--version` as the first argument: returns 0 when it did, else undefined. */
export function answerMeta(h: Help, args: readonly string[]): number | undefined {
  const first = args[0];
  if (first === '--help') writeAll(1, helpText(h));
  else if (first === '--version') writeAll(1, `${h.prog} (svkit) ${version()}\n`);
  else return undefined;
  return 0;
}
