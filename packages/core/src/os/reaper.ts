// Reaps orphans reparented to this process (svscan as PID 1 or a subreaper), never a child
// someone here owns (owned.ts): on SIGCHLD, and on a slow tick for an orphan that sat behind an
// owned zombie (waitid P_ALL peeks at one zombie at a time).
import { ownedPids } from './owned.ts';
import { sys } from './sys.ts';

/** Reaps per pass: a thousand orphans at once are taken in slices, so timers and I/O run between. */
const SLICE = 128;
/** The tick for an orphan queued behind an owned zombie whose owner has not reaped it yet. */
const TICK_MS = 200;

export interface OrphanReaper {
  /** How many orphans were reaped so far. */
  readonly reaped: () => number;
  stop(): void;
}

export type ReaperMode = 'pid1' | 'subreaper' | 'off';

/** PID 1 always reaps; otherwise only when asked (SVKIT_SUBREAPER=1), as the parent may reap itself. */
export function reaperMode(env: NodeJS.ProcessEnv = process.env): ReaperMode {
  if (process.pid === 1) return 'pid1';
  return env['SVKIT_SUBREAPER'] === '1' ? 'subreaper' : 'off';
}

export function startOrphanReaper(mode: ReaperMode): OrphanReaper | undefined {
  if (mode === 'off') return undefined;
  if (mode === 'subreaper') sys().subreaper();
  let total = 0;
  let queued = false;
  const pass = (): void => {
    queued = false;
    const [n, blocked] = sys().reapOrphans(ownedPids(), SLICE);
    total += n;
    // A full slice: more may wait; the rest after the event loop has had its turn.
    if (blocked === 2) schedule();
  };
  const schedule = (): void => {
    if (queued) return;
    queued = true;
    setImmediate(pass);
  };
  process.on('SIGCHLD', schedule);
  const tick = setInterval(schedule, TICK_MS);
  tick.unref();
  schedule();
  return {
    reaped: () => total,
    stop: () => {
      process.removeListener('SIGCHLD', schedule);
      clearInterval(tick);
    },
  };
}
