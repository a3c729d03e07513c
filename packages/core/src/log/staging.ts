// Per-directory output staging that reproduces 0.76's write chunks (a 512-byte buffer flushed
// before every 1024-byte read), so rotation points match real multilog byte for byte.
import { chunkLength, rotateAfter } from './rotation.ts';

/** Size of multilog's per-directory output buffer; larger puts bypass it in 8192-byte writes. */
const BUF = 512;
const OUTSIZE = 8192;
const POOL = 256 * 1024;

/** Where staged bytes go: physical writes and rotations, in order. */
export interface StagingSink {
  write(data: Buffer): void;
  rotate(): void;
}

/**
 * Bytes are appended to a pool, then accounted with put/putBytes exactly as multilog's buffer
 * would write them; each simulated write decides rotation. Physical writes are coalesced: one
 * per rotation point and one at the end of each input chunk.
 */
export class Staging {
  /** Bytes in `current` as multilog counts them (staged ones included). */
  bytes: number;
  /** Every byte ever appended: the output offset a line ends at (the sink gets them in order). */
  appended = 0;
  private readonly size: number;
  private readonly sink: StagingSink;
  private pool = Buffer.allocUnsafe(POOL);
  private pos = 0;
  private seg = 0;
  private p = 0;

  constructor(size: number, bytes: number, sink: StagingSink) {
    this.size = size;
    this.bytes = bytes;
    this.sink = sink;
  }

  /** Makes room for n more bytes of one put, keeping the unflushed buffer contiguous. */
  reserve(n: number): void {
    if (this.pos + n <= this.pool.length) return;
    const keep = this.pos - this.p;
    if (keep > this.seg) this.sink.write(this.pool.subarray(this.seg, keep));
    const next = Buffer.allocUnsafe(Math.max(POOL, n + BUF));
    this.pool.copy(next, 0, keep, this.pos);
    this.pool = next;
    this.pos = this.p;
    this.seg = 0;
  }

  append(src: Buffer, start: number, end: number): void {
    const n = src.copy(this.pool, this.pos, start, end);
    this.pos += n;
    this.appended += n;
  }

  appendByte(b: number): void {
    this.pool[this.pos++] = b;
    this.appended++;
  }

  /** Accounts the last n appended bytes as one buffer_put. */
  put(n: number): void {
    if (n <= BUF - this.p) {
      this.p += n;
      return;
    }
    let s = this.pos - n;
    this.writeAll(s - this.p, s);
    this.p = 0;
    while (this.pos - s > BUF) {
      const c = Math.min(OUTSIZE, this.pos - s);
      this.writeAll(s, s + c);
      s += c;
    }
    this.p = this.pos - s;
  }

  /** Accounts the last n appended bytes as n one-byte puts (the part of a line past 1000 bytes). */
  putBytes(n: number): void {
    let s = this.pos - n;
    while (s < this.pos) {
      if (this.p === BUF) {
        this.writeAll(s - BUF, s);
        this.p = 0;
      }
      const take = Math.min(BUF - this.p, this.pos - s);
      this.p += take;
      s += take;
    }
  }

  /** The flush multilog does before each read. */
  flush(): void {
    if (this.p === 0) return;
    this.writeAll(this.pos - this.p, this.pos);
    this.p = 0;
  }

  /** End of an input chunk: flush and hand every staged byte to the sink. */
  endChunk(): void {
    this.flush();
    if (this.pos > this.seg) this.sink.write(this.pool.subarray(this.seg, this.pos));
    this.seg = this.pos;
  }

  /** Forgets the pool's contents once the sink has consumed every write (no reference left). */
  reset(): void {
    if (this.p === 0 && this.seg === this.pos) this.pos = this.seg = 0;
  }

  /** Forced rotation (ALRM): only a non-empty `current` is rotated. */
  rotateNow(): boolean {
    this.endChunk();
    if (this.bytes === 0) return false;
    this.rotateAt(this.pos);
    return true;
  }

  private writeAll(s: number, e: number): void {
    while (s < e) {
      if (this.bytes >= this.size) this.rotateAt(s);
      const len = chunkLength(this.bytes, this.size, this.pool, s, e);
      this.bytes += len;
      s += len;
      if (rotateAfter(this.bytes, this.size, this.pool[s - 1])) this.rotateAt(s);
    }
  }

  private rotateAt(q: number): void {
    if (q > this.seg) this.sink.write(this.pool.subarray(this.seg, q));
    this.seg = q;
    this.bytes = 0;
    this.sink.rotate();
  }
}
