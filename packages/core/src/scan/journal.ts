// svscan's memory across its own crash: which child it started for which directory.
// SCANDIR/.svscan/children remembers each service directory with a live child (pid, process
// group, /proc start time, the directory's name and dev:ino), so the next svscan can prove
// whose a running process is (adoption, adopt.ts) and bring down the services whose
// directory was removed while no svscan ran (vanished.ts).
//
// It is a log of lines appended at once, before anything else happens after a start or an
// end, so a kill -9 of svscan leaves nothing unrecorded: "+ PID PGID TICKS DEV:INO NAME" and
// "- DEV:INO PID" (NAME as a JSON string). When the lines outnumber twice the live records,
// the file is rewritten as children.new then rename: its size stays bounded by the number of
// service directories. Appends are small writes to svscan's own file, never a service's.
import { closeSync, constants, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { readServiceFileSync } from '../os/servicefile.ts';
import { join } from 'node:path';
import { errnoText } from '../formats/errno.ts';
import type { ChildIdentity, ChildRegistry } from '../supervise/adopt.ts';
import { Warner } from '../supervise/warner.ts';

/** svscan's own directory inside the scan directory (a dot-name: never a service). */
export const STATE_DIR = '.svscan';
export const CHILDREN_FILE = `${STATE_DIR}/children`;
const CHILDREN_NEW = `${STATE_DIR}/children.new`;
const HEADER = 'svkit children 1';
/** A file larger than this is not svscan's: ignored with a warning. */
const MAX_BYTES = 16 << 20;
/** Lines appended beyond twice the live records (and this many) before a rewrite. */
const MIN_SLACK = 64;

export interface ChildRecord extends ChildIdentity {
  /** "dev:ino" of the service directory the child was started for. */
  readonly dir: string;
  /** Its name relative to the scan directory ("web", "web/log"), for messages. */
  readonly name: string;
}

const DIR_KEY = /^\d+:\d+$/;
const int = (t: string | undefined): number => (t !== undefined && /^\d+$/.test(t) ? Number(t) : -1);

/** Replays the lines of the file into records by directory; a malformed line is skipped. */
function replay(text: string, into: Map<string, ChildRecord>): void {
  const lines = text.split('\n');
  if (lines[0] !== HEADER) throw new Error('bad format');
  for (const line of lines.slice(1)) {
    const f = line.split(' ');
    if (f[0] === '-' && f.length === 3 && into.get(f[1] ?? '')?.pid === int(f[2])) into.delete(f[1] ?? '');
    if (f[0] !== '+' || f.length < 6) continue;
    const [pid, pgid, startTicks, dir] = [int(f[1]), int(f[2]), int(f[3]), f[4] ?? ''];
    let name: unknown;
    try {
      name = JSON.parse(f.slice(5).join(' '));
    } catch {
      continue;
    }
    if (pid > 1 && pgid >= 0 && startTicks >= 0 && DIR_KEY.test(dir) && typeof name === 'string') {
      into.set(dir, { pid, pgid, startTicks, dir, name });
    }
  }
}

function recordLine(r: ChildRecord): string {
  return `+ ${r.pid} ${r.pgid} ${r.startTicks} ${r.dir} ${JSON.stringify(r.name)}\n`;
}

/** Reads the file a dead svscan left: a regular file of ours, size-capped; '' when absent. */
function readJournal(path: string): string {
  const f = readServiceFileSync(path, MAX_BYTES, { noFollow: true });
  if (f.kind === 'absent') return '';
  if (f.kind === 'not-regular') throw new Error('not a regular file');
  if (f.kind === 'too-big') throw new Error('file too large');
  if (f.uid !== process.geteuid?.()) throw new Error('not owned by this user');
  return f.data.toString('utf8');
}

export class Journal implements ChildRegistry {
  private readonly dir: string;
  private readonly warner: Warner;
  /** One record per service directory (key "dev:ino"): a directory has one child at a time. */
  private readonly records = new Map<string, ChildRecord>();
  /** Append fd of the file; -1 while it is not open (not loaded, or it could not be). */
  private fd = -1;
  private lines = 0;
  private usable = false;

  constructor(scanDir: string, onWarning: (message: string) => void) {
    this.dir = scanDir;
    this.warner = new Warner(onWarning);
  }

  /** Start-up: makes SCANDIR/.svscan/, loads what the previous svscan recorded, rewrites it. */
  load(): ChildRecord[] {
    try {
      mkdirSync(join(this.dir, STATE_DIR), { recursive: true, mode: 0o700 });
    } catch (err) {
      this.warner.warn(`unable to create ${join(this.dir, STATE_DIR)}: ${errnoText(err)}`);
      return [];
    }
    this.usable = true;
    try {
      const text = readJournal(join(this.dir, CHILDREN_FILE));
      if (text !== '') replay(text, this.records);
    } catch (err) {
      this.warner.warn(`unable to read ${join(this.dir, CHILDREN_FILE)}: ${err instanceof Error && !('code' in err) ? err.message : errnoText(err)}`);
    }
    this.rewrite();
    return [...this.records.values()];
  }

  ownerOf(pid: number, startTicks: number): string | undefined {
    if (startTicks === 0) return undefined;
    for (const r of this.records.values()) if (r.pid === pid && r.startTicks === startTicks) return r.dir;
    return undefined;
  }

  started(dirKey: string, name: string, child: ChildIdentity): void {
    const r = { pid: child.pid, pgid: child.pgid, startTicks: child.startTicks, dir: dirKey, name };
    this.records.set(dirKey, r);
    this.append(recordLine(r));
  }

  ended(dirKey: string, pid: number): void {
    if (this.records.get(dirKey)?.pid !== pid) return;
    this.records.delete(dirKey);
    this.append(`- ${dirKey} ${pid}\n`);
  }

  /** Forgets a record of the previous svscan (its process was brought down or is gone). */
  forget(record: ChildRecord): void {
    if (this.records.get(record.dir) !== record) return;
    this.ended(record.dir, record.pid);
  }

  /** Lets go of the file (svscan stopping): what it says is complete. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.usable = false;
  }

  private append(line: string): void {
    if (!this.usable) return;
    if (this.fd < 0 || this.lines >= Math.max(MIN_SLACK, 2 * this.records.size)) return this.rewrite();
    try {
      writeSync(this.fd, line);
      this.lines++;
    } catch (err) {
      this.failed(err);
      this.rewrite(); // the whole state, in place of a line that may be torn
    }
  }

  /** The file anew from the records: children.new, then rename; reopened for appends. */
  private rewrite(): void {
    if (!this.usable) return;
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    const path = join(this.dir, CHILDREN_FILE);
    const tmp = join(this.dir, CHILDREN_NEW);
    let fd = -1;
    try {
      fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
      writeSync(fd, HEADER + '\n' + [...this.records.values()].map(recordLine).join(''));
      renameSync(tmp, path);
      this.fd = fd;
      this.lines = this.records.size;
      this.warner.clear();
    } catch (err) {
      if (fd >= 0) closeSync(fd);
      this.failed(err); // tried again at the next start or end
    }
  }

  private failed(err: unknown): void {
    this.warner.warn(`unable to write ${join(this.dir, CHILDREN_FILE)}: ${errnoText(err)}`);
  }
}
