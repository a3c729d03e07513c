// The REASON of "unable to send ...: REASON": daemontools' wording for a system error
// (connection refused), else the library's message, on one line and not too long.
import { errnoCode, errnoText } from '../formats/errno.ts';

const TIMEOUTS = new Set(['ETIMEDOUT', 'ETIMEOUT', 'ESOCKET_TIMEOUT']);

export function reason(err: unknown): string {
  const code = errnoCode(err);
  const text = code !== undefined && errnoText(err) !== 'unknown error' ? errnoText(err) : err instanceof Error ? err.message : String(err);
  const one = text.replace(/\s+/g, ' ').trim();
  const shown = one.length > 200 ? one.slice(0, 200) + '...' : one;
  return code !== undefined && TIMEOUTS.has(code) && !/time/i.test(shown) ? `timed out: ${shown}` : shown;
}
