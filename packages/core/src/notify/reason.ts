// The REASON of "unable to send ...: REASON": daemontools' wording for a system error
// (connection refused), else the library's message; a timeout says which phase it hit
// ("timed out (Greeting never received)"). One line, not too long.
import { errnoCode, errnoText } from '../formats/errno.ts';

const TIMEOUTS = new Set(['ETIMEDOUT', 'ETIMEOUT', 'ESOCKET_TIMEOUT']);

function oneLine(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? one.slice(0, 200) + '...' : one;
}

export function reason(err: unknown): string {
  const code = errnoCode(err);
  const message = oneLine(err instanceof Error ? err.message : String(err));
  if (code !== undefined && TIMEOUTS.has(code)) return message === '' || message.includes(code) ? 'timed out' : `timed out (${message})`;
  // nodemailer wraps a socket error: "connect ECONNREFUSED 127.0.0.1:25" under its own code.
  const inner = /\b(E[A-Z0-9]{3,})\b/.exec(message)?.[1];
  for (const c of [code, inner]) {
    const text = c === undefined ? 'unknown error' : errnoText({ code: c });
    if (text !== 'unknown error') return text;
  }
  return message;
}
