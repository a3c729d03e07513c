// What svstat learns about one service directory, in daemontools' order of checks.
import { accessSync, constants, fstatSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoText, isErrno } from '../formats/errno.ts';
import { probeOk } from './control.ts';
import { SERVICE } from '../formats/servicedir.ts';
import { DAEMONTOOLS_STATUS_SIZE, STATUS_SIZE, unpackStatus, type Status } from '../formats/status.ts';

export type Inspection =
  | { readonly kind: 'status'; readonly status: Status; readonly normallyUp: boolean }
  /** problem: the text svstat prints after "dir: " ("supervise not running", "unable to ..."). */
  | { readonly kind: 'problem'; readonly problem: string; readonly running: boolean };

function problem(text: string, running = false): Inspection {
  return { kind: 'problem', problem: text, running };
}

/** Would chdir(dir) succeed? undefined if so, else its error (ENOENT, ENOTDIR, EACCES). */
export function chdirError(dir: string): unknown {
  try {
    if (!statSync(dir).isDirectory()) return Object.assign(new Error('ENOTDIR'), { code: 'ENOTDIR' });
    accessSync(dir, constants.X_OK);
    return undefined;
  } catch (err) {
    return err;
  }
}

function readStatusBytes(dir: string): Uint8Array {
  // Non-blocking, as daemontools' open_read: a FIFO planted there reads as empty (bad format), never hangs.
  const fd = openSync(join(dir, SERVICE.status), constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = new Uint8Array(STATUS_SIZE);
    let got = 0;
    while (got < STATUS_SIZE) {
      const n = readSync(fd, buf, got, STATUS_SIZE - got, null);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** The reason svscan wrote in supervise/stat of a service it could not start ("svscan: ..."). */
function whyNotSupervised(dir: string): string | undefined {
  let text: string;
  try {
    const fd = openSync(join(dir, SERVICE.stat), constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      if (!fstatSync(fd).isFile()) return undefined;
      const buf = Buffer.alloc(256);
      text = buf.subarray(0, readSync(fd, buf, 0, buf.length, null)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  return svscanReason(text);
}

/** The "svscan: ..." reason of a supervise/stat text, if it holds one. */
export function svscanReason(text: string): string | undefined {
  return /^down, (svscan: [^\n]*)\n$/.exec(text)?.[1];
}

/**
 * What inspection needs to know of a directory, asked in daemontools' order and only as far
 * as the answer needs: svstat asks the disk (inspectService), svhttp its snapshot.
 * Each getter may throw the errno error the read gave.
 */
export interface InspectFacts {
  /** chdirError()'s answer. */
  dirError(): unknown;
  /** Whether stat(down) found it (ENOENT: false). */
  downExists(): boolean;
  okProbe(): ReturnType<typeof probeOk>;
  whyNotSupervised(): string | undefined;
  statusBytes(): Uint8Array;
}

/** The inspection FACTS give; never throws for per-directory trouble. */
export function inspectFacts(facts: InspectFacts): Inspection {
  const cd = facts.dirError();
  if (cd !== undefined) return problem(`unable to chdir: ${errnoText(cd)}`);
  let normallyUp = false;
  try {
    normallyUp = !facts.downExists();
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) return problem(`unable to stat down: ${errnoText(err)}`);
    normallyUp = true;
  }
  try {
    const ok = facts.okProbe();
    if (ok !== 'running') {
      const why = facts.whyNotSupervised();
      if (why !== undefined) return problem(`supervise not running (${why})`);
    }
    if (ok === 'not-running') return problem('supervise not running');
    if (ok === 'missing') return problem('unable to open supervise/ok: file does not exist');
  } catch (err) {
    return problem(`unable to open supervise/ok: ${errnoText(err)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = facts.statusBytes();
  } catch (err) {
    const verb = isErrno(err, 'EIO') || isErrno(err, 'EISDIR') ? 'read' : 'open';
    return problem(`unable to ${verb} supervise/status: ${errnoText(err)}`, true);
  }
  return fromStatusBytes(bytes, normallyUp);
}

function fromStatusBytes(bytes: Uint8Array, normallyUp: boolean): Inspection {
  const status = bytes.length >= DAEMONTOOLS_STATUS_SIZE ? unpackStatus(bytes) : undefined;
  if (status === undefined) return problem('unable to read supervise/status: bad format', true);
  return { kind: 'status', status, normallyUp };
}

/** Inspects one service directory from the disk, synchronously (svstat, svtop); never throws for per-directory trouble. */
export function inspectService(dir: string): Inspection {
  return inspectFacts({
    dirError: () => chdirError(dir),
    downExists: () => {
      statSync(join(dir, SERVICE.down));
      return true;
    },
    okProbe: () => probeOk(dir),
    whyNotSupervised: () => whyNotSupervised(dir),
    statusBytes: () => readStatusBytes(dir),
  });
}
