/* Starting a child: posix_spawn(3) in a new session with default signal dispositions (a
 * vfork-style start costs no page-table copy of a 50 MB Node), or fork + exec when a service
 * asks for a user, rlimit/, umask or nice. */
#include "svkit.h"

/* Copies a JS array of strings (as UTF-8) or Buffers (as they are: an env/ name need not be
 * UTF-8) into a NULL-terminated C array (caller frees with free_strv). */
static char **get_strv(napi_env env, napi_value arr) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
  char **v = calloc(n + 1, sizeof(char *));
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    size_t len;
    bool is_buffer = false;
    napi_get_element(env, arr, i, &e);
    napi_is_buffer(env, e, &is_buffer);
    if (is_buffer) {
      void *data = NULL;
      napi_get_buffer_info(env, e, &data, &len);
      v[i] = malloc(len + 1);
      memcpy(v[i], data, len);
      v[i][len] = '\0';
      continue;
    }
    napi_get_value_string_utf8(env, e, NULL, 0, &len);
    v[i] = malloc(len + 1);
    napi_get_value_string_utf8(env, e, v[i], len + 1, &len);
  }
  return v;
}

static void free_strv(char **v) {
  if (v == NULL) return;
  for (char **p = v; *p != NULL; p++) free(*p);
  free(v);
}

/* What a service's user, rlimit/, umask and nice files ask for (the optional 6th argument of
 * spawn). Applied in the child between fork and exec with async-signal-safe calls only; the
 * user and groups were resolved before the fork (getpwnam is not safe in the child of a
 * threaded process). */
typedef struct {
  int has_user, uid, gid, ngroups;
  gid_t groups[64];
  int nlimits;
  int lim_res[16];
  double lim_soft[16], lim_hard[16]; /* -1: unlimited; lim_hard -2: keep, soft capped to it */
  int umask_v; /* -1: none */
  int has_nice, nice_v;
} creds_t;

static int get_int_prop(napi_env env, napi_value o, const char *k, int *out) {
  napi_value v; bool has = false;
  if (napi_has_named_property(env, o, k, &has) != napi_ok || !has) return 0;
  napi_get_named_property(env, o, k, &v);
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int read_creds(napi_env env, napi_value o, creds_t *c) {
  memset(c, 0, sizeof *c);
  c->umask_v = -1;
  if (get_int_prop(env, o, "uid", &c->uid)) {
    c->has_user = 1;
    if (!get_int_prop(env, o, "gid", &c->gid)) return 0;
    napi_value g; bool has = false;
    napi_has_named_property(env, o, "groups", &has);
    if (has) {
      napi_get_named_property(env, o, "groups", &g);
      uint32_t n = 0;
      napi_get_array_length(env, g, &n);
      if (n > 64) return 0;
      for (uint32_t i = 0; i < n; i++) {
        napi_value e; int32_t v;
        napi_get_element(env, g, i, &e);
        if (napi_get_value_int32(env, e, &v) != napi_ok) return 0;
        c->groups[i] = (gid_t)v;
      }
      c->ngroups = (int)n;
    }
  }
  napi_value l; bool has = false;
  napi_has_named_property(env, o, "limits", &has);
  if (has) {
    napi_get_named_property(env, o, "limits", &l);
    uint32_t n = 0;
    napi_get_array_length(env, l, &n);
    if (n > 16) return 0;
    for (uint32_t i = 0; i < n; i++) {
      napi_value e, x;
      napi_get_element(env, l, i, &e);
      napi_get_element(env, e, 0, &x); napi_get_value_int32(env, x, &c->lim_res[i]);
      napi_get_element(env, e, 1, &x); napi_get_value_double(env, x, &c->lim_soft[i]);
      napi_get_element(env, e, 2, &x); napi_get_value_double(env, x, &c->lim_hard[i]);
    }
    c->nlimits = (int)n;
  }
  get_int_prop(env, o, "umask", &c->umask_v);
  c->has_nice = get_int_prop(env, o, "nice", &c->nice_v);
  return 1;
}

static rlim_t to_rlim(double v) { return v < 0 ? RLIM_INFINITY : (rlim_t)v; }

/* The steps a child reports as failed, in the order they run. */
static const char *STEPS[] = {"dup2", "chdir", "setsid", "setrlimit", "umask", "setpriority", "setgroups", "setgid", "setuid", "execve"};
#define CHILD_FAIL_EXIT 125

static void child_fail(int pipe_w, int step) {
  int msg[2] = {step, errno};
  ssize_t r = write(pipe_w, msg, sizeof msg);
  (void)r;
  _exit(CHILD_FAIL_EXIT);
}

/* fork + exec with creds: the slow path, only for services that have those files. */
static pid_t spawn_creds(const char *file, char **args, char **envp, const char *cwd, const int *fds, uint32_t nfds, const creds_t *c, int *step, int *err) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) { *step = -1; *err = errno; return -1; }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) sigaction(s, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    /* The pipe's write end must not be a target: move it above every fd we dup onto. */
    int w = fcntl(p[1], F_DUPFD_CLOEXEC, 64);
    if (w < 0) child_fail(p[1], 0);
    for (uint32_t i = 0; i < nfds; i++) {
      int src = fds[i], dst = i < 3 ? (int)i : -1;
      if (i >= 3) { if ((i - 3) % 2) continue; dst = fds[i + 1]; }
      if (src == dst) { int fl = fcntl(src, F_GETFD); if (fl < 0 || fcntl(src, F_SETFD, fl & ~FD_CLOEXEC) < 0) child_fail(w, 0); }
      else if (dup2(src, dst) < 0) child_fail(w, 0);
    }
    if (chdir(cwd) != 0) child_fail(w, 1);
    if (setsid() < 0) child_fail(w, 2);
    for (int i = 0; i < c->nlimits; i++) {
      struct rlimit r;
      if (getrlimit(c->lim_res[i], &r) != 0) child_fail(w, 3);
      rlim_t soft = to_rlim(c->lim_soft[i]);
      if (c->lim_hard[i] == -2) { if (r.rlim_max != RLIM_INFINITY && (soft == RLIM_INFINITY || soft > r.rlim_max)) soft = r.rlim_max; }
      else r.rlim_max = to_rlim(c->lim_hard[i]);
      r.rlim_cur = soft;
      if (setrlimit(c->lim_res[i], &r) != 0) child_fail(w, 3);
    }
    if (c->umask_v >= 0) umask((mode_t)c->umask_v);
    if (c->has_nice) {
      errno = 0;
      if (nice(c->nice_v) == -1 && errno != 0) child_fail(w, 5);
    }
    if (c->has_user) {
      if (setgroups((size_t)c->ngroups, c->groups) != 0) child_fail(w, 6);
      if (setgid((gid_t)c->gid) != 0) child_fail(w, 7);
      if (setuid((uid_t)c->uid) != 0) child_fail(w, 8);
      /* Never run as root by mistake: a uid that did not take is a failure. */
      if (getuid() != (uid_t)c->uid || geteuid() != (uid_t)c->uid) { errno = EPERM; child_fail(w, 8); }
    }
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(file, args, envp);
    child_fail(w, 9);
  }
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(p[1]);
  if (pid < 0) { close(p[0]); *step = -1; *err = fork_errno; return -1; }
  int msg[2];
  ssize_t n;
  do n = read(p[0], msg, sizeof msg); while (n < 0 && errno == EINTR);
  close(p[0]);
  if (n == (ssize_t)sizeof msg) {
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    *step = msg[0];
    *err = msg[1];
    return -1;
  }
  return pid;
}

/* spawn(file, argv, envp, cwd, [fd0, fd1, fd2], creds?): pid of a child in a new session, with default
 * signal dispositions and an empty mask; throws ENOENT, EACCES... when the exec fails. envp
 * null: the environment of this process (exports.environ says an addon takes that). */
static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 6, len;
  napi_value argv[6], out;
  char file[4096], cwd[4096];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5 || napi_get_value_string_utf8(env, argv[0], file, sizeof file, &len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[3], cwd, sizeof cwd, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, fds)");
    return NULL;
  }
  /* fds: [fd0, fd1, fd2] then optional pairs [source, target] (a readiness pipe on fd N). */
  uint32_t nfds = 0;
  napi_get_array_length(env, argv[4], &nfds);
  if (nfds < 3 || nfds > 3 + 2 * 8 || (nfds - 3) % 2 != 0) {
    napi_throw_type_error(env, NULL, "spawn: fds is [fd0, fd1, fd2, (source, target)...]");
    return NULL;
  }
  int fds[3 + 2 * 8];
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value e;
    napi_get_element(env, argv[4], i, &e);
    napi_get_value_int32(env, e, &fds[i]);
  }
  creds_t creds;
  napi_valuetype ct = napi_undefined;
  if (argc >= 6) napi_typeof(env, argv[5], &ct);
  if (ct == napi_object && !read_creds(env, argv[5], &creds)) {
    napi_throw_type_error(env, NULL, "spawn: creds is {uid, gid, groups?, limits?, umask?, nice?}");
    return NULL;
  }
  char **args = get_strv(env, argv[1]);
  /* envp null: this process's own environment, as it is now (Node's process.env reads and
   * writes it), passed as it is instead of rebuilt from JS strings at every start. */
  napi_valuetype et = napi_undefined;
  napi_typeof(env, argv[2], &et);
  char **envp = et == napi_null ? environ : get_strv(env, argv[2]);
  if (ct == napi_object) {
    int step = -1, err = 0;
    pid_t cp = spawn_creds(file, args, envp, cwd, fds, nfds, &creds, &step, &err);
    free_strv(args);
    if (envp != environ) free_strv(envp);
    if (cp < 0) {
      errno = err;
      return svkit_throw_errno(env, step < 0 ? "fork" : STEPS[step]);
    }
    napi_create_int32(env, cp, &out);
    return out;
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawn_file_actions_init(&fa);
  for (int i = 0; i < 3; i++) posix_spawn_file_actions_adddup2(&fa, fds[i], i);
  /* After stdio, so a target of 0-2 replaces it (s6 allows notification-fd 1). glibc clears
   * FD_CLOEXEC when source and target are the same number. */
  for (uint32_t i = 3; i + 1 < nfds; i += 2) posix_spawn_file_actions_adddup2(&fa, fds[i], fds[i + 1]);
  posix_spawn_file_actions_addchdir_np(&fa, cwd);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  int r = posix_spawn(&pid, file, &fa, &attr, args, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  free_strv(args);
  if (envp != environ) free_strv(envp);
  if (r != 0) {
    errno = r;
    return svkit_throw_errno(env, "posix_spawn");
  }
  napi_create_int32(env, pid, &out);
  return out;
}

void svkit_define_spawn(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    SVKIT_FN("spawn", js_spawn),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
