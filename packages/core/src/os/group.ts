// Stopping a service's process group: TERM+CONT, then KILL once the timeout has passed.
import { join } from 'node:path';
import { groupHasLive, signal } from './proc.ts';
import { readServiceFile, serviceFileProblem } from './servicefile.ts';
import { SERVICE } from '../formats/servicedir.ts';

/** How long a stopping service gets between TERM and KILL, unless S/timeout-kill says otherwise. */
export const DEFAULT_KILL_TIMEOUT_MS = 10_000;
const GROUP_POLL_MS = 20;

/**
 * S/timeout-kill: milliseconds as a decimal number; 0 means never send KILL. Read off the main
 * thread (readServiceFile): a FIFO or device there is warned about and the default applies.
 * LABEL names the service dir in warnings.
 */
export async function readKillTimeout(dir: string, label: string, warn: (m: string) => void): Promise<number> {
  const name = `${label}/${SERVICE.timeoutKill}`;
  let text: string;
  try {
    const file = await readServiceFile(join(dir, SERVICE.timeoutKill));
    if (file.kind === 'absent') return DEFAULT_KILL_TIMEOUT_MS;
    if (file.kind !== 'ok') {
      warn(`unable to read ${name}: ${serviceFileProblem(file) ?? ''}`);
      return DEFAULT_KILL_TIMEOUT_MS;
    }
    text = file.data.toString('latin1').trim();
  } catch {
    return DEFAULT_KILL_TIMEOUT_MS;
  }
  if (!/^\d+$/.test(text)) {
    warn(`unable to parse ${name}: not a number of milliseconds`);
    return DEFAULT_KILL_TIMEOUT_MS;
  }
  return Number(text);
}

/** TERM then CONT to the target (a negative number is a process group), as daemontools' -d does. */
export function sendStop(target: number): void {
  signal(target, 'SIGTERM');
  signal(target, 'SIGCONT');
}

/**
 * Resolves once process group pgid has no live member (zombies awaiting init do not count).
 * Leftovers are sent TERM+CONT at once and KILL
 * after timeoutMs (0: never). Resolves at once for an empty group: the usual case.
 */
export function clearGroup(pgid: number, timeoutMs: number): Promise<void> {
  if (pgid <= 1 || !groupHasLive(pgid)) return Promise.resolve();
  sendStop(-pgid);
  const started = Date.now();
  let killed = false;
  return new Promise((resolve) => {
    const tick = (): void => {
      if (!groupHasLive(pgid)) return resolve();
      if (!killed && timeoutMs > 0 && Date.now() - started >= timeoutMs) {
        signal(-pgid, 'SIGKILL');
        killed = true;
      }
      setTimeout(tick, GROUP_POLL_MS);
    };
    setTimeout(tick, GROUP_POLL_MS);
  });
}
