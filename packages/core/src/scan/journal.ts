// svscan's memory across its own crash: which child it started for which directory.
// SCANDIR/.svscan/children holds one record per service directory with a live child (pid,
// process group, /proc start time, the directory's name and dev:ino), so the next svscan can
// prove whose a running process is (adoption, adopt.ts) and bring down the services whose
// directory was removed while no svscan ran. The file is rewritten whole, as children.new then
// rename, after each change (coalesced, one write at a time, off the main thread); its size is
// bounded by the number of service directories.
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoText } from '../formats/errno.ts';
import type { ChildIdentity, ChildRegistry } from '../supervise/adopt.ts';
import { Warner } from '../supervise/warner.ts';

/** svscan's own directory inside the scan directory (a dot-name: never a service). */
export const STATE_DIR = '.svscan';
export const CHILDREN_FILE = `${STATE_DIR}/children`;
const CHILDREN_NEW = `${STATE_DIR}/children.new`;
/** A file larger than this is not svscan's: ignored with a warning. */
const MAX_BYTES = 16 << 20;
const VERSION = 1;
/** After a failed write (EMFILE, ENOSPC), the next try. */
const RETRY_MS = 1000;

export interface ChildRecord extends ChildIdentity {
  /** "dev:ino" of the service directory the child was started for. */
  readonly dir: string;
  /** Its name relative to the scan directory ("web", "web/log"), for messages. */
  readonly name: string;
}

function isRecord(v: unknown): v is ChildRecord {
  const r = v as Partial<ChildRecord> | null;
  return typeof r === 'object' && r !== null && Number.isSafeInteger(r.pid) && (r.pid ?? 0) > 1 &&
    Number.isSafeInteger(r.pgid) && Number.isSafeInteger(r.startTicks) &&
    typeof r.dir === 'string' && typeof r.name === 'string';
}

/** Reads the file a dead svscan left: a regular file of ours, size-capped; [] when absent. */
function readRecords(path: string): ChildRecord[] {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.uid !== process.geteuid?.()) throw new Error('not owned by this user');
    if (st.size > MAX_BYTES) throw new Error('file too large');
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    const doc = JSON.parse(buf.subarray(0, got).toString('utf8')) as { version?: unknown; children?: unknown };
    if (doc.version !== VERSION || !Array.isArray(doc.children)) throw new Error('bad format');
    return doc.children.filter(isRecord);
  } finally {
    closeSync(fd);
  }
}

export class Journal implements ChildRegistry {
  private readonly dir: string;
  private readonly warner: Warner;
  /** One record per service directory (key "dev:ino"): a directory has one child at a time. */
  private readonly records = new Map<string, ChildRecord>();
  private writing: Promise<void> | undefined;
  private dirty = false;
  private usable = true;
  private retry: NodeJS.Timeout | undefined;

  constructor(scanDir: string, onWarning: (message: string) => void) {
    this.dir = scanDir;
    this.warner = new Warner(onWarning);
  }

  /** Start-up: makes SCANDIR/.svscan/ and loads what the previous svscan recorded. */
  load(): ChildRecord[] {
    try {
      mkdirSync(join(this.dir, STATE_DIR), { recursive: true, mode: 0o700 });
    } catch (err) {
      this.usable = false;
      this.warner.warn(`unable to create ${join(this.dir, STATE_DIR)}: ${errnoText(err)}`);
      return [];
    }
    let found: ChildRecord[];
    try {
      found = readRecords(join(this.dir, CHILDREN_FILE));
    } catch (err) {
      this.warner.warn(`unable to read ${join(this.dir, CHILDREN_FILE)}: ${err instanceof Error && !('code' in err) ? err.message : errnoText(err)}`);
      return [];
    }
    for (const r of found) this.records.set(r.dir, r);
    return found;
  }

  ownerOf(pid: number, startTicks: number): string | undefined {
    if (startTicks === 0) return undefined;
    for (const r of this.records.values()) if (r.pid === pid && r.startTicks === startTicks) return r.dir;
    return undefined;
  }

  started(dirKey: string, name: string, child: ChildIdentity): void {
    this.records.set(dirKey, { pid: child.pid, pgid: child.pgid, startTicks: child.startTicks, dir: dirKey, name });
    this.changed();
  }

  ended(dirKey: string, pid: number): void {
    if (this.records.get(dirKey)?.pid !== pid) return;
    this.records.delete(dirKey);
    this.changed();
  }

  /** Forgets a record of the previous svscan (its process was brought down or is gone). */
  forget(record: ChildRecord): void {
    if (this.records.get(record.dir) !== record) return;
    this.records.delete(record.dir);
    this.changed();
  }

  /** Resolves once what is recorded now is on disk. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private changed(): void {
    this.dirty = true;
    if (this.writing === undefined && this.usable) this.writing = this.write();
  }

  private async write(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      const doc = JSON.stringify({ version: VERSION, children: [...this.records.values()] }) + '\n';
      try {
        await writeFile(join(this.dir, CHILDREN_NEW), doc, { mode: 0o600 });
        await rename(join(this.dir, CHILDREN_NEW), join(this.dir, CHILDREN_FILE));
      } catch (err) {
        this.warner.warn(`unable to write ${join(this.dir, CHILDREN_FILE)}: ${errnoText(err)}`);
        this.retry ??= setTimeout(() => {
          this.retry = undefined;
          this.changed();
        }, RETRY_MS);
        this.retry.unref();
        break;
      }
    }
    this.writing = undefined;
  }
}
