// The supervise/ directory of an in-process log (S/log/multilog): the log has no process of
// its own, but `sv status`, `svstat S/log`, `svok` and svtop should see it as they see a
// log/run logger. So S/log/supervise/ gets the lock, the ok and control FIFOs and a status
// naming svscan's pid (the process that writes the log) while the engine runs; commands sent
// to it are read and ignored: the in-process log goes and comes with its service.
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { lockSuperviseDir, openControl, openOk } from '../supervise/supervisedir.ts';
import { writeStatus, type Status } from '../formats/status.ts';
import { writeRunitFiles } from '../supervise/runitfiles.ts';
import { tai64nAt } from '../formats/tai64n.ts';

export class InProcessLogFace {
  private readonly cwd: string;
  private lockFd: number;
  private fds: number[] = [];
  private control: Socket | undefined;
  private written: Status | undefined;

  /** Takes CWD/supervise (CWD: the log dir, absolute; DIR: its name in messages). Throws SvkitError. */
  constructor(cwd: string, dir: string) {
    this.cwd = cwd;
    this.lockFd = lockSuperviseDir(cwd, dir);
    try {
      const control = openControl(cwd);
      this.fds.push(control.write, openOk(cwd));
      this.control = new Socket({ fd: control.read, readable: true, writable: false });
      this.control.on('data', () => {}); // svc's bytes: drained, not acted on
      this.control.on('error', () => {});
      this.put({ stamp: tai64nAt(), pid: process.pid, paused: false, want: 'up', runit: { termSent: false, state: 'run' } });
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private put(s: Status): void {
    writeStatus(this.cwd, s, this.written);
    const before = this.written;
    this.written = s;
    void writeRunitFiles(this.cwd, s, before).catch(() => {});
  }

  /** The log stopped with its service: status down, FIFOs and lock let go. */
  close(): void {
    if (this.lockFd < 0) return;
    try {
      if (this.written !== undefined) this.put({ stamp: tai64nAt(), pid: 0, paused: false, want: 'down', runit: { termSent: false, state: 'down' } });
    } catch {
      // the directory went away with the service
    }
    this.control?.destroy();
    this.control = undefined;
    for (const fd of this.fds) {
      try {
        closeSync(fd); // sync-ok: our own descriptor
      } catch {
        // already closed
      }
    }
    this.fds = [];
    closeSync(this.lockFd); // sync-ok: our own descriptor
    this.lockFd = -1;
  }
}
