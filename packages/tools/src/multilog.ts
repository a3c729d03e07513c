// multilog: reads a log on stdin and runs the script's actions on every line (docs/multilog.md).
import { errorKind, openLog, SvkitError, type Log } from '@svkit/core';
import { fstatSync, readSync } from 'node:fs';
import { Socket, type SocketConstructorOpts } from 'node:net';
import { runMain } from './_cli/run.ts';
import { warn, writeAll } from './_cli/stderr.ts';

const PROG = 'multilog';
const USAGE = 'multilog script';
const CHUNK = 64 * 1024;
/** After TERM, how long a directory that cannot be written is waited for before its lines are dropped. */
export const TERM_WAIT_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads one byte from fd 0, waiting while a non-blocking pipe is empty; 0 at end of input. */
async function readByte(buf: Buffer): Promise<number> {
  for (;;) {
    try {
      return readSync(0, buf, 0, 1, null);
    } catch (err) {
      if ((err as { code?: string }).code !== 'EAGAIN') return 0;
    }
    await sleep(10);
  }
}

/** Input from fd 0: a pipe is read through libuv (signals stay live), anything else with readSync. */
interface Input {
  start(onChunk: (b: Buffer) => boolean, onEnd: (err?: unknown) => void): void;
  pause(): void;
  resume(): void;
}

function pipeInput(): Input {
  let sock: Socket | undefined;
  return {
    start(onChunk, onEnd) {
      const buffer = Buffer.allocUnsafe(CHUNK);
      // onread: libuv reads into one reusable buffer, and pause() stops reading at once.
      const onread = { buffer, callback: (n: number, b: Buffer): boolean => onChunk(b.subarray(0, n)) };
      sock = new Socket({ fd: 0, readable: true, writable: false, onread } as SocketConstructorOpts);
      sock.on('end', () => onEnd());
      sock.on('error', (err) => onEnd(err));
    },
    pause: () => sock?.pause(),
    resume: () => sock?.resume(),
  };
}

function syncInput(): Input {
  let paused = false;
  let chunkFn: (b: Buffer) => boolean = () => true;
  let endFn: (err?: unknown) => void = () => {};
  const buffer = Buffer.allocUnsafe(CHUNK);
  const step = (): void => {
    if (paused) return;
    let n: number;
    try {
      n = readSync(0, buffer, 0, CHUNK, null);
    } catch (err) {
      endFn(err);
      return;
    }
    if (n === 0) return endFn();
    if (chunkFn(buffer.subarray(0, n))) setImmediate(step);
  };
  return {
    start(onChunk, onEnd) {
      chunkFn = onChunk;
      endFn = onEnd;
      setImmediate(step);
    },
    pause: () => { paused = true; },
    resume: () => {
      if (!paused) return;
      paused = false;
      setImmediate(step);
    },
  };
}

function isPipe(): boolean {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

export function main(args: string[]): Promise<number> {
  process.umask(0o022);
  let log: Log;
  try {
    log = openLog(args, { onWarning: (m) => warn(PROG, m), onAlert: (line) => writeAll(2, line) });
  } catch (err) {
    // A bad action: one line in the suite's grammar ("unable to parse action n-1: bad number"), exit 100.
    if (errorKind(err) === 'usage') throw new SvkitError('permanent', (err as Error).message);
    throw err;
  }
  const input = isPipe() ? pipeInput() : syncInput();
  return new Promise<number>((done) => {
    let stopping = false;
    let finished = false;
    // After TERM: a second TERM or TERM_WAIT_MS ends the wait for a directory that cannot be written.
    let force: () => void = () => {};
    const forced = new Promise<false>((r) => { force = () => r(false); });
    let forceTimer: NodeJS.Timeout | undefined;
    let said = false;
    /** True once nothing waits; false when the wait was cut short (TERM again, or the timeout). */
    const settle = async (): Promise<boolean> => {
      if (!log.paused) return true;
      if (!stopping) {
        await log.drained();
        return true;
      }
      if (!said) {
        said = true;
        warn(PROG, `unable to stop yet: waiting for ${log.waiting.join(', ')} (TERM again, or ${TERM_WAIT_MS / 1000} s, drops what is left)`);
      }
      return Promise.race([log.drained().then(() => true), forced]);
    };
    const finish = async (code: number, drop = false): Promise<void> => {
      if (finished) return;
      finished = true;
      input.pause();
      if (!drop) {
        log.end();
        await settle();
      }
      log.close();
      if (forceTimer !== undefined) clearTimeout(forceTimer);
      process.removeAllListeners('SIGALRM');
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGHUP');
      done(code);
    };
    // TERM (compat 7.8): finish the line in progress byte by byte, leave the rest in the pipe.
    const stop = async (): Promise<void> => {
      input.pause();
      forceTimer = setTimeout(force, TERM_WAIT_MS);
      if (!(await settle())) return finish(0, true);
      const one = Buffer.allocUnsafe(1);
      while (log.midLine && !finished) {
        if ((await readByte(one)) === 0) break;
        log.feed(one);
        if (!(await settle())) return finish(0, true);
      }
      await finish(0);
    };
    input.start(
      (chunk) => {
        log.feed(chunk);
        if (!log.paused) return true;
        input.pause();
        void log.drained().then(() => { if (!stopping) input.resume(); });
        return false;
      },
      (err) => {
        if (err !== undefined) warn(PROG, `unable to read input: ${(err as Error).message}`);
        void finish(err === undefined ? 0 : 111);
      },
    );
    process.on('SIGALRM', () => log.rotateAll());
    // svkit: HUP is ignored instead of killing multilog and leaving an unfinished current.
    process.on('SIGHUP', () => {});
    process.on('SIGTERM', () => {
      if (stopping) return force();
      stopping = true;
      void stop();
    });
  });
}

runMain(import.meta.url, {
  prog: PROG,
  usage: USAGE,
  summary: 'writes its input to rotated, size-capped log directories',
  details: '  script  actions, one argument each, in order: t (TAI64N stamps, first only), +PATTERN,\n          -PATTERN, e (copy to stderr), =FILE (status), sSIZE, nNUM, !PROCESSOR,\n          ./DIR or /DIR (a log directory)',
  main,
});
