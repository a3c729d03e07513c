// The files of a service dir that svstat's view is made of, read asynchronously (svhttp's
// snapshot, snapshot.ts): every open is non-blocking and checked, so a FIFO or a device planted
// there holds no thread, and nothing waits on the main thread. Errors are kept as values: the
// view shows them as svstat does (inspectFacts in supervise/inspect.ts decides).
import { close as closeCb, constants, open as openCb } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVICE } from '../formats/servicedir.ts';
import { STATUS_SIZE } from '../formats/status.ts';
import { decodeHealth, type HealthState } from '../formats/healthstate.ts';
import { errnoCode, isErrno } from '../formats/errno.ts';
import { queuedFdOp } from '../os/fdqueue.ts';
import { readServiceFile } from '../os/servicefile.ts';
import { svscanReason } from '../supervise/inspect.ts';
import type { OkOutcome } from '../supervise/control.ts';

const HEALTH_CAP = 64 * 1024;

export type Read<T> = { readonly value: T } | { readonly error: unknown };

export interface DirFacts {
  /** chdirError()'s answer: undefined when the dir can be entered. */
  readonly dirError: unknown;
  readonly downExists: Read<boolean>;
  readonly whyNotSupervised: string | undefined;
  readonly statusBytes: Read<Uint8Array>;
  readonly health: HealthState | undefined;
}

const settle = <T>(p: Promise<T>): Promise<Read<T>> => p.then((value) => ({ value }), (error: unknown) => ({ error }));

export function value<T>(r: Read<T>): T {
  if ('error' in r) throw r.error;
  return r.value;
}

async function dirError(dir: string): Promise<unknown> {
  try {
    if (!(await stat(dir)).isDirectory()) return Object.assign(new Error('ENOTDIR'), { code: 'ENOTDIR' });
    await access(dir, constants.X_OK);
    return undefined;
  } catch (err) {
    return err;
  }
}

/** Up to LEN bytes from the start of PATH, opened non-blocking (a FIFO without writer reads as empty). */
function readHead(path: string, len: number, regularOnly: boolean): Promise<Uint8Array | undefined> {
  return queuedFdOp(async () => {
    const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      if (regularOnly && !(await fh.stat()).isFile()) return undefined;
      const buf = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(buf, got, len - got, null);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  });
}

async function healthOf(dir: string): Promise<HealthState | undefined> {
  try {
    const f = await readServiceFile(join(dir, 'supervise/health'), HEALTH_CAP);
    return f.kind === 'ok' ? decodeHealth(f.data.toString('utf8')) : undefined;
  } catch {
    return undefined;
  }
}

/** Every fact of DIR, read in parallel; never throws. */
export async function readFacts(dir: string): Promise<DirFacts> {
  const [dirErr, downExists, why, statusBytes, health] = await Promise.all([
    dirError(dir),
    settle(stat(join(dir, SERVICE.down)).then(() => true)),
    readHead(join(dir, SERVICE.stat), 256, true).then((b) => (b === undefined ? undefined : svscanReason(Buffer.from(b).toString('utf8'))), () => undefined),
    settle(readHead(join(dir, SERVICE.status), STATUS_SIZE, false).then((b) => b ?? new Uint8Array())),
    healthOf(dir),
  ]);
  return { dirError: dirErr, downExists, whyNotSupervised: why, statusBytes, health };
}

/** What stat(2) says of the files the facts come from: equal strings, nothing changed (the fallback without inotify). */
export async function factsSignature(dir: string): Promise<string> {
  const files = [dir, SERVICE.down, SERVICE.status, 'supervise/health', SERVICE.stat, SERVICE.superviseDir];
  const parts = await Promise.all(files.map((f, i) => stat(i === 0 ? dir : join(dir, f), { bigint: true }).then(
    (s) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.mode}`,
    (err: unknown) => errnoCode(err) ?? 'error')));
  return parts.join(' ');
}

/** probeOk(), asynchronously; a 'running' answer hands over the open write end (fd), for the caller to keep or close. */
export function probeOkAsync(dir: string): Promise<Read<OkOutcome> & { readonly fd?: number }> {
  return new Promise((resolve) => {
    openCb(join(dir, SERVICE.ok), constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY, (err, fd) => {
      if (err === null) return resolve({ value: 'running', fd });
      if (isErrno(err, 'ENXIO')) return resolve({ value: 'not-running' });
      if (isErrno(err, 'ENOENT')) return resolve({ value: 'missing' });
      resolve({ error: err });
    });
  });
}

/** Closes FD off the main thread. */
export function closeFd(fd: number): void {
  closeCb(fd, () => undefined);
}
