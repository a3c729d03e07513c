/* The few Linux system calls Node 20 lacks and svkit needs: flock(2), mkfifo(3),
 * pipe2(2), tee(2), a poll(2) for readability that runs off the main thread, and posix_spawn(3)
 * with setsid plus pidfd reaping (a vfork-style start costs no page-table copy of a 50 MB Node),
 * waitpid(2) reaping for a child whose pidfd could not be opened, RLIMIT_NOFILE, and one-job
 * writes of the engine's own files; tcpcheck.c adds the connects of health/tcp. Errors are
 * thrown as Error objects whose `code` is the errno name ("EAGAIN"), like Node's own fs errors,
 * so callers narrow them the same way. */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>
#include "tcpcheck.h"

static napi_value throw_errno(napi_env env, const char *syscall) {
  int e = errno;
  const char *name = strerrorname_np(e);
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s, %s", name ? name : "EUNKNOWN", strerror(e), syscall);
  napi_throw_error(env, name ? name : "EUNKNOWN", msg);
  return NULL;
}

napi_value svkit_throw_errno(napi_env env, const char *syscall) {
  return throw_errno(env, syscall);
}

static int arg_int(napi_env env, napi_value v, int *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* flock(fd, op): op is LOCK_SH=1, LOCK_EX=2, LOCK_NB=4, LOCK_UN=8, as in <sys/file.h>. */
static napi_value js_flock(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int fd, op;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !arg_int(env, argv[0], &fd) || !arg_int(env, argv[1], &op)) {
    napi_throw_type_error(env, NULL, "flock(fd, op) takes two integers");
    return NULL;
  }
  int r;
  do r = flock(fd, op); while (r == -1 && errno == EINTR);
  if (r == -1) return throw_errno(env, "flock");
  return NULL;
}

/* mkfifo(path, mode): EEXIST is reported like any error; the caller decides. */
static napi_value js_mkfifo(napi_env env, napi_callback_info info) {
  size_t argc = 2, len;
  napi_value argv[2];
  char path[4096];
  int mode;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok ||
      !arg_int(env, argv[1], &mode)) {
    napi_throw_type_error(env, NULL, "mkfifo(path, mode) takes a string and an integer");
    return NULL;
  }
  if (mkfifo(path, (mode_t)mode) == -1) return throw_errno(env, "mkfifo");
  return NULL;
}

/* pipe(nonblock?): [readFd, writeFd], both close-on-exec, both O_NONBLOCK if asked. */
static napi_value js_pipe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr, v;
  bool nonblock = false;
  int fds[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_get_value_bool(env, argv[0], &nonblock);
  if (pipe2(fds, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)) == -1) return throw_errno(env, "pipe2");
  napi_create_array_with_length(env, 2, &arr);
  for (int i = 0; i < 2; i++) {
    napi_create_int32(env, fds[i], &v);
    napi_set_element(env, arr, (uint32_t)i, v);
  }
  return arr;
}


/* setBlocking(fd, blocking): sets or clears O_NONBLOCK on fd's open file description. */
static napi_value js_set_blocking(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int fd;
  bool blocking = true;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "setBlocking(fd, blocking)");
    return NULL;
  }
  if (argc >= 2) napi_get_value_bool(env, argv[1], &blocking);
  int fl = fcntl(fd, F_GETFL);
  if (fl == -1 || fcntl(fd, F_SETFL, blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK) == -1) return throw_errno(env, "fcntl");
  return NULL;
}

/* tee(fdIn, fdOut, len): copies up to len bytes from the pipe fdIn into the pipe fdOut without
 * consuming them; returns the count, 0 at EOF, -1 when nothing is there (EAGAIN). */
static napi_value js_tee(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  int in, o, len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !arg_int(env, argv[0], &in) || !arg_int(env, argv[1], &o) || !arg_int(env, argv[2], &len)) {
    napi_throw_type_error(env, NULL, "tee(fdIn, fdOut, len) takes three integers");
    return NULL;
  }
  ssize_t r;
  do r = tee(in, o, (size_t)len, SPLICE_F_NONBLOCK); while (r == -1 && errno == EINTR);
  if (r == -1 && errno == EAGAIN) r = -1;
  else if (r == -1) return throw_errno(env, "tee");
  napi_create_int32(env, (int32_t)r, &out);
  return out;
}

/* pollIn(fds, wakeFd, callback): waits on a libuv worker thread until one of fds is readable
 * (or hung up), then calls callback(readyFds). A byte written to wakeFd's pipe ends the wait
 * early (callback gets []), so the caller can change the set. One wait at a time per caller. */
typedef struct {
  napi_async_work work;
  napi_ref callback;
  int n;
  int wake;
  int *fds;
  int *ready;
  int nready;
} poll_req;

static void poll_execute(napi_env env, void *data) {
  (void)env;
  poll_req *req = data;
  struct pollfd *p = calloc((size_t)req->n + 1, sizeof *p);
  if (p == NULL) return;
  for (int i = 0; i < req->n; i++) { p[i].fd = req->fds[i]; p[i].events = POLLIN; }
  p[req->n].fd = req->wake;
  p[req->n].events = POLLIN;
  int r;
  do r = poll(p, (nfds_t)req->n + 1, -1); while (r == -1 && errno == EINTR);
  if (r > 0) {
    for (int i = 0; i < req->n; i++)
      if (p[i].revents) req->ready[req->nready++] = req->fds[i];
    if (p[req->n].revents & POLLIN) {
      char buf[64];
      while (read(req->wake, buf, sizeof buf) > 0) {}
    }
  }
  free(p);
}

static void poll_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  poll_req *req = data;
  napi_value cb, arr, v, global;
  napi_get_reference_value(env, req->callback, &cb);
  napi_create_array_with_length(env, (size_t)req->nready, &arr);
  for (int i = 0; i < req->nready; i++) {
    napi_create_int32(env, req->ready[i], &v);
    napi_set_element(env, arr, (uint32_t)i, v);
  }
  napi_get_global(env, &global);
  napi_delete_reference(env, req->callback);
  napi_delete_async_work(env, req->work);
  free(req->fds);
  free(req->ready);
  free(req);
  napi_call_function(env, global, cb, 1, &arr, NULL);
}

static napi_value js_poll_in(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], name;
  uint32_t n = 0;
  int wake;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_array_length(env, argv[0], &n) != napi_ok || !arg_int(env, argv[1], &wake)) {
    napi_throw_type_error(env, NULL, "pollIn(fds, wakeFd, callback)");
    return NULL;
  }
  poll_req *req = calloc(1, sizeof *req);
  req->n = (int)n;
  req->wake = wake;
  req->fds = calloc(n + 1, sizeof(int));
  req->ready = calloc(n + 1, sizeof(int));
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, argv[0], i, &e);
    napi_get_value_int32(env, e, &req->fds[i]);
  }
  napi_create_reference(env, argv[2], 1, &req->callback);
  napi_create_string_utf8(env, "svkit.pollIn", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, poll_execute, poll_complete, req, &req->work);
  napi_queue_async_work(env, req->work);
  return NULL;
}

/* pollNow(fds): the fds of FDS that poll(2) reports an error or hang-up for right now (timeout
 * 0: never waits; no events asked, so only POLLERR, POLLHUP and POLLNVAL). A FIFO's write end
 * reports POLLERR once the FIFO has no reader: svhttp learns which supervisors went away. */
static napi_value js_poll_now(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr, v;
  uint32_t n = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_array_length(env, argv[0], &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "pollNow(fds)");
    return NULL;
  }
  struct pollfd *p = calloc((size_t)n + 1, sizeof *p);
  if (p == NULL) return throw_errno(env, "calloc");
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    int fd = -1;
    napi_get_element(env, argv[0], i, &e);
    napi_get_value_int32(env, e, &fd);
    p[i].fd = fd;
    p[i].events = 0;
  }
  int r;
  do r = poll(p, (nfds_t)n, 0); while (r == -1 && errno == EINTR);
  if (r == -1) {
    free(p);
    return throw_errno(env, "poll");
  }
  napi_create_array(env, &arr);
  uint32_t k = 0;
  for (uint32_t i = 0; i < n && r > 0; i++) {
    if (p[i].revents == 0) continue;
    napi_create_int32(env, p[i].fd, &v);
    napi_set_element(env, arr, k++, v);
  }
  free(p);
  return arr;
}

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
      return throw_errno(env, step < 0 ? "fork" : STEPS[step]);
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
    return throw_errno(env, "posix_spawn");
  }
  napi_create_int32(env, pid, &out);
  return out;
}

/* killProbe(target): kill(target, 0) as a number, 0 or the errno (ESRCH: nothing there, EPERM:
 * there but not ours), so that "no such group" is not a thrown exception per restart. */
static napi_value js_kill_probe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  int target;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &target)) {
    napi_throw_type_error(env, NULL, "killProbe(target)");
    return NULL;
  }
  napi_create_int32(env, kill(target, 0) == 0 ? 0 : errno, &out);
  return out;
}

/* dirStamp(path): "dev:ino:mtimeNs" of path (stat(2), which opens nothing), or null when it
 * cannot be stat'ed: whether a directory's listing may have changed, without the Stats object
 * (its BigInts and Dates) Node builds for a stat. */
static napi_value js_dir_stamp(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  char path[4096], text[96];
  size_t len;
  struct stat st;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1) {
    napi_throw_type_error(env, NULL, "dirStamp(path)");
    return NULL;
  }
  if (stat(path, &st) != 0) {
    napi_get_null(env, &out);
    return out;
  }
  unsigned long long ns = (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec;
  snprintf(text, sizeof text, "%llu:%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino, ns);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out);
  return out;
}

/* statEntries(dir, names): stat(2) of each name in dir (following symlinks), from one open of dir:
 * a Float64Array of 6 per name, [errno (0: ok), isDirectory, dev, ino, mtimeMs, ctimeMs] (ms as
 * Node computes them). svscan's once-a-second pass, without a Stats object (and the path join)
 * per entry. */
static napi_value js_stat_entries(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out_buf, out;
  char dir[4096], name[1024];
  size_t len;
  uint32_t n = 0;
  bool is_array = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], dir, sizeof dir, &len) != napi_ok || len >= sizeof dir - 1 ||
      napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array) {
    napi_throw_type_error(env, NULL, "statEntries(dir, names)");
    return NULL;
  }
  napi_get_array_length(env, argv[1], &n);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return throw_errno(env, "open");
  double *v = NULL;
  if (napi_create_arraybuffer(env, (size_t)n * 6 * sizeof(double), (void **)&v, &out_buf) != napi_ok) {
    close(dfd);
    napi_throw_error(env, NULL, "statEntries: out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    struct stat st;
    double *row = v + (size_t)i * 6;
    memset(row, 0, 6 * sizeof(double));
    napi_get_element(env, argv[1], i, &e);
    if (napi_get_value_string_utf8(env, e, name, sizeof name, &len) != napi_ok || len >= sizeof name - 1 || len == 0) {
      row[0] = ENAMETOOLONG;
      continue;
    }
    if (fstatat(dfd, name, &st, 0) != 0) {
      row[0] = errno;
      continue;
    }
    row[1] = S_ISDIR(st.st_mode) ? 1 : 0;
    row[2] = (double)st.st_dev;
    row[3] = (double)st.st_ino;
    row[4] = (double)st.st_mtim.tv_sec * 1e3 + (double)st.st_mtim.tv_nsec / 1e6;
    row[5] = (double)st.st_ctim.tv_sec * 1e3 + (double)st.st_ctim.tv_nsec / 1e6;
  }
  close(dfd);
  napi_create_typedarray(env, napi_float64_array, (size_t)n * 6, out_buf, 0, &out);
  return out;
}

/* replaceFileSync(path, tmp, bytes): on the calling thread, bytes to tmp (created 0644, truncated,
 * O_NONBLOCK so a FIFO planted there fails), then tmp renamed to path; throws as Node's fs does
 * (code: the errno name). supervise/status as formats/status.ts writes it, in one call instead of
 * four through Node's fs (two at every restart of a crash loop). */
static napi_value js_replace_file_sync(napi_env env, napi_callback_info info) {
  size_t argc = 3, len;
  napi_value argv[3];
  char path[4096], tmp[4096];
  void *bytes = NULL;
  size_t n = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1 ||
      napi_get_value_string_utf8(env, argv[1], tmp, sizeof tmp, &len) != napi_ok || len >= sizeof tmp - 1 ||
      napi_get_typedarray_info(env, argv[2], NULL, &n, &bytes, NULL, NULL) != napi_ok) {
    napi_throw_type_error(env, NULL, "replaceFileSync(path, tmp, bytes)");
    return NULL;
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd == -1) return throw_errno(env, "open");
  for (size_t off = 0; off < n;) {
    ssize_t w = write(fd, (char *)bytes + off, n - off);
    if (w == -1 && errno == EINTR) continue;
    if (w == -1) {
      int e = errno;
      close(fd);
      errno = e;
      return throw_errno(env, "write");
    }
    off += (size_t)w;
  }
  if (close(fd) == -1 && errno != EINTR) return throw_errno(env, "close");
  if (rename(tmp, path) == -1) return throw_errno(env, "rename");
  return NULL;
}

/* pidfdOpen(pid): an fd that becomes readable when pid exits (pidfd_open(2)). */
static napi_value js_pidfd_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  int pid;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &pid)) {
    napi_throw_type_error(env, NULL, "pidfdOpen(pid)");
    return NULL;
  }
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd == -1) return throw_errno(env, "pidfd_open");
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  napi_create_int32(env, fd, &out);
  return out;
}

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* reap(pidfd): [exitCode, signal] of our exited child, or null while it still runs. */
static napi_value js_reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr, v, nul;
  int fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "reap(pidfd)");
    return NULL;
  }
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int r;
  do r = waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG); while (r == -1 && errno == EINTR);
  if (r == -1) return throw_errno(env, "waitid");
  napi_get_null(env, &nul);
  if (si.si_pid == 0) return nul;
  int exited = si.si_code == CLD_EXITED;
  napi_create_array_with_length(env, 2, &arr);
  if (exited) napi_create_int32(env, si.si_status, &v); else v = nul;
  napi_set_element(env, arr, 0, v);
  if (!exited) napi_create_int32(env, si.si_status, &v); else v = nul;
  napi_set_element(env, arr, 1, v);
  return arr;
}

/* reapPid(pid): [exitCode, signal] of our exited child pid, or null while it runs (waitpid
 * WNOHANG). The fallback for a child whose pidfd could not be opened (EMFILE). */
static napi_value js_reap_pid(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr, v, nul;
  int pid, st = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &pid) || pid <= 0) {
    napi_throw_type_error(env, NULL, "reapPid(pid) takes a positive integer");
    return NULL;
  }
  pid_t r;
  do r = waitpid(pid, &st, WNOHANG); while (r == -1 && errno == EINTR);
  if (r == -1) return throw_errno(env, "waitpid");
  napi_get_null(env, &nul);
  if (r == 0) return nul;
  napi_create_array_with_length(env, 2, &arr);
  if (WIFEXITED(st)) napi_create_int32(env, WEXITSTATUS(st), &v); else v = nul;
  napi_set_element(env, arr, 0, v);
  if (WIFSIGNALED(st)) napi_create_int32(env, WTERMSIG(st), &v); else v = nul;
  napi_set_element(env, arr, 1, v);
  return arr;
}

/* nofile(raise): [soft, hard] of RLIMIT_NOFILE (-1 for unlimited). With raise, the soft limit
 * is first set to the hard one (to fs.nr_open when the hard limit is unlimited). */
static napi_value js_nofile(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr, v;
  bool raise = false;
  struct rlimit lim;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_get_value_bool(env, argv[0], &raise);
  if (getrlimit(RLIMIT_NOFILE, &lim) == -1) return throw_errno(env, "getrlimit");
  if (raise && lim.rlim_cur != lim.rlim_max) {
    struct rlimit want = lim;
    want.rlim_cur = lim.rlim_max;
    if (lim.rlim_max == RLIM_INFINITY) {
      long nr = 0;
      FILE *f = fopen("/proc/sys/fs/nr_open", "re");
      if (f != NULL) {
        if (fscanf(f, "%ld", &nr) != 1) nr = 0;
        fclose(f);
      }
      want.rlim_cur = nr > 0 ? (rlim_t)nr : lim.rlim_cur;
    }
    if (setrlimit(RLIMIT_NOFILE, &want) == -1) return throw_errno(env, "setrlimit");
    lim = want;
  }
  napi_create_array_with_length(env, 2, &arr);
  napi_create_double(env, lim.rlim_cur == RLIM_INFINITY ? -1 : (double)lim.rlim_cur, &v);
  napi_set_element(env, arr, 0, v);
  napi_create_double(env, lim.rlim_max == RLIM_INFINITY ? -1 : (double)lim.rlim_max, &v);
  napi_set_element(env, arr, 1, v);
  return arr;
}

/* procScan(callback): reads every /proc/PID/stat on a libuv worker thread and calls
 * callback(Float64Array) with [clockTicksPerSecond, pageSize, then pid, ppid, pgid,
 * utime+stime (ticks), rss (pages) per process]. One scan serves every service's sample. */
typedef struct {
  napi_async_work work;
  napi_ref callback;
  double *out;
  size_t n, cap;
} scan_req;

static void scan_push(scan_req *req, double v) {
  if (req->n == req->cap) {
    size_t cap = req->cap ? req->cap * 2 : 4096;
    double *grown = realloc(req->out, cap * sizeof *grown);
    if (grown == NULL) return;
    req->out = grown;
    req->cap = cap;
  }
  req->out[req->n++] = v;
}

static void scan_execute(napi_env env, void *data) {
  (void)env;
  scan_req *req = data;
  scan_push(req, (double)sysconf(_SC_CLK_TCK));
  scan_push(req, (double)sysconf(_SC_PAGESIZE));
  DIR *d = opendir("/proc");
  if (d == NULL) return;
  struct dirent *e;
  char path[300], buf[1024];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) continue;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r <= 0) continue;
    buf[r] = 0;
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] == 0) continue;
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
     * cutime cstime priority nice threads itrealvalue starttime vsize rss */
    char state;
    long ppid, pgrp;
    unsigned long utime, stime, vsize;
    long rss;
    if (sscanf(p + 2, "%c %ld %ld %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d %*d %*u %lu %ld",
               &state, &ppid, &pgrp, &utime, &stime, &vsize, &rss) != 7) continue;
    if (state == 'Z' || state == 'X') continue;
    scan_push(req, (double)atol(e->d_name));
    scan_push(req, (double)ppid);
    scan_push(req, (double)pgrp);
    scan_push(req, (double)(utime + stime));
    scan_push(req, (double)rss);
  }
  closedir(d);
}

static void scan_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  scan_req *req = data;
  napi_value cb, ab, arr, global;
  void *bytes = NULL;
  napi_get_reference_value(env, req->callback, &cb);
  napi_create_arraybuffer(env, req->n * sizeof(double), &bytes, &ab);
  if (req->n > 0) memcpy(bytes, req->out, req->n * sizeof(double));
  napi_create_typedarray(env, napi_float64_array, req->n, ab, 0, &arr);
  napi_get_global(env, &global);
  napi_delete_reference(env, req->callback);
  napi_delete_async_work(env, req->work);
  free(req->out);
  free(req);
  napi_call_function(env, global, cb, 1, &arr, NULL);
}

static napi_value js_proc_scan(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "procScan(callback)");
    return NULL;
  }
  scan_req *req = calloc(1, sizeof *req);
  napi_create_reference(env, argv[0], 1, &req->callback);
  napi_create_string_utf8(env, "svkit.procScan", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, scan_execute, scan_complete, req, &req->work);
  napi_queue_async_work(env, req->work);
  return NULL;
}

/* procStat(pid): [state (a char code), pgrp, session, starttime (ticks)] from /proc/PID/stat, or
 * null when there is no such process; throws for anything else (EMFILE...). One read on the
 * calling thread, without Node's string and split: svscan records every child it starts. */
static napi_value js_proc_stat(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr, v, nul;
  int32_t pid = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_get_null(env, &nul);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, NULL, "procStat(pid)");
    return NULL;
  }
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT || errno == ESRCH) return nul;
    return throw_errno(env, "open");
  }
  ssize_t r;
  do r = read(fd, buf, sizeof buf - 1); while (r == -1 && errno == EINTR);
  int e = errno;
  close(fd);
  if (r == -1) {
    if (e == ESRCH) return nul;
    errno = e;
    return throw_errno(env, "read");
  }
  if (r <= 0) return nul;
  buf[r] = 0;
  char *p = strrchr(buf, ')');
  char state;
  long pgrp, session;
  unsigned long long start;
  /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
   * cutime cstime priority nice threads itrealvalue starttime */
  if (p == NULL || p[1] == 0 ||
      sscanf(p + 2, "%c %*d %ld %ld %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
             &state, &pgrp, &session, &start) != 4) return nul;
  napi_create_array_with_length(env, 4, &arr);
  napi_create_int32(env, (int32_t)(unsigned char)state, &v);
  napi_set_element(env, arr, 0, v);
  napi_create_double(env, (double)pgrp, &v);
  napi_set_element(env, arr, 1, v);
  napi_create_double(env, (double)session, &v);
  napi_set_element(env, arr, 2, v);
  napi_create_double(env, (double)start, &v);
  napi_set_element(env, arr, 3, v);
  return arr;
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
  if (argc < 2 || napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta || !arg_int(env, argv[1], &max) || max <= 0) {
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
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1) return throw_errno(env, "prctl");
  return NULL;
}

/* writeFile(path, tmp, bytes, callback): one job on a libuv worker thread, for the engine's own
 * files in supervise/. With tmp (a string): bytes go to tmp (created 0644, truncated), which is
 * then renamed to path, so readers see the old file or the new one. With tmp null: bytes are
 * appended to path (created 0644), which must be a regular file (EINVAL otherwise). Opened
 * O_NONBLOCK|O_NOFOLLOW: a FIFO or a link planted there fails instead of holding the thread.
 * callback(error or null, size of path after an append). One job instead of Node's four
 * (open, write, close, rename), each its own trip through the thread pool and its promises. */
typedef struct {
  napi_async_work work;
  napi_ref callback;
  char *path, *tmp;
  char *bytes;
  size_t len;
  int err;
  const char *syscall;
  double size;
} wf_req;

static void wf_fail(wf_req *r, const char *syscall, int fd) {
  r->err = errno;
  r->syscall = syscall;
  if (fd >= 0) close(fd);
}

static void wf_execute(napi_env env, void *data) {
  (void)env;
  wf_req *r = data;
  int append = r->tmp == NULL;
  int fd = open(append ? r->path : r->tmp, O_WRONLY | O_CREAT | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
  if (fd == -1) return wf_fail(r, "open", -1);
  struct stat st;
  if (append) {
    if (fstat(fd, &st) == -1) return wf_fail(r, "fstat", fd);
    if (!S_ISREG(st.st_mode)) {
      errno = EINVAL;
      return wf_fail(r, "open", fd);
    }
    r->size = (double)st.st_size + (double)r->len;
  }
  for (size_t off = 0; off < r->len;) {
    ssize_t n = write(fd, r->bytes + off, r->len - off);
    if (n == -1 && errno == EINTR) continue;
    if (n == -1) return wf_fail(r, "write", fd);
    off += (size_t)n;
  }
  if (close(fd) == -1 && errno != EINTR) return wf_fail(r, "close", -1);
  if (!append && rename(r->tmp, r->path) == -1) return wf_fail(r, "rename", -1);
}

static void wf_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  wf_req *r = data;
  napi_value cb, global, args[2];
  napi_get_reference_value(env, r->callback, &cb);
  if (r->err != 0) {
    const char *name = strerrorname_np(r->err);
    char msg[256];
    napi_value code, text;
    snprintf(msg, sizeof msg, "%s: %s, %s", name ? name : "EUNKNOWN", strerror(r->err), r->syscall);
    napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
    napi_create_error(env, code, text, &args[0]);
  } else {
    napi_get_null(env, &args[0]);
  }
  napi_create_double(env, r->size, &args[1]);
  napi_get_global(env, &global);
  napi_delete_reference(env, r->callback);
  napi_delete_async_work(env, r->work);
  free(r->path);
  free(r->tmp);
  free(r->bytes);
  free(r);
  napi_call_function(env, global, cb, 2, args, NULL);
}

static char *get_string(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s != NULL) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static napi_value js_write_file(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], name;
  napi_valuetype tmp_type;
  void *bytes = NULL;
  size_t len = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || napi_typeof(env, argv[1], &tmp_type) != napi_ok || napi_get_buffer_info(env, argv[2], &bytes, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "writeFile(path, tmp, bytes, callback)");
    return NULL;
  }
  wf_req *r = calloc(1, sizeof *r);
  r->path = get_string(env, argv[0]);
  r->tmp = tmp_type == napi_string ? get_string(env, argv[1]) : NULL;
  r->bytes = malloc(len ? len : 1);
  r->len = len;
  if (r->path == NULL || r->bytes == NULL || (tmp_type == napi_string && r->tmp == NULL)) {
    free(r->path);
    free(r->tmp);
    free(r->bytes);
    free(r);
    errno = ENOMEM;
    return throw_errno(env, "malloc");
  }
  memcpy(r->bytes, bytes, len);
  napi_create_reference(env, argv[3], 1, &r->callback);
  napi_create_string_utf8(env, "svkit.writeFile", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, wf_execute, wf_complete, r, &r->work);
  napi_queue_async_work(env, r->work);
  return NULL;
}

/* readFile(path, cap, callback): a file of a service dir in one thread-pool job, as
 * os/servicefile.ts reads it: opened O_NONBLOCK|O_NOCTTY (a FIFO cannot hold the thread), checked
 * on the descriptor to be a regular file, at most cap bytes read (one past it says too big).
 * callback(error or null, kind, data): kind 0 ok (data a Buffer), 1 absent (ENOENT, ENOTDIR),
 * 2 too big, then not regular: 3 directory, 4 fifo, 5 character device, 6 block device,
 * 7 socket (ENXIO at open too), 8 other. One job instead of Node's five (open, stat, read,
 * read, close): every start reads its service dir's files so. */
typedef struct {
  napi_async_work work;
  napi_ref callback;
  char *path;
  size_t cap;
  int kind;
  char *data;
  size_t len;
  int err;
  const char *syscall;
} rf_req;

static int rf_type(mode_t m) {
  if (S_ISDIR(m)) return 3;
  if (S_ISFIFO(m)) return 4;
  if (S_ISCHR(m)) return 5;
  if (S_ISBLK(m)) return 6;
  if (S_ISSOCK(m)) return 7;
  return 8;
}

static void rf_fail(rf_req *r, const char *syscall, int fd) {
  r->err = errno;
  r->syscall = syscall;
  if (fd >= 0) close(fd);
}

static void rf_execute(napi_env env, void *data) {
  (void)env;
  rf_req *r = data;
  int fd = open(r->path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT || errno == ENOTDIR) r->kind = 1;
    else if (errno == ENXIO) r->kind = 7;
    else rf_fail(r, "open", -1);
    return;
  }
  struct stat st;
  if (fstat(fd, &st) == -1) return rf_fail(r, "fstat", fd);
  if (!S_ISREG(st.st_mode)) {
    r->kind = rf_type(st.st_mode);
    close(fd);
    return;
  }
  if ((unsigned long long)st.st_size > (unsigned long long)r->cap) {
    r->kind = 2;
    close(fd);
    return;
  }
  /* The size can grow between fstat and read (or lie, as in /proc): room for one byte past the cap. */
  size_t want = (size_t)st.st_size > 4096 ? (size_t)st.st_size : 4096;
  if (want > r->cap) want = r->cap;
  size_t room = want + 1, got = 0;
  r->data = malloc(room);
  if (r->data == NULL) {
    errno = ENOMEM;
    return rf_fail(r, "malloc", fd);
  }
  for (;;) {
    ssize_t n = read(fd, r->data + got, room - got);
    if (n == -1 && errno == EINTR) continue;
    if (n == -1) return rf_fail(r, "read", fd);
    if (n == 0) break;
    got += (size_t)n;
    if (got > r->cap) {
      r->kind = 2;
      close(fd);
      return;
    }
    if (got == room) break;
  }
  if (close(fd) == -1 && errno != EINTR) return rf_fail(r, "close", -1);
  r->len = got;
  r->kind = 0;
}

static void rf_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  rf_req *r = data;
  napi_value cb, global, args[3];
  napi_get_reference_value(env, r->callback, &cb);
  napi_get_null(env, &args[0]);
  napi_get_null(env, &args[2]);
  if (r->err != 0) {
    const char *name = strerrorname_np(r->err);
    char msg[4200];
    napi_value code, text;
    snprintf(msg, sizeof msg, "%s: %s, %s '%s'", name ? name : "EUNKNOWN", strerror(r->err), r->syscall, r->path);
    napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
    napi_create_error(env, code, text, &args[0]);
  } else if (r->kind == 0) {
    void *copy = NULL;
    napi_create_buffer_copy(env, r->len, r->len ? r->data : "", &copy, &args[2]);
  }
  napi_create_int32(env, r->err != 0 ? -1 : r->kind, &args[1]);
  napi_get_global(env, &global);
  napi_delete_reference(env, r->callback);
  napi_delete_async_work(env, r->work);
  free(r->path);
  free(r->data);
  free(r);
  napi_call_function(env, global, cb, 3, args, NULL);
}

static napi_value js_read_file(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], name;
  double cap = 0;
  bool is_buffer = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_double(env, argv[1], &cap) != napi_ok || cap < 0) {
    napi_throw_type_error(env, NULL, "readFile(path, cap, callback)");
    return NULL;
  }
  rf_req *r = calloc(1, sizeof *r);
  if (r == NULL) {
    errno = ENOMEM;
    return throw_errno(env, "malloc");
  }
  napi_is_buffer(env, argv[0], &is_buffer);
  if (is_buffer) {
    void *bytes = NULL;
    size_t len = 0;
    napi_get_buffer_info(env, argv[0], &bytes, &len);
    r->path = malloc(len + 1);
    if (r->path != NULL) {
      memcpy(r->path, bytes, len);
      r->path[len] = 0;
    }
  } else {
    r->path = get_string(env, argv[0]);
  }
  if (r->path == NULL) {
    free(r);
    napi_throw_type_error(env, NULL, "readFile(path, cap, callback)");
    return NULL;
  }
  r->cap = (size_t)cap;
  napi_create_reference(env, argv[2], 1, &r->callback);
  napi_create_string_utf8(env, "svkit.readFile", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, rf_execute, rf_complete, r, &r->work);
  napi_queue_async_work(env, r->work);
  return NULL;
}

/* writeFiles([path, tmp, bytes, path, tmp, bytes, ...], callback): writeFile's replace for
 * several files in one job, in order: each one's bytes to its tmp, then renamed to its path.
 * The first failure ends the job (the files after it are not written). callback(error or null).
 * A supervisor letting go writes status, stat and pid at once: one trip through the thread pool
 * and one completion on the main thread instead of three. */
typedef struct {
  napi_async_work work;
  napi_ref callback;
  size_t n;
  char **paths, **tmps, **bytes;
  size_t *lens;
  int err;
  const char *syscall;
} wfs_req;

static void wfs_free(wfs_req *r) {
  for (size_t i = 0; i < r->n; i++) {
    if (r->paths) free(r->paths[i]);
    if (r->tmps) free(r->tmps[i]);
    if (r->bytes) free(r->bytes[i]);
  }
  free(r->paths);
  free(r->tmps);
  free(r->bytes);
  free(r->lens);
  free(r);
}

static void wfs_execute(napi_env env, void *data) {
  (void)env;
  wfs_req *r = data;
  for (size_t i = 0; i < r->n; i++) {
    int fd = open(r->tmps[i], O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd == -1) {
      r->err = errno;
      r->syscall = "open";
      return;
    }
    for (size_t off = 0; off < r->lens[i];) {
      ssize_t k = write(fd, r->bytes[i] + off, r->lens[i] - off);
      if (k == -1 && errno == EINTR) continue;
      if (k == -1) {
        r->err = errno;
        r->syscall = "write";
        close(fd);
        return;
      }
      off += (size_t)k;
    }
    if (close(fd) == -1 && errno != EINTR) {
      r->err = errno;
      r->syscall = "close";
      return;
    }
    if (rename(r->tmps[i], r->paths[i]) == -1) {
      r->err = errno;
      r->syscall = "rename";
      return;
    }
  }
}

static void wfs_complete(napi_env env, napi_status status, void *data) {
  (void)status;
  wfs_req *r = data;
  napi_value cb, global, arg;
  napi_get_reference_value(env, r->callback, &cb);
  if (r->err != 0) {
    const char *name = strerrorname_np(r->err);
    char msg[256];
    napi_value code, text;
    snprintf(msg, sizeof msg, "%s: %s, %s", name ? name : "EUNKNOWN", strerror(r->err), r->syscall);
    napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
    napi_create_error(env, code, text, &arg);
  } else {
    napi_get_null(env, &arg);
  }
  napi_get_global(env, &global);
  napi_delete_reference(env, r->callback);
  napi_delete_async_work(env, r->work);
  wfs_free(r);
  napi_call_function(env, global, cb, 1, &arg, NULL);
}

static napi_value js_write_files(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name;
  uint32_t len = 0;
  bool is_array = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array || napi_get_array_length(env, argv[0], &len) != napi_ok || len % 3 != 0) {
    napi_throw_type_error(env, NULL, "writeFiles([path, tmp, bytes, ...], callback)");
    return NULL;
  }
  wfs_req *r = calloc(1, sizeof *r);
  if (r == NULL) {
    errno = ENOMEM;
    return throw_errno(env, "malloc");
  }
  r->n = len / 3;
  r->paths = calloc(r->n ? r->n : 1, sizeof *r->paths);
  r->tmps = calloc(r->n ? r->n : 1, sizeof *r->tmps);
  r->bytes = calloc(r->n ? r->n : 1, sizeof *r->bytes);
  r->lens = calloc(r->n ? r->n : 1, sizeof *r->lens);
  int bad = r->paths == NULL || r->tmps == NULL || r->bytes == NULL || r->lens == NULL;
  for (size_t i = 0; !bad && i < r->n; i++) {
    napi_value p, t, b;
    void *data = NULL;
    size_t blen = 0;
    napi_get_element(env, argv[0], (uint32_t)(3 * i), &p);
    napi_get_element(env, argv[0], (uint32_t)(3 * i + 1), &t);
    napi_get_element(env, argv[0], (uint32_t)(3 * i + 2), &b);
    if (napi_get_buffer_info(env, b, &data, &blen) != napi_ok) {
      wfs_free(r);
      napi_throw_type_error(env, NULL, "writeFiles([path, tmp, bytes, ...], callback)");
      return NULL;
    }
    r->paths[i] = get_string(env, p);
    r->tmps[i] = get_string(env, t);
    r->bytes[i] = malloc(blen ? blen : 1);
    r->lens[i] = blen;
    bad = r->paths[i] == NULL || r->tmps[i] == NULL || r->bytes[i] == NULL;
    if (!bad) memcpy(r->bytes[i], data, blen);
  }
  if (bad) {
    wfs_free(r);
    errno = ENOMEM;
    return throw_errno(env, "malloc");
  }
  napi_create_reference(env, argv[1], 1, &r->callback);
  napi_create_string_utf8(env, "svkit.writeFiles", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, wfs_execute, wfs_complete, r, &r->work);
  napi_queue_async_work(env, r->work);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"flock", NULL, js_flock, NULL, NULL, NULL, napi_default, NULL},
    {"mkfifo", NULL, js_mkfifo, NULL, NULL, NULL, napi_default, NULL},
    {"pipe", NULL, js_pipe, NULL, NULL, NULL, napi_default, NULL},
    {"setBlocking", NULL, js_set_blocking, NULL, NULL, NULL, napi_default, NULL},
    {"tee", NULL, js_tee, NULL, NULL, NULL, napi_default, NULL},
    {"pollIn", NULL, js_poll_in, NULL, NULL, NULL, napi_default, NULL},
    {"pollNow", NULL, js_poll_now, NULL, NULL, NULL, napi_default, NULL},
    {"spawn", NULL, js_spawn, NULL, NULL, NULL, napi_default, NULL},
    {"pidfdOpen", NULL, js_pidfd_open, NULL, NULL, NULL, napi_default, NULL},
    {"killProbe", NULL, js_kill_probe, NULL, NULL, NULL, napi_default, NULL},
    {"dirStamp", NULL, js_dir_stamp, NULL, NULL, NULL, napi_default, NULL},
    {"statEntries", NULL, js_stat_entries, NULL, NULL, NULL, napi_default, NULL},
    {"replaceFileSync", NULL, js_replace_file_sync, NULL, NULL, NULL, napi_default, NULL},
    {"procStat", NULL, js_proc_stat, NULL, NULL, NULL, napi_default, NULL},
    {"readFile", NULL, js_read_file, NULL, NULL, NULL, napi_default, NULL},
    {"reap", NULL, js_reap, NULL, NULL, NULL, napi_default, NULL},
    {"reapPid", NULL, js_reap_pid, NULL, NULL, NULL, napi_default, NULL},
    {"reapOrphans", NULL, js_reap_orphans, NULL, NULL, NULL, napi_default, NULL},
    {"subreaper", NULL, js_subreaper, NULL, NULL, NULL, napi_default, NULL},
    {"nofile", NULL, js_nofile, NULL, NULL, NULL, napi_default, NULL},
    {"procScan", NULL, js_proc_scan, NULL, NULL, NULL, napi_default, NULL},
    {"writeFile", NULL, js_write_file, NULL, NULL, NULL, napi_default, NULL},
    {"writeFiles", NULL, js_write_files, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  tcpcheck_init(env, exports);
  napi_value yes;
  napi_get_boolean(env, true, &yes);
  napi_set_named_property(env, exports, "environ", yes);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
