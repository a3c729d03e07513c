// TAI64N stamps in the daemontools convention: label = 2^62 + 10 + unix seconds,
// nanoseconds = microseconds * 1000 + 500 (every 0.76 stamp ends in ...500).

/** A TAI64N instant: seconds as the full 64-bit label, nanoseconds below 10^9. */
export interface Tai64n {
  readonly seconds: bigint;
  readonly nano: number;
}

export const TAI_OFFSET = (1n << 62n) + 10n;

let anchorWallMs = Date.now();
let anchorHr = process.hrtime.bigint();

/** Wall-clock microseconds since the epoch: Date.now() refined by the monotonic clock. */
export function nowMicros(): bigint {
  const hr = process.hrtime.bigint();
  const wall = Date.now();
  let micros = BigInt(anchorWallMs) * 1000n + (hr - anchorHr) / 1000n;
  // Re-anchor when the wall clock was stepped or the estimate drifted past a millisecond.
  const drift = micros - BigInt(wall) * 1000n;
  if (drift < -1000n || drift > 1000n) {
    anchorWallMs = wall;
    anchorHr = hr;
    micros = BigInt(wall) * 1000n;
  }
  return micros;
}

/** The stamp of a moment given in microseconds since the epoch (default: now). */
export function tai64nAt(micros: bigint = nowMicros()): Tai64n {
  return { seconds: TAI_OFFSET + micros / 1000000n, nano: Number(micros % 1000000n) * 1000 + 500 };
}

/** Unix seconds of a stamp (may be negative for absurd labels). */
export function unixSeconds(t: Tai64n): bigint {
  return t.seconds - TAI_OFFSET;
}

/** 12 bytes: big-endian 64-bit label, then big-endian 32-bit nanoseconds. */
export function packTai64n(t: Tai64n, into: Uint8Array = new Uint8Array(12), at = 0): Uint8Array {
  const view = new DataView(into.buffer, into.byteOffset, into.byteLength);
  view.setBigUint64(at, t.seconds);
  view.setUint32(at + 8, t.nano);
  return into;
}

export function unpackTai64n(bytes: Uint8Array, at = 0): Tai64n {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { seconds: view.getBigUint64(at), nano: view.getUint32(at + 8) };
}

/** 24 lowercase hex digits, without the leading '@'. */
export function formatTai64n(t: Tai64n): string {
  return t.seconds.toString(16).padStart(16, '0') + t.nano.toString(16).padStart(8, '0');
}

/** Parses exactly 24 hex digits; undefined for anything else. */
export function parseTai64n(hex: string): Tai64n | undefined {
  if (!/^[0-9a-f]{24}$/.test(hex)) return undefined;
  return { seconds: BigInt('0x' + hex.slice(0, 16)), nano: parseInt(hex.slice(16), 16) };
}

const HEX_DIGITS = 24;

function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/**
 * Local time of a stamp as tai64nlocal prints it, `YYYY-MM-DD HH:MM:SS.nnnnnnnnn`, using the
 * TZ environment through Date. Undefined when the label is outside Date's range. Leap seconds
 * are not applied (0.76 under a non-`right/` zone does the same).
 */
export function formatTai64nLocal(t: Tai64n): string | undefined {
  const unix = unixSeconds(t);
  if (unix > 8_000_000_000_000n || unix < -8_000_000_000_000n || t.nano > 999_999_999) return undefined;
  const d = new Date(Number(unix) * 1000);
  const year = d.getFullYear();
  if (year < 0 || year > 9999) return undefined;
  return `${String(year).padStart(4, '0')}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(t.nano).padStart(9, '0')}`;
}

/**
 * Reads the stamp at the start of a log line: `@` then exactly 24 lowercase hex digits.
 * Returns the stamp and the index just past it, or undefined for anything else.
 */
export function parseTai64nLabel(line: Uint8Array, at = 0): { stamp: Tai64n; end: number } | undefined {
  if (line[at] !== 0x40) return undefined;
  let i = at + 1;
  while (i < line.length && isLowerHex(line[i] as number)) i++;
  if (i - at - 1 !== HEX_DIGITS) return undefined;
  const hex = Buffer.from(line.buffer, line.byteOffset + at + 1, HEX_DIGITS).toString('latin1');
  const stamp = parseTai64n(hex);
  return stamp === undefined ? undefined : { stamp, end: i };
}

function isLowerHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
}

/** The 26 bytes tai64n and `multilog t` put before a line: `@`, 24 hex digits, a space. */
export function formatStampPrefix(t: Tai64n = tai64nAt()): string {
  return '@' + formatTai64n(t) + ' ';
}
