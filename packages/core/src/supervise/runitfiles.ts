// runit's text files in supervise/: stat ("run", "down", "finish" with runit's suffixes) and pid.
// Asynchronous, both in one thread-pool job (os/ownfile.ts): creating files is the slow part of
// starting a service, and these two are for scripts, not for the supervision protocol.
import { join } from 'node:path';
import { formatStat, type Status } from '../formats/status.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { replaceOwnFiles, type OwnFile } from '../os/ownfile.ts';

/** Writes stat, then pid (X.new then rename), where they differ from PREVIOUS. */
export function writeRunitFiles(dir: string, s: Status, previous?: Status): Promise<void> {
  const stat = formatStat(s);
  const files: OwnFile[] = [];
  if (previous === undefined || formatStat(previous) !== stat) files.push({ path: join(dir, SERVICE.stat), tmp: join(dir, SERVICE.statNew), data: stat });
  if (previous === undefined || previous.pid !== s.pid) files.push({ path: join(dir, SERVICE.pid), tmp: join(dir, SERVICE.pidNew), data: s.pid === 0 ? '' : `${s.pid}\n` });
  return files.length === 0 ? Promise.resolve() : replaceOwnFiles(files);
}
