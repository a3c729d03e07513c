// Service events as svscan -v prints them: one line each on stderr, local time first, then
// the service as a label ("2026-12-02 17:20:01.123 web: up pid 123").
import { describe, localTime, type ServiceEvent } from '@svkit/core';

export { describe, localTime };

/** The whole line, or undefined when the event is not shown on its own. */
export function eventLine(e: ServiceEvent, prog: string): string | undefined {
  const text = describe(e);
  if (text === undefined) return undefined;
  return `${localTime(e.time)} ${e.service === '' ? prog : e.service}: ${text}\n`;
}
