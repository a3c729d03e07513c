// s6's readiness protocol: run gets the write end of a pipe as fd N (notification-fd) and is
// ready when it writes a newline there; anything before the newline is ignored, and the
// supervisor stops reading and closes its end after it. EOF before a newline: never ready.
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { sys } from '../os/sys.ts';

export class ReadinessPipe {
  private reader: Socket | undefined;
  private writeFd: number;
  private readFd: number;
  private done = false;

  /** Throws the system error (EMFILE...) when no pipe can be made. */
  readonly fd: number;
  constructor(fd: number) {
    this.fd = fd;
    [this.readFd, this.writeFd] = sys().pipe(true);
  }

  /** What spawnChild passes on: the write end as fd N. */
  extraFds(): [number, number][] {
    return [[this.writeFd, this.fd]];
  }

  /** After the spawn: the child holds the write end; calls onReady once, on the first newline. */
  watch(onReady: () => void): void {
    this.closeWriter();
    this.reader = new Socket({ fd: this.readFd, readable: true, writable: false });
    this.readFd = -1;
    this.reader.on('data', (chunk: Buffer) => {
      if (this.done || !chunk.includes(0x0a)) return;
      this.close();
      onReady();
    });
    this.reader.on('error', () => this.close());
    this.reader.on('end', () => this.close());
  }

  close(): void {
    this.done = true;
    this.closeWriter();
    if (this.readFd >= 0) closeQuietly(this.readFd);
    this.readFd = -1;
    this.reader?.destroy();
    this.reader = undefined;
  }

  private closeWriter(): void {
    if (this.writeFd >= 0) closeQuietly(this.writeFd);
    this.writeFd = -1;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd); // sync-ok: our own descriptor
  } catch {
    // already closed
  }
}
