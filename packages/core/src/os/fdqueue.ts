// The short-lived descriptors of many services, a few at a time: reads of service-dir files,
// status, stat, pid and health writes. 100 services starting at once would otherwise hold
// hundreds of descriptors in the same instant, and under a tight RLIMIT_NOFILE that burst is
// what runs out (see scan/fdbudget.ts). An op must not queue another op inside it.

/** At most this many queued ops hold a descriptor at once (libuv's thread pool has 4 threads). */
const CONCURRENCY = 4;

let running = 0;
const waiting: (() => void)[] = [];

/** Runs op when a slot is free; resolves or rejects as op does. */
export async function queuedFdOp<T>(op: () => Promise<T>): Promise<T> {
  if (running >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await op();
  } finally {
    running--;
    waiting.shift()?.();
  }
}
