// The short-lived descriptors of many services, a few at a time: reads of service-dir files,
// status, stat, pid and health writes. 100 services starting at once would otherwise hold
// hundreds of descriptors in the same instant, and under a tight RLIMIT_NOFILE that burst is
// what runs out (see scan/fdbudget.ts). An op must not queue another op inside it.

/** At most this many queued ops hold a descriptor at once (libuv's thread pool has 4 threads). */
const CONCURRENCY = 4;

let running = 0;
const waiting: (() => void)[] = [];
/** Ops that yield: each waits until no other op is waiting (notify hooks' look-ups). */
const yielding: (() => void)[] = [];

/**
 * Runs op when a slot is free; resolves or rejects as op does. With yieldTo, every other op
 * waiting goes first (a hook never delays supervision: svscan's stop writes the last status of
 * every service before the hooks of its events are looked up).
 */
export async function queuedFdOp<T>(op: () => Promise<T>, yieldTo = false): Promise<T> {
  if (running >= CONCURRENCY || (yieldTo && waiting.length > 0)) await new Promise<void>((resolve) => (yieldTo ? yielding : waiting).push(resolve));
  running++;
  try {
    return await op();
  } finally {
    running--;
    (waiting.shift() ?? yielding.shift())?.();
  }
}
