// S/essential (issue 9): when the restart policy leaves S down (restart-never, restart-giveup:
// the *failed* state), svscan stops everything and exits with S's code. Follows the events of
// S's supervisor; the file is looked at (a stat) only then.
import { constants } from 'node:os';
import { join } from 'node:path';
import type { ServiceEvent } from '../events/event.ts';
import { probeServiceFile } from '../os/servicefile.ts';

export const ESSENTIAL_FILE = 'essential';

/** The exit code an orchestrator sees: the code, 128+n for a death by signal n, 111 if unknown. */
export function essentialCode(code: number | null, signal: string | null): number {
  if (code !== null) return code;
  const n = signal === null ? undefined : (constants.signals as Record<string, number>)[`SIG${signal}`];
  return n === undefined ? 111 : 128 + n;
}

/** How an essential service ended: the code to exit with and why, for svscan's message. */
export interface EssentialEnd {
  readonly code: number;
  /** "exit 3", "killed by signal KILL", plus the policy's reason. */
  readonly why: string;
}

export class EssentialWatch {
  private readonly path: string;
  private readonly onEnd: (end: EssentialEnd) => void;
  private last: { code: number | null; signal: string | null } = { code: null, signal: null };

  constructor(path: string, onEnd: (end: EssentialEnd) => void) {
    this.path = path;
    this.onEnd = onEnd;
  }

  event(e: ServiceEvent): void {
    const f = e as unknown as Record<string, unknown>;
    // An end asked for (svc -d, -t) is no failure: the policy never leaves it failed.
    if (e.kind === 'exit' && f['what'] === 'run') {
      this.last = { code: typeof f['code'] === 'number' ? f['code'] : null, signal: typeof f['signal'] === 'string' ? f['signal'] : null };
    } else if (e.kind === 'failed') void this.failed(typeof f['reason'] === 'string' ? f['reason'] : 'failed');
  }

  private async failed(reason: string): Promise<void> {
    const kind = await probeServiceFile(join(this.path, ESSENTIAL_FILE)).catch(() => 'absent');
    if (kind === 'absent') return;
    const { code, signal } = this.last;
    const how = code !== null ? `exit ${code}` : signal !== null ? `killed by signal ${signal}` : 'ended (status unknown)';
    this.onEnd({ code: essentialCode(code, signal), why: `${how}, ${reason}` });
  }
}
