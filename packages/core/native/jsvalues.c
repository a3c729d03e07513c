/* What passes between C and JS in every room of the addon: errno as an Error whose `code` is
 * the errno name (thrown, or handed to a thread-pool job's callback), arguments read into C
 * values, and the start of a thread-pool job. */
#include "svkit.h"

static const char *errno_name(int e) {
  const char *name = strerrorname_np(e);
  return name ? name : "EUNKNOWN";
}

napi_value svkit_throw_errno(napi_env env, const char *syscall) {
  int e = errno;
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s, %s", errno_name(e), strerror(e), syscall);
  napi_throw_error(env, errno_name(e), msg);
  return NULL;
}

napi_value svkit_errno_error(napi_env env, int err, const char *syscall, const char *path) {
  char msg[4200];
  napi_value code, text, error;
  if (path != NULL) snprintf(msg, sizeof msg, "%s: %s, %s '%s'", errno_name(err), strerror(err), syscall, path);
  else snprintf(msg, sizeof msg, "%s: %s, %s", errno_name(err), strerror(err), syscall);
  napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  return error;
}

int svkit_arg_int(napi_env env, napi_value v, int *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

int svkit_int_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, int *out) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  return argc >= want && svkit_arg_int(env, argv[0], out);
}

char *svkit_get_string(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s != NULL) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

napi_async_work svkit_queue_work(napi_env env, const char *name, napi_async_execute_callback execute, napi_async_complete_callback complete, void *data) {
  napi_value resource;
  napi_async_work work;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, NULL, resource, execute, complete, data, &work);
  napi_queue_async_work(env, work);
  return work;
}
