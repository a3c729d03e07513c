// The only thing a request can make happen: control letters written to supervise/control.
import { sendControl, type ControlOutcome } from '../supervise/control.ts';

/** API command -> svc letters. restart: TERM and CONT, and want up (starts it if down). */
export const COMMANDS: Readonly<Record<string, string>> = {
  up: 'u', down: 'd', once: 'o', term: 't', kill: 'k', hup: 'h', pause: 'p', cont: 'c', restart: 'tcu',
};

export function isCommand(c: string): boolean {
  return Object.hasOwn(COMMANDS, c);
}

/** Writes COMMAND's letters; the FIFO is opened non-blocking, so no supervisor means not-running at once. */
export function runCommand(dir: string, command: string): ControlOutcome {
  const letters = COMMANDS[command];
  if (letters === undefined) throw new Error(`not a command: ${command}`);
  return sendControl(dir, letters);
}
