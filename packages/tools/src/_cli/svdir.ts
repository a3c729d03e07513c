// Services by name (runit's convention): with SVDIR set, an operand that neither starts nor
// ends with `.` or `/` names $SVDIR/NAME. Without SVDIR every operand is a path, as in 0.76.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SvkitError, errnoText } from '@svkit/core';

export interface Named {
  /** The operand as the user wrote it (used in output and messages). */
  readonly name: string;
  /** The directory to work on. */
  readonly dir: string;
}

function byName(operand: string): boolean {
  return !/^[./]/.test(operand) && !/[./]$/.test(operand);
}

/**
 * Resolves every operand before anything is done, so a typo loses nothing. A name that is
 * not a directory in SVDIR is a permanent error naming both (exit 100).
 */
export function resolveServices(operands: readonly string[], env: NodeJS.ProcessEnv = process.env): Named[] {
  const svdir = env['SVDIR'];
  if (svdir === undefined || svdir === '') return operands.map((name) => ({ name, dir: name }));
  return operands.map((name) => {
    if (!byName(name)) return { name, dir: name };
    const dir = join(svdir, name);
    let reason: string;
    try {
      if (statSync(dir).isDirectory()) return { name, dir };
      reason = 'not a directory';
    } catch (err) {
      reason = errnoText(err);
    }
    throw new SvkitError('permanent', `unable to find service ${name} in SVDIR ${svdir}: ${reason}`);
  });
}
