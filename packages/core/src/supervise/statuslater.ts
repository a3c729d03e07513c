// supervise/status while a supervisor lets go (svscan's stop, svc -x): the same bytes as
// writeStatus(), but off the main thread, together with stat and pid as one thread-pool job
// (os/ownfile.ts, the addon's writeFiles) instead of three system calls on the main thread and
// two jobs more. Twenty services stopping at once write twenty of them; done on the main thread
// under load, they held up the end of svscan's stop by tens of milliseconds, and each job more
// is one more to queue and complete there. Readers (svstat, runit's sv) still see the old file
// or the new one (X.new, then rename), status first.
import { join } from 'node:path';
import { formatStat, packStatus, sameStatus, type Status } from '../formats/status.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { replaceOwnFiles, type OwnFile } from '../os/ownfile.ts';

/** Whether S differs from PREVIOUS in what supervise/status says. */
export function statusChanged(s: Status, previous: Status | undefined): boolean {
  return previous === undefined || !sameStatus(s, previous);
}

/** status of DIR, then stat and pid where they differ from PREVIOUS (as writeRunitFiles()), as one job. */
export function writeStatusFilesLater(dir: string, s: Status, previous: Status | undefined): Promise<void> {
  const files: OwnFile[] = [{ path: join(dir, SERVICE.status), tmp: join(dir, SERVICE.statusNew), data: Buffer.from(packStatus(s)) }];
  const stat = formatStat(s);
  if (previous === undefined || formatStat(previous) !== stat) files.push({ path: join(dir, SERVICE.stat), tmp: join(dir, SERVICE.statNew), data: stat });
  if (previous === undefined || previous.pid !== s.pid) files.push({ path: join(dir, SERVICE.pid), tmp: join(dir, SERVICE.pidNew), data: s.pid === 0 ? '' : `${s.pid}\n` });
  return replaceOwnFiles(files);
}
