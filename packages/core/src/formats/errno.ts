// System error texts in daemontools' wording ("file does not exist"), so messages match 0.76.

const TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'file does not exist',
  EACCES: 'access denied',
  EPERM: 'permission denied',
  EAGAIN: 'temporary failure',
  EWOULDBLOCK: 'temporary failure',
  ENXIO: 'device not configured',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'file already exists',
  ENOSPC: 'out of disk space',
  EROFS: 'read-only file system',
  EINTR: 'interrupted system call',
  ENOMEM: 'out of memory',
  EIO: 'input/output error',
  ELOOP: 'symbolic link loop',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'process cannot open more files',
  ENFILE: 'system cannot open more files',
  EINVAL: 'invalid argument',
  EBUSY: 'device busy',
  ETXTBSY: 'text busy',
  ENOEXEC: 'exec format error',
  EPIPE: 'broken pipe',
  ESRCH: 'no such process',
  ECHILD: 'no child processes',
  EBADF: 'file descriptor not open',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too big',
  ENOTEMPTY: 'directory not empty',
  EXDEV: 'cross-device link',
  // The network errors a health check meets (djb's error_str wording where it has one).
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'temporary name lookup failure',
};

/** The errno code of a Node system error, or undefined for anything else. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** True when err is a system error with the given errno code. */
export function isErrno(err: unknown, code: string): boolean {
  return errnoCode(err) === code;
}

/** The daemontools text for a system error ("file does not exist"), "unknown error" otherwise. */
export function errnoText(err: unknown): string {
  const code = errnoCode(err);
  if (code !== undefined && TEXT[code] !== undefined) return TEXT[code];
  if (err instanceof Error && code === undefined) return err.message;
  return 'unknown error';
}
