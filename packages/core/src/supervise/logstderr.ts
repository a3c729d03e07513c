// `log-stderr` in a service dir (supervisord's redirect_stderr): run's and finish's stderr go
// into the service's log pipe too, so a crash's stack trace is logged with the service's
// timestamps (and, with the `1` action, its name on svscan's stdout). Without the file stderr
// is svscan's own (daemontools). Only its presence counts: looked at with an async stat at
// each start, beside env/ and the health files.
import { join } from 'node:path';
import { errnoText } from '../formats/errno.ts';
import { escapeName } from '../formats/escape.ts';
import { probeServiceFile } from '../os/servicefile.ts';

export const LOG_STDERR = 'log-stderr';

/** True when DIR/log-stderr is a regular file; anything else there is one warning and absent. */
export async function wantsStderrInLog(cwd: string, label: string, warn: (message: string) => void): Promise<boolean> {
  try {
    const presence = await probeServiceFile(join(cwd, LOG_STDERR));
    if (presence === 'file') return true;
    if (presence !== 'absent') warn(`unable to read ${label}/${escapeName(LOG_STDERR)}: not a regular file (a ${presence}), so stderr stays svscan's`);
  } catch (err) {
    warn(`unable to stat ${label}/${LOG_STDERR}: ${errnoText(err)}`);
  }
  return false;
}

/** The child's fds 0, 1, 2: stdout's (the log pipe) as 2 too when asked. */
export function childStdio(stdio: readonly [number, number, number], intoLog: boolean): readonly [number, number, number] {
  return intoLog ? [stdio[0], stdio[1], stdio[1]] : stdio;
}
