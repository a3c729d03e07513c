// runMain: the one place a program's outcome becomes an exit code and its errors a message.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorKind } from '@svkit/core';
import { answerMeta, type Help } from './help.ts';
import { fatal, usage } from './stderr.ts';

export const EXIT_OK = 0;
export const EXIT_PERMANENT = 100;
export const EXIT_TEMPORARY = 111;

export interface Program extends Help {
  readonly main: (args: string[]) => Promise<number> | number;
}

function isEntry(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Maps a thrown error to its message and exit code: usage/permanent 100, the rest 111. */
export function reportError(p: Program, err: unknown): number {
  const kind = errorKind(err);
  if (kind === 'usage') {
    usage(p.prog, p.usage);
    return EXIT_PERMANENT;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (kind === 'permanent') {
    fatal(p.prog, message);
    return EXIT_PERMANENT;
  }
  if (kind === 'temporary') {
    fatal(p.prog, message);
    return EXIT_TEMPORARY;
  }
  fatal(p.prog, `internal error: ${message}`);
  if (process.env['SVKIT_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return EXIT_TEMPORARY;
}

/** Runs p.main when this module is the process entry; never calls process.exit(). */
export function runMain(moduleUrl: string, p: Program): void {
  if (!isEntry(moduleUrl)) return;
  const args = process.argv.slice(2);
  Promise.resolve()
    .then(() => answerMeta(p, args) ?? p.main(args))
    .then(
      (code) => { process.exitCode = code; },
      (err: unknown) => { process.exitCode = reportError(p, err); },
    );
}
