// Reads a file of a service dir, which a user controls: never blocks, never reads past a cap.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants, type FileHandle, open, stat } from 'node:fs/promises';
import { isErrno } from '../formats/errno.ts';
import { queuedFdOp } from './fdqueue.ts';
import { sys } from './sys.ts';

/** What a service-dir file turned out to be. Only `ok` carries bytes. */
export type ServiceFile =
  | { readonly kind: 'absent' }
  | { readonly kind: 'not-regular'; readonly type: FileType }
  | { readonly kind: 'too-big'; readonly cap: number }
  | { readonly kind: 'ok'; readonly data: Buffer };

export type FileType = 'directory' | 'fifo' | 'character device' | 'block device' | 'socket' | 'other';

/** Default cap for one-value files (timeout-kill, notification-fd, ...): far above any sane value. */
export const SERVICE_FILE_CAP = 64 * 1024;

/**
 * Opens PATH non-blocking (a FIFO cannot hold the thread-pool thread), checks on the open
 * descriptor that it is a regular file (a symlink to /dev/zero is a device, not a file), and reads
 * at most CAP bytes. ENOENT and ENOTDIR mean absent; other errors are thrown.
 */
export function readServiceFile(path: string | Buffer, cap = SERVICE_FILE_CAP): Promise<ServiceFile> {
  const native = sys().readFile;
  return queuedFdOp(() => (native === undefined ? readNow(path, cap) : readNative(native.bind(sys()), path, cap)));
}

/** The addon's kinds past 2 (not a regular file), in its order. */
const NATIVE_TYPES: readonly FileType[] = ['directory', 'fifo', 'character device', 'block device', 'socket', 'other'];

/** The same in one thread-pool job (the addon's readFile) instead of five through Node's fs. */
function readNative(read: NonNullable<ReturnType<typeof sys>['readFile']>, path: string | Buffer, cap: number): Promise<ServiceFile> {
  return new Promise((resolve, reject) => {
    read(path, cap, (err, kind, data) => {
      if (err !== null) return reject(err);
      if (kind === 0 && data !== null) return resolve({ kind: 'ok', data });
      if (kind === 1) return resolve({ kind: 'absent' });
      if (kind === 2) return resolve({ kind: 'too-big', cap });
      resolve({ kind: 'not-regular', type: NATIVE_TYPES[kind - 3] ?? 'other' });
    });
  });
}

async function readNow(path: string | Buffer, cap: number): Promise<ServiceFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return { kind: 'absent' };
    if (isErrno(err, 'ENXIO')) return { kind: 'not-regular', type: 'socket' };
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { kind: 'not-regular', type: typeOf(st) };
    if (st.size > cap) return { kind: 'too-big', cap };
    // The size can grow between stat and read (or lie, as in /proc): read one byte past the cap.
    const buf = Buffer.alloc(Math.min(cap, Math.max(st.size, 4096)) + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > cap) return { kind: 'too-big', cap };
      if (got === buf.length) break;
    }
    return { kind: 'ok', data: buf.subarray(0, got) };
  } finally {
    await fh.close();
  }
}

function typeOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): FileType {
  if (st.isDirectory()) return 'directory';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isSocket()) return 'socket';
  return 'other';
}

/**
 * Why a service-dir file that is not `ok` was not used, as the REASON of "unable to read FILE:
 * REASON" ("not a regular file (fifo)"); undefined for ok and absent.
 */
export function serviceFileProblem(file: ServiceFile): string | undefined {
  if (file.kind === 'not-regular') return `not a regular file (${file.type})`;
  if (file.kind === 'too-big') return `file too big (over ${file.cap} bytes)`;
  return undefined;
}

/** What a file whose presence alone counts (down, finish, log/run) is: absent, or its type. */
export type Presence = 'absent' | 'file' | FileType;

/**
 * stat(2) on the thread pool: opens nothing, so no FIFO or device can hold anything, and the
 * main thread never waits on the file system. ENOENT and ENOTDIR mean absent; others throw.
 */
export async function probeServiceFile(path: string): Promise<Presence> {
  try {
    const st = await stat(path);
    return st.isFile() ? 'file' : typeOf(st);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return 'absent';
    throw err;
  }
}

/**
 * The same rule, synchronously, for clients (svstat, svtop) and start-up code: PATH opened
 * non-blocking, a regular file only, at most CAP bytes, or the last TAIL bytes when TAIL is
 * given (however large the file). `uid` is the owner, for callers that trust only their own.
 */
export function readServiceFileSync(path: string, cap: number, opts: { tail?: number; noFollow?: boolean } = {}): ServiceFile & { readonly uid?: number } { // sync-ok: the definition; callers say why they may
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (opts.noFollow ? constants.O_NOFOLLOW : 0)); // sync-ok: non-blocking open, never waits on a FIFO
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return { kind: 'absent' };
    throw err;
  }
  try {
    const st = fstatSync(fd); // sync-ok: fstat of our own descriptor
    if (!st.isFile()) return { kind: 'not-regular', type: typeOf(st) };
    if (opts.tail === undefined && st.size > cap) return { kind: 'too-big', cap };
    const len = Math.min(st.size, opts.tail ?? cap);
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, buf, got, len - got, st.size - len + got); // sync-ok: a capped read of a regular file
      if (n === 0) break;
      got += n;
    }
    return { kind: 'ok', data: buf.subarray(0, got), uid: st.uid };
  } finally {
    closeSync(fd); // sync-ok: our own descriptor
  }
}
