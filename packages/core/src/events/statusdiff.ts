// Events from supervise/status alone, for a dir whose supervisor writes no events file (real
// daemontools supervise, runit runsv, or a svkit older than the events file): a new pid is a
// start, a pid gone is an exit, a changed wish is an up/down/once command. Each carries
// `from: "status"` so a reader can tell a derived event from a journaled one.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { unpackStatus, type Status } from '../formats/status.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { makeEvent, type ServiceEvent } from './event.ts';

/** supervise/status of a service dir, or undefined (absent, not regular, too short). */
export async function readStatusFile(serviceDir: string): Promise<Status | undefined> {
  let fh;
  try {
    fh = await open(join(serviceDir, SERVICE.status), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!(await fh.stat()).isFile()) return undefined;
    const buf = Buffer.alloc(64);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return unpackStatus(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The events that take a reader from status `was` to `now`, in the order they happened. */
export function statusEvents(service: string, was: Status | undefined, now: Status): ServiceEvent[] {
  const out: ServiceEvent[] = [];
  const from = { from: 'status' };
  if (was !== undefined && was.want !== now.want) out.push(makeEvent(now.want, service, now.pid, from));
  const before = was?.pid ?? 0;
  if (before !== 0 && before !== now.pid) out.push(makeEvent('exit', service, before, from));
  if (now.pid !== 0 && now.pid !== before) out.push(makeEvent('start', service, now.pid, { ...from, what: now.runit?.state === 'finish' ? 'finish' : 'run' }));
  return out;
}
