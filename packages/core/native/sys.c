/* The few Linux system calls Node 20 lacks and svkit needs, as one Node-API module. This file
 * registers every room's functions: fd.c (descriptors, poll), spawn.c (starting children),
 * reap.c (reaping them), proc.c (/proc), files.c (reads without blocking), writes.c (the
 * engine's own files), watch.c (readiness on the main loop) and tcpcheck.c (the connects of
 * health/tcp), all on jsvalues.c's errors and arguments. See svkit.h. */
#include "svkit.h"

static napi_value init(napi_env env, napi_value exports) {
  svkit_define_fd(env, exports);
  svkit_define_spawn(env, exports);
  svkit_define_reap(env, exports);
  svkit_define_proc(env, exports);
  svkit_define_files(env, exports);
  svkit_define_writes(env, exports);
  svkit_define_watch(env, exports);
  tcpcheck_init(env, exports);
  /* spawn takes envp null for this process's environment (environ). */
  napi_value yes;
  napi_get_boolean(env, true, &yes);
  napi_set_named_property(env, exports, "environ", yes);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
