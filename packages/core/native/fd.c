/* Descriptors: flock(2), mkfifo(3), pipe2(2), O_NONBLOCK, tee(2), a poll(2) for readability
 * that runs off the main thread, and RLIMIT_NOFILE. */
#include "svkit.h"

/* flock(fd, op): op is LOCK_SH=1, LOCK_EX=2, LOCK_NB=4, LOCK_UN=8, as in <sys/file.h>. */
static napi_value js_flock(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int fd, op;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !svkit_arg_int(env, argv[0], &fd) || !svkit_arg_int(env, argv[1], &op)) {
    napi_throw_type_error(env, NULL, "flock(fd, op) takes two integers");
    return NULL;
  }
  int r;
  do r = flock(fd, op); while (r == -1 && errno == EINTR);
  if (r == -1) return svkit_throw_errno(env, "flock");
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
      !svkit_arg_int(env, argv[1], &mode)) {
    napi_throw_type_error(env, NULL, "mkfifo(path, mode) takes a string and an integer");
    return NULL;
  }
  if (mkfifo(path, (mode_t)mode) == -1) return svkit_throw_errno(env, "mkfifo");
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
  if (pipe2(fds, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)) == -1) return svkit_throw_errno(env, "pipe2");
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
  if (argc < 1 || !svkit_arg_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "setBlocking(fd, blocking)");
    return NULL;
  }
  if (argc >= 2) napi_get_value_bool(env, argv[1], &blocking);
  int fl = fcntl(fd, F_GETFL);
  if (fl == -1 || fcntl(fd, F_SETFL, blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK) == -1) return svkit_throw_errno(env, "fcntl");
  return NULL;
}

/* tee(fdIn, fdOut, len): copies up to len bytes from the pipe fdIn into the pipe fdOut without
 * consuming them; returns the count, 0 at EOF, -1 when nothing is there (EAGAIN). */
static napi_value js_tee(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  int in, o, len;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !svkit_arg_int(env, argv[0], &in) || !svkit_arg_int(env, argv[1], &o) || !svkit_arg_int(env, argv[2], &len)) {
    napi_throw_type_error(env, NULL, "tee(fdIn, fdOut, len) takes three integers");
    return NULL;
  }
  ssize_t r;
  do r = tee(in, o, (size_t)len, SPLICE_F_NONBLOCK); while (r == -1 && errno == EINTR);
  if (r == -1 && errno == EAGAIN) r = -1;
  else if (r == -1) return svkit_throw_errno(env, "tee");
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
  napi_value argv[3];
  uint32_t n = 0;
  int wake;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_array_length(env, argv[0], &n) != napi_ok || !svkit_arg_int(env, argv[1], &wake)) {
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
  req->work = svkit_queue_work(env, "svkit.pollIn", poll_execute, poll_complete, req);
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
  if (p == NULL) return svkit_throw_errno(env, "calloc");
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
    return svkit_throw_errno(env, "poll");
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

/* nofile(raise): [soft, hard] of RLIMIT_NOFILE (-1 for unlimited). With raise, the soft limit
 * is first set to the hard one (to fs.nr_open when the hard limit is unlimited). */
static napi_value js_nofile(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], arr, v;
  bool raise = false;
  struct rlimit lim;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_get_value_bool(env, argv[0], &raise);
  if (getrlimit(RLIMIT_NOFILE, &lim) == -1) return svkit_throw_errno(env, "getrlimit");
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
    if (setrlimit(RLIMIT_NOFILE, &want) == -1) return svkit_throw_errno(env, "setrlimit");
    lim = want;
  }
  napi_create_array_with_length(env, 2, &arr);
  napi_create_double(env, lim.rlim_cur == RLIM_INFINITY ? -1 : (double)lim.rlim_cur, &v);
  napi_set_element(env, arr, 0, v);
  napi_create_double(env, lim.rlim_max == RLIM_INFINITY ? -1 : (double)lim.rlim_max, &v);
  napi_set_element(env, arr, 1, v);
  return arr;
}

void svkit_define_fd(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    SVKIT_FN("flock", js_flock),
    SVKIT_FN("mkfifo", js_mkfifo),
    SVKIT_FN("pipe", js_pipe),
    SVKIT_FN("setBlocking", js_set_blocking),
    SVKIT_FN("tee", js_tee),
    SVKIT_FN("pollIn", js_poll_in),
    SVKIT_FN("pollNow", js_poll_now),
    SVKIT_FN("nofile", js_nofile),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
