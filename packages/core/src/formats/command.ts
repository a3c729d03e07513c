// Control bytes written to supervise/control: daemontools' letters plus runit's q, 1, 2.

export type Command =
  | 'up' | 'down' | 'once' | 'exit' | 'pause' | 'cont'
  | 'hup' | 'alarm' | 'interrupt' | 'quit' | 'usr1' | 'usr2' | 'term' | 'kill';

export const CONTROL_LETTERS: Readonly<Record<string, Command>> = {
  u: 'up', d: 'down', o: 'once', x: 'exit', p: 'pause', c: 'cont',
  h: 'hup', a: 'alarm', i: 'interrupt', q: 'quit', '1': 'usr1', '2': 'usr2', t: 'term', k: 'kill',
};

/** Signals sent to the main pid only, as daemontools does (reload and friends). */
export const PID_SIGNALS: Readonly<Partial<Record<Command, NodeJS.Signals>>> = {
  hup: 'SIGHUP', alarm: 'SIGALRM', interrupt: 'SIGINT', quit: 'SIGQUIT', usr1: 'SIGUSR1', usr2: 'SIGUSR2',
};

/** The commands in a chunk read from the FIFO; unknown bytes are ignored, as by 0.76. */
export function parseControl(bytes: Uint8Array): Command[] {
  const out: Command[] = [];
  for (const b of bytes) {
    const cmd = CONTROL_LETTERS[String.fromCharCode(b)];
    if (cmd !== undefined) out.push(cmd);
  }
  return out;
}
