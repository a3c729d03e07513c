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
