// health/tcp of one run: healthy when a TCP connect to HOST:PORT succeeds within health/timeout.
// The connects are the addon's (native/tcpcheck.c): a few system calls on a thread of its own,
// results handed back in batches, instead of a Node socket, its handle and its events per check
// (about half of svscan's CPU with 100 services checked every second). A numeric address is made
// into a socket address once per run. A host name is looked up at the first check of a run and
// again after every failed check, not at each check: a healthy service costs no lookup, and a
// name that moved is found again by the check that fails. Several addresses are tried in turn as
// Node's net.connect does (250 ms each but the last, which gets what is left of the timeout); the
// first error is the reason. Without the addon's connects (an addon built before them, or no
// thread for them), each check is a Node socket as before.
import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { constants } from 'node:os';
import { errnoText } from '../formats/errno.ts';
import { sys } from '../os/sys.ts';
import { checkTcp, timedOut, type Outcome } from './checks.ts';

/** The codes tcpcheck.c gives besides 0 (connected) and an errno. */
const TIMED_OUT = -1;
const CANCELED = -2;
/** How long an address that is not the last may take before the next is tried (Node's autoSelectFamilyAttemptTimeout). */
const ATTEMPT_MS = 250;

type Connect = (addr: Buffer, timeoutMs: number, id: (id: number) => void) => Promise<number>;

/** The addon's connect, set up on first use; null without one. */
let native: { connect: Connect; cancel: (id: number) => void } | null | undefined;

function addonConnect(): typeof native {
  if (native !== undefined) return native;
  const s = sys();
  const { tcpResults, tcpConnect, tcpCancel } = s;
  if (tcpResults === undefined || tcpConnect === undefined || tcpCancel === undefined) return (native = null);
  const waiting = new Map<number, (code: number) => void>();
  try {
    tcpResults.call(s, (r) => {
      for (let i = 0; i + 1 < r.length; i += 2) {
        const done = waiting.get(r[i]!);
        if (done === undefined) continue;
        waiting.delete(r[i]!);
        done(r[i + 1]!);
      }
    });
  } catch {
    return (native = null);
  }
  let last = 0;
  return (native = {
    connect: (addr, timeoutMs, id) => new Promise<number>((resolve) => {
      do last = last >= 0x7fffffff ? 1 : last + 1; while (waiting.has(last));
      tcpConnect.call(s, last, addr, timeoutMs);
      waiting.set(last, resolve);
      id(last);
    }),
    cancel: (id) => tcpCancel.call(s, id),
  });
}

let errnoNames: Map<number, string> | undefined;

/** The text of errno number CODE, as errnoText gives it for Node's errors. */
function codeText(code: number): string {
  errnoNames ??= new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));
  return errnoText({ code: errnoNames.get(code) ?? 'EUNKNOWN' });
}

export class TcpCheck {
  private readonly host: string;
  private readonly port: number;
  private readonly abort: AbortSignal;
  private readonly target: string;
  /** The outcome of every successful check, made once: a healthy round allocates little. */
  private readonly connected: Outcome;
  /** Socket addresses to try; undefined: (look up and) make them at the next check. */
  private addrs: Buffer[] | undefined;
  /** A name's lookup under way (see resolve). */
  private lookingUp: Promise<LookupAddress[]> | undefined;
  /** The addon's id of the connect under way, to cancel it when the run is stopped. */
  private inFlight: number | undefined;

  constructor(host: string, port: number, abort: AbortSignal) {
    this.host = host;
    this.port = port;
    this.abort = abort;
    this.target = `${host}:${port}`;
    this.connected = { ok: true, reason: `connected to ${this.target}` };
    abort.addEventListener('abort', () => {
      if (this.inFlight !== undefined) native?.cancel(this.inFlight);
    }, { once: true });
  }

  async check(timeoutMs: number): Promise<Outcome> {
    const addon = addonConnect();
    if (addon === null || addon === undefined) return checkTcp(this.host, this.port, timeoutMs, this.abort);
    const target = this.target;
    const deadline = performance.now() + timeoutMs;
    let addrs = this.addrs;
    if (addrs === undefined) {
      try {
        addrs = await this.resolve(timeoutMs);
      } catch (err) {
        if (err === TIMED_OUT) return timedOut(timeoutMs);
        return { ok: false, reason: `unable to connect to ${target}: ${errnoText(err)}` };
      }
      if (this.abort.aborted) return { ok: false, reason: 'stopped' };
    }
    let firstError: number | undefined;
    for (let i = 0; i < addrs.length; i++) {
      if (this.abort.aborted) return { ok: false, reason: 'stopped' };
      const left = Math.max(0, Math.ceil(deadline - performance.now()));
      if (left === 0) break;
      const last = i === addrs.length - 1;
      let code: number;
      try {
        code = await addon.connect(addrs[i]!, last ? left : Math.min(ATTEMPT_MS, left), (id) => { this.inFlight = id; });
      } catch (err) {
        return { ok: false, reason: `unable to connect to ${target}: ${errnoText(err)}` };
      } finally {
        this.inFlight = undefined;
      }
      if (code === 0) {
        this.addrs = addrs;
        return this.connected;
      }
      if (code === CANCELED || this.abort.aborted) return { ok: false, reason: 'stopped' };
      if (code !== TIMED_OUT) firstError ??= code;
    }
    // A name is looked up again at the next check; an address stays what it is.
    this.addrs = isIP(this.host) === 0 ? undefined : addrs;
    return firstError === undefined ? timedOut(timeoutMs) : { ok: false, reason: `unable to connect to ${target}: ${codeText(firstError)}` };
  }

  /**
   * The socket addresses of host:port; a name's lookup races the timeout (rejects with TIMED_OUT).
   * A lookup cannot be called off: one that outlives its check is awaited by the next instead of
   * a second one, so a resolver that hangs holds at most one of libuv's pool threads per service.
   */
  private async resolve(timeoutMs: number): Promise<Buffer[]> {
    const s = sys();
    if (isIP(this.host) !== 0) return [s.tcpAddress!(this.host, this.port)];
    const pending = this.lookingUp ??= lookup(this.host, { all: true }).finally(() => { this.lookingUp = undefined; });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(TIMED_OUT), timeoutMs); });
    try {
      const found = await Promise.race([pending, expired]);
      return found.map((a) => s.tcpAddress!(a.address, this.port));
    } finally {
      clearTimeout(timer);
    }
  }
}
