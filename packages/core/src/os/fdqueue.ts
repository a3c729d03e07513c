// Background file writes of many services, a few at a time: 100 services starting at once
// would otherwise hold 100 descriptors for their stat and pid files in the same instant,
// and under a tight RLIMIT_NOFILE that burst is what runs out (see scan/fdbudget.ts).

/** At most this many queued writes hold a descriptor at once. */
const CONCURRENCY = 4;

let running = 0;
const waiting: (() => void)[] = [];

/** Runs op when a slot is free; resolves or rejects as op does. */
export async function queuedWrite<T>(op: () => Promise<T>): Promise<T> {
  if (running >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await op();
  } finally {
    running--;
    waiting.shift()?.();
  }
}
