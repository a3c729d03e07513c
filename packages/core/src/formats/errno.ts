// System error texts in daemontools' wording ("file does not exist"), so messages match 0.76.

/**
 * Every errno name Node can report on Linux, in daemontools' error_str wording where 0.76 has
 * one, in the same short lower-case style otherwise. test/unit/errno.test.ts checks it against
 * os.constants.errno, so an error never reads "unknown error".
 */
const TEXT: Readonly<Record<string, string>> = {
  E2BIG: 'argument list too long',
  EACCES: 'access denied',
  EADDRINUSE: 'address already used',
  EADDRNOTAVAIL: 'address not available',
  EAFNOSUPPORT: 'address family not supported',
  EAGAIN: 'temporary failure',
  EALREADY: 'operation already in progress',
  EBADF: 'file descriptor not open',
  EBADMSG: 'bad message type',
  EBUSY: 'device busy',
  ECANCELED: 'operation canceled',
  ECHILD: 'no child processes',
  ECONNABORTED: 'connection aborted',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EDEADLK: 'operation would cause deadlock',
  EDESTADDRREQ: 'destination address required',
  EDOM: 'input out of range',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'file already exists',
  EFAULT: 'bad address',
  EFBIG: 'file too big',
  EHOSTDOWN: 'host down',
  EHOSTUNREACH: 'host unreachable',
  EIDRM: 'identifier removed',
  EILSEQ: 'illegal byte sequence',
  EINPROGRESS: 'operation in progress',
  EINTR: 'interrupted system call',
  EINVAL: 'invalid argument',
  EIO: 'input/output error',
  EISCONN: 'already connected',
  EISDIR: 'is a directory',
  ELOOP: 'symbolic link loop',
  EMFILE: 'process cannot open more files',
  EMLINK: 'too many links',
  EMSGSIZE: 'message too long',
  EMULTIHOP: 'multihop attempted',
  ENAMETOOLONG: 'file name too long',
  ENETDOWN: 'network down',
  ENETRESET: 'network reset',
  ENETUNREACH: 'network unreachable',
  ENFILE: 'system cannot open more files',
  ENOBUFS: 'out of buffer space',
  ENODATA: 'no data available',
  ENODEV: 'device does not support operation',
  ENOENT: 'file does not exist',
  ENOEXEC: 'exec format error',
  ENOLCK: 'no locks available',
  ENOLINK: 'link severed',
  ENOMEM: 'out of memory',
  ENOMSG: 'no message of desired type',
  ENOPROTOOPT: 'protocol not available',
  ENOSPC: 'out of disk space',
  ENOSR: 'out of stream resources',
  ENOSTR: 'not a stream device',
  ENOSYS: 'system call not available',
  ENOTBLK: 'not a block device',
  ENOTCONN: 'not connected',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  ENOTSOCK: 'not a socket',
  ENOTSUP: 'operation not supported',
  ENOTTY: 'not a tty',
  ENXIO: 'device not configured',
  EOPNOTSUPP: 'operation not supported',
  EOVERFLOW: 'value too large',
  EPERM: 'permission denied',
  EPIPE: 'broken pipe',
  EPROTO: 'protocol error',
  EPROTONOSUPPORT: 'protocol not supported',
  EPROTOTYPE: 'incorrect protocol type',
  ERANGE: 'output out of range',
  EROFS: 'read-only file system',
  ESHUTDOWN: 'socket shut down',
  ESOCKTNOSUPPORT: 'socket type not supported',
  ESPIPE: 'unseekable descriptor',
  ESRCH: 'no such process',
  ESTALE: 'stale NFS file handle',
  ETIME: 'timer expired',
  ETIMEDOUT: 'timed out',
  ETOOMANYREFS: 'too many references',
  ETXTBSY: 'text busy',
  EUSERS: 'too many users',
  EWOULDBLOCK: 'temporary failure',
  EXDEV: 'cross-device link',
  // Not a system errno: what log/regular.ts refuses (a FIFO, device or directory in a log dir).
  ENOTREG: 'not a regular file',
  // the rarer Linux errnos (glibc's strerror, lower-cased), which the addon can report
  EADV: 'advertise error',
  EBADE: 'invalid exchange',
  EBADFD: 'file descriptor in bad state',
  EBADR: 'invalid request descriptor',
  EBADRQC: 'invalid request code',
  EBADSLT: 'invalid slot',
  EBFONT: 'bad font file format',
  ECHRNG: 'channel number out of range',
  ECOMM: 'communication error on send',
  EDEADLOCK: 'operation would cause deadlock',
  EDOTDOT: 'rFS specific error',
  EISNAM: 'is a named type file',
  EKEYEXPIRED: 'key has expired',
  EKEYREJECTED: 'key was rejected by service',
  EKEYREVOKED: 'key has been revoked',
  EL2HLT: 'level 2 halted',
  EL2NSYNC: 'level 2 not synchronized',
  EL3HLT: 'level 3 halted',
  EL3RST: 'level 3 reset',
  ELIBACC: 'can not access a needed shared library',
  ELIBBAD: 'accessing a corrupted shared library',
  ELIBEXEC: 'cannot exec a shared library directly',
  ELIBMAX: 'attempting to link in too many shared libraries',
  ELIBSCN: '.lib section in a.out corrupted',
  ELNRNG: 'link number out of range',
  EMEDIUMTYPE: 'wrong medium type',
  ENAVAIL: 'no XENIX semaphores available',
  ENOANO: 'no anode',
  ENOCSI: 'no CSI structure available',
  ENOKEY: 'required key not available',
  ENOMEDIUM: 'no medium found',
  ENONET: 'machine is not on the network',
  ENOPKG: 'package not installed',
  ENOTNAM: 'not a XENIX named type file',
  ENOTRECOVERABLE: 'state not recoverable',
  ENOTUNIQ: 'name not unique on network',
  EOWNERDEAD: 'owner died',
  EPFNOSUPPORT: 'protocol family not supported',
  EREMCHG: 'remote address changed',
  EREMOTE: 'too many levels of remote in path',
  EREMOTEIO: 'remote I/O error',
  ERESTART: 'interrupted system call should be restarted',
  ERFKILL: 'operation not possible due to RF-kill',
  ESRMNT: 'srmount error',
  ESTRPIPE: 'streams pipe error',
  EUCLEAN: 'structure needs cleaning',
  EUNATCH: 'protocol driver not attached',
  EXFULL: 'exchange full',
  // libuv's own codes, which Node reports like errno names
  EOF: 'end of file',
  ECHARSET: 'invalid Unicode character',
  EAI_AGAIN: 'temporary name lookup failure',
  EAI_FAIL: 'name resolution failed',
  EAI_NONAME: 'host not found',
  // The network errors a health check meets (djb's error_str wording where it has one).
  ENOTFOUND: 'host not found',
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
