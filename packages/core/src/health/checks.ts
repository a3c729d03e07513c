// The three health checks, each asynchronous with its own timeout: a TCP connect, an HTTP GET
// (2xx/3xx is healthy) and health/check, a child in its own process group whose output is
// kept up to a cap (the rest is read and dropped, so a chatty check never blocks on its pipe).
import { closeSync, openSync } from 'node:fs';
import { request } from 'node:http';
import { connect, Socket } from 'node:net';
import { errnoText } from '../formats/errno.ts';
import { signal } from '../os/proc.ts';
import { spawnChild } from '../os/spawn.ts';
import type { ChildEnv, SpawnCreds } from '../os/spawn.ts';
import { sys } from '../os/sys.ts';

export interface Outcome {
  readonly ok: boolean;
  readonly reason: string;
  /** health/check's output (stdout and stderr, the first CHECK_OUTPUT_CAP bytes), for the log. */
  readonly output?: Buffer;
  /** Bytes of health/check's output past the cap: read and dropped. */
  readonly dropped?: number;
}

/** The most of health/check's output that is kept. */
export const CHECK_OUTPUT_CAP = 4096;
/** How long the rest of a finished check's output may take to arrive (a grandchild holding the pipe). */
const DRAIN_MS = 1000;

export function timedOut(ms: number): Outcome {
  return { ok: false, reason: `timed out after ${ms / 1000} seconds` };
}

/** health/tcp by a Node socket: what TcpCheck (tcpcheck.ts) falls back to without the addon's connects. */
export function checkTcp(host: string, port: number, timeoutMs: number, abort?: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => finish(timedOut(timeoutMs)), timeoutMs);
    const onAbort = (): void => finish({ ok: false, reason: 'stopped' });
    function finish(o: Outcome): void {
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(o);
    }
    abort?.addEventListener('abort', onAbort, { once: true });
    sock.once('connect', () => finish({ ok: true, reason: `connected to ${host}:${port}` }));
    sock.once('error', (err) => finish({ ok: false, reason: `unable to connect to ${host}:${port}: ${errnoText(err)}` }));
  });
}

export function checkHttp(url: URL, timeoutMs: number, abort?: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    let done = false;
    const req = request(url, { method: 'GET', agent: false, headers: { 'user-agent': 'svkit-health' } });
    const timer = setTimeout(() => finish(timedOut(timeoutMs)), timeoutMs);
    const onAbort = (): void => finish({ ok: false, reason: 'stopped' });
    function finish(o: Outcome): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(o);
    }
    abort?.addEventListener('abort', onAbort, { once: true });
    req.once('response', (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      finish({ ok: code >= 200 && code < 400, reason: `HTTP ${code}` });
    });
    req.once('error', (err) => finish({ ok: false, reason: `unable to GET ${url.href}: ${errnoText(err)}` }));
    req.end();
  });
}

/**
 * Runs CWD/health/check with ENV (the service's env/ applied, as for run); healthy on exit 0.
 * Killed (its whole group) at the timeout or on abort.
 */
export function checkScript(cwd: string, timeoutMs: number, abort?: AbortSignal, env: ChildEnv = process.env, creds?: SpawnCreds): Promise<Outcome> {
  let fds: [number, number];
  let devNull: number;
  try {
    // Blocking: the check's end must be, or a check that writes faster than it is read fails
    // with EAGAIN; the Socket below makes the read end (its own file description) non-blocking.
    fds = sys().pipe();
    devNull = openSync('/dev/null', 'r'); // sync-ok: /dev/null, the kernel's
  } catch (err) {
    return Promise.resolve({ ok: false, reason: `unable to run health/check: ${errnoText(err)}` });
  }
  const [readFd, writeFd] = fds;
  // As run: the service's user, rlimit/, umask and nice (creds), not svscan's.
  const child = spawnChild('./health/check', [], { cwd, env, stdio: [devNull, writeFd, writeFd], ...(creds ? { creds } : {}) });
  closeSync(writeFd); // sync-ok: our own descriptor
  closeSync(devNull); // sync-ok: our own descriptor
  const out: Buffer[] = [];
  let kept = 0;
  let dropped = 0;
  const reader = new Socket({ fd: readFd, readable: true, writable: false });
  reader.on('data', (b: Buffer) => {
    const part = b.subarray(0, Math.max(0, CHECK_OUTPUT_CAP - kept));
    dropped += b.length - part.length;
    if (part.length === 0) return;
    out.push(part);
    kept += part.length;
  });
  reader.on('error', () => {});
  // EOF comes once every writer is gone (the group is killed below): then the output is complete.
  const drained = new Promise<void>((resolve) => {
    reader.once('end', resolve);
    reader.once('close', resolve);
    reader.once('error', () => resolve());
  });
  let killed = false;
  const pid = child.pid;
  const timer = pid === undefined ? undefined : setTimeout(() => {
    killed = true;
    signal(-pid, 'SIGKILL');
  }, timeoutMs);
  const onAbort = (): void => { if (pid !== undefined) signal(-pid, 'SIGKILL'); };
  if (pid !== undefined) abort?.addEventListener('abort', onAbort, { once: true });
  return child.ended.then(async (end) => {
    if (timer !== undefined) clearTimeout(timer);
    abort?.removeEventListener('abort', onAbort);
    // Leftovers of the check's group (a backgrounded sleep) would hold the pipe open.
    if (pid !== undefined) signal(-pid, 'SIGKILL');
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([drained, new Promise<void>((r) => { wait = setTimeout(r, DRAIN_MS); })]);
    clearTimeout(wait);
    reader.destroy();
    const output = Buffer.concat(out);
    if (end.error !== undefined) return { ok: false, reason: `unable to run health/check: ${errnoText(end.error)}` };
    if (killed) return { ...timedOut(timeoutMs), output, dropped };
    if (end.signal !== null) return { ok: false, reason: `health/check killed by signal ${end.signal}`, output, dropped };
    return { ok: end.code === 0, reason: end.code === 0 ? 'exit 0' : `exit ${end.code}`, output, dropped };
  });
}

/** A check's output on one warning line: control characters escaped, at most 200 characters. */
export function oneLine(text: string): string {
  const flat = text.trim().replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? ' | ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return flat.length > 200 ? flat.slice(0, 200) + '...' : flat;
}
