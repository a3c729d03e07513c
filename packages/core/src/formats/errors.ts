// Typed errors of the library: the program turns their kind into a message and an exit code.
import { errnoText } from './errno.ts';

/** usage: bad invocation (100); permanent: will not get better by retrying (100); temporary: system trouble (111). */
export type ErrorKind = 'usage' | 'permanent' | 'temporary';

/** An error the programs know how to report; recognised by `kind`, not instanceof. */
export class SvkitError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'SvkitError';
  }
}

/** "unable to VERB OBJECT: reason" for a failed system call, kept temporary (exit 111). */
export function unable(what: string, cause: unknown, kind: ErrorKind = 'temporary'): SvkitError {
  return new SvkitError(kind, `unable to ${what}: ${errnoText(cause)}`, { cause });
}

/** The kind of an error thrown anywhere, if it is one of ours. */
export function errorKind(err: unknown): ErrorKind | undefined {
  if (typeof err === 'object' && err !== null && 'kind' in err) {
    const kind = (err as { kind: unknown }).kind;
    if (kind === 'usage' || kind === 'permanent' || kind === 'temporary') return kind;
  }
  return undefined;
}
