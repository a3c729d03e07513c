// supervise/status written at once, on the main thread, in the order of the protocol: the same
// bytes and system calls as formats/status.ts writeStatus() (status.new, then rename), but
// through the addon, one call instead of four through Node's fs, each with its own checks and
// error context. A crash loop writes it twice per restart.
import { join } from 'node:path';
import { packStatus, sameStatus, writeStatus, type Status } from '../formats/status.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { sys } from '../os/sys.ts';

/** Writes S to DIR's supervise/status unless it packs as PREVIOUS does; throws as fs does. */
export function writeStatusNow(dir: string, s: Status, previous?: Status): void {
  if (previous !== undefined && sameStatus(s, previous)) return;
  const replace = sys().replaceFileSync;
  if (replace === undefined) return writeStatus(dir, s);
  replace(join(dir, SERVICE.status), join(dir, SERVICE.statusNew), packStatus(s)); // sync-ok: the status protocol is written in order, on a file opened non-blocking
}
