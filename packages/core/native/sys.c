/* The few Linux system calls Node 20 lacks and svkit needs: flock(2), mkfifo(3),
 * pipe2(2). Errors are thrown as Error objects whose `code` is the errno name
 * ("EAGAIN"), like Node's own fs errors, so callers narrow them the same way. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

static napi_value throw_errno(napi_env env, const char *syscall) {
  int e = errno;
  const char *name = strerrorname_np(e);
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s, %s", name ? name : "EUNKNOWN", strerror(e), syscall);
  napi_throw_error(env, name ? name : "EUNKNOWN", msg);
  return NULL;
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

/* pipe(): [readFd, writeFd], both close-on-exec. */
static napi_value js_pipe(napi_env env, napi_callback_info info) {
  int fds[2];
  napi_value arr, v;
  (void)info;
  if (pipe2(fds, O_CLOEXEC) == -1) return throw_errno(env, "pipe2");
  napi_create_array_with_length(env, 2, &arr);
  for (int i = 0; i < 2; i++) {
    napi_create_int32(env, fds[i], &v);
    napi_set_element(env, arr, (uint32_t)i, v);
  }
  return arr;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"flock", NULL, js_flock, NULL, NULL, NULL, napi_default, NULL},
    {"mkfifo", NULL, js_mkfifo, NULL, NULL, NULL, napi_default, NULL},
    {"pipe", NULL, js_pipe, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
