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
  const fd = openSync(join(dir, SERVICE.status), 'r');
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
  const m = /^down, (svscan: [^\n]*)\n$/.exec(text);
  return m?.[1];
}

/** Inspects one service directory; never throws for per-directory trouble. */
export function inspectService(dir: string): Inspection {
  const cd = chdirError(dir);
  if (cd !== undefined) return problem(`unable to chdir: ${errnoText(cd)}`);
  let normallyUp = false;
  try {
    statSync(join(dir, SERVICE.down));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) return problem(`unable to stat down: ${errnoText(err)}`);
    normallyUp = true;
  }
  try {
    const ok = probeOk(dir);
    if (ok !== 'running') {
      const why = whyNotSupervised(dir);
      if (why !== undefined) return problem(`supervise not running (${why})`);
    }
    if (ok === 'not-running') return problem('supervise not running');
    if (ok === 'missing') return problem('unable to open supervise/ok: file does not exist');
  } catch (err) {
    return problem(`unable to open supervise/ok: ${errnoText(err)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = readStatusBytes(dir);
  } catch (err) {
    const verb = isErrno(err, 'EIO') || isErrno(err, 'EISDIR') ? 'read' : 'open';
    return problem(`unable to ${verb} supervise/status: ${errnoText(err)}`, true);
  }
  const status = bytes.length >= DAEMONTOOLS_STATUS_SIZE ? unpackStatus(bytes) : undefined;
  if (status === undefined) return problem('unable to read supervise/status: bad format', true);
  return { kind: 'status', status, normallyUp };
}
