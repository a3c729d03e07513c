// svhttp's token file: lines `ro TOKEN` or `rw TOKEN` (# comments, blank lines). The file must
// not be readable by group or others, and tokens never come from argv (ps shows argv to all).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { timingSafeEqual, createHash } from 'node:crypto';
import { SvkitError, unable } from '../formats/errors.ts';

export type Role = 'ro' | 'rw';

export interface Token {
  /** What the audit log names: `line:N` of the token file, never the token. */
  readonly id: string;
  readonly role: Role;
  /** sha256 of the token, compared in constant time. */
  readonly digest: Buffer;
}

const CAP = 64 * 1024;

export function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Pure: the tokens of a token file's text; throws a permanent SvkitError on a bad line. */
export function parseTokens(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(ro|rw)\s+(\S{16,})$/.exec(line);
    if (m === null) throw new SvkitError('permanent', `unable to read ${file}: line ${i + 1} is not "ro TOKEN" or "rw TOKEN" with a token of at least 16 characters`);
    tokens.push({ id: `line:${i + 1}`, role: m[1] as Role, digest: digest(m[2] ?? '') });
  });
  if (tokens.length === 0) throw new SvkitError('permanent', `unable to read ${file}: no token in it`);
  return tokens;
}

/**
 * The text of a file that holds secrets (sync: read once at start-up, by a short-lived program or
 * before anything is served), refused when group or others may read or write it: svhttp's token
 * file, svnotify's smtp-password and webhook-token.
 */
export function readPrivateFile(file: string, cap = CAP): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    throw unable(`read ${file}`, err, 'permanent');
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SvkitError('permanent', `unable to read ${file}: not a regular file`);
    if ((st.mode & 0o077) !== 0) throw new SvkitError('permanent', `unable to use ${file}: readable or writable by group or others (chmod 600 it)`);
    const buf = Buffer.alloc(Math.min(cap, st.size));
    const n = buf.length === 0 ? 0 : readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Reads the token file at start-up, refusing a loose mode. */
export function loadTokens(file: string): Token[] {
  return parseTokens(readPrivateFile(file), file);
}

/** The token whose digest matches SECRET, compared in constant time against each. */
export function findToken(tokens: readonly Token[], secret: string): Token | undefined {
  const d = digest(secret);
  let found: Token | undefined;
  for (const t of tokens) if (timingSafeEqual(t.digest, d)) found = t;
  return found;
}
