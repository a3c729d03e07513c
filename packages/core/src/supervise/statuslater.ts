// supervise/status while a supervisor lets go (svscan's stop, svc -x): the same bytes as
// writeStatus(), but as one thread-pool job (os/ownfile.ts) instead of three system calls on
// the main thread. Twenty services stopping at once write twenty of them; done on the main
// thread under load, they held up the end of svscan's stop by tens of milliseconds. Readers
// (svstat, runit's sv) still see the old file or the new one (status.new, then rename).
import { join } from 'node:path';
import { packStatus, sameStatus, type Status } from '../formats/status.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { replaceOwnFile } from '../os/ownfile.ts';

/** Whether S differs from PREVIOUS in what supervise/status says. */
export function statusChanged(s: Status, previous: Status | undefined): boolean {
  return previous === undefined || !sameStatus(s, previous);
}

/** supervise/status of DIR, off the main thread: status.new, then renamed. */
export function writeStatusLater(dir: string, s: Status): Promise<void> {
  return replaceOwnFile(join(dir, SERVICE.status), join(dir, SERVICE.statusNew), Buffer.from(packStatus(s)));
}
