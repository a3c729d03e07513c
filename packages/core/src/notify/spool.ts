// svnotify's spool: where events wait for their batch across hook runs (one process per event).
//   events    NDJSON appended by each hook run, at most SPOOL_CAP bytes; past it a run only
//             counts its event in `dropped`
//   lock      flock held for an instant by whoever appends to or takes `events`
//   sender    flock held by the one sender of the current batch for its whole life; holds its pid
//   mail, webhook   the events each destination still has to be sent (kept after a failure)
// Sync calls throughout: svnotify is a short-lived hook process, never loaded by svscan.
import { closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../formats/errno.ts';
import { LOCK_EX, LOCK_NB, sys } from '../os/sys.ts';
import { EVENT_VERSION, type ServiceEvent } from '../events/event.ts';

export const SPOOL_CAP = 256 * 1024;
/** Events kept per destination after failed deliveries; older ones give way, counted. */
export const PENDING_MAX = 1000;
export type Destination = 'mail' | 'webhook';
export const DESTINATIONS: readonly Destination[] = ['mail', 'webhook'];

const { O_RDWR, O_WRONLY, O_CREAT, O_APPEND, O_NOFOLLOW, O_RDONLY, O_NONBLOCK } = constants;

export function makeSpool(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function withLock<T>(dir: string, fn: () => T): T {
  const fd = openSync(join(dir, 'lock'), O_RDWR | O_CREAT | O_NOFOLLOW, 0o600);
  try {
    sys().flock(fd, LOCK_EX); // held by others only while they append or take: microseconds
    return fn();
  } finally {
    closeSync(fd);
  }
}

/** The text of a spool file, '' when absent (regular files only: the spool is svnotify's own). */
function readText(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return '';
    throw err;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : '';
  } finally {
    closeSync(fd);
  }
}

function remove(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}

/** Appends one event (one line); 'dropped' when the spool is full: the drop is counted. */
export function appendEvent(dir: string, event: ServiceEvent): 'appended' | 'dropped' {
  const line = JSON.stringify(event) + '\n';
  return withLock(dir, () => {
    const fd = openSync(join(dir, 'events'), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600);
    try {
      if (fstatSync(fd).size + Buffer.byteLength(line) > SPOOL_CAP) {
        const path = join(dir, 'dropped');
        writeFileSync(path, `${(Number(readText(path).trim()) || 0) + 1}\n`, { mode: 0o600 });
        return 'dropped';
      }
      writeSync(fd, line);
      return 'appended';
    } finally {
      closeSync(fd);
    }
  });
}

/** Whether events wait for a sender. */
export function hasEvents(dir: string): boolean {
  return readText(join(dir, 'events')) !== '';
}

/** A line saying N events were not delivered: `full` (the spool was full) or `kept` (only the newest PENDING_MAX are kept). */
export function dropMarker(dropped: number, why: 'full' | 'kept'): ServiceEvent {
  return { v: EVENT_VERSION, kind: 'notify-drop', service: '', time: Date.now(), pid: 0, dropped, by: 'svnotify', why };
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(path + '.new', text, { mode: 0o600 });
  renameSync(path + '.new', path);
}

/**
 * Moves the waiting events (and a count of dropped ones) to each destination's file, and drops
 * the files of destinations no longer configured. Only the holder of the sender lock calls it.
 */
export function takeBatch(dir: string, destinations: readonly Destination[]): void {
  withLock(dir, () => {
    const events = readText(join(dir, 'events'));
    const dropped = Number(readText(join(dir, 'dropped')).trim()) || 0;
    const fresh = events + (dropped > 0 ? JSON.stringify(dropMarker(dropped, 'full')) + '\n' : '');
    for (const d of DESTINATIONS) {
      const path = join(dir, d);
      if (!destinations.includes(d)) {
        remove(path);
        continue;
      }
      if (fresh === '') continue;
      let lines = (readText(path) + fresh).split('\n').filter((l) => l !== '');
      if (lines.length > PENDING_MAX) {
        const cut = lines.length - PENDING_MAX + 1;
        lines = [JSON.stringify(dropMarker(cut, 'kept')), ...lines.slice(cut)];
      }
      writeAtomic(path, lines.join('\n') + '\n');
    }
    remove(join(dir, 'events'));
    remove(join(dir, 'dropped'));
  });
}

/** The events destination D still has to be sent (a line that is not an event is skipped). */
export function pendingEvents(dir: string, d: Destination): ServiceEvent[] {
  const out: ServiceEvent[] = [];
  for (const line of readText(join(dir, d)).split('\n')) {
    if (line === '') continue;
    try {
      const e = JSON.parse(line) as unknown;
      if (typeof e === 'object' && e !== null && typeof (e as ServiceEvent).kind === 'string') out.push(e as ServiceEvent);
    } catch {
      // a torn or foreign line: skipped
    }
  }
  return out;
}

export function clearPending(dir: string, d: Destination): void {
  remove(join(dir, d));
}

/** The fd holding the sender lock, or undefined when a sender is at work. */
export function tryLockSender(dir: string): number | undefined {
  const fd = openSync(join(dir, 'sender'), O_RDWR | O_CREAT | O_NOFOLLOW, 0o600);
  try {
    sys().flock(fd, LOCK_EX | LOCK_NB);
  } catch (err) {
    closeSync(fd);
    if (isErrno(err, 'EAGAIN') || isErrno(err, 'EWOULDBLOCK')) return undefined;
    throw err;
  }
  ftruncateSync(fd, 0); // no pid until the new sender writes its own
  return fd;
}

/** The sender says its pid once it handles SIGALRM (svnotify --flush sends it). */
export function announceSender(fd: number, pid: number): void {
  ftruncateSync(fd, 0);
  writeSync(fd, `${pid}\n`, 0);
}

export function releaseSender(fd: number): void {
  ftruncateSync(fd, 0);
  closeSync(fd);
}

/** The pid the current sender wrote, 0 when none (yet). */
export function senderPid(dir: string): number {
  return Number(readText(join(dir, 'sender')).trim()) || 0;
}
