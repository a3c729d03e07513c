/* What /proc says of processes: a scan of every /proc/PID/stat off the main thread (the
 * health sampler), and one process's state, group, session and start time. */
#include "svkit.h"

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
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "procScan(callback)");
    return NULL;
  }
  scan_req *req = calloc(1, sizeof *req);
  napi_create_reference(env, argv[0], 1, &req->callback);
  req->work = svkit_queue_work(env, "svkit.procScan", scan_execute, scan_complete, req);
  return NULL;
}

/* procStat(pid): [state (a char code), pgrp, session, starttime (ticks)] from /proc/PID/stat, or
 * null when there is no such process; throws for anything else (EMFILE...). One read on the
 * calling thread, without Node's string and split: svscan records every child it starts. */
static napi_value js_proc_stat(napi_env env, napi_callback_info info) {
  napi_value argv[1], arr, v, nul;
  int pid = 0;
  napi_get_null(env, &nul);
  if (!svkit_int_args(env, info, 1, argv, &pid) || pid <= 0) {
    napi_throw_type_error(env, NULL, "procStat(pid)");
    return NULL;
  }
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT || errno == ESRCH) return nul;
    return svkit_throw_errno(env, "open");
  }
  ssize_t r;
  do r = read(fd, buf, sizeof buf - 1); while (r == -1 && errno == EINTR);
  int e = errno;
  close(fd);
  if (r == -1) {
    if (e == ESRCH) return nul;
    errno = e;
    return svkit_throw_errno(env, "read");
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

void svkit_define_proc(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    SVKIT_FN("procStat", js_proc_stat),
    SVKIT_FN("procScan", js_proc_scan),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
