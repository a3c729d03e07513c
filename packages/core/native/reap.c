/* Children and orphans: pidfd_open(2) and waitid(2) reaping, waitpid(2) for a child whose pidfd
 * could not be opened, orphans reaped as PID 1 or a subreaper, kill(2) probes. */
#include "svkit.h"

/* killProbe(target): kill(target, 0) as a number, 0 or the errno (ESRCH: nothing there, EPERM:
 * there but not ours), so that "no such group" is not a thrown exception per restart. */
static napi_value js_kill_probe(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  int target;
  if (!svkit_int_args(env, info, 1, argv, &target)) {
    napi_throw_type_error(env, NULL, "killProbe(target)");
    return NULL;
  }
  napi_create_int32(env, kill(target, 0) == 0 ? 0 : errno, &out);
  return out;
}

/* pidfdOpen(pid): an fd that becomes readable when pid exits (pidfd_open(2)). */
static napi_value js_pidfd_open(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  int pid;
  if (!svkit_int_args(env, info, 1, argv, &pid)) {
    napi_throw_type_error(env, NULL, "pidfdOpen(pid)");
    return NULL;
  }
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd == -1) return svkit_throw_errno(env, "pidfd_open");
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  napi_create_int32(env, fd, &out);
  return out;
}

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* [exitCode, null] or [null, signal], as reap and reapPid return an ended child. */
static napi_value ended(napi_env env, bool exited, int value) {
  napi_value arr, v, nul;
  napi_get_null(env, &nul);
  napi_create_array_with_length(env, 2, &arr);
  napi_create_int32(env, value, &v);
  napi_set_element(env, arr, 0, exited ? v : nul);
  napi_set_element(env, arr, 1, exited ? nul : v);
  return arr;
}

/* reap(pidfd): [exitCode, signal] of our exited child, or null while it still runs. */
static napi_value js_reap(napi_env env, napi_callback_info info) {
  napi_value argv[1], nul;
  int fd;
  if (!svkit_int_args(env, info, 1, argv, &fd)) {
    napi_throw_type_error(env, NULL, "reap(pidfd)");
    return NULL;
  }
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int r;
  do r = waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG); while (r == -1 && errno == EINTR);
  if (r == -1) return svkit_throw_errno(env, "waitid");
  napi_get_null(env, &nul);
  if (si.si_pid == 0) return nul;
  return ended(env, si.si_code == CLD_EXITED, si.si_status);
}

/* reapPid(pid): [exitCode, signal] of our exited child pid, or null while it runs (waitpid
 * WNOHANG). The fallback for a child whose pidfd could not be opened (EMFILE). */
static napi_value js_reap_pid(napi_env env, napi_callback_info info) {
  napi_value argv[1], nul;
  int pid, st = 0;
  if (!svkit_int_args(env, info, 1, argv, &pid) || pid <= 0) {
    napi_throw_type_error(env, NULL, "reapPid(pid) takes a positive integer");
    return NULL;
  }
  pid_t r;
  do r = waitpid(pid, &st, WNOHANG); while (r == -1 && errno == EINTR);
  if (r == -1) return svkit_throw_errno(env, "waitpid");
  napi_get_null(env, &nul);
  if (r == 0) return nul;
  return ended(env, WIFEXITED(st), WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* reapOrphans(owned, max): reaps exited children that nobody in this process owns (orphans
 * reparented to a PID 1 or a subreaper). waitid(P_ALL, WNOWAIT) only peeks at the next zombie;
 * it is reaped (waitpid) only when its pid is not in `owned` (a sorted Int32Array of the pids
 * that the addon's spawn or child_process started, whose owners reap them). It stops at the first
 * owned zombie (its owner takes it next; the caller passes again later) or after max reaps, so a
 * flood never holds the main thread. Returns [reaped, blocked]: blocked is 1 when it stopped at
 * an owned zombie, 2 when it stopped at max, 0 when no zombie is left (or no child at all). */
static int owned_has(const int32_t *v, size_t n, int32_t pid) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (v[mid] == pid) return 1;
    if (v[mid] < pid) lo = mid + 1; else hi = mid;
  }
  return 0;
}

static napi_value js_reap_orphans(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], arr, v;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_ta = false;
  int max = 0;
  if (argc < 2 || napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta || !svkit_arg_int(env, argv[1], &max) || max <= 0) {
    napi_throw_type_error(env, NULL, "reapOrphans(owned: Int32Array, max)");
    return NULL;
  }
  napi_typedarray_type type;
  size_t n = 0;
  void *data = NULL;
  napi_get_typedarray_info(env, argv[0], &type, &n, &data, NULL, NULL);
  if (type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "reapOrphans(owned: Int32Array, max)");
    return NULL;
  }
  const int32_t *owned = (const int32_t *)data;
  int reaped = 0, blocked = 0;
  for (;;) {
    if (reaped >= max) { blocked = 2; break; }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r;
    do r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT); while (r == -1 && errno == EINTR);
    if (r == -1 || si.si_pid == 0) break; /* ECHILD: no child at all; 0: none exited */
    if (owned_has(owned, n, (int32_t)si.si_pid)) { blocked = 1; break; }
    int st;
    pid_t w;
    do w = waitpid(si.si_pid, &st, WNOHANG); while (w == -1 && errno == EINTR);
    if (w <= 0) break;
    reaped++;
  }
  napi_create_array_with_length(env, 2, &arr);
  napi_create_int32(env, reaped, &v);
  napi_set_element(env, arr, 0, v);
  napi_create_int32(env, blocked, &v);
  napi_set_element(env, arr, 1, v);
  return arr;
}

/* subreaper(): prctl(PR_SET_CHILD_SUBREAPER, 1): orphans of our descendants come to us. */
static napi_value js_subreaper(napi_env env, napi_callback_info info) {
  (void)info;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1) return svkit_throw_errno(env, "prctl");
  return NULL;
}

void svkit_define_reap(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    SVKIT_FN("pidfdOpen", js_pidfd_open),
    SVKIT_FN("killProbe", js_kill_probe),
    SVKIT_FN("reap", js_reap),
    SVKIT_FN("reapPid", js_reap_pid),
    SVKIT_FN("reapOrphans", js_reap_orphans),
    SVKIT_FN("subreaper", js_subreaper),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
