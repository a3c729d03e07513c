// tai64n: puts a TAI64N stamp (the time its first byte was read) before every line (docs/tai64n.md).
import { formatStampPrefix } from '@svkit/core';
import { readSync, writeSync } from 'node:fs';
import { runMain } from './_cli/run.ts';

const PROG = 'tai64n';
const USAGE = 'tai64n';
const CHUNK = 64 * 1024;
const NL = 0x0a;
const nap = new Int32Array(new SharedArrayBuffer(4));

/** read(2) on fd 0, waiting out EAGAIN from a non-blocking pipe. */
function readChunk(buf: Buffer): number {
  for (;;) {
    try {
      return readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EAGAIN') throw err;
      Atomics.wait(nap, 0, 0, 10);
    }
  }
}

function writeOut(buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EAGAIN') throw err;
      Atomics.wait(nap, 0, 0, 10);
    }
  }
}

/** One stamp per read: every line starting in this chunk began when it was read. */
export function stampChunk(chunk: Buffer, atLineStart: boolean, stamp: Buffer): { out: Buffer; atLineStart: boolean } {
  const parts: Buffer[] = [];
  let i = 0;
  let start = atLineStart;
  while (i < chunk.length) {
    if (start) parts.push(stamp);
    const nl = chunk.indexOf(NL, i);
    const stop = nl === -1 ? chunk.length : nl + 1;
    parts.push(chunk.subarray(i, stop));
    start = nl !== -1;
    i = stop;
  }
  return { out: Buffer.concat(parts), atLineStart: start };
}

export function main(): number {
  const buf = Buffer.allocUnsafe(CHUNK);
  let atLineStart = true;
  try {
    for (;;) {
      const n = readChunk(buf);
      if (n === 0) return 0;
      const r = stampChunk(buf.subarray(0, n), atLineStart, Buffer.from(formatStampPrefix(), 'latin1'));
      atLineStart = r.atLineStart;
      // Written before the next read, so a slow producer's lines show up at once.
      writeOut(r.out);
    }
  } catch {
    // 0.76 exits 111 without a message on a read or write error.
    return 111;
  }
}

runMain(import.meta.url, {
  prog: PROG,
  usage: USAGE,
  summary: 'puts a TAI64N timestamp before each line of its input',
  main,
});
