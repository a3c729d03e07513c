// supervise/status: 20-byte runit form, whose first 18 bytes are daemontools' record.
//  0-11 TAI64N stamp (big-endian)   12-15 pid (little-endian)   16 paused   17 want
//  18 TERM sent (runit)             19 state: 0 down, 1 run, 2 finish (runit)
import { closeSync, constants, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { packTai64n, unpackTai64n, type Tai64n } from './tai64n.ts';
import { SERVICE } from './servicedir.ts';

/** up = 'u', down = 'd', once = 0x00 ("no wish": run now, never restart). */
export type Want = 'up' | 'down' | 'once';
export type RunState = 'down' | 'run' | 'finish';

export interface Status {
  readonly stamp: Tai64n;
  readonly pid: number;
  readonly paused: boolean;
  readonly want: Want;
  /** runit's two extra bytes; absent in an 18-byte daemontools file. */
  readonly runit?: { readonly termSent: boolean; readonly state: RunState };
}

export const STATUS_SIZE = 20;
export const DAEMONTOOLS_STATUS_SIZE = 18;
const STATES: readonly RunState[] = ['down', 'run', 'finish'];

export function packStatus(s: Status): Uint8Array {
  const out = new Uint8Array(STATUS_SIZE);
  packTai64n(s.stamp, out, 0);
  new DataView(out.buffer).setUint32(12, s.pid, true);
  out[16] = s.paused && s.pid !== 0 ? 1 : 0;
  out[17] = wantByte(s.want);
  out[18] = s.runit?.termSent === true ? 1 : 0;
  out[19] = STATES.indexOf(stateOf(s));
  return out;
}

/** Whether A and B pack to the same bytes, without packing them (a status is compared at every write). */
export function sameStatus(a: Status, b: Status): boolean {
  return a.pid === b.pid && a.stamp.nano === b.stamp.nano && a.stamp.seconds === b.stamp.seconds &&
    (a.paused && a.pid !== 0) === (b.paused && b.pid !== 0) && wantByte(a.want) === wantByte(b.want) &&
    (a.runit?.termSent === true) === (b.runit?.termSent === true) && stateOf(a) === stateOf(b);
}

function wantByte(w: Want): number {
  return w === 'up' ? 0x75 : w === 'down' ? 0x64 : 0;
}

function stateOf(s: Status): RunState {
  return s.runit?.state ?? (s.pid === 0 ? 'down' : 'run');
}

/** Decodes 18 (daemontools) or 20+ (runit) bytes; undefined when fewer than 18 ("bad format"). */
export function unpackStatus(bytes: Uint8Array): Status | undefined {
  if (bytes.length < DAEMONTOOLS_STATUS_SIZE) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wantByte = bytes[17];
  const base = {
    stamp: unpackTai64n(bytes, 0),
    pid: view.getUint32(12, true),
    paused: bytes[16] !== 0,
    want: wantByte === 0x75 ? 'up' : wantByte === 0x64 ? 'down' : 'once',
  } as const;
  if (bytes.length < STATUS_SIZE) return base;
  const state = STATES[bytes[19] ?? 0] ?? 'down';
  return { ...base, runit: { termSent: bytes[18] !== 0, state } };
}

/** runit's supervise/stat line: "run", "down, want up", "run, paused, got TERM, want down". */
export function formatStat(s: Status): string {
  const state = s.runit?.state ?? (s.pid === 0 ? 'down' : 'run');
  let line = state;
  if (s.paused && s.pid !== 0) line += ', paused';
  if (s.runit?.termSent === true) line += ', got TERM';
  if (state === 'down' && s.want === 'up') line += ', want up';
  if (state !== 'down' && s.want === 'down') line += ', want down';
  return line + '\n';
}

/** Writes status as status.new then rename, as daemontools and runit do; skipped if unchanged. */
export function writeStatus(dir: string, s: Status, previous?: Status): void {
  // Nothing changed since the last write: readers would see the same bytes.
  if (previous !== undefined && sameStatus(s, previous)) return;
  const bytes = packStatus(s);
  // O_NONBLOCK: a FIFO someone put at status.new fails (ENXIO) instead of blocking the open.
  const { O_WRONLY, O_CREAT, O_TRUNC, O_NONBLOCK } = constants;
  const fd = openSync(join(dir, SERVICE.statusNew), O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK, 0o644); // sync-ok: the status protocol is written in order, on a file opened non-blocking
  try {
    writeSync(fd, bytes); // sync-ok: 20 bytes to the file just opened
  } finally {
    closeSync(fd); // sync-ok: our own descriptor
  }
  renameSync(join(dir, SERVICE.statusNew), join(dir, SERVICE.status)); // sync-ok: metadata of the engine's own file
}
