// Signal numbers as events name them: 15 -> "TERM".
import { constants } from 'node:os';

const NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name.replace(/^SIG/, '')]));

export function signalName(n: number): string {
  return NAMES.get(n) ?? String(n);
}
