// The three ways svnotify runs. A hook run (one per event) appends the event to the spool and,
// when no sender is at work, becomes the sender of a new batch: with a batch window it hands the
// sender lock to a detached process of its own session (so the hook returns at once and outlives
// nothing of svscan's), which waits out the window, sends one message per destination and exits;
// without a window it sends in the foreground. A sender that finds new events after letting go
// of the lock starts the next batch, so an event appended while a sender was at work is never
// left without one. `--flush` closes the current window at once.
import { closeSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceEvent } from '../events/event.ts';
import { SvkitError } from '../formats/errors.ts';
import type { NotifyConfig } from './config.ts';
import { deliverPending, destinations, type Delivery } from './deliver.ts';
import { wanted } from './filter.ts';
import { announceSender, appendEvent, hasEvents, makeSpool, releaseSender, senderPid, takeBatch, tryLockSender } from './spool.ts';

export interface RunDeps {
  readonly host: string;
  readonly userAgent: string;
  /** Starts a detached sender that inherits LOCKFD (the sender lock) as its fd 3. */
  readonly startSender: (lockFd: number) => void;
}

export type HookOutcome =
  | { readonly kind: 'filtered' }
  | { readonly kind: 'queued'; readonly dropped: boolean; readonly sender: 'at work' | 'started' }
  | { readonly kind: 'sent'; readonly dropped: boolean; readonly delivery: Delivery };

export async function hookRun(cfg: NotifyConfig, event: ServiceEvent, deps: RunDeps): Promise<HookOutcome> {
  if (!wanted(cfg.only, event)) return { kind: 'filtered' };
  makeSpool(cfg.spool);
  const dropped = appendEvent(cfg.spool, event) === 'dropped';
  const fd = tryLockSender(cfg.spool);
  if (fd === undefined) return { kind: 'queued', dropped, sender: 'at work' };
  if (cfg.batch > 0) {
    handOver(fd, deps);
    return { kind: 'queued', dropped, sender: 'started' };
  }
  return { kind: 'sent', dropped, delivery: await sendBatch(cfg, fd, deps) };
}

function handOver(fd: number, deps: RunDeps): void {
  try {
    deps.startSender(fd);
  } finally {
    closeSync(fd); // the lock lives on in the sender's copy of the descriptor
  }
}

/** One batch by the holder of the sender lock (fd): take the events, deliver, let go. */
export async function sendBatch(cfg: NotifyConfig, fd: number, deps: RunDeps): Promise<Delivery> {
  try {
    takeBatch(cfg.spool, destinations(cfg));
    return await deliverPending(cfg, deps.host, deps.userAgent);
  } finally {
    releaseSender(fd);
    // Events appended while the lock was held found a sender at work: they get the next batch.
    if (hasEvents(cfg.spool)) {
      const next = tryLockSender(cfg.spool);
      if (next !== undefined) handOver(next, deps);
    }
  }
}

/** The detached sender: waits out the window (or until flush resolves), then sends the batch. */
export async function senderRun(cfg: NotifyConfig, fd: number, flush: Promise<void>, deps: RunDeps): Promise<Delivery> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([flush, new Promise<void>((resolve) => { timer = setTimeout(resolve, cfg.batch * 1000); })]);
  clearTimeout(timer);
  return sendBatch(cfg, fd, deps);
}

export type FlushOutcome =
  | { readonly kind: 'signalled'; readonly pid: number }
  | { readonly kind: 'sent'; readonly delivery: Delivery };

/** A svnotify process: its command line names it (a pid file can outlive its process). */
function isSvnotify(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('svnotify');
  } catch {
    return false;
  }
}

/** Sends what waits now: the sender at work is told to end its window (ALRM), or we send ourselves (the caller must handle ALRM). */
export async function flushRun(cfg: NotifyConfig, deps: RunDeps, waitMs = 20_000): Promise<FlushOutcome> {
  makeSpool(cfg.spool);
  const until = Date.now() + waitMs;
  for (;;) {
    const fd = tryLockSender(cfg.spool);
    if (fd !== undefined) {
      announceSender(fd, process.pid); // the caller ignores ALRM
      return { kind: 'sent', delivery: await sendBatch(cfg, fd, deps) };
    }
    // A sender just started writes its pid once it handles ALRM.
    const pid = senderPid(cfg.spool);
    if (pid !== 0 && isSvnotify(pid)) {
      process.kill(pid, 'SIGALRM');
      return { kind: 'signalled', pid };
    }
    if (Date.now() > until) throw new SvkitError('temporary', `unable to flush ${cfg.spool}: the sender at work never wrote its pid`);
    await sleep(20);
  }
}
