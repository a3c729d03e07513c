/* Readiness on the main thread's own event loop: watchFd(fd, callback) puts fd in libuv's epoll
 * (uv_poll_t), so a child's exit (its pidfd) or a log FIFO's data wakes the main thread
 * directly, with no worker thread in between (pollIn in fd.c costs a wake of a pool thread,
 * then a wake of the main thread, and a new job for every change of the set). Level-triggered,
 * as poll(2) is: callback runs at each turn of the loop while fd is readable (or hung up), until
 * pauseFd(fd, true) or unwatchFd(fd); a handler that does not consume must pause. An error on
 * fd (EBADF) calls callback too, as a POLLNVAL would. One JS thread (the main one) uses these. */
#include "svkit.h"
#include <uv.h>

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int fd;
  int paused;
} watch_t;

/* The watches by fd: a service's fds are few, and an fd indexes its slot. */
static watch_t **watches;
static size_t nwatches;

static watch_t *find(int fd) {
  return fd >= 0 && (size_t)fd < nwatches ? watches[fd] : NULL;
}

static void on_ready(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  watch_t *w = handle->data;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_value cb, global, result;
  napi_open_handle_scope(env, &scope);
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &global);
  /* make_callback runs the microtasks and nextTicks the callback queued, as for any I/O. w may be
   * unwatched inside: it is freed only when libuv has closed its handle (on_closed). */
  if (napi_make_callback(env, w->context, global, cb, 0, NULL, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

static void on_closed(uv_handle_t *handle) {
  free(handle->data);
}

static int fd_arg(napi_env env, napi_callback_info info, size_t want, napi_value *argv, int *fd) {
  return svkit_int_args(env, info, want, argv, fd) && *fd >= 0;
}

/* watchFd(fd, callback): throws EEXIST if fd is watched already, or libuv's error (EPERM: a
 * regular file, which epoll cannot watch). */
static napi_value js_watch_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2], name;
  int fd;
  uv_loop_t *loop;
  if (!fd_arg(env, info, 2, argv, &fd)) {
    napi_throw_type_error(env, NULL, "watchFd(fd, callback)");
    return NULL;
  }
  if (find(fd) != NULL) {
    errno = EEXIST;
    return svkit_throw_errno(env, "watchFd");
  }
  if ((size_t)fd >= nwatches) {
    size_t n = nwatches ? nwatches : 64;
    while (n <= (size_t)fd) n *= 2;
    watch_t **grown = realloc(watches, n * sizeof *grown);
    if (grown == NULL) return errno = ENOMEM, svkit_throw_errno(env, "realloc");
    memset(grown + nwatches, 0, (n - nwatches) * sizeof *grown);
    watches = grown;
    nwatches = n;
  }
  watch_t *w = calloc(1, sizeof *w);
  if (w == NULL) return errno = ENOMEM, svkit_throw_errno(env, "calloc");
  napi_get_uv_event_loop(env, &loop);
  int err = uv_poll_init(loop, &w->poll, fd);
  if (err != 0) {
    free(w);
    errno = -err;
    return svkit_throw_errno(env, "uv_poll_init");
  }
  w->poll.data = w;
  err = uv_poll_start(&w->poll, UV_READABLE, on_ready);
  if (err != 0) {
    uv_close((uv_handle_t *)&w->poll, on_closed);
    errno = -err;
    return svkit_throw_errno(env, "uv_poll_start");
  }
  w->env = env;
  w->fd = fd;
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_create_string_utf8(env, "svkit.watchFd", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->context);
  watches[fd] = w;
  return NULL;
}

/* pauseFd(fd, paused): leaves fd out of the loop's epoll (a paused reader) or puts it back; an fd
 * not watched is left alone. */
static napi_value js_pause_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  bool paused = false;
  if (!fd_arg(env, info, 2, argv, &fd) || napi_get_value_bool(env, argv[1], &paused) != napi_ok) {
    napi_throw_type_error(env, NULL, "pauseFd(fd, paused)");
    return NULL;
  }
  watch_t *w = find(fd);
  if (w == NULL || w->paused == paused) return NULL;
  w->paused = paused;
  if (paused) uv_poll_stop(&w->poll);
  else uv_poll_start(&w->poll, UV_READABLE, on_ready);
  return NULL;
}

/* unwatchFd(fd): stops watching (an fd not watched: nothing); fd is out of epoll on return, so
 * the caller may close it. */
static napi_value js_unwatch_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!fd_arg(env, info, 1, argv, &fd)) {
    napi_throw_type_error(env, NULL, "unwatchFd(fd)");
    return NULL;
  }
  watch_t *w = find(fd);
  if (w == NULL) return NULL;
  watches[fd] = NULL;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  uv_close((uv_handle_t *)&w->poll, on_closed);
  return NULL;
}

void svkit_define_watch(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    SVKIT_FN("watchFd", js_watch_fd),
    SVKIT_FN("pauseFd", js_pause_fd),
    SVKIT_FN("unwatchFd", js_unwatch_fd),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
