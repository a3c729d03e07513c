// tai64nlocal: rewrites a leading TAI64N stamp of each line as local time (docs/tai64nlocal.md).
import { formatTai64nLocal, parseTai64nLabel } from '@svkit/core';
import { readSync, writeSync } from 'node:fs';
import { runMain } from './_cli/run.ts';

const PROG = 'tai64nlocal';
const USAGE = 'tai64nlocal';
const CHUNK = 64 * 1024;
const NL = 0x0a;
const AT = 0x40;
/** `@`, 24 hex digits and the byte after them decide whether a line starts with a stamp. */
const HEAD = 26;
const nap = new Int32Array(new SharedArrayBuffer(4));

/** Converts a line head (at most HEAD bytes, or fewer at a newline or end of input). */
export function convertHead(head: Buffer): Buffer {
  const p = parseTai64nLabel(head);
  const local = p === undefined ? undefined : formatTai64nLocal(p.stamp);
  // A malformed or absurd stamp is copied unchanged (0.76 crashes on it).
  if (p === undefined || local === undefined) return head;
  return Buffer.concat([Buffer.from(local, 'latin1'), head.subarray(p.end)]);
}

/** Streaming state: inside a line we pass bytes through; at a line start we collect its head. */
export class LocalConverter {
  private head: Buffer[] = [];
  private headLen = 0;
  private mode: 'start' | 'head' | 'body' = 'start';

  push(chunk: Buffer, out: Buffer[]): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.mode === 'start') this.mode = chunk[i] === AT ? 'head' : 'body';
      const nl = chunk.indexOf(NL, i);
      const stop = nl === -1 ? chunk.length : nl + 1;
      if (this.mode === 'body') {
        out.push(chunk.subarray(i, stop));
        i = stop;
      } else {
        const take = Math.min(stop, i + HEAD - this.headLen);
        // Copied: the caller reuses its read buffer.
        this.head.push(Buffer.from(chunk.subarray(i, take)));
        this.headLen += take - i;
        i = take;
        if (this.headLen < HEAD && take !== nl + 1) continue;
        out.push(convertHead(Buffer.concat(this.head)));
        this.head = [];
        this.headLen = 0;
        this.mode = 'body';
      }
      if (i === nl + 1) this.mode = 'start';
    }
  }

  end(out: Buffer[]): void {
    if (this.headLen > 0) out.push(convertHead(Buffer.concat(this.head)));
    this.head = [];
    this.headLen = 0;
  }
}

function retry<T>(fn: () => T): T {
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if ((err as { code?: string }).code !== 'EAGAIN') throw err;
      Atomics.wait(nap, 0, 0, 10);
    }
  }
}

function writeOut(parts: Buffer[]): void {
  const buf = Buffer.concat(parts);
  let off = 0;
  while (off < buf.length) off += retry(() => writeSync(1, buf, off));
}

export function main(): number {
  const buf = Buffer.allocUnsafe(CHUNK);
  const conv = new LocalConverter();
  try {
    for (;;) {
      const n = retry(() => readSync(0, buf, 0, CHUNK, null));
      const out: Buffer[] = [];
      if (n === 0) {
        conv.end(out);
        writeOut(out);
        return 0;
      }
      conv.push(buf.subarray(0, n), out);
      writeOut(out);
    }
  } catch {
    return 111;
  }
}

runMain(import.meta.url, {
  prog: PROG,
  usage: USAGE,
  summary: 'rewrites a leading TAI64N timestamp of each line as local time',
  main,
});
