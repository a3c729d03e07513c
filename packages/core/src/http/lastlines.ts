// svstat's lastLines for svhttp: the in-process log's last lines (log/tail.ts's rule), read
// asynchronously and again only when stat(2) says log/multilog or the `current` it names changed.
// A log is written all the time, so it is not watched: two stats per request instead, and only
// for services that have exited once (lastLines is asked for no other).
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { firstLogDir, lastLinesOf, SCRIPT_CAP, TAIL_BYTES } from '../log/tail.ts';
import { queuedFdOp } from '../os/fdqueue.ts';
import { readServiceFile } from '../os/servicefile.ts';

const LINES = 3;

async function signature(path: string): Promise<string> {
  return stat(path, { bigint: true }).then((s) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`, () => '-');
}

/** The last TAIL_BYTES of a regular file PATH, opened non-blocking; undefined if not one. */
function readTail(path: string): Promise<string | undefined> {
  return queuedFdOp(async () => {
    const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      const st = await fh.stat();
      if (!st.isFile()) return undefined;
      const len = Math.min(st.size, TAIL_BYTES);
      const buf = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(buf, got, len - got, st.size - len + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got).toString('utf8');
    } finally {
      await fh.close();
    }
  }).catch(() => undefined);
}

export class LastLines {
  private readonly dir: string;
  private scriptSig: string | undefined;
  private first: string | undefined;
  private tailSig: string | undefined;
  private lines: string[] = [];
  /** One refresh at a time, so an older read never overwrites a newer one. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string) {
    this.dir = dir;
  }

  get(): Promise<string[]> {
    const next = this.queue.then(() => this.refresh());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async refresh(): Promise<string[]> {
    const script = join(this.dir, 'log', 'multilog');
    const s1 = await signature(script);
    if (s1 !== this.scriptSig) {
      const f = await readServiceFile(script, SCRIPT_CAP).catch(() => undefined);
      this.first = f?.kind === 'ok' ? firstLogDir(f.data.toString('utf8')) : undefined;
      this.scriptSig = s1;
      this.tailSig = undefined;
    }
    if (this.first === undefined) return [];
    const current = join(this.dir, 'log', this.first, 'current');
    const s2 = await signature(current);
    if (s2 !== this.tailSig) {
      const tail = await readTail(current);
      this.lines = tail === undefined ? [] : lastLinesOf(tail, LINES);
      this.tailSig = s2;
    }
    return this.lines;
  }
}
