// The API's view of services: exactly svstat --json's objects (docs/svstat.md), read from the
// on-disk contract only, so it also serves dirs run by daemontools' supervise or runsv.
import { inspectService } from '../supervise/inspect.ts';
import { toJsonStatus, type JsonStatus } from '../supervise/report.ts';
import { readHealthFile, toJsonHealth, type JsonHealth } from '../supervise/healthview.ts';
import { inProcessLogTail } from '../log/tail.ts';
import { join } from 'node:path';

export type ServiceJson = JsonStatus & JsonHealth & { readonly lastLines: string[] | null };

/** svstat --json's object for SCANDIR/NAME, `dir` being NAME. */
export function serviceJson(scandir: string, name: string, nowMs = Date.now()): ServiceJson {
  const dir = join(scandir, name);
  // Client-side readers: each reads a few small files of supervise/, non-blocking opens.
  const ins = inspectService(dir);
  const health = ins.kind === 'status' ? readHealthFile(dir) : undefined;
  const tail = health?.lastExit ? inProcessLogTail(dir) : [];
  return { ...toJsonStatus(name, ins, Math.floor(nowMs / 1000)), ...toJsonHealth(ins, health, nowMs), lastLines: tail.length > 0 ? tail : null };
}
