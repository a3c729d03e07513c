// The usage error: runMain prints "PROG: usage: USAGE" and exits 100.
import { SvkitError } from '@svkit/core';

export function usageError(): SvkitError {
  return new SvkitError('usage', 'usage');
}
