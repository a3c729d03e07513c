/* Reading without blocking: a stamp of a directory, stat(2) of many entries from one open, a
 * service-dir file in one thread-pool job; and the one synchronous replace of a file. */
#include "svkit.h"

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
  if (dfd < 0) return svkit_throw_errno(env, "open");
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
  if (fd == -1) return svkit_throw_errno(env, "open");
  for (size_t off = 0; off < n;) {
    ssize_t w = write(fd, (char *)bytes + off, n - off);
    if (w == -1 && errno == EINTR) continue;
    if (w == -1) {
      int e = errno;
      close(fd);
      errno = e;
      return svkit_throw_errno(env, "write");
    }
    off += (size_t)w;
  }
  if (close(fd) == -1 && errno != EINTR) return svkit_throw_errno(env, "close");
  if (rename(tmp, path) == -1) return svkit_throw_errno(env, "rename");
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
    args[0] = svkit_errno_error(env, r->err, r->syscall, r->path);
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
  napi_value argv[3];
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
    return svkit_throw_errno(env, "malloc");
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
    r->path = svkit_get_string(env, argv[0]);
  }
  if (r->path == NULL) {
    free(r);
    napi_throw_type_error(env, NULL, "readFile(path, cap, callback)");
    return NULL;
  }
  r->cap = (size_t)cap;
  napi_create_reference(env, argv[2], 1, &r->callback);
  r->work = svkit_queue_work(env, "svkit.readFile", rf_execute, rf_complete, r);
  return NULL;
}

void svkit_define_files(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    SVKIT_FN("dirStamp", js_dir_stamp),
    SVKIT_FN("statEntries", js_stat_entries),
    SVKIT_FN("replaceFileSync", js_replace_file_sync),
    SVKIT_FN("readFile", js_read_file),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
