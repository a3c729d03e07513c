// The detached sender: this same program again with --sender, in a session of its own (setsid),
// so neither the hook's exit nor svscan's kill of the hook's process group reaches it. It gets
// the sender lock as fd 3 and the hook's stderr (svscan's log) for its warnings.
import { spawn } from 'node:child_process';

export function startDetachedSender(lockFd: number, args: readonly string[]): void {
  const script = process.argv[1];
  if (script === undefined) throw new Error('no script to start the sender from');
  const child = spawn(process.execPath, [...process.execArgv, script, '--sender', ...args], {
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit', lockFd],
  });
  child.on('error', () => {}); // the events stay in the spool for the next sender
  child.unref();
}
