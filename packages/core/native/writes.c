/* The engine's own files in one thread-pool job each: a replace (write tmp, rename) or an
 * append, and several replaces in order. */
#include "svkit.h"

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
    args[0] = svkit_errno_error(env, r->err, r->syscall, NULL);
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


static napi_value js_write_file(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_valuetype tmp_type;
  void *bytes = NULL;
  size_t len = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4 || napi_typeof(env, argv[1], &tmp_type) != napi_ok || napi_get_buffer_info(env, argv[2], &bytes, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "writeFile(path, tmp, bytes, callback)");
    return NULL;
  }
  wf_req *r = calloc(1, sizeof *r);
  r->path = svkit_get_string(env, argv[0]);
  r->tmp = tmp_type == napi_string ? svkit_get_string(env, argv[1]) : NULL;
  r->bytes = malloc(len ? len : 1);
  r->len = len;
  if (r->path == NULL || r->bytes == NULL || (tmp_type == napi_string && r->tmp == NULL)) {
    free(r->path);
    free(r->tmp);
    free(r->bytes);
    free(r);
    errno = ENOMEM;
    return svkit_throw_errno(env, "malloc");
  }
  memcpy(r->bytes, bytes, len);
  napi_create_reference(env, argv[3], 1, &r->callback);
  r->work = svkit_queue_work(env, "svkit.writeFile", wf_execute, wf_complete, r);
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
    arg = svkit_errno_error(env, r->err, r->syscall, NULL);
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
  napi_value argv[2];
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
    return svkit_throw_errno(env, "malloc");
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
    r->paths[i] = svkit_get_string(env, p);
    r->tmps[i] = svkit_get_string(env, t);
    r->bytes[i] = malloc(blen ? blen : 1);
    r->lens[i] = blen;
    bad = r->paths[i] == NULL || r->tmps[i] == NULL || r->bytes[i] == NULL;
    if (!bad) memcpy(r->bytes[i], data, blen);
  }
  if (bad) {
    wfs_free(r);
    errno = ENOMEM;
    return svkit_throw_errno(env, "malloc");
  }
  napi_create_reference(env, argv[1], 1, &r->callback);
  r->work = svkit_queue_work(env, "svkit.writeFiles", wfs_execute, wfs_complete, r);
  return NULL;
}

void svkit_define_writes(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    SVKIT_FN("writeFile", js_write_file),
    SVKIT_FN("writeFiles", js_write_files),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
